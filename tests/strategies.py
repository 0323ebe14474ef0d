"""Hypothesis strategies shared by the core tests: shapes, broadcastable shapes, dims, dtypes and arrays.

Shapes are small (gradients are checked entry by entry) but include 0-d tensors and size-1 and empty dims.
"""

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

MAX_SIDE = 3
DTYPES = st.sampled_from([np.float32, np.float64])


def shapes(min_dims=0, max_dims=3, min_side=0, max_side=MAX_SIDE):
    """Array shapes, sides in [min_side, max_side] (0 gives empty tensors, 1 size-1 dims)."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)


def broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, min_side=0, max_side=MAX_SIDE):
    """Tuples of `num_shapes` shapes that broadcast together (possibly with different numbers of dims)."""
    return hnp.mutually_broadcastable_shapes(
        num_shapes=num_shapes, min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side
    ).map(lambda s: s.input_shapes)


@st.composite
def dim(draw, ndim):
    """One valid dimension of an `ndim`-d tensor, negative or not (0 and -1 for a 0-d tensor)."""
    n = max(ndim, 1)
    return draw(st.integers(-n, n - 1))


@st.composite
def dims(draw, ndim, allow_none=True, allow_tuple=True):
    """None (every dim), one dim, or a tuple of distinct dims with random signs."""
    options = ["int"] + (["none"] if allow_none else []) + (["tuple"] if allow_tuple and ndim > 0 else [])
    kind = draw(st.sampled_from(options))
    if kind == "none":
        return None
    if kind == "int":
        return draw(dim(ndim))
    chosen = draw(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True))
    return tuple(d - ndim if draw(st.booleans()) else d for d in chosen)


def floats(low=-2.0, high=2.0):
    return st.floats(low, high, allow_nan=False, allow_infinity=False, allow_subnormal=False)


def away_from_zero(low=0.1, high=2.0):
    """Floats with low <= |x| <= high: away from the kinks of abs, relu, and from division by zero."""
    return st.one_of(floats(low, high), floats(-high, -low))


def grid(spacing=0.1, count=20):
    """Values k * spacing + spacing / 2 for |k| <= count: never 0, never a multiple of `spacing`,
    at least `spacing` apart when distinct (keeps clamp bounds, kinks and ties out of reach of eps)."""
    return st.integers(-count, count - 1).map(lambda k: (k + 0.5) * spacing)


def arrays(shape, elements=None, unique=False, dtype=np.float64):
    return hnp.arrays(dtype, shape, elements=floats() if elements is None else elements, unique=unique)


def distinct_arrays(shape):
    """Arrays whose elements are pairwise at least 0.1 apart and away from 0: no ties for max/min/sort."""
    return arrays(shape, grid(), unique=True)


# ---- convolution and pooling: small batches, odd sizes, square and non-square kernels ---------------------------
def distinct_values(shape, spacing=0.1):
    """Arrays of `shape` whose values are a shuffled grid `spacing` apart: no ties (max pooling, batch statistics)."""
    size = int(np.prod(shape))
    return st.permutations(range(size)).map(
        lambda order: (np.asarray(order, dtype=np.float64).reshape(shape) - size / 2 + 0.5) * spacing
    )


def pair(low, high):
    """An int in [low, high], or a pair of them (PyTorch accepts both)."""
    return st.integers(low, high) | st.tuples(st.integers(low, high), st.integers(low, high))


def _two(value):
    return value if isinstance(value, tuple) else (value, value)


@st.composite
def conv2d_args(draw, dims=2):
    """(x, weight, bias or None) arrays and conv parameters (stride, padding, dilation, groups) that fit together."""
    groups = draw(st.integers(1, 2))
    in_c, out_c = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    kernel = draw(pair(1, 3)) if dims == 2 else draw(st.integers(1, 3))
    stride, dilation = draw(pair(1, 2)), draw(pair(1, 2))
    padding = draw(st.sampled_from(["same", "valid"]) | pair(0, 2))
    if padding == "same":
        stride = 1
    if dims == 1:
        stride, dilation = (s[0] if isinstance(s, tuple) else s for s in (stride, dilation))
        padding = padding[0] if isinstance(padding, tuple) else padding
    kernels, dilations = _two(kernel)[:dims], _two(dilation)[:dims]
    pads = (0,) * dims if isinstance(padding, str) else _two(padding)[:dims]
    reach = [d * (k - 1) + 1 for k, d in zip(kernels, dilations)]
    sizes = tuple(draw(st.integers(max(1, r - 2 * p), max(1, r - 2 * p) + 3)) for r, p in zip(reach, pads))
    x = draw(arrays((draw(st.integers(1, 2)), in_c, *sizes)))
    w = draw(arrays((out_c, in_c // groups, *_two(kernel)[:dims])))
    b = draw(st.none() | arrays((out_c,)))
    params = {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups}
    return (x, w) if b is None else (x, w, b), params


@st.composite
def pool2d_args(draw, kind="max", dims=2):
    """An input with distinct values and pooling parameters (kernel, stride, padding <= kernel/2, ceil_mode...)."""
    kernel = draw(pair(1, 3)) if dims == 2 else draw(st.integers(1, 3))
    kernels = _two(kernel)[:dims]
    stride = draw(st.none() | (pair(1, 3) if dims == 2 else st.integers(1, 3)))
    padding = tuple(draw(st.integers(0, k // 2)) for k in kernels)
    dilation = draw(pair(1, 2)) if kind == "max" and dims == 2 else 1
    reach = [d * (k - 1) + 1 for k, d in zip(kernels, _two(dilation))]
    # max pooling: at least one kernel span, so that no (dilated) window sees only padding
    smallest = [r if kind == "max" else max(1, r - 2 * p) for r, p in zip(reach, padding)]
    sizes = tuple(draw(st.integers(n, n + 3)) for n in smallest)
    x = draw(distinct_values((draw(st.integers(1, 2)), draw(st.integers(1, 2)), *sizes)))
    params = {"kernel_size": kernel, "stride": stride, "padding": padding if dims == 2 else padding[0],
              "ceil_mode": draw(st.booleans())}  # fmt: skip
    if kind == "max":
        params["dilation"] = dilation
    else:
        params["count_include_pad"] = draw(st.booleans())
    return (x,), params


@st.composite
def adaptive_args(draw, dims=2):
    """An input with distinct values and an output size that may or may not divide the input's."""
    sizes = tuple(draw(st.integers(1, 6)) for _ in range(dims))
    x = draw(distinct_values((draw(st.integers(1, 2)), draw(st.integers(1, 2)), *sizes)))
    out = tuple(draw(st.integers(1, n)) for n in sizes)
    return (x,), {"output_size": out if dims == 2 else out[0]}
