"""Shape operations: reshape, permute, expand, indexing, cat, stack, split, pad (and their gradients)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..function import Function
from ..promotion import promote
from ..size import shape_arg
from ..tensor import Tensor, data_of


def normalize_dim(dim: int, ndim: int, op: str) -> int:
    """A dimension index in [0, ndim), accepting negative values; IndexError names the valid range."""
    if type(dim) is int and -ndim <= dim < ndim:  # the usual case, settled before the checks below
        return dim % ndim
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
        raise TypeError(f"{op}: dim must be an int, got {type(dim).__name__}")
    low, high = (-ndim, ndim - 1) if ndim else (-1, 0)
    if not low <= dim <= high:
        raise IndexError(f"{op}: Dimension out of range (expected to be in range of [{low}, {high}], but got {dim})")
    return int(dim) % max(ndim, 1)


class Reshape(Function):
    is_view = True

    def forward(self, x, shape):
        self.input_shape = x.shape
        self.shape = shape
        out = x.reshape(shape)
        self.is_view = np.may_share_memory(out, x)  # a reshape of non-contiguous data is a copy
        return out

    def backward(self, g):
        return (g.reshape(self.input_shape),)

    def jvp(self, t):
        return t.reshape(self.shape)

    def reapply(self, x):
        return Reshape.apply_or_run(x, shape=self.shape)


class Permute(Function):
    is_view = True

    def forward(self, x, axes):
        self.inverse = tuple(np.argsort(axes))
        self.axes = axes
        return x.transpose(axes)

    def backward(self, g):
        return (Permute.apply_or_run(g, axes=self.inverse),)

    def jvp(self, t):
        return t.transpose(self.axes)

    def reapply(self, x):
        return Permute.apply_or_run(x, axes=self.axes)


class Expand(Function):
    """Broadcast to a larger shape; the engine's sum over broadcast axes is the whole backward."""

    is_view = True

    def forward(self, x, shape):
        self.shape = shape
        return np.broadcast_to(x, shape)

    def backward(self, g):
        return (g,)

    def jvp(self, t):
        return np.broadcast_to(t, self.shape)

    def reapply(self, x):
        return Expand.apply_or_run(x, shape=self.shape)


class GetItem(Function):
    def forward(self, x, index):
        self.is_view = _is_basic(index)  # integer arrays and masks copy, as in numpy and PyTorch
        self.index = index
        self.input_shape = x.shape
        self.input_dtype = x.dtype
        return x[index]

    def backward(self, g):
        return (AddAt.apply_or_run(g, shape=self.input_shape, index=self.index, dtype=self.input_dtype),)

    def jvp(self, t):
        return t[self.index]

    def reapply(self, x):
        return GetItem.apply_or_run(x, index=self.index)


class AddAt(Function):
    """zeros(shape) with `g` added at `index`; repeated indices accumulate (the adjoint of indexing)."""

    def forward(self, g, shape, index, dtype):
        self.index = index
        self.shape = shape
        out = np.zeros(shape, dtype=np.result_type(g.dtype, dtype))
        if _is_basic(index):
            out[index] = g
        else:
            np.add.at(out, index, g)
        return out

    def backward(self, gg):
        return (GetItem.apply_or_run(gg, index=self.index),)

    def jvp(self, t):
        return AddAt.apply_or_run(t, shape=self.shape, index=self.index, dtype=t.dtype)


class IndexPut(Function):
    """A copy of x with `value` written at `index` (the recorded form of `x[index] = value`)."""

    def forward(self, x, value, index):
        self.index = index
        self.keep = np.ones(x.shape, dtype=x.dtype)
        self.keep[index] = 0
        out = x.copy()
        out[index] = value
        return out

    def backward(self, g):
        return g * self.keep, GetItem.apply_or_run(g, index=self.index)

    def jvp(self, tx, tv):
        out = np.zeros_like(self.keep) if tx is None else tx * self.keep
        if tv is not None:
            out[self.index] = tv
        return out


class Cat(Function):
    def forward(self, *arrays, axis):
        arrays = promote(*arrays)
        self.axis = axis
        self.bounds = np.cumsum([0] + [a.shape[axis] for a in arrays])
        return np.concatenate(arrays, axis=axis)

    def backward(self, g):
        lead = (slice(None),) * self.axis
        return tuple(
            GetItem.apply_or_run(g, index=(*lead, slice(int(start), int(stop))))
            for start, stop in zip(self.bounds[:-1], self.bounds[1:])
        )

    def jvp(self, *tangents):
        like = next(t for t in tangents if t is not None)
        parts = []
        for t, start, stop in zip(tangents, self.bounds[:-1], self.bounds[1:]):
            if t is None:  # a constant input: a zero tangent of its shape
                shape = list(like.shape)
                shape[self.axis] = int(stop - start)
                t = np.zeros(shape, dtype=like.dtype)
            parts.append(t)
        return np.concatenate(parts, axis=self.axis)


class Stack(Function):
    def forward(self, *arrays, axis):
        arrays = promote(*arrays)
        self.axis = axis
        return np.stack(arrays, axis=axis)

    def backward(self, g):
        lead = (slice(None),) * self.axis
        return tuple(GetItem.apply_or_run(g, index=(*lead, i)) for i in range(g.shape[self.axis]))

    def jvp(self, *tangents):
        like = next(t for t in tangents if t is not None)
        return np.stack([np.zeros_like(like) if t is None else t for t in tangents], axis=self.axis)


class Pad(Function):
    def forward(self, x, widths, value):
        self.widths = widths
        self.inner = tuple(slice(before, before + n) for (before, _), n in zip(widths, x.shape))
        return np.pad(x, widths, constant_values=value)

    def backward(self, g):
        return (GetItem.apply_or_run(g, index=self.inner),)

    def jvp(self, t):
        return np.pad(t, self.widths)


def _is_basic(index: Any) -> bool:
    items = index if isinstance(index, tuple) else (index,)
    return all(isinstance(i, (int, np.integer, slice)) or i is None or i is Ellipsis for i in items)


def index_key(index: Any) -> Any:
    """Convert tensors inside an index to arrays, and lists to integer or bool arrays."""
    if isinstance(index, tuple):
        return tuple(index_key(i) for i in index)
    if isinstance(index, Tensor):
        index = index._data
    if isinstance(index, list):
        index = np.asarray(index) if index else np.zeros(0, dtype=np.int64)  # [] selects nothing
    if isinstance(index, np.ndarray) and index.dtype.kind not in "iub":
        raise IndexError(f"tensors used as indices must be long, int or bool tensors, got {index.dtype}")
    return index


def getitem(x: Tensor, index: Any) -> Tensor:
    """x[index] with slices, ints, None, Ellipsis, bool masks and integer arrays."""
    key = index_key(index)
    try:
        return GetItem.apply(x, index=key)
    except IndexError as err:
        raise IndexError(f"index {index!r} is invalid for a tensor of shape {x._data.shape}: {err}") from None


def index_put(x: Tensor, index: Any, value: Any) -> Tensor:
    return IndexPut.apply(x, value, index=index_key(index))


def reshape(x: Tensor, *shape: Any) -> Tensor:
    """The same elements in a new shape (one dimension may be -1)."""
    shape = shape_arg(shape, "reshape", "shape")
    if shape == x._data.shape:
        return x
    try:
        return Reshape.apply(x, shape=shape)
    except ValueError:
        raise RuntimeError(f"reshape: shape {list(shape)} is invalid for input of size {x._data.size}") from None


def view(x: Tensor, *shape: Any) -> Tensor:
    """reshape that shares memory with `x`; raises, as PyTorch does, where the strides allow no such view."""
    result = reshape(x, *shape)
    if x._data.size and result._version is not x._version:  # Reshape shares the counter exactly when it made a view
        raise RuntimeError(
            f"view size is not compatible with input tensor's size and stride (shape {x._data.shape}, strides "
            f"{x._data.strides}): at least one dimension spans across two contiguous subspaces. Use .reshape(...) "
            "instead."
        )
    return result


def flatten(x: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dims start_dim..end_dim into one."""
    shape = x._data.shape
    if not shape:
        return reshape(x, 1)
    start = normalize_dim(start_dim, len(shape), "flatten")
    end = normalize_dim(end_dim, len(shape), "flatten")
    if start > end:
        raise RuntimeError(f"flatten() has invalid args: start_dim cannot come after end_dim ({start_dim} > {end_dim})")
    if start == end:  # nothing to merge: the input itself, as in PyTorch
        return x
    return reshape(x, shape[:start] + (math.prod(shape[start : end + 1]),) + shape[end + 1 :])


def permute(x: Tensor, *dims: Any) -> Tensor:
    """Reorder the dimensions."""
    dims = shape_arg(dims, "permute", "dims")
    if sorted(normalize_dim(d, x.ndim, "permute") for d in dims) != list(range(x.ndim)):
        raise RuntimeError(f"permute: dims {list(dims)} are not a permutation of the {x.ndim} dims of {x._data.shape}")
    axes = tuple(normalize_dim(d, x.ndim, "permute") for d in dims)
    return Permute.apply(x, axes=axes)


def transpose(x: Tensor, dim0: int = 0, dim1: int = 1) -> Tensor:
    """Swap two dimensions."""
    if x.ndim < 2 and dim0 in (0, -1) and dim1 in (0, 1, -1):
        return x
    axes = list(range(x.ndim))
    d0, d1 = normalize_dim(dim0, x.ndim, "transpose"), normalize_dim(dim1, x.ndim, "transpose")
    axes[d0], axes[d1] = axes[d1], axes[d0]
    return Permute.apply(x, axes=tuple(axes))


def t(x: Tensor) -> Tensor:
    if x.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {x.ndim}D")
    return transpose(x, 0, -1) if x.ndim == 2 else x


def squeeze(x: Tensor, dim: int | Sequence[int] | None = None) -> Tensor:
    """Remove size-1 dimensions (all, or those in `dim`; a dim whose size is not 1 is kept)."""
    if dim is None:
        dims = {i for i, n in enumerate(x.shape) if n == 1}
    else:
        dims = {normalize_dim(d, x.ndim, "squeeze") for d in (dim if isinstance(dim, (tuple, list)) else (dim,))}
        dims = {d for d in dims if x.shape[d] == 1}
    return reshape(x, tuple(n for i, n in enumerate(x.shape) if i not in dims))


def unsqueeze(x: Tensor, dim: int) -> Tensor:
    """Insert a size-1 dimension at `dim`."""
    d = normalize_dim(dim, x.ndim + 1, "unsqueeze")
    return reshape(x, x.shape[:d] + (1,) + x.shape[d:])


def expand(x: Tensor, *shape: Any) -> Tensor:
    """Broadcast to `shape` without copying (-1 keeps a dimension)."""
    shape = shape_arg(shape, "expand")
    lead = len(shape) - x.ndim
    if lead < 0:
        raise RuntimeError(f"expand: the number of sizes {len(shape)} must be >= the tensor's dims {x.ndim}")
    for i, n in enumerate(shape):
        if n < -1 or (n == -1 and i < lead):
            where = "a leading, non-existing dimension" if i < lead else "dimension"
            raise RuntimeError(f"expand: the expanded size of the tensor ({n}) isn't allowed in {where} {i}")
    target = tuple(x.shape[i - lead] if n == -1 else n for i, n in enumerate(shape))
    try:
        np.broadcast_shapes(x.shape, target)
    except ValueError:
        raise RuntimeError(f"expand: shape {x._data.shape} cannot be expanded to {target}") from None
    return x if target == x.shape else Expand.apply(x, shape=target)


def broadcast_to(x: Tensor, shape: Sequence[int]) -> Tensor:
    return expand(x, tuple(shape))


def expand_as(x: Tensor, other: Tensor) -> Tensor:
    return expand(x, other.shape)


def _tensor_list(tensors: Sequence[Any], op: str) -> list[Any]:
    items = list(tensors)
    if not items:
        raise ValueError(f"{op}: expected a non-empty list of tensors")
    for i, x in enumerate(items):
        if not isinstance(x, (Tensor, np.ndarray)):
            raise TypeError(f"{op}: expected a sequence of tensors, got {type(x).__name__} at position {i}")
    return items


def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join tensors along an existing dimension."""
    items = _tensor_list(tensors, "cat")
    for i, x in enumerate(items):
        if np.ndim(data_of(x)) == 0:
            raise RuntimeError(f"cat: zero-dimensional tensor (at position {i}) cannot be concatenated")
    ndim = np.ndim(data_of(items[0]))
    axis = normalize_dim(dim, ndim, "cat")
    for x in items[1:]:
        other = np.shape(data_of(x))
        first = np.shape(data_of(items[0]))
        if len(other) != len(first) or any(a != b for i, (a, b) in enumerate(zip(first, other)) if i != axis):
            raise RuntimeError(f"cat: sizes of tensors must match except in dimension {dim}: {first} and {other}")
    return Cat.apply(*items, axis=axis)


concat = cat
concatenate = cat


def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join same-shaped tensors along a new dimension."""
    items = _tensor_list(tensors, "stack")
    shapes = {np.shape(data_of(x)) for x in items}
    if len(shapes) != 1:
        raise RuntimeError(f"stack: expects each tensor to be equal size, got {sorted(shapes)}")
    axis = normalize_dim(dim, len(shapes.pop()) + 1, "stack")
    return Stack.apply(*items, axis=axis)


def meshgrid(*tensors: Any, indexing: str = "ij") -> tuple[Tensor, ...]:
    """Coordinate grids of 0-d or 1-d tensors of sizes (n1, n2, ...): output i holds tensors[i] along dim i
    (indexing='ij'), or with the first two dims swapped, as in numpy (indexing='xy'); each is an expanded view."""
    if len(tensors) == 1 and isinstance(tensors[0], (tuple, list)):
        tensors = tuple(tensors[0])
    items = _tensor_list(tensors, "meshgrid")
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f'meshgrid: indexing must be one of "xy" or "ij", but received: {indexing}')
    items = [x if isinstance(x, Tensor) else Tensor(x) for x in items]
    for i, x in enumerate(items):
        if x._data.ndim > 1:
            raise RuntimeError(f"meshgrid: expected 0D or 1D tensors, got shape {x._data.shape} at position {i}")
    if len({x._data.dtype for x in items}) != 1:
        raise RuntimeError(f"meshgrid expects all tensors to have the same dtype, got {[str(x.dtype) for x in items]}")
    axes = list(range(len(items)))
    if indexing == "xy" and len(items) > 1:
        axes[0], axes[1] = 1, 0
    grid = [0] * len(items)
    for axis, x in zip(axes, items):
        grid[axis] = x._data.size
    lines = []
    for axis, x in zip(axes, items):
        shape = [1] * len(items)
        shape[axis] = -1
        lines.append(expand(reshape(x, shape), tuple(grid)))
    return tuple(lines)


def split(x: Tensor, split_size_or_sections: int | Sequence[int], dim: int = 0) -> tuple[Tensor, ...]:
    """Split into chunks of a given size (the last may be smaller) or of the listed sizes."""
    axis = normalize_dim(dim, x.ndim, "split")
    length = x.shape[axis]
    if isinstance(split_size_or_sections, (int, np.integer)):
        if split_size_or_sections <= 0:
            raise ValueError(f"split: split_size must be positive, got {split_size_or_sections}")
        sizes = [min(split_size_or_sections, length - s) for s in range(0, length, split_size_or_sections)] or [0]
    else:
        sizes = list(split_size_or_sections)
        if sum(sizes) != length:
            raise RuntimeError(f"split: sections {sizes} do not sum to the size {length} of dim {dim}")
    lead = (slice(None),) * axis
    bounds = np.cumsum([0, *sizes])
    return tuple(x[(*lead, slice(int(a), int(b)))] for a, b in zip(bounds[:-1], bounds[1:]))


def chunk(x: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """Split into `chunks` pieces of equal size (the last may be smaller, and there may be fewer)."""
    if isinstance(chunks, bool) or not isinstance(chunks, (int, np.integer)):
        raise TypeError(f"chunk(): argument 'chunks' must be int, not {type(chunks).__name__}")
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    length = x.shape[normalize_dim(dim, x.ndim, "chunk")]
    return split(x, max(1, -(-length // chunks)), dim)


def narrow(x: Tensor, dim: int, start: int, length: int) -> Tensor:
    """x[..., start:start + length, ...] along `dim` (`start` may be negative): a view sharing x's memory."""
    axis = normalize_dim(dim, x.ndim, "narrow")
    size = x._data.shape[axis]
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    if not -size <= start <= size:
        raise IndexError(f"narrow(): start ({start}) is out of range for dimension {dim} of size {size}")
    start = start + size if start < 0 else start
    if start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    return GetItem.apply(x, index=(slice(None),) * axis + (slice(start, start + length),))


def unbind(x: Tensor, dim: int = 0) -> tuple[Tensor, ...]:
    """The slices of x along `dim`, that dim removed: views sharing x's memory."""
    axis = normalize_dim(dim, x.ndim, "unbind")
    lead = (slice(None),) * axis
    return tuple(GetItem.apply(x, index=(*lead, i)) for i in range(x._data.shape[axis]))


_PAD_MODES = {"constant": None, "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def pad(x: Tensor, pad: Sequence[int], mode: str = "constant", value: float | None = None) -> Tensor:
    """Pad (or, with negative widths, crop) `x`; `pad` lists (before, after) pairs from the last dimension on, as in
    PyTorch. `mode` 'constant' fills with `value`; 'reflect' mirrors without repeating the edge, 'replicate' repeats
    the edge, 'circular' wraps around; these three index into x, so their gradients add up where elements repeat."""
    if mode not in _PAD_MODES:
        raise NotImplementedError(f"pad: mode must be one of {', '.join(map(repr, _PAD_MODES))}, got {mode!r}")
    if len(pad) % 2 or len(pad) // 2 > x.ndim:
        raise ValueError(f"pad: padding length {len(pad)} must be even and at most 2 * ndim ({2 * x.ndim})")
    if any(isinstance(p, bool) or not isinstance(p, (int, np.integer)) for p in pad):
        raise TypeError(f"pad: widths must be ints, got {list(pad)}")
    if mode != "constant" and value not in (None, 0, 0.0):
        raise ValueError(f"pad: padding mode {mode!r} doesn't take in value argument")
    widths = [(0, 0)] * x.ndim
    for i in range(len(pad) // 2):
        widths[x.ndim - 1 - i] = (int(pad[2 * i]), int(pad[2 * i + 1]))
    if any(b < 0 or a < 0 for b, a in widths):  # negative widths crop first; the padding then sees what is left
        for d, (before, after) in enumerate(widths):
            if x.shape[d] + min(before, 0) + min(after, 0) < 0:
                raise RuntimeError(f"pad: widths {list(pad)} crop more than the {x.shape[d]} elements of dimension {d}")
        x = getitem(x, tuple(slice(max(-b, 0), n - max(-a, 0)) for (b, a), n in zip(widths, x.shape)))
        widths = [(max(b, 0), max(a, 0)) for b, a in widths]
    if not any(b or a for b, a in widths):
        return x
    if mode == "constant":
        return Pad.apply(x, widths=tuple(widths), value=0.0 if value is None else value)
    for d, ((before, after), n) in enumerate(zip(widths, x.shape)):
        limit = n if mode == "circular" else n - 1 if mode == "reflect" else n and math.inf
        if max(before, after) > limit:
            raise RuntimeError(
                f"pad: {mode} padding ({before}, {after}) of dimension {d} must be at most {limit} for input of "
                f"shape {x.shape}"
            )
    first = next(d for d, w in enumerate(widths) if w != (0, 0))
    positions = [np.pad(np.arange(n), w, mode=_PAD_MODES[mode]) for w, n in zip(widths[first:], x.shape[first:])]
    return GetItem.apply(x, index=(slice(None),) * first + np.ix_(*positions))
