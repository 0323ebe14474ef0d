"""The PyTorch API the books' code uses: Size, devices, factory arguments, __format__, init methods, distributions.

Each program runs with `L = autograd` and, where torch is installed, with `L = torch`; both must agree.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import shapes

import autograd
import nn

try:
    import torch
except ImportError:
    torch = None


def both(program):
    """`program(autograd)` and `program(torch)`, which must give equal results (torch skipped when absent)."""
    if torch is None:
        pytest.skip("PyTorch (the test oracle) is not installed")
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
    for L in (autograd, torch) if torch is not None else (autograd,):
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


@given(shapes(max_dims=4), st.data())
def test_a_size_is_a_tuple_with_pytorchs_methods(shape, data):
    size = autograd.zeros(shape).shape
    assert type(size) is autograd.Size and size == shape and hash(size) == hash(shape)
    assert size.numel() == int(np.prod(shape)) and autograd.zeros(shape).size() == size
    start = data.draw(st.integers(-len(shape) - 1, len(shape) + 1))
    assert type(size[start:]) is autograd.Size and size[start:] == shape[start:]
    assert type(size + (5,)) is autograd.Size and size + (5,) == shape + (5,)
    assert type((5,) + size) is autograd.Size and type(size * 2) is autograd.Size
    if shape:
        assert size[-1] == shape[-1] and type(size[0]) is int
        assert autograd.zeros(shape).size(-1) == shape[-1]
    both(lambda L: (repr(L.Size(shape)).split(".")[-1], L.Size(shape).numel(), L.zeros(shape).reshape(size).shape))


@pytest.mark.parametrize(
    "call, error",
    [
        (lambda L: L.Size([2, 2.5]), TypeError),
        (lambda L: L.Size(["3"]), TypeError),
        (lambda L: L.Size([2]) + (1.5,), TypeError),
        (lambda L: L.ones(2, 3).size(2), IndexError),
        (lambda L: L.ones(2, 3).size(-3), IndexError),
        (lambda L: L.ones(2, 3).size(1.0), TypeError),
    ],
)
def test_a_bad_size_or_dimension_raises_pytorchs_error(call, error):
    for L in (autograd, torch) if torch is not None else (autograd,):
        with pytest.raises(error):
            call(L)


def test_size_takes_numpy_integers_as_pytorch_does():
    both(lambda L: tuple(L.Size([np.int64(2), np.int32(3)])))


@pytest.mark.parametrize("name", ["cpu", "cuda", "cuda:1", "mps", "meta"])
def test_devices_are_named_printed_and_compared_as_in_pytorch(name):
    both(
        lambda L: (
            repr(L.device(name)),
            str(L.device(name)),
            L.device(name).type,
            L.device(name).index,
            L.device(name) == L.device(name),
            L.device(name) == name,  # a device is not equal to its string (PyTorch)
            len({L.device(name), L.device(name)}),
        )
    )
    assert autograd.device("cuda", 1) == autograd.device("cuda:1") != autograd.device("cuda:0")


@pytest.mark.parametrize("name", ["gpu", "cuda:x", "cuda:-1", ""])
def test_a_malformed_device_string_raises_a_runtime_error(name):
    for L in (autograd, torch) if torch is not None else (autograd,):
        with pytest.raises(RuntimeError):
            L.device(name)


def try_gpu(L, i=0):
    """d2l's try_gpu: the i-th GPU if there is one, else the CPU."""
    if L.cuda.device_count() >= i + 1:
        return L.device(f"cuda:{i}")
    return L.device("cpu")


def try_all_gpus(L):
    """d2l's try_all_gpus: every GPU, or [cpu] without one."""
    devices = [L.device(f"cuda:{i}") for i in range(L.cuda.device_count())]
    return devices if devices else [L.device("cpu")]


def test_d2l_try_gpu_falls_back_to_the_cpu_and_tensors_and_modules_go_there():
    assert autograd.cuda.is_available() is False and autograd.cuda.device_count() == 0
    assert try_gpu(autograd) == autograd.device("cpu") and try_gpu(autograd, 3) == autograd.device("cpu")
    assert try_all_gpus(autograd) == [autograd.device("cpu")]
    x = autograd.ones(2, 3, device=try_gpu(autograd))
    assert x.device == try_gpu(autograd) and not x.is_cuda
    net = nn.Sequential(nn.Linear(3, 1))
    assert net.to(device=try_gpu(autograd)) is net and net(x).device == autograd.device("cpu")


def test_module_to_converts_parameters_and_gradients_in_place_as_in_pytorch():
    net = nn.Linear(3, 2)
    net(autograd.ones(4, 3)).sum().backward()
    weight = net.weight
    assert net.to("cpu", autograd.float64) is net and net.weight is weight
    assert net.weight.dtype == autograd.float64 and net.weight.grad.dtype == autograd.float64
    assert net.bias.dtype == autograd.float64
    with pytest.raises(TypeError, match="floating point"):
        net.to(autograd.int64)
    assert net.weight.dtype == autograd.float64  # the refused conversion changed nothing
    for move in (lambda: net.cuda(), lambda: net.to("cuda:0"), lambda: net.to(device=autograd.device("cuda"))):
        with pytest.raises(RuntimeError, match="'cpu'"):
            move()
    assert net.weight.dtype == autograd.float64 and net.cpu() is net


@pytest.mark.parametrize(
    "make",
    [
        lambda: autograd.zeros(2, device="cuda"),
        lambda: autograd.ones((2,), device=autograd.device("cuda", 0)),
        lambda: autograd.rand(2, device="cuda"),
        lambda: autograd.randn(size=(2,), device="cuda"),
        lambda: autograd.empty(2, device="cuda"),
        lambda: autograd.full((2,), 1.0, device="cuda"),
        lambda: autograd.arange(3, device="cuda"),
        lambda: autograd.tensor([1.0], device="cuda"),
        lambda: autograd.zeros_like(autograd.ones(2), device="cuda"),
        lambda: autograd.normal(0.0, 1.0, size=(2,), device="cuda"),
        lambda: autograd.ones(2).to("cuda", autograd.float64),
        lambda: autograd.ones(2).cuda(0),
        lambda: autograd.Generator(device="cuda"),
    ],
)
def test_every_factory_and_move_refuses_cuda_naming_the_cpu(make):
    with pytest.raises(RuntimeError, match="only supported device is 'cpu'"):
        make()


@given(shapes(max_dims=3), st.sampled_from(["float32", "float64"]))
def test_factories_take_size_varargs_and_keywords_alike(shape, dtype):
    for name in ("zeros", "ones", "empty", "rand", "randn"):
        factory = getattr(autograd, name)
        made = [factory(*shape, dtype=dtype), factory(shape), factory(list(shape)), factory(size=shape)]
        assert all(t.shape == shape for t in made), name
        assert made[0].dtype == np.dtype(dtype) and made[1].dtype == autograd.float32
        leaf = factory(size=shape, dtype=dtype, device="cpu", requires_grad=True)
        assert leaf.requires_grad and leaf.is_leaf and leaf.dtype == np.dtype(dtype)
    both(lambda L: [str(getattr(L, name)(size=shape).dtype).split(".")[-1] for name in ("zeros", "rand", "randn")])


def test_a_generator_makes_draws_repeatable_without_touching_the_global_one():
    def draws(seed):
        g = autograd.Generator().manual_seed(seed)
        return [autograd.rand(3, generator=g).numpy(), autograd.randn(2, generator=g).numpy()]

    autograd.manual_seed(5)
    global_first = autograd.rand(4).numpy()
    autograd.manual_seed(5)
    first = draws(0)
    assert all(np.array_equal(a, b) for a, b in zip(first, draws(0)))
    np.testing.assert_array_equal(autograd.rand(4).numpy(), global_first)
    assert not np.array_equal(first[0], draws(1)[0])


@pytest.mark.parametrize(
    "call",
    [
        lambda L: L.zeros(2, dtype=L.int64, requires_grad=True),
        lambda L: L.randn(2, size=(3,)),
        lambda L: L.normal(0.0, -1.0, size=(2,)),
        lambda L: L.empty(2).normal_(0.0, -1.0),
        lambda L: L.empty(2).uniform_(1.0, 0.0),
        lambda L: L.zeros(-1),
    ],
    ids=["int_requires_grad", "size_twice", "negative_std", "normal_negative_std", "uniform_reversed", "negative"],
)
def test_bad_factory_arguments_raise_pytorchs_error_types(call):
    if torch is None:
        pytest.skip("PyTorch (the test oracle) is not installed")
    with pytest.raises(Exception) as theirs:
        call(torch)
    with pytest.raises(theirs.type):
        call(autograd)


def test_d2l_trains_linear_regression_from_scratch():
    """d2l 3.4: parameters from normal(..., requires_grad=True), updated under no_grad, gradients zeroed."""
    autograd.manual_seed(0)
    true_w, true_b = autograd.tensor([2.0, -3.4]), 4.2
    X = autograd.normal(0, 1, (1000, len(true_w)))
    y = (X @ true_w + true_b).reshape((-1, 1)) + autograd.normal(0, 0.01, size=(1000, 1))
    w = autograd.normal(0, 0.01, size=(2, 1), requires_grad=True)
    b = autograd.zeros(1, requires_grad=True)
    lr, batch_size = 0.03, 10
    for _ in range(3):
        for i in range(0, 1000, batch_size):
            X_b, y_b = X[i : i + batch_size], y[i : i + batch_size]
            loss = ((X_b @ w + b - y_b) ** 2 / 2).sum()
            loss.backward()
            with autograd.no_grad():
                for param in (w, b):
                    param -= lr * param.grad / batch_size
                    param.grad.zero_()
    final = (((X @ w + b - y) ** 2) / 2).mean()
    assert f"{final:.3f}" == f"{final.item():.3f}" and final.item() < 1e-3
    np.testing.assert_allclose(w.detach().numpy().ravel(), [2.0, -3.4], atol=0.01)
    np.testing.assert_allclose(b.item(), 4.2, atol=0.01)


def test_d2l_initialises_parameters_through_data():
    net = nn.Sequential(nn.Linear(4, 3))
    autograd.manual_seed(0)
    assert net[0].weight.data.normal_(0, 0.01) is not None and net[0].bias.data.fill_(0) is not None
    assert abs(net[0].weight.detach().numpy().std() - 0.01) < 0.01 and (net[0].bias.detach().numpy() == 0).all()
    net[0].weight.data.uniform_(-0.5, 0.5)
    weights = net[0].weight.detach().numpy()
    assert weights.min() >= -0.5 and weights.max() < 0.5 and net[0].weight.requires_grad


@pytest.mark.parametrize(
    "name, dtype",
    [
        ("FloatTensor", "float32"),
        ("DoubleTensor", "float64"),
        ("LongTensor", "int64"),
        ("IntTensor", "int32"),
        ("BoolTensor", "bool"),
        ("HalfTensor", "float16"),
        ("ByteTensor", "uint8"),
    ],
)
def test_type_named_constructors_match_pytorch(name, dtype):
    both(
        lambda L: (
            getattr(L, name)([1, 0, 2]).tolist(),
            str(getattr(L, name)([1, 0]).dtype).split(".")[-1],
            tuple(getattr(L, name)(2, 3).shape),
            tuple(getattr(L, name)().shape),
            isinstance(L.ones(2).to(getattr(L, name)([1]).dtype), getattr(L, name)),
            isinstance(L.ones(2, dtype=L.float16), getattr(L, name)),
            L.is_tensor(getattr(L, name)([1])),
            L.numel(getattr(L, name)(2, 3)),
        )
    )
    assert str(getattr(autograd, name)([1]).dtype) == dtype


@pytest.mark.parametrize(
    "call",
    [
        lambda L: L.meshgrid(L.ones(2, 2), indexing="ij"),
        lambda L: L.meshgrid(L.ones(2), L.ones(2, dtype=L.float64), indexing="ij"),
        lambda L: L.meshgrid(L.ones(2), indexing="ji"),
    ],
    ids=["2d", "mixed_dtypes", "bad_indexing"],
)
def test_meshgrid_refuses_what_pytorch_refuses(call):
    for L in (autograd, torch) if torch is not None else (autograd,):
        with pytest.raises(RuntimeError):
            call(L)


@pytest.mark.parametrize(
    "fill", [lambda t: t.normal_(0.0, 1.0), lambda t: t.uniform_(-1.0, 1.0)], ids=["normal_", "uniform_"]
)
def test_init_methods_follow_pytorchs_autograd_rules(fill):
    leaf = autograd.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        fill(leaf)
    assert (leaf.detach().numpy() == 0).all()  # the refused write changed nothing
    with autograd.no_grad():
        fill(leaf)
    assert leaf.is_leaf and leaf.requires_grad and not (leaf.detach().numpy() == 0).all()
    with pytest.raises(RuntimeError, match="floating point"):
        fill(autograd.zeros(3, dtype=autograd.int64))
    x = autograd.ones(3, requires_grad=True)
    y = fill(x * 2)  # a random overwrite cuts the gradient to x, as in PyTorch
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros(3))


@pytest.mark.parametrize(
    "call",
    [
        lambda: autograd.rand(3, device="cuda"),
        lambda: autograd.randn(3, device="cuda"),
        lambda: autograd.normal(0.0, 1.0, size=(3,), device="cuda"),
        lambda: autograd.randint(0, 5, (3,), requires_grad=True),
        lambda: autograd.randperm(3, requires_grad=True),
        lambda: autograd.zeros(3, requires_grad=True).normal_(),
        lambda: autograd.zeros(3, requires_grad=True).uniform_(),
    ],
    ids=["rand_cuda", "randn_cuda", "normal_cuda", "randint_grad", "randperm_grad", "normal_leaf", "uniform_leaf"],
)
def test_a_refused_random_call_leaves_the_generator_as_it_was(call):
    autograd.manual_seed(7)
    expected = autograd.rand(4).numpy()
    autograd.manual_seed(7)
    with pytest.raises(RuntimeError):
        call()
    np.testing.assert_array_equal(autograd.rand(4).numpy(), expected)


@pytest.mark.parametrize(
    "make",
    [
        lambda L, x: x.new_zeros(2, 3),
        lambda L, x: x.new_zeros((2, 3), dtype=L.int64),
        lambda L, x: x.new_zeros(size=(4,)),
        lambda L, x: x.new_ones([2]),
        lambda L, x: x.new_ones(3, requires_grad=True),
        lambda L, x: x.new_empty(2, 1).zero_(),
        lambda L, x: x.new_full((2,), 2.7),
        lambda L, x: x.new_full((1, 2), 3, dtype=L.float32, device="cpu"),
        lambda L, x: x.new_tensor([1.5, -2.5]),
        lambda L, x: x.new_tensor(np.array([[1, 2]]), dtype=L.float64, requires_grad=True),
        lambda L, x: x.new_zeros(()),
    ],
    ids=[
        "varargs",
        "tuple_dtype",
        "size",
        "ones",
        "requires_grad",
        "empty",
        "full",
        "full_dtype",
        "tensor",
        "tensor_dtype",
        "0d",
    ],
)
@pytest.mark.parametrize("dtype", ["float64", "int64", "float32"])
def test_new_factories_default_to_the_tensors_dtype(make, dtype):
    def program(L):
        x = L.ones(2, dtype=getattr(L, dtype))
        try:
            y = make(L, x)
        except RuntimeError:  # requires_grad on an integer dtype
            return "RuntimeError"
        return tuple(y.shape), str(y.dtype).split(".")[-1], y.requires_grad, y.detach().numpy().tolist()

    both(program)


def test_new_tensor_copies_its_data():
    x, data = autograd.ones(2), np.array([1.0, 2.0], dtype=np.float32)
    y = x.new_tensor(data)
    data[0] = 5.0
    assert y.tolist() == [1.0, 2.0] and y.grad_fn is None


SETITEM_TARGETS = [
    ((5,), 0),
    ((5,), slice(0, 2)),
    ((3, 4), 0),
    ((3, 4), (slice(None), 0)),
    ((3, 4), np.array([0, 2])),
    ((3, 4), ...),
    ((3, 4), (1, 2)),
    ((3, 4), np.arange(12).reshape(3, 4) % 2 == 0),
    ((3, 4), np.zeros((3, 4), dtype=bool)),
]
SETITEM_VALUES = [(), (1,), (1, 1), (1, 1, 1), (2,), (2, 1), (1, 2), (4,), (1, 4), (1, 1, 4), (3, 1), (3, 4), (1, 3, 4)]


@pytest.mark.parametrize("target", SETITEM_TARGETS, ids=lambda t: f"{t[0]}-{type(t[1]).__name__}")
def test_item_assignment_drops_the_values_leading_ones_then_broadcasts_as_pytorch(target):
    """`t[i] = net(x)` with a (1, 1) result fills one element (d2l's sequence chapter); values, gradients of
    both operands and the shapes refused (RuntimeError) are PyTorch's."""
    shape, index = target

    def program(L, value_shape, grad):
        base = L.tensor(np.arange(np.prod(shape), dtype=np.float64).reshape(shape), requires_grad=grad)
        value = L.tensor(
            np.arange(np.prod(value_shape), dtype=np.float64).reshape(value_shape) + 100, requires_grad=grad
        )
        t = base * 1 if grad else base
        try:
            t[L.as_tensor(index) if isinstance(index, np.ndarray) else index] = value * 1 if grad else value
        except RuntimeError:
            return "RuntimeError"
        if not grad:
            return t.numpy().tolist()
        (t * L.tensor(np.arange(t.numel(), dtype=np.float64).reshape(shape))).sum().backward()
        return t.detach().numpy().tolist(), base.grad.numpy().tolist(), value.grad.numpy().tolist()

    for value_shape in SETITEM_VALUES:
        for grad in (False, True):
            both(lambda L, v=value_shape, g=grad: program(L, v, g))


def test_d2l_writes_a_one_by_one_prediction_into_a_vector():
    net = nn.Linear(4, 1)
    x, preds = autograd.randn(1, 4), autograd.zeros(3)
    for i in range(3):
        preds[i] = net(x)  # shape (1, 1)
    np.testing.assert_allclose(preds._data, np.repeat(net(x)._data.item(), 3), rtol=1e-6)
    preds.sum().backward()
    np.testing.assert_allclose(net.weight.grad._data, 3 * x._data, rtol=1e-6)


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "int64", "int32", "uint8", "bool"])
def test_type_names_the_tensor_type_and_converts_as_pytorch(dtype):
    def program(L):
        x = L.tensor([1.5, 0.0, 2.0]).to(getattr(L, dtype))
        name = x.type().split(".")[-1]
        converted = [
            x.type(L.float64),
            x.type(L.LongTensor),
            x.type(f"{L.__name__}.IntTensor"),
            x.type("torch.BoolTensor"),  # the book's spelling, unchanged
            x.type(dtype=L.float32),
        ]
        return (
            x.type().startswith(L.__name__ + "."),
            name,
            x.type(x.dtype) is x,
            [(str(y.dtype).split(".")[-1], y.tolist()) for y in converted],
        )

    both(program)


def test_type_refuses_unknown_names_and_cuda_types():
    x = autograd.ones(2)
    with pytest.raises(ValueError, match="invalid type"):
        x.type("autograd.NoSuchTensor")
    with pytest.raises(RuntimeError, match="cuda"):
        x.type("torch.cuda.FloatTensor")


def test_type_conversion_is_differentiable():
    x = autograd.tensor([1.0, 2.0], requires_grad=True)
    x.type("autograd.DoubleTensor").sum().backward()
    assert x.grad.dtype == autograd.float32 and x.grad.tolist() == [1.0, 1.0]
