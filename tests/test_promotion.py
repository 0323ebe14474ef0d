"""Type promotion (PyTorch's table, not numpy's), edge gradients and sigmoid's tails, each against PyTorch."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import autograd
from autograd.promotion import result_type

torch = pytest.importorskip("torch")

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]
SCALARS = [True, 3, 2.5]


def _values(dtype: str, shape: tuple[int, ...]) -> np.ndarray:
    return (np.arange(int(np.prod(shape)), dtype=np.int64) % 2 + 1).reshape(shape).astype(dtype)


def _torch_dtype(dtype: np.dtype) -> torch.dtype:
    return torch.from_numpy(np.zeros(1, dtype=dtype)).dtype


@pytest.mark.parametrize("shape_b", [(3,), ()], ids=["dims", "0-d"])
@pytest.mark.parametrize("da,db", list(itertools.product(DTYPES, DTYPES)))
def test_result_type_of_tensor_pairs_is_pytorchs(da: str, db: str, shape_b: tuple[int, ...]) -> None:
    a, b = _values(da, (3,)), _values(db, shape_b)
    expected = torch.result_type(torch.from_numpy(a), torch.from_numpy(b))
    assert _torch_dtype(result_type(a, b)) == expected
    assert _torch_dtype(result_type(b, a)) == expected
    if da != "bool" or db != "bool":  # PyTorch has no bool - bool; + and * of bools stay bool in both
        for op in ("__add__", "__mul__"):
            ours = getattr(autograd.tensor(a), op)(autograd.tensor(b))
            assert _torch_dtype(ours.dtype) == getattr(torch.from_numpy(a), op)(torch.from_numpy(b)).dtype


@pytest.mark.parametrize("scalar", SCALARS, ids=["bool", "int", "float"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_result_type_with_python_scalars_is_pytorchs(dtype: str, scalar: object) -> None:
    a = _values(dtype, (3,))
    expected = torch.result_type(torch.from_numpy(a), scalar)
    assert _torch_dtype(result_type(a, scalar)) == expected
    ours = autograd.tensor(a) * scalar
    assert _torch_dtype(ours.dtype) == (torch.from_numpy(a) * scalar).dtype
    ours = scalar + autograd.tensor(a)
    assert _torch_dtype(ours.dtype) == (scalar + torch.from_numpy(a)).dtype


@pytest.mark.parametrize("dtype", DTYPES)
def test_true_division_and_float_functions_of_integers_give_float32(dtype: str) -> None:
    a = _values(dtype, (3,))
    t = autograd.tensor(a)
    assert _torch_dtype((t / t).dtype) == (torch.from_numpy(a) / torch.from_numpy(a)).dtype
    for name in ("exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "sinh", "cosh"):
        assert _torch_dtype(getattr(t, name)().dtype) == getattr(torch, name)(torch.from_numpy(a)).dtype, name
    assert _torch_dtype((t**0.5).dtype) == (torch.from_numpy(a) ** 0.5).dtype


def test_promotion_examples() -> None:
    f = autograd.tensor([1.0, 2, 4, 8])
    assert (f + autograd.tensor([2, 2, 2, 2])).dtype == autograd.float32
    mask = autograd.tensor([True, False])
    assert autograd.exp(mask).dtype == autograd.float32
    assert (mask**2).dtype == autograd.int64
    clamped = autograd.tensor([3, -2, 1]).clamp(min=0.5)
    assert clamped.dtype == autograd.float32 and clamped.tolist() == [3.0, 0.5, 1.0]
    assert autograd.where(mask, 2, 1.5).dtype == autograd.float32
    assert autograd.cat([f, autograd.tensor([1, 2])]).dtype == autograd.float32
    assert (f * autograd.tensor(2.0, dtype=autograd.float64)).dtype == autograd.float32
    assert (autograd.tensor([1, 2]) + 2.5).dtype == autograd.float32
    assert (autograd.tensor([1, 2]) + True).dtype == autograd.int64


def _grad(fn, values):
    x = autograd.tensor(values, dtype=autograd.float64, requires_grad=True)
    fn(x, autograd).sum().backward()
    xt = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    fn(xt, torch).sum().backward()
    return x.grad.numpy(), xt.grad.numpy()


EDGE_CASES = {
    "pow_0": (lambda x, m: x**0, [0.0, 2.0]),
    "pow_self": (lambda x, m: m.pow(x, x), [0.0, 2.0]),
    "relu_sqrt": (lambda x, m: x.relu().sqrt(), [-1.0, 4.0]),
    "clamp_sqrt": (lambda x, m: x.clamp(min=0).sqrt(), [-1.0, 4.0]),
    "where_sqrt": (lambda x, m: m.where(x > 0, x, m.zeros_like(x)).sqrt(), [-1.0, 4.0]),
    "maximum_sqrt": (lambda x, m: m.maximum(x, m.zeros_like(x)).sqrt(), [-1.0, 4.0]),
    "minimum_sqrt": (lambda x, m: (-m.minimum(x, m.zeros_like(x))).sqrt(), [1.0, -4.0]),
    "max_nan": (lambda x, m: x.max(), [1.0, float("nan"), 3.0, float("nan")]),
}


@pytest.mark.parametrize("name", EDGE_CASES)
def test_edge_gradients_are_pytorchs(name: str) -> None:
    fn, values = EDGE_CASES[name]
    with np.errstate(divide="ignore", invalid="ignore"):  # the cases sit on poles (sqrt' at 0) by design
        ours, theirs = _grad(fn, values)
    np.testing.assert_allclose(ours, theirs, equal_nan=True)


def test_second_derivative_of_x_pow_1_at_0() -> None:
    x = autograd.tensor(0.0, dtype=autograd.float64, requires_grad=True)
    (dx,) = autograd.grad(x**1, x, create_graph=True)
    (dxx,) = autograd.grad(dx, x)
    assert dxx.item() == 0.0


def test_clamp_with_tensor_bounds_matches_pytorch() -> None:
    values, low, high = [-2.0, 0.5, 3.0], [0.0, 0.0, 1.0], [1.0, 1.0, 2.0]
    ours = [autograd.tensor(v, dtype=autograd.float64, requires_grad=True) for v in (values, low, high)]
    theirs = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (values, low, high)]
    (ours[0].clamp(ours[1], ours[2]) * autograd.tensor([1.0, 2.0, 3.0], dtype=autograd.float64)).sum().backward()
    (theirs[0].clamp(theirs[1], theirs[2]) * torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)).sum().backward()
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy())


@pytest.mark.parametrize("dtype,limit", [("float32", 100.0), ("float64", 745.0)])
def test_sigmoid_is_accurate_in_both_tails(dtype: str, limit: float) -> None:
    x = np.linspace(-limit, limit, 20001).astype(dtype)
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to subnormals is expected
        ours = autograd.tensor(x).sigmoid().numpy()
    reference = 1 / (1 + np.exp(-x.astype(np.longdouble)))
    ulps = np.abs(ours - reference) / np.spacing(np.abs(ours).astype(dtype)).astype(np.longdouble)
    assert ulps.max() <= 4


def test_bce_of_saturated_sigmoid_is_pytorchs() -> None:
    x = autograd.tensor([-20.0], requires_grad=True)
    import nn

    loss = nn.BCELoss()(x.sigmoid(), autograd.tensor([1.0]))
    loss.backward()
    assert loss.item() == pytest.approx(20.0, rel=1e-5)
    assert x.grad.item() == pytest.approx(-1.0, rel=1e-5)


@pytest.mark.parametrize("op", ["neg", "abs"])
def test_bool_negation_and_abs_raise(op: str) -> None:
    with pytest.raises((RuntimeError, NotImplementedError)):
        getattr(autograd.tensor([True, False]), op)()


def test_sub_of_bools_raises() -> None:
    with pytest.raises(RuntimeError, match="bool"):
        autograd.tensor([True]) - autograd.tensor([False])


def test_grad_mode_is_per_thread() -> None:
    import threading

    inside, release, seen = threading.Event(), threading.Event(), {}

    def other() -> None:
        with autograd.no_grad():
            inside.set()
            release.wait(5)
            seen["other"] = autograd.is_grad_enabled()
            y = autograd.tensor([1.0], requires_grad=True) * 2
            seen["other_records"] = y.requires_grad
        x = autograd.tensor([1.0, 2.0], requires_grad=True)
        (x * x).sum().backward()
        seen["other_grad"] = x.grad.tolist()

    thread = threading.Thread(target=other)
    thread.start()
    inside.wait(5)
    y = autograd.tensor([1.0], requires_grad=True) * 2  # this thread still records while the other is in no_grad
    assert autograd.is_grad_enabled() and y.requires_grad
    release.set()
    thread.join(5)
    assert seen == {"other": False, "other_records": False, "other_grad": [2.0, 4.0]}
    assert autograd.is_grad_enabled()
    with autograd.inference_mode():
        assert not autograd.is_grad_enabled()


@pytest.mark.parametrize("p,t,which", [(0.5, float("nan"), "target"), (0.5, 2.0, "target"), (1.5, 1.0, "input")])
def test_bce_rejects_values_outside_0_1(p: float, t: float, which: str) -> None:
    import nn

    with pytest.raises(RuntimeError, match=f"{which} should be between 0 and 1"):
        nn.BCELoss()(autograd.tensor([p]), autograd.tensor([t]))
