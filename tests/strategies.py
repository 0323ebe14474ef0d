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
