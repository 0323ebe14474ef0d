"""Gradients of every operation: against central differences (float64), float32 against float64, and PyTorch.

One table lists the operations. Each case has a function `fn(ns, *tensors, **params)` written once for both
libraries (`ns` gives the few free functions whose names or homes differ) and a strategy drawing the input
arrays and parameters, kept away from points where the operation is not differentiable (kinks, ties, bounds).
Four property tests run over the whole table: first derivatives, float32, PyTorch, second derivatives.
"""

import math
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import (
    arrays,
    away_from_zero,
    broadcastable_shapes,
    dim,
    dims,
    distinct_arrays,
    floats,
    grid,
    shapes,
)

import autograd

# ---- the two namespaces a case runs against -------------------------------------------------------------


def _ag_const(values, like):
    """A numpy operand (not a tensor) in the dtype of `like`: exercises the reflected-operator paths."""
    return np.asarray(values, dtype=like.dtype)


AG = SimpleNamespace(
    cat=autograd.cat,
    stack=autograd.stack,
    where=autograd.where,
    pad=autograd.pad,
    leaky_relu=autograd.leaky_relu,
    maximum=autograd.maximum,
    minimum=autograd.minimum,
    matmul=autograd.matmul,
    dot=autograd.dot,
    mm=autograd.mm,
    mv=autograd.mv,
    softmax=autograd.softmax,
    log_softmax=autograd.log_softmax,
    float32=autograd.float32,
    float64=autograd.float64,
    const=_ag_const,
    index=autograd.tensor,
)


def _torch_ns():
    torch = pytest.importorskip("torch")
    functional = torch.nn.functional
    return torch, SimpleNamespace(
        cat=torch.cat,
        stack=torch.stack,
        where=torch.where,
        pad=functional.pad,
        leaky_relu=functional.leaky_relu,
        maximum=torch.maximum,
        minimum=torch.minimum,
        matmul=torch.matmul,
        dot=torch.dot,
        mm=torch.mm,
        mv=torch.mv,
        softmax=torch.softmax,
        log_softmax=torch.log_softmax,
        float32=torch.float32,
        float64=torch.float64,
        const=lambda values, like: torch.as_tensor(np.asarray(values)).to(like.dtype),
        index=torch.as_tensor,
    )


# ---- the table -------------------------------------------------------------------------------------------


@dataclass
class Case:
    name: str
    fn: Any  # fn(ns, *tensors, **params) -> a tensor or a tuple of tensors
    inputs: Any  # strategy of (arrays, params)
    eps: float = 1e-6  # central-difference step
    atol: float = 1e-6
    rtol: float = 1e-5
    keeps_dtype: bool = True  # float32 in, float32 out
    torch: bool = True  # PyTorch has the same spelling


CASES: list[Case] = []


def case(name, inputs, **options):
    """Register `fn` in the table under `name`, with the strategy `inputs`."""

    def register(fn):
        CASES.append(Case(name, fn, inputs, **options))
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
case("add", elementwise(floats(), floats()))(lambda ns, a, b: a + b)
case("sub", elementwise(floats(), floats()))(lambda ns, a, b: a - b)
case("mul", elementwise(floats(), floats()))(lambda ns, a, b: a * b)
case("div", elementwise(floats(), away_from_zero(0.3)))(lambda ns, a, b: a / b)
case("pow_tensor", elementwise(floats(0.3, 2.0), floats()))(lambda ns, a, b: a**b)
case("neg", one())(lambda ns, a: -a)
case("square_self_mul", one())(lambda ns, a: a * a)
case("pow_int", with_params(one(away_from_zero(0.3)), k=st.sampled_from([0, 1, 2, 3, -1, -2])))(lambda ns, a, k: a**k)
case("pow_float", with_params(one(floats(0.3, 2.0)), p=st.sampled_from([0.5, 1.5, -0.5, 2.5])))(lambda ns, a, p: a**p)
case("method_pow", with_params(one(floats(0.3, 2.0)), p=st.sampled_from([2, 0.5])))(lambda ns, a, p: a.pow(p))

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
    case(f"scalar_{_name}", one(away_from_zero(0.3)))(lambda ns, x, _op=_op: _op(x))


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
    case(f"numpy_{_name}", with_numpy_operand())(lambda ns, x, c, _op=_op: _op(ns.const(c, x), x))
case("numpy_rpow", with_numpy_operand(floats(), floats(0.3, 2.0)))(lambda ns, x, c: ns.const(c, x) ** x)
case("numpy_pow", with_numpy_operand(floats(0.3, 2.0), floats()))(lambda ns, x, c: x ** ns.const(c, x))

# elementwise functions
case("exp", one(floats(-3, 3)))(lambda ns, x: x.exp())
case("log", one(floats(0.1, 3)))(lambda ns, x: x.log())
case("sqrt", one(floats(0.1, 3)))(lambda ns, x: x.sqrt())
case("abs", one(away_from_zero()))(lambda ns, x: x.abs())
case("builtin_abs", one(away_from_zero()))(lambda ns, x: abs(x))
case("sin", one(floats(-3, 3)))(lambda ns, x: x.sin())
case("cos", one(floats(-3, 3)))(lambda ns, x: x.cos())
case("tanh", one(floats(-3, 3)))(lambda ns, x: x.tanh())
case("sigmoid", one(floats(-10, 10)))(lambda ns, x: x.sigmoid())
case("relu", one(away_from_zero()))(lambda ns, x: x.relu())
case("leaky_relu", with_params(one(away_from_zero()), slope=st.sampled_from([0.01, 0.2, 1.5])))(
    lambda ns, x, slope: ns.leaky_relu(x, slope)
)
case("leaky_relu_default", one(away_from_zero()))(lambda ns, x: ns.leaky_relu(x))

# clamp bounds are multiples of 0.1, inputs never are (grid): the gradient is 1 inside, 0 outside
CLAMP_BOUNDS = st.sampled_from([(-0.5, 0.5), (None, 0.3), (-0.2, None), (0.4, 1.0)])
case("clamp", with_params(one(grid()), bounds=CLAMP_BOUNDS))(
    lambda ns, x, bounds: x.clamp(min=bounds[0], max=bounds[1])
)
case("clip", with_params(one(grid()), bounds=CLAMP_BOUNDS))(lambda ns, x, bounds: x.clip(*bounds))

# maximum/minimum: one side on the grid (k + 0.5) * 0.1, the other on multiples of 0.1: never a tie
MULTIPLES = st.integers(-20, 20).map(lambda k: k * 0.1)
case("maximum", elementwise(grid(), MULTIPLES))(lambda ns, a, b: ns.maximum(a, b))
case("minimum", elementwise(MULTIPLES, grid()))(lambda ns, a, b: ns.minimum(a, b))
case("max_with_tensor", elementwise(grid(), MULTIPLES))(lambda ns, a, b: a.max(b))


@st.composite
def where_inputs(draw):
    cond_shape, a_shape, b_shape = draw(broadcastable_shapes(3))
    cond = draw(arrays(cond_shape, st.booleans(), dtype=bool))
    return (draw(arrays(a_shape)), draw(arrays(b_shape))), {"cond": cond}


case("where", where_inputs())(lambda ns, a, b, cond: ns.where(ns.index(cond), a, b))
case("where_scalar", where_inputs())(lambda ns, a, b, cond: ns.where(ns.index(cond), a * b, 0.5))


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


case("matmul", matmul_inputs())(lambda ns, a, b: a @ b)
case("matmul_function", matmul_inputs())(lambda ns, a, b: ns.matmul(a, b))
case("dot", vectors())(lambda ns, a, b: ns.dot(a, b))
case("mv", matrix_vector())(lambda ns, a, v: ns.mv(a, v))
case("mm", matrices())(lambda ns, a, b: ns.mm(a, b))


@st.composite
def numpy_matmul(draw):
    """x of shape (n, k) and a numpy matrix c of shape (k, n): both x @ c and c @ x are defined."""
    n, k = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    return (draw(arrays((n, k))),), {"c": draw(arrays((k, n)))}


case("numpy_matmul", numpy_matmul())(lambda ns, x, c: x @ ns.const(c, x))
case("numpy_rmatmul", numpy_matmul())(lambda ns, x, c: ns.const(c, x) @ x)


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


case("sum", reduction())(reduce_call("sum"))
case("mean", reduction())(reduce_call("mean"))
case("sum_numpy_spelling", reduction(allow_none=False))(lambda ns, x, dim, keepdim: x.sum(axis=dim, keepdims=keepdim))
case("mean_numpy_spelling", reduction(allow_none=False))(lambda ns, x, dim, keepdim: x.mean(axis=dim, keepdims=keepdim))
case("max_all", reduction(distinct_arrays, min_side=1))(lambda ns, x, dim, keepdim: x.max())
case("min_all", reduction(distinct_arrays, min_side=1))(lambda ns, x, dim, keepdim: x.min())
# with dim: (values, indices); the indices are compared exactly in the PyTorch test
case("max_dim", reduction(distinct_arrays, min_side=1, allow_none=False, allow_tuple=False))(
    lambda ns, x, dim, keepdim: tuple(x.max(dim=dim, keepdim=keepdim))
)
case("min_dim", reduction(distinct_arrays, min_side=1, allow_none=False, allow_tuple=False))(
    lambda ns, x, dim, keepdim: tuple(x.min(dim, keepdim))
)
case("max_numpy_spelling", reduction(distinct_arrays, min_side=1, allow_none=False, allow_tuple=False))(
    lambda ns, x, dim, keepdim: values_of(x.max(axis=dim, keepdims=keepdim))
)
case("amax", reduction(distinct_arrays, min_side=1))(reduce_call("amax"))
case("amin", reduction(distinct_arrays, min_side=1))(reduce_call("amin"))
# var/std: every reduced dim has at least 2 elements, distinct values keep std away from 0
VAR_OPTIONS = st.sampled_from([{}, {"unbiased": False}, {"unbiased": True}, {"correction": 0}, {"correction": 1}])
for _method in ("var", "std"):
    case(_method, with_params(reduction(distinct_arrays, min_side=2, min_dims=1), options=VAR_OPTIONS))(
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


NORM_P = st.sampled_from([2, 2.0, "fro", 1, math.inf, 3, 0.5])
NORM_INPUTS = with_params(reduction(distinct_abs_arrays, min_side=1), p=NORM_P).filter(
    lambda t: not (t[1]["p"] == "fro" and isinstance(t[1]["dim"], tuple) and len(t[1]["dim"]) > 2)
)  # PyTorch's "fro" is a matrix norm over at most 2 dims; ours takes it as the Euclidean norm over any dims


case("norm", NORM_INPUTS)(
    lambda ns, x, dim, keepdim, p: x.norm(p=p) if dim is None else x.norm(p=p, dim=dim, keepdim=keepdim)
)
case("logsumexp", reduction(lambda s: arrays(s, floats(-5, 5)), allow_none=False))(
    lambda ns, x, dim, keepdim: x.logsumexp(dim=dim, keepdim=keepdim)
)


@st.composite
def along_dim(draw, min_dims=0, min_side=0, values=None):
    shape = draw(shapes(min_dims=min_dims, min_side=min_side))
    return (draw(arrays(shape, values)),), {"dim": draw(dim(len(shape)))}


case("softmax", along_dim(min_dims=1, values=floats(-5, 5)))(lambda ns, x, dim: x.softmax(dim))
case("log_softmax", along_dim(min_dims=1, values=floats(-5, 5)))(lambda ns, x, dim: x.log_softmax(dim))
case("softmax_function", along_dim(min_dims=1, values=floats(-5, 5)))(lambda ns, x, dim: ns.softmax(x, dim=dim))
case("log_softmax_function", along_dim(min_dims=1, values=floats(-5, 5)))(lambda ns, x, dim: ns.log_softmax(x, dim=dim))


# shape operations
@st.composite
def reshape_inputs(draw):
    shape = draw(shapes())
    size = math.prod(shape)
    targets = [(size,), (-1,), tuple(reversed(shape)), (1, *shape), (*shape, 1)]
    if size:
        targets += [(-1, shape[-1]) if shape else (1,), (size, -1)]
    return (draw(arrays(shape)),), {"shape": draw(st.sampled_from(targets))}


case("reshape", reshape_inputs())(lambda ns, x, shape: x.reshape(shape))
VARARG_SHAPES = reshape_inputs().filter(lambda t: t[1]["shape"] != ())  # PyTorch's x.reshape() needs an argument
case("reshape_varargs", VARARG_SHAPES)(lambda ns, x, shape: x.reshape(*shape))
case("view", VARARG_SHAPES)(lambda ns, x, shape: x.view(*shape))


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


case("transpose", two_dims())(lambda ns, x, d0, d1: x.transpose(d0, d1))
case("permute", permutation(min_dims=1))(lambda ns, x, order: x.permute(*order))
case("permute_tuple", permutation())(lambda ns, x, order: x.permute(tuple(order)))
case("T_2d", elementwise(floats(), min_dims=2, max_dims=2))(lambda ns, x: x.T)
case("mT", elementwise(floats(), min_dims=2))(lambda ns, x: x.mT)
case("flatten", flatten_inputs())(lambda ns, x, start, end: x.flatten(start, end))
case("flatten_all", one())(lambda ns, x: x.flatten())
case("squeeze", squeeze_inputs())(lambda ns, x, dim: x.squeeze() if dim is None else x.squeeze(dim))
case("unsqueeze", unsqueeze_inputs())(lambda ns, x, dim: x.unsqueeze(dim))
case("expand", expand_inputs(minus_one=True, min_dims=1))(lambda ns, x, shape: x.expand(*shape))
case("expand_tuple", expand_inputs())(lambda ns, x, shape: x.expand(shape))
case("broadcast_to", expand_inputs())(lambda ns, x, shape: x.broadcast_to(shape))


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


case("index_basic", basic_index())(lambda ns, x, index: x[index])
case("index_negative_step", basic_index(negative_steps=True), torch=False)(lambda ns, x, index: x[index])
case("index_int", integer_index(min_size=1))(lambda ns, x, positions: x[positions[0]])
case("index_mask", mask_index())(lambda ns, x, mask: x[ns.index(mask)])
case("index_leading_mask", mask_index(leading=True))(lambda ns, x, mask: x[ns.index(mask)])
case("index_integer_tensor", integer_index())(lambda ns, x, positions: x[ns.index(_int_array(positions))])
case("index_integer_list", integer_index())(lambda ns, x, positions: x[positions])
case("index_numpy_array", integer_index(), torch=False)(lambda ns, x, positions: x[_int_array(positions)])
case("index_two_arrays", two_integer_indices())(
    lambda ns, x, rows, cols: x[ns.index(_int_array(rows)), ns.index(_int_array(cols))]
)
case("index_slice_and_array", column_index())(lambda ns, x, cols: x[:, ns.index(_int_array(cols))])


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


case("cat", cat_inputs())(lambda ns, *xs, dim: ns.cat(list(xs), dim=dim))
case("cat_tuple", cat_inputs())(lambda ns, *xs, dim: ns.cat(xs, dim))
case("stack", stack_inputs())(lambda ns, *xs, dim: ns.stack(list(xs), dim=dim))
case("split", split_inputs())(lambda ns, x, sizes, dim: tuple(x.split(sizes, dim=dim)))
case("chunk", chunk_inputs())(lambda ns, x, chunks, dim: tuple(x.chunk(chunks, dim=dim)))
case("pad", pad_inputs())(lambda ns, x, pad, value: ns.pad(x, pad, value=value))

# casts between float dtypes: a round trip through float32 (a larger step: float32 rounding) and up-casts
case("cast_float_double", one(), eps=1e-3, atol=1e-4, rtol=1e-3, keeps_dtype=False)(
    lambda ns, x: (x.float() * 3).double()
)
case("cast_to", one(), eps=1e-3, atol=1e-4, rtol=1e-3, keeps_dtype=False)(
    lambda ns, x: (x.to(ns.float32) ** 2).to(dtype=ns.float64)
)
case("cast_type", one(), eps=1e-3, atol=1e-4, rtol=1e-3)(lambda ns, x: x.type(ns.float32).type(x.dtype) * x)
case("cast_up", one(), keeps_dtype=False)(lambda ns, x: x.double() * x.double())


# ---- the properties --------------------------------------------------------------------------------------

CASE_PARAMS = [pytest.param(c, id=c.name) for c in CASES]
TORCH_CASE_PARAMS = [pytest.param(c, id=c.name) for c in CASES if c.torch]


def _as_list(result):
    return list(result) if isinstance(result, (tuple, list)) else [result]


def _weights(outputs, dtype):
    """Fixed random output cotangents (one per differentiable output)."""
    rng = np.random.default_rng(1)
    return [rng.standard_normal(np.shape(o)).astype(dtype) for o in outputs]


def test_table_covers_every_operation_family():
    names = {c.name for c in CASES}
    assert len(names) == len(CASES), "case names must be unique"
    for required in (
        "add sub mul div pow_tensor neg exp log sqrt abs sin cos tanh sigmoid relu leaky_relu clamp maximum minimum "
        "where matmul dot sum mean max_dim min_dim amax amin var std norm logsumexp softmax log_softmax reshape view "
        "transpose permute flatten squeeze unsqueeze expand broadcast_to index_basic index_mask index_integer_list "
        "cat stack split chunk pad cast_float_double"
    ).split():
        assert required in names, required


@pytest.mark.parametrize("case", CASE_PARAMS)
@given(data=st.data())
def test_gradient_matches_central_differences(case, data):
    arrays_, params = data.draw(case.inputs, label="inputs")
    inputs = [autograd.tensor(a, requires_grad=True) for a in arrays_]
    assert autograd.gradcheck(
        lambda *xs: case.fn(AG, *xs, **params), inputs, eps=case.eps, atol=case.atol, rtol=case.rtol
    )


@pytest.mark.parametrize("case", CASE_PARAMS)
@given(data=st.data())
def test_float32_stays_float32_and_matches_float64(case, data):
    arrays_, params = data.draw(case.inputs, label="inputs")
    x32 = [autograd.tensor(a.astype(np.float32), requires_grad=True) for a in arrays_]
    x64 = [autograd.tensor(x._data.astype(np.float64), requires_grad=True) for x in x32]  # the same values
    out32 = [o for o in _as_list(case.fn(AG, *x32, **params)) if o.dtype.kind == "f"]
    out64 = [o for o in _as_list(case.fn(AG, *x64, **params)) if o.dtype.kind == "f"]
    assert len(out32) == len(out64)
    for o32, o64 in zip(out32, out64):
        if case.keeps_dtype:
            assert o32.dtype == np.float32
        assert o64.dtype == np.float64
        assert o32.shape == o64.shape
        np.testing.assert_allclose(o32._data, o64._data, rtol=1e-5, atol=1e-5)
    g32 = autograd.grad(out32, x32, [autograd.tensor(w) for w in _weights(out32, np.float32)], allow_unused=True)
    g64 = autograd.grad(out64, x64, [autograd.tensor(w) for w in _weights(out64, np.float64)], allow_unused=True)
    for x, a, b in zip(x32, g32, g64):
        assert (a is None) == (b is None)
        if a is not None:
            assert a.dtype == np.float32, "the gradient has the dtype of its input"
            assert a.shape == x.shape
            scale = 1 + np.abs(b._data).max(initial=0)
            np.testing.assert_allclose(a._data, b._data, rtol=1e-3, atol=1e-4 * scale)


def _to_numpy(t):
    return t.detach().numpy() if hasattr(t, "detach") else np.asarray(t)


@pytest.mark.parametrize("case", TORCH_CASE_PARAMS)
@given(data=st.data())
def test_matches_pytorch(case, data):
    torch, torch_ns = _torch_ns()
    arrays_, params = data.draw(case.inputs, label="inputs")
    ours = [autograd.tensor(a, requires_grad=True) for a in arrays_]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays_]
    our_out = _as_list(case.fn(AG, *ours, **params))
    their_out = _as_list(case.fn(torch_ns, *theirs, **params))
    assert len(our_out) == len(their_out)
    for mine, ref in zip(our_out, their_out):
        assert mine.shape == tuple(ref.shape)
        assert str(mine.dtype) == str(ref.dtype).removeprefix("torch.")
        if ref.dtype.is_floating_point:
            np.testing.assert_allclose(mine._data, _to_numpy(ref), rtol=1e-10, atol=1e-10)
        else:  # indices of max/min
            np.testing.assert_array_equal(mine._data, _to_numpy(ref))
    pairs = [(m, r, w) for m, r, w in zip(our_out, their_out, _weights(our_out, np.float64)) if r.requires_grad]
    # ours through .backward() (accumulating over outputs), theirs through torch.autograd.grad
    for i, (mine, _, w) in enumerate(pairs):
        mine.backward(autograd.tensor(w), retain_graph=i < len(pairs) - 1)
    ref_grads = torch.autograd.grad(
        [r for _, r, _ in pairs], theirs, [torch.tensor(w) for _, _, w in pairs], allow_unused=True
    )
    for x, ref in zip(ours, ref_grads):
        if ref is None:
            assert x.grad is None or not np.any(x.grad._data)
        else:
            assert x.grad is not None and x.grad.shape == tuple(ref.shape)
            np.testing.assert_allclose(x.grad._data, ref.numpy(), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("case", CASE_PARAMS)
@settings(max_examples=5)
@given(data=st.data())
def test_second_derivatives_match_central_differences(case, data):
    arrays_, params = data.draw(case.inputs, label="inputs")
    inputs = [autograd.tensor(a, requires_grad=True) for a in arrays_]
    assert autograd.gradgradcheck(
        lambda *xs: case.fn(AG, *xs, **params), inputs, eps=case.eps, atol=case.atol, rtol=case.rtol, fast_mode=True
    )


# ---- conventions at the points the properties avoid, and numerical stability ---------------------------------------

TIES = {
    "amax": lambda x: x.amax(dim=1),
    "amin": lambda x: x.amin(dim=(0, 1)),
    "max_all": lambda x: x.max(),
    "min_all": lambda x: x.min(),
    "std_constant": lambda x: x[:, :1].std(dim=1, correction=0),
    "std_all_equal": lambda x: x[0, 1:].std(),
    "norm_at_zero": lambda x: (x * 0).norm(dim=1),
    "relu_at_zero": lambda x: (x - 1).relu(),
    "abs_at_zero": lambda x: (x - 1).abs(),
    "clamp_at_bound": lambda x: x.clamp(min=1.0, max=3.0),
    "pow_zero_base": lambda x: (x - 1) ** x,
}


@pytest.mark.parametrize("name", sorted(TIES))
def test_conventions_at_ties_and_kinks_match_pytorch(name):
    torch = pytest.importorskip("torch")
    values = np.array([[1.0, 3.0, 3.0], [3.0, 0.5, 3.0]])
    ours = autograd.tensor(values, requires_grad=True)
    theirs = torch.tensor(values, requires_grad=True)
    out, ref = TIES[name](ours), TIES[name](theirs)
    np.testing.assert_allclose(out._data, ref.detach().numpy(), rtol=1e-12)
    weights = np.arange(1.0, 1.0 + out._data.size).reshape(out.shape)
    out.backward(autograd.tensor(weights))
    ref.backward(torch.tensor(weights))
    np.testing.assert_allclose(ours.grad._data, theirs.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_maximum_tie_splits_the_gradient_evenly():
    a, b = autograd.tensor([1.0, 2.0, 3.0], requires_grad=True), autograd.tensor([1.0, 0.0, 3.0], requires_grad=True)
    autograd.maximum(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad._data, [0.5, 1.0, 0.5])
    np.testing.assert_array_equal(b.grad._data, [0.5, 0.0, 0.5])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("scale", [1e2, 1e4, 1e30])
def test_softmax_family_is_stable_for_large_logits(dtype, scale):
    logits = np.array([[1.0, 2.0, 3.0], [-1.0, 0.0, -3.0]]) * scale
    x = autograd.tensor(logits.astype(dtype), requires_grad=True)
    outs = [x.softmax(dim=1), x.log_softmax(dim=1), x.logsumexp(dim=1), x.sigmoid()]
    shifted = logits - logits.max(axis=1, keepdims=True)
    expected_log_softmax = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    np.testing.assert_allclose(outs[1]._data, expected_log_softmax, rtol=1e-6)
    np.testing.assert_allclose(outs[0]._data, np.exp(expected_log_softmax), rtol=1e-6, atol=1e-30)
    np.testing.assert_allclose(outs[2]._data, logits.max(axis=1) + np.log(np.exp(shifted).sum(axis=1)), rtol=1e-6)
    for out in outs:
        assert out.dtype == dtype and np.all(np.isfinite(out._data))
        (g,) = autograd.grad(out.sum(), x)
        assert np.all(np.isfinite(g._data))
