"""Forward mode beyond single operations: tangent rules for every Function, Jacobians both ways, Hessians,
the forward-mode API and dual numbers.

Each operation's tangent against reverse mode (<u, J v> = <Jᵀ u, v>) is a property of the operation
database: tests/test_ops.py.
"""

from __future__ import annotations

import gc
import importlib
import math
import pkgutil
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import arrays, away_from_zero, floats, shapes

import autograd
from autograd import Dual, Scalar, forward
from autograd import math as amath
from autograd.function import Function


def _function_classes() -> list[type]:
    for module in pkgutil.walk_packages(autograd.ops.__path__, "autograd.ops."):
        importlib.import_module(module.name)
    found, stack = [], [Function]
    while stack:
        for cls in stack.pop().__subclasses__():
            stack.append(cls)
            if cls.__module__.startswith("autograd."):
                found.append(cls)
    return found


def test_every_operation_has_a_tangent_rule() -> None:
    """Each Function in the library states its jvp next to its backward (new operations included)."""
    missing = [cls.__qualname__ for cls in _function_classes() if cls.jvp is Function.jvp]
    assert not missing, f"no jvp rule: {missing}"


# ---- Jacobians and Hessians of drawn compositions -------------------------------------------------------------
def _weights(n: int, k: int) -> np.ndarray:
    return np.linspace(-1.0, 1.0, n * k).reshape(n, k)


SMOOTH_STEPS = {
    "tanh": lambda x: x.tanh(),
    "sin": lambda x: x.sin(),
    "exp": lambda x: (x / 4).exp(),
    "sqrt": lambda x: (x * x + 1).sqrt(),
    "polynomial": lambda x: x + x * x / 4 - x**3 / 10,
    "sigmoid": lambda x: x.sigmoid() * 2,
    "softmax": lambda x: autograd.softmax(x, dim=-1),
    "log_softmax": lambda x: autograd.log_softmax(x, dim=0),
    "logsumexp": lambda x: autograd.logsumexp(x, -1, keepdim=True) - x,
    "normalise": lambda x: (x - x.mean(-1, keepdim=True)) / (x.var(-1, keepdim=True, correction=0) + 1).sqrt(),
    "matmul": lambda x: x @ autograd.tensor(_weights(x.shape[-1], 2)),
    "broadcast": lambda x: x * autograd.tensor(np.arange(1.0, x.shape[-1] + 1)) + autograd.ones(2, *[1] * x.ndim),
    "transpose": lambda x: x.T,
    "flatten": lambda x: x.reshape(-1),
    "slice": lambda x: x[..., ::2] * x[..., :1],
    "cat": lambda x: autograd.cat([x, x.cos()], dim=-1),
    "stack": lambda x: autograd.stack([x, x * x], dim=0),
    "pad": lambda x: autograd.pad(x, (1, 0), value=0.5),
    "divide": lambda x: x / (x * x + 1),
}
KINKED_STEPS = {
    "relu": lambda x: autograd.relu(x),
    "abs": lambda x: abs(x),
    "maximum": lambda x: autograd.maximum(x, x.cos()),
    "where": lambda x: autograd.where(x > 0, x, x * 0.1),
    "clamp": lambda x: x.clamp(-1.0, 1.0),
    "max": lambda x: x.amax(-1, keepdim=True) + x,
}
ENDINGS = {
    "none": lambda x: x,
    "sum": lambda x: x.sum(),
    "mean of rows": lambda x: x.mean(0),
    "norm": lambda x: autograd.norm(x + 3),
    "logsumexp": lambda x: autograd.logsumexp(x),
}


@st.composite
def compositions(draw, steps: dict[str, Callable[..., Any]], endings: dict[str, Callable[..., Any]]):
    """A small input and a function chaining 1-4 drawn steps, then an ending (a reduction or none)."""
    x = draw(arrays(draw(shapes(min_dims=1, min_side=1)), floats(-1.5, 1.5)))
    names = draw(st.lists(st.sampled_from(sorted(steps)), min_size=1, max_size=4))
    ending = draw(st.sampled_from(sorted(endings)))

    def fn(t):
        for name in names:
            t = steps[name](t)
        return endings[ending](t)

    return x, fn


@given(compositions({**SMOOTH_STEPS, **KINKED_STEPS}, ENDINGS))
def test_jacfwd_equals_jacrev(drawn: tuple[np.ndarray, Callable[..., Any]]) -> None:
    """The Jacobian column by column (forward mode) and row by row (reverse mode) agree."""
    x, fn = drawn
    by_columns = forward.jacfwd(fn)(autograd.tensor(x))
    by_rows = forward.jacrev(fn)(autograd.tensor(x))
    assert by_columns.shape == by_rows.shape == fn(autograd.tensor(x)).shape + x.shape
    np.testing.assert_allclose(by_columns._data, by_rows._data, rtol=1e-9, atol=1e-12)


@given(compositions(SMOOTH_STEPS, {"sum": ENDINGS["sum"], "logsumexp": ENDINGS["logsumexp"]}))
def test_hessian_forward_over_reverse_equals_reverse_over_reverse(drawn: tuple[np.ndarray, Callable]) -> None:
    x, fn = drawn
    h = forward.hessian(fn)(autograd.tensor(x))
    assert h.shape == x.shape + x.shape
    reverse_over_reverse = forward.jacrev(forward.jacrev(fn))(autograd.tensor(x))
    np.testing.assert_allclose(h._data, reverse_over_reverse._data, rtol=1e-8, atol=1e-10)
    flat = h._data.reshape(x.size, x.size)
    np.testing.assert_allclose(flat, flat.T, rtol=1e-8, atol=1e-10)


def test_jacobians_with_several_arguments() -> None:
    x, y = autograd.tensor(np.array([0.5, -1.0, 2.0])), autograd.tensor(np.array([[1.0], [3.0]]))

    def fn(a, b):
        return (a * b).tanh() + b**2

    for jacobian in (forward.jacfwd, forward.jacrev):
        jx, jy = jacobian(fn, argnums=(0, 1))(x, y)
        assert jx.shape == (2, 3, 3) and jy.shape == (2, 3, 2, 1)
        np.testing.assert_allclose(jacobian(fn, argnums=1)(x, y)._data, jy._data)
    np.testing.assert_allclose(forward.jacfwd(fn, (0, 1))(x, y)[1]._data, forward.jacrev(fn, (0, 1))(x, y)[1]._data)


def test_jacobian_shapes_at_the_edges() -> None:
    """0-d inputs and outputs, and inputs with no elements."""
    scalar = autograd.tensor(np.array(0.3))
    for jacobian in (forward.jacfwd, forward.jacrev):
        assert jacobian(lambda t: t.sin())(scalar).shape == ()
        assert jacobian(lambda t: t * autograd.tensor(np.ones(4)))(scalar).shape == (4,)
        assert jacobian(lambda t: t.sum())(autograd.tensor(np.zeros((0, 2)))).shape == (0, 2)
        assert jacobian(lambda t: t * 2)(autograd.tensor(np.zeros(0))).shape == (0, 0)
    np.testing.assert_allclose(forward.jacfwd(lambda t: t.sin())(scalar).item(), math.cos(0.3))


def test_hessian_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    x = np.linspace(-1.0, 1.0, 6)
    w = _weights(6, 3)

    def f_ours(t):
        return autograd.logsumexp((t.tanh() * t) @ autograd.tensor(w)) + (t.sin() ** 2).sum()

    def f_torch(t):
        return torch.logsumexp((t.tanh() * t) @ torch.tensor(w), 0) + (t.sin() ** 2).sum()

    expected = torch.autograd.functional.hessian(f_torch, torch.tensor(x)).numpy()
    np.testing.assert_allclose(forward.hessian(f_ours)(autograd.tensor(x))._data, expected, rtol=1e-10, atol=1e-12)


# ---- the forward-mode API ---------------------------------------------------------------------------------------
def test_jvp_with_tuple_outputs_and_a_constant_input() -> None:
    x, y = autograd.tensor(np.array([1.0, 2.0])), autograd.tensor(np.array([3.0, 4.0]))
    (s, p), (ts, tp) = forward.jvp(lambda a, b: (a + b, a * b), (x, y), (np.array([1.0, 0.0]), None))
    np.testing.assert_array_equal(s._data, [4.0, 6.0])
    np.testing.assert_array_equal(ts._data, [1.0, 0.0])
    np.testing.assert_array_equal(tp._data, [3.0, 0.0])
    _, unrelated = forward.jvp(lambda a: autograd.tensor(np.ones(2)), x, np.ones(2))
    np.testing.assert_array_equal(unrelated._data, [0.0, 0.0])


def test_float32_tangents_stay_float32() -> None:
    out, tangent = forward.jvp(lambda t: (t * 2.0).exp().sum(), autograd.tensor([0.5, 1.0]), np.ones(2))
    assert out.dtype == tangent.dtype == autograd.float32


def test_jvp_outputs_stay_in_the_reverse_graph() -> None:
    """Parameters inside fn keep their graph: the primal output can still be backpropagated."""
    w = autograd.tensor(np.array([2.0, -1.0]), requires_grad=True)
    x = np.array([3.0, 5.0])
    out, tangent = forward.jvp(lambda t: (t * w).sum(), autograd.tensor(x), np.array([1.0, 1.0]))
    assert tangent.item() == 1.0
    out.backward()
    np.testing.assert_array_equal(w.grad._data, x)


def test_vjp_returns_one_gradient_per_primal() -> None:
    x, y = autograd.tensor(np.array([1.0, 2.0])), autograd.tensor(np.array(3.0))
    out, vjp_fn = forward.vjp(lambda a, b: a * b, (x, y))
    gx, gy = vjp_fn(autograd.tensor(np.array([1.0, 10.0])))
    np.testing.assert_array_equal(gx._data, [3.0, 30.0])
    assert gy.item() == 21.0
    assert vjp_fn(np.array([1.0, 0.0]))[1].item() == 1.0  # callable again: the graph is kept
    _, constant_fn = forward.vjp(lambda a: autograd.tensor(np.ones(2)), x)
    np.testing.assert_array_equal(constant_fn(np.ones(2))[0]._data, [0.0, 0.0])


def test_dual_tensors_by_hand() -> None:
    with forward.dual_level():
        x = forward.make_dual(autograd.tensor(np.array([0.0, 1.0])), np.array([1.0, 2.0]))
        y = x.exp()
        primal, tangent = forward.unpack_dual(y)
        np.testing.assert_allclose(tangent._data, np.exp([0.0, 1.0]) * [1.0, 2.0])
        np.testing.assert_array_equal(primal._data, y._data)
        assert forward.unpack_dual(primal).tangent is None
        assert forward.unpack_dual(autograd.tensor([1.0])).tangent is None


def test_forward_mode_misuse_is_explained() -> None:
    x = autograd.tensor(np.ones(3))
    with pytest.raises(RuntimeError, match="dual_level"):
        forward.make_dual(x, np.ones(3))
    with forward.dual_level(), pytest.raises(RuntimeError, match="nest"):
        with forward.dual_level():
            pass
    with pytest.raises(RuntimeError, match="nest"):
        forward.jacfwd(forward.jacfwd(lambda t: t.sin()))(x)
    with forward.dual_level():
        with pytest.raises(ValueError, match="shape"):
            forward.make_dual(x, np.ones(2))
        with pytest.raises(TypeError, match="floating"):
            forward.make_dual(autograd.tensor([1, 2]), np.ones(2))
    with pytest.raises(ValueError, match="2 primals but 1 tangents"):
        forward.jvp(lambda a, b: a, (x, x), (np.ones(3),))


def test_no_tape_tangents_live_as_long_as_their_tensors() -> None:
    """Forward mode keeps no graph: a long chain holds only the tangents of the tensors still alive."""
    with forward.dual_level() as level:
        x = forward.make_dual(autograd.tensor(np.ones(3)), np.ones(3))
        for _ in range(200):
            x = (x * 0.5).sin()
        gc.collect()
        assert len(level._tangents) < 5
    assert not level._tangents


def test_reverse_over_reverse_through_vjp() -> None:
    """jacrev of jacrev records the inner backward pass (create_graph) when its input requires grad."""
    x = autograd.tensor(np.array([0.2, -0.4, 0.9]))
    fn = lambda t: (t.sin() * t).sum()  # noqa: E731
    expected = np.diag(2 * np.cos(x._data) - x._data * np.sin(x._data))
    np.testing.assert_allclose(forward.jacrev(forward.jacrev(fn))(x)._data, expected, rtol=1e-12)
    np.testing.assert_allclose(forward.hessian(fn)(x)._data, expected, rtol=1e-12)


# ---- dual numbers -----------------------------------------------------------------------------------------------
GENERIC_STEPS = {  # written once: operators and autograd.math, so they run on float, Scalar, Dual and Tensor
    "square plus one": lambda x: x * x + 1,
    "tanh": amath.tanh,
    "exp": lambda x: amath.exp(x / 2),
    "log": lambda x: amath.log(x * x + 1),
    "sqrt": lambda x: amath.sqrt(x * x + 0.5),
    "sin": amath.sin,
    "cos": amath.cos,
    "sigmoid": lambda x: amath.sigmoid(3 * x),
    "relu": lambda x: amath.relu(x - 0.25),
    "abs": lambda x: abs(x - 0.5),
    "cube": lambda x: x**3 / 4,
    "power of two": lambda x: 2**x,
    "reciprocal": lambda x: 1 / (1 + x * x),
    "quotient": lambda x: (x - 1) / (x * x + 2),
    "negate and shift": lambda x: 0.5 - (-x),
}


@given(
    x=floats(-2.0, 2.0),
    names=st.lists(st.sampled_from(sorted(GENERIC_STEPS)), min_size=1, max_size=5),
)
def test_dual_numbers_agree_with_the_scalar_reverse_engine(x: float, names: list[str]) -> None:
    """One function, three evaluations: on a float, on Dual(x, 1) (forward), on Scalar(x) (reverse)."""

    def f(t):
        for name in names:
            t = GENERIC_STEPS[name](t)
        return t

    value = f(x)
    dual = f(Dual(x, 1.0))
    leaf = Scalar(x)
    out = f(leaf)
    out.backward()
    assert math.isclose(dual.primal, value, rel_tol=1e-12, abs_tol=1e-12)
    assert math.isclose(out.data, value, rel_tol=1e-12, abs_tol=1e-12)
    assert math.isclose(dual.tangent, leaf.grad, rel_tol=1e-9, abs_tol=1e-9)
    _, tangent = forward.jvp(f, autograd.tensor(np.array(x)), np.array(1.0))
    assert math.isclose(tangent.item(), dual.tangent, rel_tol=1e-9, abs_tol=1e-9)


@given(x=floats(), y=away_from_zero(0.2))
def test_dual_partial_derivatives_of_two_variables(x: float, y: float) -> None:
    def f(a, b):
        return amath.tanh(a * b) + a / b + amath.exp(a) * 2**b - (a - b) ** 2

    a, b = Scalar(x), Scalar(y)
    f(a, b).backward()
    assert math.isclose(f(Dual(x, 1.0), Dual(y)).tangent, a.grad, rel_tol=1e-9, abs_tol=1e-9)
    assert math.isclose(f(Dual(x), Dual(y, 1.0)).tangent, b.grad, rel_tol=1e-9, abs_tol=1e-9)


def test_dual_number_operations() -> None:
    x = Dual(3.0, 1.0)
    assert repr(x) == "Dual(primal=3.0, tangent=1.0)"
    assert str(Dual(1.5, -2.0)) == "1.5 - 2.0ε"
    for result, primal, tangent in [
        (x + 2, 5.0, 1.0),
        (2 + x, 5.0, 1.0),
        (x - 1, 2.0, 1.0),
        (1 - x, -2.0, -1.0),
        (x * x, 9.0, 6.0),
        (4 * x, 12.0, 4.0),
        (x / 2, 1.5, 0.5),
        (6 / x, 2.0, -6 / 9),
        (x**2, 9.0, 6.0),
        (2**x, 8.0, 8 * math.log(2)),
        (x**x, 27.0, 27 * (1 + math.log(3))),
        (-x, -3.0, -1.0),
        (+x, 3.0, 1.0),
        (abs(-x), 3.0, 1.0),
        (x.relu(), 3.0, 1.0),
        ((-x).relu(), 0.0, 0.0),
        (Dual(0.0, 1.0) ** 0, 1.0, 0.0),
        (0**x, 0.0, 0.0),
        (Dual(0.0).sqrt(), 0.0, 0.0),
    ]:
        assert math.isclose(result.primal, primal) and math.isclose(result.tangent, tangent, abs_tol=1e-15)
    assert x > 2 and x >= 3 and x < Dual(4.0) and x <= 3.0 and x == 3 and x != Dual(3.5)
    assert x == Dual(3.0, 99.0) and hash(x) == hash(3.0)
    assert forward.derivative(lambda t: amath.sin(t) * t, 0.5) == pytest.approx(math.cos(0.5) * 0.5 + math.sin(0.5))
    assert forward.derivative(lambda t: 7.0, 0.5) == 0.0
    with pytest.raises(TypeError):
        Dual("1")
    with pytest.raises(TypeError):
        Dual(1.0) + Scalar(1.0)


def test_the_forward_versus_reverse_benchmark_returns_its_numbers() -> None:
    from bench.forward_vs_reverse import measure, table

    rows = measure(sizes=(1, 4), repeats=1)
    assert [(row["function"], row["size"]) for row in rows] == [
        ("f: R^n -> R", 1),
        ("f: R^n -> R", 4),
        ("g: R -> R^m", 1),
        ("g: R -> R^m", 4),
    ]
    assert [(row["forward_passes"], row["reverse_passes"]) for row in rows] == [(1, 1), (4, 1), (1, 1), (1, 4)]
    assert all(row["forward_s"] > 0 and row["reverse_s"] > 0 for row in rows)
    assert "forward / reverse" in table(rows)
