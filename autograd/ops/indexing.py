"""Indexing along a dim: gather, scatter, scatter_add, index_select, select, masked_fill, masked_select, nonzero
(scatter_reduce is in ops/scatter_reduce.py).

Each is written with the indexing primitives of ops/shape.py (`GetItem`, its adjoint `AddAt`, and `IndexPut`), so
its gradient, tangent and higher derivatives are theirs: gather is an advanced index whose backward adds the
gradient back at the gathered positions (repeated positions accumulate), scatter writes into a copy.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor, data_of
from .elementwise import Where
from .shape import AddAt, GetItem, IndexPut, expand, normalize_dim, reshape


def _index_array(index: Any, op: str) -> np.ndarray:
    """The integer array of an index tensor (or array); TypeError/RuntimeError as PyTorch for other dtypes."""
    if not isinstance(index, (Tensor, np.ndarray)):
        raise TypeError(f"{op}(): argument 'index' must be Tensor, not {type(index).__name__}")
    array = np.asarray(data_of(index))
    if array.dtype.kind not in "iu":
        raise RuntimeError(f"{op}(): Expected dtype int32 or int64 for index, got {array.dtype}")
    return array


def _along(index: np.ndarray, axis: int) -> tuple[np.ndarray, ...]:
    """The advanced index that picks, for every position p of `index`, the element at p with dim `axis` replaced by
    index[p] (what gather reads and scatter writes)."""
    grid = np.indices(index.shape, sparse=True)
    return tuple(index if d == axis else g for d, g in enumerate(grid))


def _check_along(x: Tensor, axis: int, index: np.ndarray, op: str, src: Any = None) -> None:
    """PyTorch's checks of gather/scatter: the same number of dims, index no larger than x (and src) apart from dim
    `axis`, and every index within the size of that dim."""
    shape = x._data.shape
    if index.ndim != len(shape) and not (index.ndim <= 1 and len(shape) <= 1):
        raise RuntimeError(f"{op}(): Index tensor must have the same number of dimensions as input tensor")
    for d, n in enumerate(index.shape):
        if d != axis and n > shape[d]:
            raise RuntimeError(
                f"{op}(): Size does not match at dimension {d} expected index {list(index.shape)} to be no larger "
                f"than self {list(shape)} apart from dimension {axis}"
            )
        if src is not None and n > src.shape[d]:
            raise RuntimeError(
                f"{op}(): Expected index {list(index.shape)} to be no larger size than src {list(src.shape)}"
            )
    size = shape[axis] if shape else 1
    bad = (index < 0) | (index >= size)
    if bad.any():
        raise RuntimeError(f"{op}(): index {int(index[bad][0])} is out of bounds for dimension {axis} with size {size}")


def gather(x: Tensor, dim: int, index: Any) -> Tensor:
    """out[p] = x[p with dim `dim` replaced by index[p]]: `index` has x's number of dims and the output its shape."""
    axis = normalize_dim(dim, x.ndim, "gather")
    positions = _index_array(index, "gather")
    _check_along(x, axis, positions, "gather")
    if x.ndim == 0:  # the one element, as often as index holds a 0
        return GetItem.apply(reshape(x, 1), index=(positions,))
    return GetItem.apply(x, index=_along(positions, axis))


def _source(src: Any, x: Tensor, index: np.ndarray, op: str) -> Any:
    """The part of `src` that scatter writes (its leading index.shape block), or a number as x's dtype."""
    if isinstance(src, Tensor):
        if src._data.dtype != x._data.dtype:
            raise RuntimeError(f"{op}(): Expected self.dtype to be equal to src.dtype ({x.dtype} and {src.dtype})")
        if src.ndim != index.ndim:
            raise RuntimeError(f"{op}(): Index tensor must have the same number of dimensions as src tensor")
        return GetItem.apply(src, index=tuple(slice(0, n) for n in index.shape))
    if isinstance(src, (bool, int, float, np.number)):
        return np.asarray(src, dtype=x._data.dtype)
    raise TypeError(f"{op}(): argument 'src' must be Tensor or a number, not {type(src).__name__}")


def scatter(
    x: Tensor, dim: int, index: Any, src: Any = None, *, value: Any = None, reduce: str | None = None
) -> Tensor:
    """A copy of x with src[p] (or `value`) written at p with dim `dim` replaced by index[p], for every position p of
    `index`; the gradient reaches x where nothing was written and src at the positions it was read from. With
    `reduce` ('add' or 'multiply') src is added or multiplied in instead, as scatter_reduce's 'sum' and 'prod' (and
    differentiable as they are, where PyTorch's backward refuses)."""
    axis = normalize_dim(dim, x.ndim, "scatter")
    positions = _index_array(index, "scatter")
    if (src is None) == (value is None):
        raise TypeError("scatter(): expected exactly one of 'src' and 'value'")
    src = value if src is None else src
    if reduce is not None:
        from .scatter_reduce import scatter_reduce

        if reduce not in ("add", "multiply"):
            raise RuntimeError(f"scatter(): reduce argument must be either add or multiply, got {reduce!r}")
        if not isinstance(src, Tensor):
            src = Tensor(np.full(positions.shape, _source(src, x, positions, "scatter")))
        return scatter_reduce(x, dim, positions, src, "sum" if reduce == "add" else "prod")
    _check_along(x, axis, positions, "scatter", src if isinstance(src, Tensor) else None)
    return IndexPut.apply(x, _source(src, x, positions, "scatter"), index=_along(positions, axis))


def scatter_add(x: Tensor, dim: int, index: Any, src: Tensor) -> Tensor:
    """x with src[p] added at p with dim `dim` replaced by index[p]; repeated positions add up."""
    axis = normalize_dim(dim, x.ndim, "scatter_add")
    positions = _index_array(index, "scatter_add")
    if not isinstance(src, Tensor):
        raise TypeError(f"scatter_add(): argument 'src' must be Tensor, not {type(src).__name__}")
    _check_along(x, axis, positions, "scatter_add", src)
    part = _source(src, x, positions, "scatter_add")
    return x + AddAt.apply(part, shape=x._data.shape, index=_along(positions, axis), dtype=x._data.dtype)


def index_select(x: Tensor, dim: int, index: Any) -> Tensor:
    """The slices of x at positions `index` (a vector of ints) along `dim`: a copy, repeated positions allowed."""
    axis = normalize_dim(dim, x.ndim, "index_select")
    positions = _index_array(index, "index_select")
    if positions.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    size = x._data.shape[axis] if x.ndim else 1
    if positions.size and (positions.min() < 0 or positions.max() >= size):
        raise IndexError(f"index_select(): index out of range in self (positions {positions.tolist()}, size {size})")
    if x.ndim == 0:  # index is [0]: the tensor itself, 0-d
        return reshape(GetItem.apply(reshape(x, 1), index=(positions.reshape(-1),)), ())
    return GetItem.apply(x, index=(slice(None),) * axis + (positions.reshape(-1),))


def select(x: Tensor, dim: int, index: int) -> Tensor:
    """x[..., index, ...] at `dim` (that dim removed; `index` may be negative): a view sharing x's memory."""
    if x.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    axis = normalize_dim(dim, x.ndim, "select")
    size = x._data.shape[axis]
    if not -size <= index < size:
        raise IndexError(
            f"select(): index {index} out of range for tensor of size {list(x._data.shape)} at dimension {axis}"
        )
    return GetItem.apply(x, index=(slice(None),) * axis + (int(index),))


def _mask_array(mask: Any, op: str) -> np.ndarray:
    array = np.asarray(data_of(mask))
    if array.dtype != np.bool_:
        raise RuntimeError(f"{op} only supports boolean masks, but got mask with dtype {array.dtype}")
    return array


def masked_fill(x: Tensor, mask: Any, value: Any) -> Tensor:
    """x with `value` (a number or a 0-d tensor, taken in x's dtype) where `mask` holds; mask broadcasts with x."""
    condition = _mask_array(mask, "masked_fill")
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError(
                "masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                f"{value.ndim} dimension(s)."
            )
        value = value if value._data.dtype == x._data.dtype else value.to(x.dtype)
    elif isinstance(value, (bool, int, float, np.number)):
        value = np.asarray(value).astype(x._data.dtype)
    else:
        raise TypeError(f"masked_fill(): argument 'value' must be Number or Tensor, not {type(value).__name__}")
    try:
        np.broadcast_shapes(condition.shape, x._data.shape)
    except ValueError:
        raise RuntimeError(
            f"masked_fill: the mask of shape {condition.shape} does not broadcast with the tensor of shape "
            f"{x._data.shape}"
        ) from None
    return Where.apply(value, x, condition=condition)


def masked_select(x: Tensor, mask: Any) -> Tensor:
    """The elements of x where `mask` holds, as a 1-D tensor (x and mask broadcast together first)."""
    condition = _mask_array(mask, "masked_select")
    try:
        shape = np.broadcast_shapes(condition.shape, x._data.shape)
    except ValueError:
        raise RuntimeError(
            f"masked_select: the mask of shape {condition.shape} does not broadcast with the tensor of shape "
            f"{x._data.shape}"
        ) from None
    return GetItem.apply(expand(x, shape), index=np.broadcast_to(condition, shape))


def nonzero(x: Tensor, *, as_tuple: bool = False) -> Any:
    """The positions of the nonzero elements: an (n, ndim) int64 tensor, or with `as_tuple` one vector per dim."""
    data = x._data if x.ndim else x._data.reshape(1)
    positions = np.nonzero(data)
    if as_tuple:
        return tuple(Tensor(p.astype(np.int64)) for p in positions)
    stacked = np.stack(positions, axis=1).astype(np.int64) if x.ndim else np.zeros((len(positions[0]), 0), np.int64)
    return Tensor(stacked)
