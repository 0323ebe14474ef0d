"""Hypothesis strategies shared by the tests: shapes, dims, values, arrays, memory layouts and aliased operands.

Shapes are small (gradients are checked entry by entry) but include 0-d tensors and size-1 and empty dims.
Values stay in [-2, 2] unless a strategy says otherwise; `away_from_zero`, `grid` and `distinct_arrays` keep
them off the points where an operation is not differentiable (kinks, bounds, ties).

Two things the values alone do not vary, drawn here as well:

- the memory layout of an input array (`layouts`, applied by `lay_out`): C order, Fortran order, the last two
  dims transposed, every other element of a larger array, negative strides;
- aliasing between the operands of one call (`aliased`): an operand that is another operand's tensor, or its
  `detach()` (shares memory, cut from the graph). An `Alias` stands in for such an operand in a drawn tuple of
  arrays; `Operands` turns the tuple into leaves and back into the operands a function is called with.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

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


# ---- memory layouts ----------------------------------------------------------------------------------------

LAYOUTS = ("C", "fortran", "transposed", "strided", "negative")


def layouts(count: int = 1) -> st.SearchStrategy[tuple[str, ...]]:
    """`count` layout names, one per array (mostly non-contiguous ones: C order is what the values already have)."""
    return st.tuples(*[st.sampled_from(LAYOUTS)] * count)


def lay_out(array: np.ndarray, layout: str) -> np.ndarray:
    """An array equal to `array` whose memory is laid out as `layout` says (a view for "strided"/"negative").

    "fortran": column-major; "transposed": the last two dims swapped in memory; "strided": every other
    element of an array twice as large in each dim; "negative": every stride negative (a reversed copy, reversed).
    """
    array = np.asarray(array)
    if layout not in LAYOUTS:
        raise ValueError(f"lay_out: unknown layout {layout!r}; expected one of {LAYOUTS}")
    if array.ndim == 0:
        return array.copy()  # one element: every layout is the same
    if layout == "C":
        return np.ascontiguousarray(array)
    if layout == "fortran":
        return np.asfortranarray(array)
    if layout == "transposed":
        if array.ndim == 1:
            return array.copy()
        return np.swapaxes(np.ascontiguousarray(np.swapaxes(array, -1, -2)), -1, -2)
    if layout == "strided":
        base = np.zeros(tuple(2 * n for n in array.shape), dtype=array.dtype)
        view = base[(slice(None, None, 2),) * array.ndim]
        view[...] = array
        return view
    return np.flip(np.flip(array).copy())  # "negative"


# ---- aliased operands ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Alias:
    """An operand that is the tensor of operand `of` itself, or (`detach=True`) that tensor's `detach()`."""

    of: int
    detach: bool = False


def aliased(inputs: st.SearchStrategy, target: int = 1, source: int = 0) -> st.SearchStrategy:
    """An (arrays, params) strategy whose operand `target` is sometimes operand `source`'s tensor or its detach().

    The aliased operand takes its shape and values from `source`: use it where the operation accepts the same
    tensor in both places (elementwise operators, cat, stack...).
    """

    @st.composite
    def draw_aliased(draw):
        arrays_, params = draw(inputs)
        kind = draw(st.sampled_from(["none", "none", "same", "detach"]))
        if kind == "none" or len(arrays_) <= max(target, source):
            return arrays_, params
        arrays_ = list(arrays_)
        arrays_[target] = Alias(source, detach=kind == "detach")
        return tuple(arrays_), params

    return draw_aliased()


class Operands:
    """A drawn tuple of arrays and `Alias`es: the leaves to make from it, and the operands built from leaves.

    `leaves(make)` calls `make(array)` for each array (not for aliases); `build(leaves)` gives the operands in
    order, an alias being its source's tensor or that tensor's detach(). A function of the operands becomes a
    function of the leaves (for gradcheck, jvp...) by `lambda *leaves: fn(*operands.build(leaves))`.
    """

    def __init__(self, items: Sequence[Any]):
        self.items = tuple(items)
        self.arrays = [a for a in self.items if not isinstance(a, Alias)]

    @property
    def detached(self) -> bool:
        """Whether an operand is a detach() of another: central differences see it move, gradients do not."""
        return any(isinstance(a, Alias) and a.detach for a in self.items)

    def leaves(self, make: Callable[[np.ndarray], Any]) -> list[Any]:
        return [make(a) for a in self.arrays]

    def build(self, leaves: Sequence[Any], frozen: Callable[[np.ndarray], Any] | None = None) -> list[Any]:
        """The operands for these leaves; with `frozen`, a detached alias is `frozen(its source's drawn array)`
        instead: a constant, which is what a detached operand is to the function's derivative."""
        leaves = iter(leaves)
        out = [None if isinstance(item, Alias) else next(leaves) for item in self.items]
        for i, item in enumerate(self.items):
            if isinstance(item, Alias):
                source = self._source(i)
                if not item.detach:
                    out[i] = out[source]
                elif frozen is not None:
                    out[i] = frozen(self.items[source])
                else:
                    out[i] = out[source].detach()
        return out

    def _source(self, index: int) -> int:
        """The position of the array an operand stands for (following aliases of aliases)."""
        while isinstance(self.items[index], Alias):
            index = self.items[index].of
        return index
