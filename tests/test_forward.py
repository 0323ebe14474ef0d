"""Forward mode against reverse mode: every operation's tangent rule, Jacobians both ways, Hessians, dual numbers.

For each operation, on drawn shapes (broadcasting included) and float64 values, the forward-mode J v must
satisfy <u, J v> = <Jᵀ u, v> with the reverse engine's Jᵀ u (for a scalar output, u = 1: J v = v · grad),
and match central differences where the operation is smooth at the drawn point.
"""

from __future__ import annotations

import gc
import importlib
import math
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd
import nn.functional as F
from autograd import Dual, Scalar, forward
from autograd import math as amath
from autograd.function import Function
from autograd.ops.shape import AddAt


def floats(low: float = -2.0, high: float = 2.0) -> st.SearchStrategy[float]:
    return st.floats(low, high, allow_nan=False, allow_infinity=False, allow_subnormal=False)


def away_from_zero(low: float = 0.1, high: float = 2.0) -> st.SearchStrategy[float]:
    """Values with low <= |x| <= high: clear of the kinks of abs and relu, and of division by zero."""
    return st.one_of(floats(low, high), floats(-high, -low))


def grid() -> st.SearchStrategy[float]:
    """Odd multiples of 0.05 in (-2, 2): never 0, never on a clamp bound of ±0.5, far apart when distinct."""
    return st.integers(-20, 19).map(lambda k: (k + 0.5) * 0.1)


def arrays(shape: tuple[int, ...], elements: st.SearchStrategy[float] | None = None, unique: bool = False):
    return hnp.arrays(np.float64, shape, elements=floats() if elements is None else elements, unique=unique)


def shapes(min_dims: int = 0, max_dims: int = 3, min_side: int = 1) -> st.SearchStrategy[tuple[int, ...]]:
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=3)


@dataclass
class Case:
    """An operation under test: `draw(data)` gives its input arrays and a function of tensors with those inputs."""

    name: str
    draw: Callable[[Any], tuple[list[np.ndarray], Callable[..., Any]]]
    smooth: bool = True  # compare with central differences too (off where ties can sit on a kink)
    rtol: float = 1e-9


def unary(name: str, fn: Callable[..., Any], elements=None, min_dims=0, min_side=0, smooth=True, rtol=1e-9) -> Case:
    def draw(data):
        x = data.draw(arrays(data.draw(shapes(min_dims=min_dims, min_side=min_side)), elements))
        return [x], fn

    return Case(name, draw, smooth, rtol)


def binary(name: str, fn: Callable[..., Any], a_elements=None, b_elements=None, smooth=True) -> Case:
    """Two inputs of mutually broadcastable shapes (either may be 0-d or have size-1 dims)."""

    def draw(data):
        sa, sb = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3)).input_shapes
        return [data.draw(arrays(sa, a_elements)), data.draw(arrays(sb, b_elements))], fn

    return Case(name, draw, smooth)


def along_dim(name: str, fn: Callable[..., Any], elements=None, smooth=True, unique=False) -> Case:
    """One input and a dim drawn for it (negative or not): fn(x, dim)."""

    def draw(data):
        x = data.draw(arrays(data.draw(shapes(min_dims=1)), elements, unique))
        dim = data.draw(st.integers(-x.ndim, x.ndim - 1))
        return [x], lambda t: fn(t, dim)

    return Case(name, draw, smooth)


def reduction(name: str, fn: Callable[..., Any], elements=None, smooth=True) -> Case:
    """fn(x, dim, keepdim) with dim None, an int or a tuple of dims."""

    def draw(data):
        x = data.draw(arrays(data.draw(shapes(min_dims=1)), elements))
        axes = data.draw(st.lists(st.integers(0, x.ndim - 1), min_size=1, max_size=x.ndim, unique=True))
        dim = data.draw(st.sampled_from([None, axes[0] - x.ndim, tuple(axes)]))
        keepdim = data.draw(st.booleans())
        return [x], lambda t: fn(t, dim, keepdim)

    return Case(name, draw, smooth)


def custom(name: str, smooth: bool = True, rtol: float = 1e-9):
    """Decorator: a case whose draw function is written out."""
    return lambda draw: Case(name, draw, smooth, rtol)


@custom("matmul")
def _matmul(data):
    """1-D and 2-D operands and batched ones whose batch dims broadcast."""
    m, n, k = (data.draw(st.integers(1, 3)) for _ in range(3))
    kind = data.draw(st.sampled_from(["vv", "mv", "vm", "mm", "batched"]))
    if kind == "batched":
        batches = hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=2, max_side=2)
        batch_a, batch_b = data.draw(batches).input_shapes
        sa, sb = (*batch_a, m, n), (*batch_b, n, k)
    else:
        sa = (n,) if kind[0] == "v" else (m, n)
        sb = (n,) if kind[1] == "v" else (n, k)
    return [data.draw(arrays(sa)), data.draw(arrays(sb))], autograd.matmul


@custom("dot, mm, mv")
def _products(data):
    m, n, k = (data.draw(st.integers(1, 3)) for _ in range(3))
    kind = data.draw(st.sampled_from(["dot", "mm", "mv"]))
    sa, sb = {"dot": ((n,), (n,)), "mm": ((m, n), (n, k)), "mv": ((m, n), (n,))}[kind]
    return [data.draw(arrays(sa)), data.draw(arrays(sb))], getattr(autograd, kind)


@custom("where")
def _where(data):
    sc, sa, sb = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=3, max_side=3)).input_shapes
    condition = data.draw(hnp.arrays(np.bool_, sc))
    return [data.draw(arrays(sa)), data.draw(arrays(sb))], lambda a, b: autograd.where(autograd.tensor(condition), a, b)


@custom("cat")
def _cat(data):
    shape = data.draw(shapes(min_dims=1))
    axis = data.draw(st.integers(0, len(shape) - 1))
    count = data.draw(st.integers(1, 3))
    sizes = [data.draw(st.integers(0, 2)) for _ in range(count)]
    parts = [data.draw(arrays(shape[:axis] + (n,) + shape[axis + 1 :])) for n in sizes]
    return parts, lambda *xs: autograd.cat(xs, dim=axis)


@custom("stack")
def _stack(data):
    shape = data.draw(shapes())
    dim = data.draw(st.integers(-len(shape) - 1, len(shape)))
    parts = [data.draw(arrays(shape)) for _ in range(data.draw(st.integers(1, 3)))]
    return parts, lambda *xs: autograd.stack(xs, dim=dim)


@custom("cat with a constant")
def _cat_constant(data):
    x = data.draw(arrays(data.draw(shapes(min_dims=1))))
    constant = autograd.tensor(np.ones((2,) + x.shape[1:]))
    return [x], lambda t: autograd.cat([constant, t, constant])


@custom("getitem, basic")
def _getitem_basic(data):
    x = data.draw(arrays(data.draw(shapes(min_dims=1))))
    index = data.draw(st.sampled_from([0, -1, slice(None, None, 2), (Ellipsis, 0), (None, slice(1, None))]))
    return [x], lambda t: t[index]


@custom("getitem, repeated integer indices and masks")
def _getitem_advanced(data):
    x = data.draw(arrays(data.draw(shapes(min_dims=1))))
    rows = data.draw(st.lists(st.integers(-x.shape[0], x.shape[0] - 1), min_size=1, max_size=5))
    mask = data.draw(hnp.arrays(np.bool_, x.shape))
    index = data.draw(st.sampled_from([rows, mask]))
    return [x], lambda t: t[index]


@custom("index put (x[index] = value)")
def _index_put(data):
    x = data.draw(arrays(data.draw(shapes(min_dims=1))))
    rows = sorted(data.draw(st.sets(st.integers(0, x.shape[0] - 1), min_size=1)))  # distinct: one write each
    value = data.draw(arrays(data.draw(st.sampled_from([(len(rows),) + x.shape[1:], x.shape[1:], ()]))))

    def put(t, v):
        out = t * 1.0
        out[rows] = v
        return out

    return [x, value], put


@custom("in-place += and *=")
def _inplace(data):
    sa = data.draw(shapes(min_dims=1))
    sb = data.draw(st.sampled_from([sa, sa[1:], ()]))

    def update(a, b):
        out = a * 1.0
        out += b
        out *= b
        return out

    return [data.draw(arrays(sa)), data.draw(arrays(sb))], update


@custom("index add (the adjoint of indexing)")
def _index_add(data):
    n = data.draw(st.integers(1, 4))
    rows = data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=5))
    g = data.draw(arrays((len(rows), 2)))
    return [g], lambda t: AddAt.apply(t, shape=(n, 2), index=np.array(rows), dtype=t.dtype)


@custom("pad")
def _pad(data):
    x = data.draw(arrays(data.draw(shapes(min_dims=1))))
    widths = data.draw(st.lists(st.integers(0, 2), min_size=2, max_size=2 * x.ndim).filter(lambda w: len(w) % 2 == 0))
    return [x], lambda t: autograd.pad(t, widths, value=1.5)


@custom("split and chunk (tuple outputs)")
def _split(data):
    x = data.draw(arrays(data.draw(shapes(min_dims=1))))
    size = data.draw(st.integers(1, 3))
    return [x], data.draw(st.sampled_from([lambda t: t.split(size), lambda t: t.chunk(size, dim=-1)]))


@custom("cast to float32 and back", smooth=False, rtol=1e-5)
def _cast(data):
    return [data.draw(arrays(data.draw(shapes())))], lambda t: (t.float() * 3).double()


@custom("linear (fused)")
def _linear(data):
    batch = data.draw(shapes(max_dims=2))
    n_in, n_out = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3))
    inputs = [data.draw(arrays((*batch, n_in))), data.draw(arrays((n_out, n_in)))]
    if data.draw(st.booleans()):
        inputs.append(data.draw(arrays((n_out,))))
    return inputs, F.linear


@custom("cross_entropy (fused)")
def _cross_entropy(data):
    n, c = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 4))
    logits = data.draw(arrays(data.draw(st.sampled_from([(n, c), (c,)]))))
    reduction = data.draw(st.sampled_from(["none", "mean", "sum"]))
    smoothing = data.draw(st.sampled_from([0.0, 0.1]))
    if data.draw(st.booleans()):
        labels = autograd.tensor(data.draw(hnp.arrays(np.int64, logits.shape[:-1], elements=st.integers(0, c - 1))))
        return [logits], lambda t: F.cross_entropy(t, labels, reduction=reduction, label_smoothing=smoothing)
    probs = data.draw(arrays(logits.shape, floats(0.0, 1.0)))
    return [logits, probs], lambda t, target: F.cross_entropy(t, target, reduction=reduction, label_smoothing=smoothing)


@custom("binary cross-entropies (fused)")
def _binary_cross_entropy(data):
    shape = data.draw(shapes())
    p = data.draw(arrays(shape, floats(0.05, 0.95)))
    t = data.draw(arrays(shape, floats(0.0, 1.0)))
    reduction = data.draw(st.sampled_from(["none", "mean", "sum"]))
    loss = data.draw(st.sampled_from([F.binary_cross_entropy, F.binary_cross_entropy_with_logits]))
    return [p, t], lambda a, b: loss(a, b, reduction=reduction)


@custom("binary cross-entropy with logits and pos_weight (fused)")
def _bce_pos_weight(data):
    shape = data.draw(shapes(min_dims=1))
    z, t = data.draw(arrays(shape)), data.draw(arrays(shape, floats(0.0, 1.0)))
    w = data.draw(arrays(shape[-1:], floats(0.2, 3.0)))
    return [z, t, w], lambda a, b, c: F.binary_cross_entropy_with_logits(a, b, reduction="sum", pos_weight=c)


@custom("dropout (fused)")
def _dropout(data):
    x = data.draw(arrays(data.draw(shapes())))

    def fn(t):
        autograd.manual_seed(0)  # the same mask in every evaluation
        return F.dropout(t, 0.5)

    return [x], fn


CASES = [
    binary("add", lambda a, b: a + b),
    binary("add, alpha", lambda a, b: autograd.add(a, b, alpha=0.5)),
    binary("sub", lambda a, b: a - b),
    binary("mul", lambda a, b: a * b),
    binary("div", lambda a, b: a / b, b_elements=away_from_zero(0.3)),
    binary("pow, tensor ** tensor", lambda a, b: a**b, a_elements=floats(0.3, 2.0)),
    binary("maximum", autograd.maximum, smooth=False),
    binary("minimum", autograd.minimum, smooth=False),
    unary("neg", lambda x: -x),
    unary("pow, tensor ** number", lambda x: x**3 + x**2.5 / 2, floats(0.1, 2.0)),
    unary("pow, number ** tensor", lambda x: 2.0**x + 0.0 ** (x * x + 1)),
    unary("square", autograd.square),
    unary("clone", lambda x: x.clone()),
    unary("exp", autograd.exp),
    unary("log", autograd.log, floats(0.1, 3.0)),
    unary("sqrt", autograd.sqrt, floats(0.1, 3.0)),
    unary("abs", autograd.abs, away_from_zero()),
    unary("sin", autograd.sin),
    unary("cos", autograd.cos),
    unary("tanh", autograd.tanh),
    unary("sigmoid", autograd.sigmoid, floats(-10, 10)),
    unary("relu", autograd.relu, away_from_zero()),
    unary("leaky_relu", lambda x: autograd.leaky_relu(x, 0.1), away_from_zero()),
    unary("clamp", lambda x: autograd.clamp(x, -0.5, 0.5), grid()),
    unary("clamp, min only", lambda x: x.clamp(min=0.5), grid()),
    along_dim("softmax", autograd.softmax),
    along_dim("log_softmax", autograd.log_softmax),
    reduction("sum", lambda x, dim, keep: x.sum(dim, keepdim=keep)),
    reduction("mean", lambda x, dim, keep: x.mean(dim, keepdim=keep)),
    reduction("amax", lambda x, dim, keep: autograd.amax(x, dim, keep), grid(), smooth=False),
    reduction("amin", lambda x, dim, keep: autograd.amin(x, dim, keep), grid(), smooth=False),
    reduction("logsumexp", lambda x, dim, keep: autograd.logsumexp(x, dim, keep)),
    reduction("norm", lambda x, dim, keep: autograd.norm(x, dim=dim, keepdim=keep), away_from_zero()),
    reduction("norm, p=1", lambda x, dim, keep: autograd.norm(x, 1, dim, keep), away_from_zero(), smooth=False),
    reduction("norm, p=inf", lambda x, dim, keep: autograd.norm(x, math.inf, dim, keep), grid(), smooth=False),
    reduction("norm, p=3", lambda x, dim, keep: autograd.norm(x, 3, dim, keep), away_from_zero()),
    along_dim("var", lambda x, dim: x.var(dim, correction=0) + (x.var() if x.numel() > 1 else 0)),
    along_dim("std", lambda x, dim: x.std(dim, correction=0), grid(), unique=True),  # distinct: std > 0 or size 1
    along_dim("max along a dim (values)", lambda x, dim: x.max(dim).values, grid(), smooth=False),
    along_dim("min along a dim (values)", lambda x, dim: x.min(dim, keepdim=True)[0], grid(), smooth=False),
    unary("max of all", lambda x: x.max(), grid(), min_side=1, smooth=False),
    unary("reshape, flatten", lambda x: x.reshape(-1) * 2 + x.flatten()),
    unary("view", lambda x: x.view(1, *x.shape)),
    unary("permute (T)", lambda x: x.T),
    along_dim("transpose", lambda x, dim: x.transpose(dim, 0)),
    unary("t", lambda x: x.reshape(x.shape[0] if x.ndim else 1, -1).t(), min_side=1),
    unary("mT", lambda x: x.mT, min_dims=2),
    unary("squeeze and unsqueeze", lambda x: x.unsqueeze(0).unsqueeze(-1).squeeze()),
    unary("expand", lambda x: x.expand(2, *x.shape)),
    unary("broadcast_to", lambda x: autograd.broadcast_to(x, (2, *x.shape))),
    _matmul,
    _products,
    _where,
    _cat,
    _stack,
    _cat_constant,
    _getitem_basic,
    _getitem_advanced,
    _index_put,
    _inplace,
    _index_add,
    _pad,
    _split,
    _cast,
    _linear,
    _cross_entropy,
    _binary_cross_entropy,
    _dropout,
]


def _tuple(x: Any) -> tuple[Any, ...]:
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _central_difference(fn: Callable[..., Any], xs: list[np.ndarray], vs: list[np.ndarray], eps: float = 1e-6):
    plus = _tuple(fn(*(autograd.tensor(x + eps * v) for x, v in zip(xs, vs))))
    minus = _tuple(fn(*(autograd.tensor(x - eps * v) for x, v in zip(xs, vs))))
    return [(p._data - m._data) / (2 * eps) for p, m in zip(plus, minus)]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
@given(data=st.data())
def test_jvp_against_reverse_mode(case: Case, data: Any) -> None:
    """<u, J v> (forward mode) = <Jᵀ u, v> (reverse mode); for a scalar output, J v = v · grad."""
    xs, fn = case.draw(data)
    vs = [data.draw(arrays(x.shape, floats(-1, 1))) for x in xs]
    outputs, tangents = forward.jvp(fn, [autograd.tensor(x) for x in xs], vs)
    outputs, tangents = _tuple(outputs), _tuple(tangents)
    for out, tangent in zip(outputs, tangents):
        assert tangent.shape == out.shape and tangent.dtype == out.dtype

    leaves = [autograd.tensor(x, requires_grad=True) for x in xs]
    reverse_outputs = _tuple(fn(*leaves))
    us = [np.ones(()) if out.ndim == 0 else data.draw(arrays(out.shape, floats(-1, 1))) for out in reverse_outputs]
    for out, reverse_out in zip(outputs, reverse_outputs):
        np.testing.assert_array_equal(out._data, reverse_out._data)
    used = [(out, autograd.tensor(u)) for out, u in zip(reverse_outputs, us) if out.requires_grad]
    grads = autograd.grad([o for o, _ in used], leaves, [u for _, u in used], allow_unused=True) if used else []
    forward_side = sum(float(np.sum(u * t._data)) for u, t in zip(us, tangents))
    reverse_side = sum(float(np.sum(g._data * v)) for g, v in zip(grads, vs) if g is not None)
    assert math.isclose(forward_side, reverse_side, rel_tol=case.rtol, abs_tol=case.rtol)

    if case.smooth:
        for numeric, tangent in zip(_central_difference(fn, xs, vs), tangents):
            np.testing.assert_allclose(tangent._data, numeric, rtol=1e-5, atol=1e-5)


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
    x = draw(arrays(draw(shapes(min_dims=1)), floats(-1.5, 1.5)))
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
