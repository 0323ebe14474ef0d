"""The PyTorch API the books' code uses: Size, devices, factory arguments, __format__, init methods, distributions.

Each program runs with `L = autograd` and, where torch is installed, with `L = torch`; both must agree.
"""

from __future__ import annotations

import numpy as np
import pytest

import autograd

torch = pytest.importorskip("torch")


def both(program):
    """`program(autograd)` and `program(torch)`, which must give equal results."""
    ours, theirs = program(autograd), program(torch)
    assert ours == theirs, (ours, theirs)
    return ours


def test_shape_and_size_are_a_size_that_behaves_as_a_tuple():
    both(lambda L: (tuple(L.ones(2, 3).shape), L.ones(2, 3).size(1), L.ones(2, 3).size(-2), L.ones(2, 3).shape.numel()))
    shape = autograd.ones(2, 3).shape
    assert isinstance(shape, autograd.Size) and isinstance(shape, tuple) and shape == (2, 3)
    assert repr(shape) == "autograd.Size([2, 3])"


@pytest.mark.parametrize(
    "make",
    [
        lambda L: L.zeros(2, 3),
        lambda L: L.zeros((2, 3)),
        lambda L: L.zeros([2, 3]),
        lambda L: L.zeros(size=(2, 3)),
        lambda L: L.ones(2, 3, dtype=L.float64, device="cpu"),
        lambda L: L.randn(2, 3, requires_grad=True),
        lambda L: L.full((2, 3), 1.5),
        lambda L: L.empty(2, 3).normal_(0.0, 1.0),
        lambda L: L.empty(2, 3).uniform_(-1.0, 1.0),
        lambda L: L.normal(0.0, 1.0, size=(2, 3)),
    ],
    ids=["varargs", "tuple", "list", "size", "dtype_device", "requires_grad", "full", "normal_", "uniform_", "normal"],
)
def test_factories_take_pytorchs_arguments(make):
    both(lambda L: (tuple(make(L).shape), str(make(L).dtype).split(".")[-1], make(L).requires_grad))


@pytest.mark.parametrize(
    "call", [lambda L: L.randn(2.5), lambda L: L.zeros("3"), lambda L: L.ones(4).reshape(2.5, 2)], ids=str
)
def test_a_shape_that_is_not_ints_raises_a_type_error(call):
    for L in (autograd, torch):
        with pytest.raises(TypeError):
            call(L)


def test_the_cpu_is_the_device_and_cuda_is_refused_clearly():
    x = autograd.ones(2)
    assert str(x.device) == "cpu" and x.cpu() is x and x.to("cpu") is x
    assert x.to("cpu", autograd.float64).dtype == autograd.float64
    assert autograd.cuda.is_available() is False
    for move in (lambda: x.cuda(), lambda: x.to("cuda"), lambda: autograd.ones(2, device="cuda")):
        with pytest.raises(RuntimeError, match="cuda"):
            move()


def test_a_0d_tensor_formats_as_its_number():
    both(lambda L: (f"{L.tensor(3.14159):.2f}", f"{L.tensor(7):d}", f"{L.tensor(2.5)}"))
    with pytest.raises(TypeError):
        f"{autograd.ones(2):.2f}"


def test_init_methods_fill_in_place_from_the_seeded_generator():
    autograd.manual_seed(0)
    a = autograd.empty(1000).normal_(2.0, 0.5)
    autograd.manual_seed(0)
    b = autograd.empty(1000).normal_(2.0, 0.5)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert abs(a.numpy().mean() - 2.0) < 0.1 and abs(a.numpy().std() - 0.5) < 0.1
    u = autograd.empty(1000).uniform_(-1.0, 1.0).numpy()
    assert u.min() >= -1.0 and u.max() < 1.0


def test_d2l_multinomial_sampling():
    from autograd.distributions import multinomial

    autograd.manual_seed(0)
    counts = multinomial.Multinomial(1000, autograd.ones(6) / 6).sample()
    assert counts.shape == (6,) and counts.sum().item() == 1000
    assert (counts.numpy() > 100).all()
    normal = autograd.distributions.Normal(0.0, 1.0).sample((2000,)).numpy()
    assert abs(normal.mean()) < 0.1
