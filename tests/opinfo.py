"""The operation database: every differentiable operation once, with the inputs it is tested on.

PyTorch's OpInfo idea. Each entry (`OpInfo`) holds a function written once against a namespace `ns`, a
hypothesis strategy drawing its inputs, the tolerances of its numerical checks and a few flags; the properties
in tests/test_ops.py run over every entry: gradients against central differences (gradcheck), float32 against
float64, forward-mode tangents against reverse mode (<u, J v> = <Jᵀ u, v>), second derivatives
(gradgradcheck), and values and gradients against PyTorch in float64.

`ns` is `AG` (autograd with nn.functional) or the PyTorch namespace of `torch_namespace()` (torch with
torch.nn.functional): `ns.cat`, `ns.where`, `ns.pad`, `ns.linear`... resolve to the function of that name in
either library, and `ns.const(values, like)` / `ns.index(values)` make a constant operand and an index tensor.
Methods and operators (`x.sum(dim=...)`, `a @ b`) are written on the tensors directly.

An input strategy draws `(arrays, params)`: a tuple of float64 arrays, one per tensor operand (the properties
make the tensors, in float32 or float64, in various memory layouts), and a dict of keyword arguments passed to
the function as they are (dims, shapes, constant arrays...). It keeps the values away from points where the
operation is not differentiable (kinks, ties, bounds: see tests/strategies.py). An operand may be an `Alias` of
another one (`aliased(...)`): the same tensor twice, or a tensor and its own detach().

Adding an operation is one entry:

    op("logaddexp", elementwise(floats(), floats()))(lambda ns, a, b: ns.logaddexp(a, b))

with, when needed, `eps`/`atol`/`rtol` (central differences), `tangent_rtol` (<u, J v> = <Jᵀ u, v>),
`keeps_dtype=False` (float32 inputs give another dtype), `any_layout=False` (C-contiguous inputs only),
`torch=False` (PyTorch has no such spelling: the PyTorch comparison skips it), `second_order=False` (its
backward is not differentiable). A new input strategy returns `(tuple_of_arrays, params)`; `elementwise`,
`one`, `with_params` and `aliased` cover most operations.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from hypothesis import assume
from hypothesis import strategies as st
from strategies import (
    adaptive_args,
    aliased,
    arrays,
    away_from_zero,
    broadcastable_shapes,
    conv2d_args,
    dim,
    dims,
    distinct_arrays,
    distinct_values,
    floats,
    grid,
    pool2d_args,
    shapes,
)

import autograd
import nn.functional as F
from autograd.ops.shape import AddAt

# ---- the two namespaces an entry runs against -------------------------------------------------------------


class Namespace:
    """Attribute lookup over a few modules in order, with helpers that differ between the libraries first."""

    def __init__(self, name: str, modules: tuple[Any, ...], **helpers: Callable[..., Any]):
        self._name, self._modules, self._helpers = name, modules, helpers

    def __getattr__(self, attr: str) -> Any:
        if attr in self._helpers:
            return self._helpers[attr]
        for module in self._modules:
            if hasattr(module, attr):
                return getattr(module, attr)
        raise AttributeError(f"{self._name} has no {attr!r}")

    def __repr__(self) -> str:
        return self._name


AG = Namespace(
    "autograd",
    (F, autograd),
    const=lambda values, like: np.asarray(values, dtype=like.dtype),  # numpy operand: the reflected paths
    constant=lambda values, like: autograd.tensor(np.asarray(values, dtype=like.dtype)),
    index=autograd.tensor,
)


def torch_namespace() -> Namespace:
    """PyTorch's namespace (skips the calling test when torch is not installed)."""
    torch = pytest.importorskip("torch")
    return Namespace(
        "torch",
        (torch.nn.functional, torch),
        const=lambda values, like: torch.as_tensor(np.asarray(values)).to(like.dtype),
        constant=lambda values, like: torch.as_tensor(np.asarray(values)).to(like.dtype),
        index=torch.as_tensor,
    )


# ---- the database -----------------------------------------------------------------------------------------


@dataclass
class OpInfo:
    name: str
    fn: Any  # fn(ns, *tensors, **params) -> a tensor or a tuple of tensors
    inputs: Any  # strategy of (arrays, params)
    eps: float = 1e-6  # central-difference step
    atol: float = 1e-6
    rtol: float = 1e-5
    tangent_rtol: float = 1e-9  # <u, J v> = <Jᵀ u, v>
    keeps_dtype: bool = True  # float32 in, float32 out
    torch: bool = True  # fn runs on PyTorch's namespace unchanged
    second_order: bool = True  # backward is differentiable (gradgradcheck)
    any_layout: bool = True  # accepts non-contiguous inputs (view does not, as in PyTorch)


OPS: list[OpInfo] = []


def op(name: str, inputs: Any, **options: Any) -> Callable[[Any], Any]:
    """Register `fn` in the database under `name`, with the strategy `inputs` and `options` (OpInfo's fields)."""

    def register(fn):
        OPS.append(OpInfo(name, fn, inputs, **options))
        return fn

    return register


@st.composite
def elementwise(draw, *elements, min_side=0, min_dims=0, max_dims=3):
    """One array per element strategy; several arrays get mutually broadcastable shapes."""
    if len(elements) == 1:
        input_shapes = (draw(shapes(min_side=min_side, min_dims=min_dims, max_dims=max_dims)),)
    else:
        input_shapes = draw(broadcastable_shapes(len(elements), min_side=min_side, min_dims=min_dims))
    return tuple(draw(arrays(shape, e)) for shape, e in zip(input_shapes, elements)), {}


def one(elements=None, **kwargs):
    return elementwise(floats() if elements is None else elements, **kwargs)


def with_params(inputs, **params):
    """Add parameters drawn from strategies to an (arrays, params) strategy."""
    return st.tuples(inputs, st.fixed_dictionaries(params)).map(lambda t: (t[0][0], {**t[0][1], **t[1]}))


# arithmetic: broadcasting binary operators, unary minus, powers
op("add", aliased(elementwise(floats(), floats())))(lambda ns, a, b: a + b)
op("sub", aliased(elementwise(floats(), floats())))(lambda ns, a, b: a - b)
op("mul", aliased(elementwise(floats(), floats())))(lambda ns, a, b: a * b)
op("div", aliased(elementwise(floats(), away_from_zero(0.3)), target=0, source=1))(lambda ns, a, b: a / b)
op("pow_tensor", aliased(elementwise(floats(0.3, 2.0), floats())))(lambda ns, a, b: a**b)
op("neg", one())(lambda ns, a: -a)
op("square_self_mul", one())(lambda ns, a: a * a)
op("pow_int", with_params(one(away_from_zero(0.3)), k=st.sampled_from([0, 1, 2, 3, -1, -2])))(lambda ns, a, k: a**k)
op("pow_float", with_params(one(floats(0.3, 2.0)), p=st.sampled_from([0.5, 1.5, -0.5, 2.5])))(lambda ns, a, p: a**p)
op("method_pow", with_params(one(floats(0.3, 2.0)), p=st.sampled_from([2, 0.5])))(lambda ns, a, p: a.pow(p))

# a Python scalar on either side
SCALAR_OPS = {
    "radd": lambda x: 2.5 + x,
    "rsub": lambda x: 2.5 - x,
    "rmul": lambda x: 3 * x,
    "rdiv": lambda x: 2.0 / x,
    "rpow": lambda x: 2.0**x,
    "add": lambda x: x + 1,
    "sub": lambda x: x - 1.5,
    "mul": lambda x: x * -0.5,
    "div": lambda x: x / 4,
}
for _name, _op in SCALAR_OPS.items():
    op(f"scalar_{_name}", one(away_from_zero(0.3)))(lambda ns, x, _op=_op: _op(x))


@st.composite
def with_numpy_operand(draw, elements=None, operand=None):
    """A tensor and a numpy array of broadcastable shapes (the array is a constant of the case)."""
    x_shape, c_shape = draw(broadcastable_shapes(2))
    x = draw(arrays(x_shape, away_from_zero(0.3) if elements is None else elements))
    c = draw(arrays(c_shape, away_from_zero(0.3) if operand is None else operand))
    return (x,), {"c": c}


# a numpy array on either side: ndarray.__add__ hands over to Tensor.__array_ufunc__ / reflected operators
NUMPY_OPS = {
    "radd": lambda c, x: c + x,
    "rsub": lambda c, x: c - x,
    "rmul": lambda c, x: c * x,
    "rdiv": lambda c, x: c / x,
    "add": lambda c, x: x + c,
    "sub": lambda c, x: x - c,
    "mul": lambda c, x: x * c,
    "div": lambda c, x: x / c,
}
for _name, _op in NUMPY_OPS.items():
    op(f"numpy_{_name}", with_numpy_operand())(lambda ns, x, c, _op=_op: _op(ns.const(c, x), x))
op("numpy_rpow", with_numpy_operand(floats(), floats(0.3, 2.0)))(lambda ns, x, c: ns.const(c, x) ** x)
op("numpy_pow", with_numpy_operand(floats(0.3, 2.0), floats()))(lambda ns, x, c: x ** ns.const(c, x))

# elementwise functions
op("exp", one(floats(-3, 3)))(lambda ns, x: x.exp())
op("log", one(floats(0.1, 3)))(lambda ns, x: x.log())
op("sqrt", one(floats(0.1, 3)))(lambda ns, x: x.sqrt())
op("abs", one(away_from_zero()))(lambda ns, x: x.abs())
op("builtin_abs", one(away_from_zero()))(lambda ns, x: abs(x))
op("sin", one(floats(-3, 3)))(lambda ns, x: x.sin())
op("cos", one(floats(-3, 3)))(lambda ns, x: x.cos())
op("tanh", one(floats(-3, 3)))(lambda ns, x: x.tanh())
op("sigmoid", one(floats(-10, 10)))(lambda ns, x: x.sigmoid())
op("relu", one(away_from_zero()))(lambda ns, x: x.relu())
op("leaky_relu", with_params(one(away_from_zero()), slope=st.sampled_from([0.01, 0.2, 1.5])))(
    lambda ns, x, slope: ns.leaky_relu(x, slope)
)
op("leaky_relu_default", one(away_from_zero()))(lambda ns, x: ns.leaky_relu(x))

# clamp bounds are multiples of 0.1, inputs never are (grid): the gradient is 1 inside, 0 outside
CLAMP_BOUNDS = st.sampled_from([(-0.5, 0.5), (None, 0.3), (-0.2, None), (0.4, 1.0)])
op("clamp", with_params(one(grid()), bounds=CLAMP_BOUNDS))(lambda ns, x, bounds: x.clamp(min=bounds[0], max=bounds[1]))
op("clip", with_params(one(grid()), bounds=CLAMP_BOUNDS))(lambda ns, x, bounds: x.clip(*bounds))

# maximum/minimum: one side on the grid (k + 0.5) * 0.1, the other on multiples of 0.1: never a tie
MULTIPLES = st.integers(-20, 20).map(lambda k: k * 0.1)
op("maximum", elementwise(grid(), MULTIPLES))(lambda ns, a, b: ns.maximum(a, b))
op("minimum", elementwise(MULTIPLES, grid()))(lambda ns, a, b: ns.minimum(a, b))
op("max_with_tensor", elementwise(grid(), MULTIPLES))(lambda ns, a, b: a.max(b))


@st.composite
def where_inputs(draw):
    cond_shape, a_shape, b_shape = draw(broadcastable_shapes(3))
    cond = draw(arrays(cond_shape, st.booleans(), dtype=bool))
    return (draw(arrays(a_shape)), draw(arrays(b_shape))), {"cond": cond}


op("where", aliased(where_inputs()))(lambda ns, a, b, cond: ns.where(ns.index(cond), a, b))
op("where_scalar", where_inputs())(lambda ns, a, b, cond: ns.where(ns.index(cond), a * b, 0.5))


# matrix products
@st.composite
def matmul_inputs(draw):
    kind = draw(st.sampled_from(["1@1", "2@1", "1@2", "2@2", "batched", "batched@1", "1@batched"]))
    side = st.integers(0, 3)
    n, k, m = draw(side), draw(side), draw(side)
    batch_a, batch_b = draw(broadcastable_shapes(2, max_dims=2, max_side=2))
    a_shape = {"1": (k,), "2": (n, k)}.get(kind[0], (*batch_a, n, k))
    b_shape = {"1": (k,), "2": (k, m)}.get(kind[-1], (*batch_b, k, m))
    return (draw(arrays(a_shape)), draw(arrays(b_shape))), {}


@st.composite
def vectors(draw, count=2):
    n = draw(st.integers(0, 4))
    return tuple(draw(arrays((n,))) for _ in range(count)), {}


@st.composite
def matrix_vector(draw):
    n, k = draw(st.integers(0, 3)), draw(st.integers(0, 3))
    return (draw(arrays((n, k))), draw(arrays((k,)))), {}


@st.composite
def matrices(draw):
    n, k, m = draw(st.integers(0, 3)), draw(st.integers(0, 3)), draw(st.integers(0, 3))
    return (draw(arrays((n, k))), draw(arrays((k, m)))), {}


op("matmul", matmul_inputs())(lambda ns, a, b: a @ b)
op("matmul_function", matmul_inputs())(lambda ns, a, b: ns.matmul(a, b))
op("dot", vectors())(lambda ns, a, b: ns.dot(a, b))
op("mv", matrix_vector())(lambda ns, a, v: ns.mv(a, v))
op("mm", matrices())(lambda ns, a, b: ns.mm(a, b))


@st.composite
def numpy_matmul(draw):
    """x of shape (n, k) and a numpy matrix c of shape (k, n): both x @ c and c @ x are defined."""
    n, k = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    return (draw(arrays((n, k))),), {"c": draw(arrays((k, n)))}


op("numpy_matmul", numpy_matmul())(lambda ns, x, c: x @ ns.const(c, x))
op("numpy_rmatmul", numpy_matmul())(lambda ns, x, c: ns.const(c, x) @ x)


# reductions
@st.composite
def reduction(draw, values=None, min_side=0, allow_none=True, allow_tuple=True, min_dims=0):
    """An array, dims to reduce (None, int, negative, tuple) and keepdim."""
    shape = draw(shapes(min_side=min_side, min_dims=min_dims))
    x = draw((values or arrays)(shape))
    d = draw(dims(len(shape), allow_none=allow_none, allow_tuple=allow_tuple))
    return (x,), {"dim": d, "keepdim": draw(st.booleans())}


def reduce_call(method, **extra):
    """x.method(dim=..., keepdim=...), or x.method() for a reduction over every dim."""

    def fn(ns, x, dim, keepdim):
        if dim is None:
            return getattr(x, method)(**extra)
        return getattr(x, method)(dim=dim, keepdim=keepdim, **extra)

    return fn


def values_of(result):
    return getattr(result, "values", result)


op("sum", reduction())(reduce_call("sum"))
op("mean", reduction())(reduce_call("mean"))
op("sum_numpy_spelling", reduction(allow_none=False))(lambda ns, x, dim, keepdim: x.sum(axis=dim, keepdims=keepdim))
op("mean_numpy_spelling", reduction(allow_none=False))(lambda ns, x, dim, keepdim: x.mean(axis=dim, keepdims=keepdim))
op("max_all", reduction(distinct_arrays, min_side=1))(lambda ns, x, dim, keepdim: x.max())
op("min_all", reduction(distinct_arrays, min_side=1))(lambda ns, x, dim, keepdim: x.min())
# with dim: (values, indices); the indices are compared exactly in the PyTorch test
op("max_dim", reduction(distinct_arrays, min_side=1, allow_none=False, allow_tuple=False))(
    lambda ns, x, dim, keepdim: tuple(x.max(dim=dim, keepdim=keepdim))
)
op("min_dim", reduction(distinct_arrays, min_side=1, allow_none=False, allow_tuple=False))(
    lambda ns, x, dim, keepdim: tuple(x.min(dim, keepdim))
)
op("max_numpy_spelling", reduction(distinct_arrays, min_side=1, allow_none=False, allow_tuple=False))(
    lambda ns, x, dim, keepdim: values_of(x.max(axis=dim, keepdims=keepdim))
)
op("amax", reduction(distinct_arrays, min_side=1))(reduce_call("amax"))
op("amin", reduction(distinct_arrays, min_side=1))(reduce_call("amin"))
# var/std: every reduced dim has at least 2 elements, distinct values keep std away from 0
VAR_OPTIONS = st.sampled_from([{}, {"unbiased": False}, {"unbiased": True}, {"correction": 0}, {"correction": 1}])
for _method in ("var", "std"):
    op(_method, with_params(reduction(distinct_arrays, min_side=2, min_dims=1), options=VAR_OPTIONS))(
        lambda ns, x, dim, keepdim, options, _method=_method: (
            getattr(x, _method)(**options) if dim is None else getattr(x, _method)(dim=dim, keepdim=keepdim, **options)
        )
    )


@st.composite
def distinct_abs_arrays(draw, shape):
    """|x| pairwise distinct and away from 0 (for the 1- and inf-norms)."""
    magnitudes = draw(arrays(shape, st.integers(0, 19).map(lambda k: (k + 0.5) * 0.1), unique=True))
    signs = draw(arrays(shape, st.sampled_from([-1.0, 1.0])))
    return magnitudes * signs


NORM_P = st.sampled_from([2, 2.0, "fro", 1, math.inf, -math.inf, 3, 0.5, 1.5, -1, -2.5, 0])
NORM_INPUTS = with_params(reduction(distinct_abs_arrays, min_side=1), p=NORM_P).filter(
    lambda t: not (t[1]["p"] == "fro" and isinstance(t[1]["dim"], tuple) and len(t[1]["dim"]) > 2)
)  # "fro" is a matrix norm over at most 2 dims (more is a RuntimeError, as in PyTorch)


@st.composite
def nuclear_norm_inputs(draw):
    """A batch of matrices with distinct singular values (the nuclear norm is smooth there)."""
    shape = draw(shapes(min_dims=2, max_dims=3, min_side=1, max_side=3))
    axes = draw(st.permutations(range(len(shape))))[:2]
    x = draw(arrays(shape, floats(-2, 2)))
    s = np.linalg.svd(np.moveaxis(x, axes, (-2, -1)), compute_uv=False)
    gaps = np.diff(np.sort(s, axis=-1), axis=-1)
    assume(s.min() > 0.1 and (gaps.size == 0 or gaps.min() > 0.1))
    return (x,), {"dim": tuple(axes), "keepdim": draw(st.booleans())}


op("norm", NORM_INPUTS)(
    lambda ns, x, dim, keepdim, p: x.norm(p=p) if dim is None else x.norm(p=p, dim=dim, keepdim=keepdim)
)
op("norm_nuc", nuclear_norm_inputs(), second_order=False)(
    lambda ns, x, dim, keepdim: x.norm(p="nuc", dim=dim, keepdim=keepdim)
)
op("norm_nuc_matrix", nuclear_norm_inputs().filter(lambda t: t[0][0].ndim == 2), second_order=False)(
    lambda ns, x, dim, keepdim: ns.norm(x, p="nuc")
)


@st.composite
def matrix_norm_inputs(draw, orders):
    """A batch of matrices over two drawn dims (either order, maybe negative) with distinct singular values and
    distinct row and column sums of |A|, elements away from 0: every matrix norm is smooth there."""
    shape = draw(shapes(min_dims=2, max_dims=3, min_side=1, max_side=3))
    axes = draw(st.permutations(range(len(shape))))[:2]
    x = draw(arrays(shape, away_from_zero(0.2)))
    matrices = np.moveaxis(x, axes, (-2, -1))
    for values in (np.linalg.svd(matrices, compute_uv=False), abs(matrices).sum(-2), abs(matrices).sum(-1)):
        gaps = np.diff(np.sort(values, axis=-1), axis=-1)
        assume(gaps.size == 0 or gaps.min() > 0.1)
    assume(np.linalg.svd(matrices, compute_uv=False).min() > 0.1)
    dim = tuple(d - len(shape) * draw(st.booleans()) for d in axes)
    return (x,), {"dim": dim, "keepdim": draw(st.booleans()), "ord": draw(st.sampled_from(orders))}


SMOOTH_MATRIX_ORDERS = ("fro", 1, -1, math.inf, -math.inf)
SINGULAR_VALUE_ORDERS = ("nuc", 2, -2)  # through the SVD: first derivatives only
op("linalg_matrix_norm", matrix_norm_inputs(SMOOTH_MATRIX_ORDERS))(
    lambda ns, x, dim, keepdim, ord: ns.linalg.matrix_norm(x, ord, dim, keepdim)
)
op("linalg_matrix_norm_svd", matrix_norm_inputs(SINGULAR_VALUE_ORDERS), second_order=False)(
    lambda ns, x, dim, keepdim, ord: ns.linalg.matrix_norm(x, ord=ord, dim=dim, keepdim=keepdim)
)
op(
    "linalg_norm_of_a_matrix",
    matrix_norm_inputs(SMOOTH_MATRIX_ORDERS + SINGULAR_VALUE_ORDERS).filter(lambda t: t[0][0].ndim == 2),
    second_order=False,
)(lambda ns, x, dim, keepdim, ord: ns.linalg.norm(x, ord, keepdim=keepdim))
op(
    "linalg_vector_norm",
    with_params(
        reduction(distinct_abs_arrays, min_side=1), ord=st.sampled_from([2, 1, math.inf, -math.inf, 3, 0.5, -1, 0])
    ),
)(lambda ns, x, dim, keepdim, ord: ns.linalg.vector_norm(x, ord, dim, keepdim))
op(
    "linalg_norm_over_a_dim",
    with_params(
        reduction(distinct_abs_arrays, min_side=1, allow_none=False, allow_tuple=False),
        ord=st.sampled_from([None, 2, 1, 3, math.inf]),
    ),
)(lambda ns, x, dim, keepdim, ord: ns.linalg.norm(x, ord, dim, keepdim))
op("logsumexp", reduction(lambda s: arrays(s, floats(-5, 5)), allow_none=False))(
    lambda ns, x, dim, keepdim: x.logsumexp(dim=dim, keepdim=keepdim)
)


@st.composite
def along_dim(draw, min_dims=0, min_side=0, values=None):
    shape = draw(shapes(min_dims=min_dims, min_side=min_side))
    return (draw(arrays(shape, values)),), {"dim": draw(dim(len(shape)))}


op("softmax", along_dim(min_dims=1, values=floats(-5, 5)))(lambda ns, x, dim: x.softmax(dim))
op("log_softmax", along_dim(min_dims=1, values=floats(-5, 5)))(lambda ns, x, dim: x.log_softmax(dim))
op("softmax_function", along_dim(min_dims=1, values=floats(-5, 5)))(lambda ns, x, dim: ns.softmax(x, dim=dim))
op("log_softmax_function", along_dim(min_dims=1, values=floats(-5, 5)))(lambda ns, x, dim: ns.log_softmax(x, dim=dim))


# shape operations
@st.composite
def reshape_inputs(draw):
    shape = draw(shapes())
    size = math.prod(shape)
    targets = [(size,), (-1,), tuple(reversed(shape)), (1, *shape), (*shape, 1)]
    if size:
        targets += [(-1, shape[-1]) if shape else (1,), (size, -1)]
    return (draw(arrays(shape)),), {"shape": draw(st.sampled_from(targets))}


op("reshape", reshape_inputs())(lambda ns, x, shape: x.reshape(shape))
VARARG_SHAPES = reshape_inputs().filter(lambda t: t[1]["shape"] != ())  # PyTorch's x.reshape() needs an argument
op("reshape_varargs", VARARG_SHAPES)(lambda ns, x, shape: x.reshape(*shape))
op("view", VARARG_SHAPES, any_layout=False)(lambda ns, x, shape: x.view(*shape))


@st.composite
def two_dims(draw):
    shape = draw(shapes(min_dims=1))
    return (draw(arrays(shape)),), {"d0": draw(dim(len(shape))), "d1": draw(dim(len(shape)))}


@st.composite
def permutation(draw, min_dims=0):
    shape = draw(shapes(min_dims=min_dims))
    order = draw(st.permutations(range(len(shape))))
    order = [d - len(shape) if draw(st.booleans()) else d for d in order]
    return (draw(arrays(shape)),), {"order": order}


@st.composite
def flatten_inputs(draw):
    shape = draw(shapes(min_dims=1))
    n = len(shape)
    start = draw(st.integers(0, n - 1))
    end = draw(st.integers(start, n - 1))
    start, end = (start - n if draw(st.booleans()) else start), (end - n if draw(st.booleans()) else end)
    return (draw(arrays(shape)),), {"start": start, "end": end}


@st.composite
def squeeze_inputs(draw):
    shape = draw(shapes(max_side=2))
    d = draw(st.none() | dim(len(shape))) if shape else None
    return (draw(arrays(shape)),), {"dim": d}


@st.composite
def unsqueeze_inputs(draw):
    shape = draw(shapes())
    return (draw(arrays(shape)),), {"dim": draw(st.integers(-len(shape) - 1, len(shape)))}


@st.composite
def expand_inputs(draw, minus_one=False, min_dims=0):
    x_shape, other = draw(broadcastable_shapes(2, min_dims=min_dims))
    target = list(np.broadcast_shapes(x_shape, other))
    lead = len(target) - len(x_shape)
    if minus_one:
        target = [-1 if i >= lead and draw(st.booleans()) else n for i, n in enumerate(target)]
    return (draw(arrays(x_shape)),), {"shape": tuple(target)}


op("transpose", two_dims())(lambda ns, x, d0, d1: x.transpose(d0, d1))
op("permute", permutation(min_dims=1))(lambda ns, x, order: x.permute(*order))
op("permute_tuple", permutation())(lambda ns, x, order: x.permute(tuple(order)))
op("T_2d", elementwise(floats(), min_dims=2, max_dims=2))(lambda ns, x: x.T)
op("mT", elementwise(floats(), min_dims=2))(lambda ns, x: x.mT)
op("flatten", flatten_inputs())(lambda ns, x, start, end: x.flatten(start, end))
op("flatten_all", one())(lambda ns, x: x.flatten())
op("squeeze", squeeze_inputs())(lambda ns, x, dim: x.squeeze() if dim is None else x.squeeze(dim))
op("unsqueeze", unsqueeze_inputs())(lambda ns, x, dim: x.unsqueeze(dim))
op("expand", expand_inputs(minus_one=True, min_dims=1))(lambda ns, x, shape: x.expand(*shape))
op("expand_tuple", expand_inputs())(lambda ns, x, shape: x.expand(shape))
op("broadcast_to", expand_inputs())(lambda ns, x, shape: x.broadcast_to(shape))


# indexing
@st.composite
def basic_index(draw, negative_steps=False):
    """A tuple of ints, slices (negative bounds, steps), None and Ellipsis for an array of ndim >= 1."""
    shape = draw(shapes(min_dims=1))
    items = []
    for n in shape:
        kind = draw(st.sampled_from(["int", "slice", "slice", "all"] if n else ["slice", "all"]))
        if kind == "int":
            items.append(draw(st.integers(-n, n - 1)))
        elif kind == "slice":
            bound = st.none() | st.integers(-n - 1, n + 1)
            steps = st.integers(1, 2) | st.integers(-2, -1) if negative_steps else st.none() | st.integers(1, 2)
            items.append(slice(draw(bound), draw(bound), draw(steps)))
        else:
            items.append(slice(None))
    if draw(st.booleans()):
        items.insert(draw(st.integers(0, len(items))), None)
    if draw(st.booleans()):
        cut = draw(st.integers(0, len(items)))
        items = items[:cut] + [Ellipsis] if draw(st.booleans()) else [Ellipsis] + items[cut:]
    index = tuple(items) if len(items) != 1 or draw(st.booleans()) else items[0]
    return (draw(arrays(shape)),), {"index": index}


@st.composite
def mask_index(draw, leading=False):
    shape = draw(shapes(min_dims=1))
    mask_shape = shape[:1] if leading else shape
    return (draw(arrays(shape)),), {"mask": draw(arrays(mask_shape, st.booleans(), dtype=bool))}


@st.composite
def integer_index(draw, min_size=0):
    """Integer positions along dim 0, negative and repeated ones included."""
    shape = draw(shapes(min_dims=1, min_side=1))
    n = shape[0]
    positions = draw(st.lists(st.integers(-n, n - 1), min_size=min_size, max_size=5))
    return (draw(arrays(shape)),), {"positions": positions}


@st.composite
def two_integer_indices(draw):
    shape = draw(shapes(min_dims=2, min_side=1))
    count = draw(st.integers(1, 4))
    rows = draw(st.lists(st.integers(-shape[0], shape[0] - 1), min_size=count, max_size=count))
    cols = draw(st.lists(st.integers(-shape[1], shape[1] - 1), min_size=count, max_size=count))
    return (draw(arrays(shape)),), {"rows": rows, "cols": cols}


@st.composite
def column_index(draw):
    shape = draw(shapes(min_dims=2, min_side=1))
    cols = draw(st.lists(st.integers(-shape[1], shape[1] - 1), min_size=1, max_size=4))
    return (draw(arrays(shape)),), {"cols": cols}


def _int_array(positions):
    return np.asarray(positions, dtype=np.int64)


op("index_basic", basic_index())(lambda ns, x, index: x[index])
op("index_negative_step", basic_index(negative_steps=True), torch=False)(lambda ns, x, index: x[index])
op("index_int", integer_index(min_size=1))(lambda ns, x, positions: x[positions[0]])
op("index_mask", mask_index())(lambda ns, x, mask: x[ns.index(mask)])
op("index_leading_mask", mask_index(leading=True))(lambda ns, x, mask: x[ns.index(mask)])
op("index_integer_tensor", integer_index())(lambda ns, x, positions: x[ns.index(_int_array(positions))])
op("index_integer_list", integer_index())(lambda ns, x, positions: x[positions])
op("index_numpy_array", integer_index(), torch=False)(lambda ns, x, positions: x[_int_array(positions)])
op("index_two_arrays", two_integer_indices())(
    lambda ns, x, rows, cols: x[ns.index(_int_array(rows)), ns.index(_int_array(cols))]
)
op("index_slice_and_array", column_index())(lambda ns, x, cols: x[:, ns.index(_int_array(cols))])


# joining and splitting
@st.composite
def cat_inputs(draw):
    shape = list(draw(shapes(min_dims=1)))
    d = draw(dim(len(shape)))
    parts = []
    for _ in range(draw(st.integers(1, 3))):
        shape[d] = draw(st.integers(0, 3))
        parts.append(draw(arrays(tuple(shape))))
    return tuple(parts), {"dim": d}


@st.composite
def stack_inputs(draw):
    shape = draw(shapes())
    parts = tuple(draw(arrays(shape)) for _ in range(draw(st.integers(1, 3))))
    return parts, {"dim": draw(st.integers(-len(shape) - 1, len(shape)))}


@st.composite
def split_inputs(draw):
    shape = draw(shapes(min_dims=1))
    d = draw(dim(len(shape)))
    n = shape[d]
    if draw(st.booleans()):
        sizes = draw(st.integers(1, 4))
    else:
        sizes, left = [], n
        while left:
            sizes.append(draw(st.integers(1, left)))
            left -= sizes[-1]
    return (draw(arrays(shape)),), {"sizes": sizes, "dim": d}


@st.composite
def chunk_inputs(draw):
    shape = draw(shapes(min_dims=1, min_side=1))
    return (draw(arrays(shape)),), {"chunks": draw(st.integers(1, 4)), "dim": draw(dim(len(shape)))}


@st.composite
def pad_inputs(draw):
    shape = draw(shapes(min_dims=1))
    pairs = draw(st.integers(1, len(shape)))
    pad = tuple(draw(st.integers(0, 2)) for _ in range(2 * pairs))  # (before, after) from the last dim
    return (draw(arrays(shape)),), {"pad": pad, "value": draw(st.sampled_from([0.0, -1.5]))}


op("cat", aliased(cat_inputs()))(lambda ns, *xs, dim: ns.cat(list(xs), dim=dim))
op("cat_tuple", cat_inputs())(lambda ns, *xs, dim: ns.cat(xs, dim))
op("stack", aliased(stack_inputs()))(lambda ns, *xs, dim: ns.stack(list(xs), dim=dim))
op("split", split_inputs())(lambda ns, x, sizes, dim: tuple(x.split(sizes, dim=dim)))
op("chunk", chunk_inputs())(lambda ns, x, chunks, dim: tuple(x.chunk(chunks, dim=dim)))


@st.composite
def narrow_inputs(draw):
    shape = draw(shapes(min_dims=1))
    d = draw(dim(len(shape)))
    n = shape[d]
    start = draw(st.integers(-n, n))
    length = draw(st.integers(0, n - (start % n if n and start < 0 else start)))
    return (draw(arrays(shape)),), {"dim": d, "start": start, "length": length}


op("narrow", narrow_inputs())(lambda ns, x, dim, start, length: x.narrow(dim, start, length))
op("unbind", with_params(one(min_dims=1, min_side=1), dim=st.integers(-1, 0)))(lambda ns, x, dim: tuple(x.unbind(dim)))
op("pad", pad_inputs())(lambda ns, x, pad, value: ns.pad(x, pad, value=value))


@st.composite
def meshgrid_inputs(draw):
    """One to three 0-d or 1-d arrays, and the indexing."""
    count = draw(st.integers(1, 3))
    xs = tuple(draw(arrays(draw(shapes(max_dims=1)), floats())) for _ in range(count))
    return xs, {"indexing": draw(st.sampled_from(["ij", "xy"]))}


op("meshgrid", meshgrid_inputs())(lambda ns, *xs, indexing: tuple(ns.meshgrid(*xs, indexing=indexing)))


@st.composite
def pad_mode_inputs(draw):
    """Reflect (widths below the size), replicate, circular (widths up to the size) or constant with negative
    widths (cropping), on the last one to three dims as PyTorch's modes allow."""
    mode = draw(st.sampled_from(["reflect", "replicate", "circular", "constant"]))
    pairs = draw(st.integers(1, 2 if mode == "reflect" else 3))
    shape = draw(shapes(min_dims=pairs + 1, max_dims=pairs + 2, min_side=2 if mode == "reflect" else 1))
    widths = []
    for n in reversed(shape[-pairs:]):
        high = {"reflect": n - 1, "circular": n, "replicate": 2}.get(mode, 2)
        low = -(n // 2) if mode == "constant" else 0
        widths += [draw(st.integers(low, high)), draw(st.integers(low, high))]
    return (draw(arrays(shape)),), {"pad": tuple(widths), "mode": mode}


op("pad_modes", pad_mode_inputs())(lambda ns, x, pad, mode: ns.pad(x, pad, mode=mode))

# casts between float dtypes: a round trip through float32 (a larger step: float32 rounding) and up-casts
op("cast_float_double", one(), eps=1e-3, atol=1e-4, rtol=1e-3, tangent_rtol=1e-5, keeps_dtype=False)(
    lambda ns, x: (x.float() * 3).double()
)
op("cast_to", one(), eps=1e-3, atol=1e-4, rtol=1e-3, tangent_rtol=1e-5, keeps_dtype=False)(
    lambda ns, x: (x.to(ns.float32) ** 2).to(dtype=ns.float64)
)
op("cast_type", one(), eps=1e-3, atol=1e-4, rtol=1e-3, tangent_rtol=1e-5)(
    lambda ns, x: x.type(ns.float32).type(x.dtype) * x
)
op("cast_up", one(), keeps_dtype=False)(lambda ns, x: x.double() * x.double())


# from the forward-mode table: operations with no entry above
op("add_alpha", aliased(elementwise(floats(), floats())))(lambda ns, a, b: ns.add(a, b, alpha=0.5))
op("square", one())(lambda ns, x: ns.square(x))
op("clone", one())(lambda ns, x: x.clone())
op("rpow_zero_base", one())(lambda ns, x: 2.0**x + 0.0 ** (x * x + 1))
op("t", one(max_dims=2))(lambda ns, x: x.t())


@st.composite
def cat_constant_inputs(draw):
    return (draw(arrays(draw(shapes(min_dims=1)))),), {}


op("cat_with_a_constant", cat_constant_inputs())(
    lambda ns, x: ns.cat([ns.constant(np.ones((2, *x.shape[1:])), x), x, ns.constant(np.ones((2, *x.shape[1:])), x)])
)


@st.composite
def index_put_inputs(draw):
    x = draw(arrays(draw(shapes(min_dims=1, min_side=1))))
    rows = sorted(draw(st.sets(st.integers(0, x.shape[0] - 1), min_size=1)))  # distinct: one write each
    value = draw(arrays(draw(st.sampled_from([(len(rows),) + x.shape[1:], x.shape[1:], ()]))))
    return (x, value), {"rows": rows}


def _index_put(ns, x, value, rows):
    out = x * 1.0
    out[rows] = value
    return out


op("index_put", index_put_inputs())(_index_put)


@st.composite
def inplace_inputs(draw):
    a_shape = draw(shapes(min_dims=1))
    b_shape = draw(st.sampled_from([a_shape, a_shape[1:], ()]))
    return (draw(arrays(a_shape)), draw(arrays(b_shape))), {}


def _inplace(ns, a, b):
    out = a * 1.0
    out += b
    out *= b
    return out


op("inplace_add_mul", aliased(inplace_inputs()))(_inplace)


@st.composite
def index_add_inputs(draw):
    n = draw(st.integers(1, 4))
    rows = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=5))
    return (draw(arrays((len(rows), 2))),), {"n": n, "rows": rows}


# the adjoint of indexing, an internal operation: no PyTorch spelling
op("index_add", index_add_inputs(), torch=False)(
    lambda ns, g, n, rows: AddAt.apply(g, shape=(n, 2), index=np.array(rows), dtype=g.dtype)
)


@st.composite
def linear_inputs(draw):
    batch = draw(shapes(max_dims=2))
    n_in, n_out = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    inputs = (draw(arrays((*batch, n_in))), draw(arrays((n_out, n_in))))
    if draw(st.booleans()):
        inputs += (draw(arrays((n_out,))),)
    return inputs, {}


op("linear", linear_inputs())(lambda ns, x, w, *bias: ns.linear(x, w, *bias))


@st.composite
def cross_entropy_inputs(draw, probabilities):
    n, c = draw(st.integers(1, 3)), draw(st.integers(1, 4))
    logits = draw(arrays(draw(st.sampled_from([(n, c), (c,)]))))
    params = {"reduction": draw(st.sampled_from(["none", "mean", "sum"])), "smoothing": draw(st.sampled_from([0, 0.1]))}
    if probabilities:
        return (logits, draw(arrays(logits.shape, floats(0.0, 1.0)))), params
    labels = draw(arrays(logits.shape[:-1], st.integers(0, c - 1), dtype=np.int64))
    return (logits,), {**params, "labels": labels}


op("cross_entropy_indices", cross_entropy_inputs(probabilities=False))(
    lambda ns, x, labels, reduction, smoothing: ns.cross_entropy(
        x, ns.index(labels), reduction=reduction, label_smoothing=smoothing
    )
)
op("cross_entropy_probabilities", cross_entropy_inputs(probabilities=True))(
    lambda ns, x, target, reduction, smoothing: ns.cross_entropy(
        x, target, reduction=reduction, label_smoothing=smoothing
    )
)


@st.composite
def binary_cross_entropy_inputs(draw):
    shape = draw(shapes())
    # targets clear of 0 and 1: central differences step across them, and a target outside [0, 1] raises
    p, t = draw(arrays(shape, floats(0.05, 0.95))), draw(arrays(shape, floats(0.05, 0.95)))
    return (p, t), {"reduction": draw(st.sampled_from(["none", "mean", "sum"]))}


op("binary_cross_entropy", aliased(binary_cross_entropy_inputs()))(
    lambda ns, p, t, reduction: ns.binary_cross_entropy(p, t, reduction=reduction)
)
op("binary_cross_entropy_with_logits", aliased(binary_cross_entropy_inputs()))(
    lambda ns, x, t, reduction: ns.binary_cross_entropy_with_logits(x, t, reduction=reduction)
)


def _dropout(ns, x):
    autograd.manual_seed(0)  # the same mask in every evaluation
    return ns.dropout(x, 0.5)


op("dropout", one(), torch=False)(_dropout)  # PyTorch draws other masks


@st.composite
def pos_weight_inputs(draw):
    shape = draw(shapes(min_dims=1))
    logits, target = draw(arrays(shape)), draw(arrays(shape, floats(0.0, 1.0)))
    return (logits, target, draw(arrays(shape[-1:], floats(0.2, 3.0)))), {}


# PyTorch does not differentiate with respect to pos_weight
op("binary_cross_entropy_with_logits_pos_weight", pos_weight_inputs(), torch=False)(
    lambda ns, x, t, w: ns.binary_cross_entropy_with_logits(x, t, reduction="sum", pos_weight=w)
)


# convolution, pooling and normalisation (nn.functional)
op("conv2d", conv2d_args())(lambda ns, x, w, b=None, **p: ns.conv2d(x, w, b, **p))
op("conv1d", conv2d_args(dims=1))(lambda ns, x, w, b=None, **p: ns.conv1d(x, w, b, **p))
op("max_pool2d", pool2d_args("max"))(lambda ns, x, **p: ns.max_pool2d(x, **p))
op("max_pool2d_indices", pool2d_args("max"))(lambda ns, x, **p: tuple(ns.max_pool2d(x, **p, return_indices=True)))
op("avg_pool2d", pool2d_args("avg"))(lambda ns, x, **p: ns.avg_pool2d(x, **p))
op("max_pool1d", pool2d_args("max", dims=1))(lambda ns, x, **p: ns.max_pool1d(x, **p))
op("avg_pool1d", pool2d_args("avg", dims=1))(lambda ns, x, **p: ns.avg_pool1d(x, **p))
op("adaptive_avg_pool2d", adaptive_args())(lambda ns, x, output_size: ns.adaptive_avg_pool2d(x, output_size))
op("adaptive_max_pool2d", adaptive_args())(
    lambda ns, x, output_size: tuple(ns.adaptive_max_pool2d(x, output_size, return_indices=True))
)
op("adaptive_avg_pool1d", adaptive_args(dims=1))(lambda ns, x, output_size: ns.adaptive_avg_pool1d(x, output_size))


@st.composite
def batch_norm_inputs(draw):
    """(N, C, ...) inputs with distinct values (the batch variance stays away from 0), weight and bias (or not),
    running statistics, and the mode."""
    training = draw(st.booleans())
    shape = draw(st.sampled_from([(2, 3), (3, 2, 3), (2, 2, 2, 3), (1, 2, 3, 2)]))
    x = draw(distinct_values(shape, spacing=0.2))
    c = shape[1]
    params = [draw(arrays((c,), floats(0.5, 2.0))), draw(arrays((c,)))][: draw(st.integers(0, 2))]
    running = {"mean": draw(arrays((c,))), "var": draw(arrays((c,), floats(0.5, 2.0)))}
    return (x, *params), {"training": training, "running": running, "momentum": draw(st.sampled_from([0.1, 0.5]))}


def _batch_norm(ns, x, weight=None, bias=None, training=False, running=None, momentum=0.1):
    """The running statistics are fresh for every call: training updates them in place."""
    mean, var = (ns.constant(running[k], x) for k in ("mean", "var"))
    return ns.batch_norm(x, mean, var, weight, bias, training=training, momentum=momentum, eps=1e-3)


@st.composite
def layer_norm_inputs(draw):
    shape = draw(st.sampled_from([(2, 3), (2, 3, 2), (3, 2, 2)]))
    normalized = shape[-draw(st.integers(1, 2)) :]
    params = [draw(arrays(normalized)), draw(arrays(normalized))][: draw(st.integers(0, 2))]
    return (draw(distinct_values(shape, spacing=0.2)), *params), {"shape": normalized}


op("batch_norm", batch_norm_inputs(), atol=1e-5, rtol=1e-4)(_batch_norm)
op("layer_norm", layer_norm_inputs(), atol=1e-5, rtol=1e-4)(
    lambda ns, x, weight=None, bias=None, shape=(): ns.layer_norm(x, shape, weight, bias, eps=1e-3)
)


# indexing along a dim: gather, index_select, select, scatter, masked_fill, masked_select
@st.composite
def gather_inputs(draw):
    """x (no empty dims), a dim, and an index no larger than x apart from that dim, with repeated positions."""
    shape = draw(shapes(min_dims=1, min_side=1))
    d = draw(dim(len(shape)))
    index_shape = tuple(draw(st.integers(0, 4)) if i == d else draw(st.integers(0, n)) for i, n in enumerate(shape))
    index = draw(arrays(index_shape, st.integers(0, shape[d] - 1), dtype=np.int64))
    return (draw(arrays(shape)),), {"dim": d, "index": index}


@st.composite
def scatter_inputs(draw, unique=True):
    """x, a dim, an index no larger than x, with distinct positions along the dim where `unique` (one write each),
    and a source at least the index's size."""
    shape = draw(shapes(min_dims=1, min_side=1))
    d = draw(dim(len(shape))) % len(shape)
    index_shape = tuple(draw(st.integers(0, n)) for n in shape)
    if unique:
        keys = draw(arrays(index_shape[:d] + (shape[d],) + index_shape[d + 1 :], unique=False))
        index = np.take(np.argsort(keys, axis=d, kind="stable"), np.arange(index_shape[d]), axis=d)
    else:
        index = draw(arrays(index_shape, st.integers(0, shape[d] - 1), dtype=np.int64))
    # src no larger than index: PyTorch's backward refuses a larger one (ours takes its leading block)
    return (draw(arrays(shape)), draw(arrays(index_shape))), {"dim": d - len(shape), "index": index.astype(np.int64)}


@st.composite
def select_inputs(draw):
    shape = draw(shapes(min_dims=1, min_side=1))
    d = draw(dim(len(shape)))
    return (draw(arrays(shape)),), {"dim": d, "index": draw(st.integers(-shape[d], shape[d] - 1))}


@st.composite
def masked_inputs(draw, value_tensor=False):
    """x and a bool mask of broadcastable shapes (the mask may have more dims), and a fill value."""
    x_shape, mask_shape = draw(broadcastable_shapes(2))
    inputs = (draw(arrays(x_shape)),) + ((draw(arrays(())),) if value_tensor else ())
    return inputs, {"mask": draw(arrays(mask_shape, st.booleans(), dtype=bool)), "value": draw(floats())}


op("gather", gather_inputs())(lambda ns, x, dim, index: x.gather(dim, ns.index(index)))
op("gather_function", gather_inputs())(lambda ns, x, dim, index: ns.gather(x, dim, ns.index(index)))
op("index_select", integer_index())(
    lambda ns, x, positions: x.index_select(0, ns.index(_int_array(positions) % x.shape[0]))
)
op("select", select_inputs())(lambda ns, x, dim, index: x.select(dim, index))
op("scatter", scatter_inputs())(lambda ns, x, src, dim, index: x.scatter(dim, ns.index(index), src))
op("scatter_value", scatter_inputs())(lambda ns, x, src, dim, index: x.scatter(dim, ns.index(index), value=1.5))
op("scatter_add", scatter_inputs(unique=False))(lambda ns, x, src, dim, index: x.scatter_add(dim, ns.index(index), src))


@st.composite
def scatter_reduce_inputs(draw, reductions=("sum", "prod", "mean", "amax", "amin")):
    """scatter_add's inputs (repeated positions), with the values of x and src all distinct and away from 0 (no ties
    for amax and amin, no zero factor for prod), a reduction and include_self."""
    (x, src), params = draw(scatter_inputs(unique=False))
    values = draw(distinct_values((x.size + src.size,)))
    x, src = values[: x.size].reshape(x.shape), values[x.size :].reshape(src.shape)
    return (x, src), {**params, "reduce": draw(st.sampled_from(reductions)), "include_self": draw(st.booleans())}


op("scatter_reduce", scatter_reduce_inputs())(
    lambda ns, x, src, dim, index, reduce, include_self: x.scatter_reduce(
        dim, ns.index(index), src, reduce, include_self=include_self
    )
)
op("scatter_reduce_function", scatter_reduce_inputs())(
    lambda ns, x, src, dim, index, reduce, include_self: ns.scatter_reduce(
        x, dim, ns.index(index), src, reduce=reduce, include_self=include_self
    )
)
# scatter's reduce: PyTorch computes the values (compared in tests/test_tensor_ops.py) but has no gradient for them
op("scatter_reduce_argument", scatter_reduce_inputs(("add", "multiply")), torch=False)(
    lambda ns, x, src, dim, index, reduce, include_self: x.scatter(dim, ns.index(index), src, reduce=reduce)
)
op("masked_fill", masked_inputs())(lambda ns, x, mask, value: x.masked_fill(ns.index(mask), value))
op("masked_fill_tensor_value", masked_inputs(value_tensor=True))(
    lambda ns, x, v, mask, value: x.masked_fill(ns.index(mask), v * value)
)
op("masked_select", masked_inputs())(lambda ns, x, mask, value: x.masked_select(ns.index(mask)))
op("where_method", aliased(where_inputs()))(lambda ns, a, b, cond: a.where(ns.index(cond), b))


# rearranging: flip, roll, repeat, tile, movedim, unflatten, hstack, vstack, tril, triu, diag
@st.composite
def flip_inputs(draw):
    shape = draw(shapes())
    dims_ = draw(st.lists(dim(len(shape)), min_size=1, max_size=3).filter(
        lambda ds: len({d % max(len(shape), 1) for d in ds}) == len(ds)))  # fmt: skip
    return (draw(arrays(shape)),), {"dims": dims_}


@st.composite
def roll_inputs(draw):
    shape = draw(shapes())
    if not shape or draw(st.booleans()):
        return (draw(arrays(shape)),), {"shifts": draw(st.integers(-4, 4)), "dims": None}
    axes = draw(st.lists(st.integers(0, len(shape) - 1), min_size=1, max_size=len(shape), unique=True))
    shifts = [draw(st.integers(-4, 4)) for _ in axes]
    dims_ = [a - len(shape) if draw(st.booleans()) else a for a in axes]
    return (draw(arrays(shape)),), {"shifts": shifts, "dims": dims_}


@st.composite
def repeat_inputs(draw, fewer=False):
    shape = draw(shapes())
    count = draw(st.integers(0 if fewer else len(shape), len(shape) + 2))
    return (draw(arrays(shape)),), {"reps": tuple(draw(st.integers(0, 2)) for _ in range(count))}


@st.composite
def movedim_inputs(draw):
    shape = draw(shapes(min_dims=1))
    n = len(shape)
    count = draw(st.integers(1, n))
    source = draw(st.lists(st.integers(0, n - 1), min_size=count, max_size=count, unique=True))
    destination = draw(st.lists(st.integers(-n, n - 1), min_size=count, max_size=count).filter(
        lambda ds: len({d % n for d in ds}) == len(ds)))  # fmt: skip
    return (draw(arrays(shape)),), {"source": source, "destination": destination}


@st.composite
def unflatten_inputs(draw):
    shape = draw(shapes(min_dims=1, min_side=1))
    d = draw(dim(len(shape)))
    n = shape[d]
    first = draw(st.sampled_from([k for k in range(1, n + 1) if n % k == 0]))
    sizes = draw(st.sampled_from([(first, n // first), (first, -1), (-1,), (n, 1, 1)]))
    return (draw(arrays(shape)),), {"dim": d, "sizes": sizes}


@st.composite
def stackable(draw, kind):
    """Tensors that hstack (same dims, matching except dim 1, or 1-D/0-d) or vstack (1-D of one length, or same
    trailing dims)."""
    ndim = draw(st.integers(0, 3))
    shape = list(draw(shapes(min_dims=ndim, max_dims=ndim)))
    varying = (1 if ndim >= 2 else 0 if ndim == 1 else None) if kind == "h" else (0 if ndim >= 2 else None)
    parts = []
    for _ in range(draw(st.integers(1, 3))):
        if varying is not None:
            shape[varying] = draw(st.integers(0, 3))
        parts.append(draw(arrays(tuple(shape))))
    return tuple(parts), {}


@st.composite
def triangle_inputs(draw):
    return (draw(arrays(draw(shapes(min_dims=2)))),), {"diagonal": draw(st.integers(-3, 3))}


@st.composite
def diag_inputs(draw):
    return (draw(arrays(draw(shapes(min_dims=1, max_dims=2)))),), {"diagonal": draw(st.integers(-3, 3))}


op("flip", flip_inputs())(lambda ns, x, dims: x.flip(dims))
op("flip_function", flip_inputs())(lambda ns, x, dims: ns.flip(x, dims))
op("roll", roll_inputs())(lambda ns, x, shifts, dims: x.roll(shifts, dims))
op("repeat", repeat_inputs())(lambda ns, x, reps: x.repeat(*reps) if reps else x.repeat(()))
op("tile", repeat_inputs(fewer=True))(lambda ns, x, reps: x.tile(reps))
op("movedim", movedim_inputs())(lambda ns, x, source, destination: x.movedim(source, destination))
op("unflatten", unflatten_inputs())(lambda ns, x, dim, sizes: x.unflatten(dim, sizes))
op("hstack", stackable("h"))(lambda ns, *xs: ns.hstack(list(xs)))
op("vstack", stackable("v"))(lambda ns, *xs: ns.vstack(xs))
op("tril", triangle_inputs())(lambda ns, x, diagonal: x.tril(diagonal))
op("triu", triangle_inputs())(lambda ns, x, diagonal: ns.triu(x, diagonal=diagonal))
op("diag", diag_inputs())(lambda ns, x, diagonal: x.diag(diagonal))
op("contiguous", one())(lambda ns, x: x.contiguous() * 2)


# products and running sums
@st.composite
def batched_matrices(draw):
    b, n, k, m = (draw(st.integers(0, 3)) for _ in range(4))
    return (draw(arrays((b, n, k))), draw(arrays((b, k, m)))), {}


@st.composite
def addmm_inputs(draw):
    n, k, m = draw(st.integers(0, 3)), draw(st.integers(0, 3)), draw(st.integers(0, 3))
    bias_shape = draw(st.sampled_from([(n, m), (m,), (1, m), ()]))
    params = {"beta": draw(st.sampled_from([1, 0.5, 0])), "alpha": draw(st.sampled_from([1, -2.0]))}
    return (draw(arrays(bias_shape)), draw(arrays((n, k))), draw(arrays((k, m)))), params


# exact zeros (sometimes several in one slice) exercise the products' rules at zero; products are polynomials, so
# central differences are exact there
WITH_ZEROS = st.one_of(floats(), st.just(0.0))

op("bmm", batched_matrices())(lambda ns, a, b: ns.bmm(a, b))
op("outer", vectors())(lambda ns, a, b: ns.outer(a, b))
op("addmm", addmm_inputs())(lambda ns, c, a, b, beta, alpha: ns.addmm(c, a, b, beta=beta, alpha=alpha))
op("cumsum", along_dim())(lambda ns, x, dim: x.cumsum(dim))
op("cumprod", along_dim(values=WITH_ZEROS))(lambda ns, x, dim: x.cumprod(dim=dim))
op("prod", reduction(lambda s: arrays(s, WITH_ZEROS), allow_tuple=False))(
    lambda ns, x, dim, keepdim: x.prod() if dim is None else x.prod(dim, keepdim=keepdim)
)


@st.composite
def einsum_inputs(draw):
    equation = draw(st.sampled_from(
        ["ij,jk->ik", "bij,bjk->bik", "i,i->", "ij->ji", "ij->", "ij,j", "i,j->ij", "ijk->kj", "ij,jk,kl->il", "ij,ik"]
    ))  # fmt: skip
    sizes = {c: draw(st.integers(0, 3)) for c in "bijkl"}
    terms = equation.split("->")[0].split(",")
    return tuple(draw(arrays(tuple(sizes[c] for c in term))) for term in terms), {"equation": equation}


op("einsum", einsum_inputs())(lambda ns, *xs, equation: ns.einsum(equation, *xs))


# pointwise functions
op("floor", one(grid()))(lambda ns, x: (x * 3).floor() + x)
op("ceil", one(grid()))(lambda ns, x: x.ceil() * x)
op("trunc", one(grid()))(lambda ns, x: ns.trunc(x * 2) * x)
op("round", one(grid()))(lambda ns, x: x.round() * x)
op("sign", one(away_from_zero(0.3)))(lambda ns, x: x.sign() * x + ns.sign(x))
op("round_decimals", one(grid(0.01)))(lambda ns, x: x.round(decimals=1) * x)
op("reciprocal", one(away_from_zero(0.3)))(lambda ns, x: x.reciprocal())
op("rsqrt", one(floats(0.3, 2.0)))(lambda ns, x: x.rsqrt())
op("log1p", one(floats(-0.5, 2.0)))(lambda ns, x: x.log1p())
op("expm1", one())(lambda ns, x: x.expm1())
op("log2", one(floats(0.1, 3)))(lambda ns, x: x.log2())
op("log10", one(floats(0.1, 3)))(lambda ns, x: ns.log10(x))
op("tan", one(floats(-1.2, 1.2)))(lambda ns, x: x.tan())
op("erf", one())(lambda ns, x: x.erf())
op("erf_tails", one(floats(-6, 6)))(lambda ns, x: ns.erf(x) * 3)
op("erfc", one(floats(-6, 6)))(lambda ns, x: x.erfc())
op("atan2", elementwise(away_from_zero(0.3), floats()))(lambda ns, a, b: ns.atan2(a, b))
op("softplus", with_params(one(grid()), beta=st.sampled_from([1.0, 2.0]), threshold=st.sampled_from([20.0, 1.0])))(
    lambda ns, x, beta, threshold: ns.softplus(x, beta=beta, threshold=threshold)
)
op("lerp", elementwise(floats(), floats(), floats()))(lambda ns, a, b, w: ns.lerp(a, b, w))
op("lerp_scalar", aliased(elementwise(floats(), floats())))(lambda ns, a, b: a.lerp(b, 0.3))


# a and b with |b| = 0.7 and a = 0.7 (k + f), f in [0.1, 0.9]: every a / b is clear of the integers (the jumps)
MODULO_A = st.integers(-3, 2).flatmap(lambda k: floats(k + 0.1, k + 0.9)).map(lambda v: v * 0.7)
MODULO_B = st.sampled_from([-0.7, 0.7])


def modulo_inputs():
    return elementwise(MODULO_A, MODULO_B)


op("fmod", modulo_inputs())(lambda ns, a, b: ns.fmod(a, b))
op("remainder", modulo_inputs())(lambda ns, a, b: ns.remainder(a, b))
op("remainder_scalar", one(MODULO_A))(lambda ns, x: x.remainder(0.7) + ns.fmod(x, -0.7))


@st.composite
def nonfinite_values(draw):
    values = st.one_of(floats(), st.sampled_from([math.inf, -math.inf, math.nan]))
    return (draw(arrays(draw(shapes()), values)),), {}


op("nan_to_num", nonfinite_values())(lambda ns, x: ns.nan_to_num(x, nan=0.5, posinf=3.0, neginf=-3.0) * 2)


# sorting
@st.composite
def sort_inputs(draw):
    shape = draw(shapes())
    x = draw(distinct_arrays(shape))
    return (x,), {"dim": draw(dim(len(shape))), "descending": draw(st.booleans())}


@st.composite
def topk_inputs(draw):
    shape = draw(shapes(min_dims=1))
    d = draw(dim(len(shape)))
    params = {"dim": d, "k": draw(st.integers(0, shape[d])), "largest": draw(st.booleans())}
    return (draw(distinct_arrays(shape)),), params


op("sort", sort_inputs())(lambda ns, x, dim, descending: tuple(x.sort(dim=dim, descending=descending)))
op("topk", topk_inputs())(lambda ns, x, dim, k, largest: tuple(x.topk(k, dim=dim, largest=largest)))
