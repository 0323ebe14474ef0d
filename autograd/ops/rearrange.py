"""Rearranging elements: flip, roll, repeat, tile, movedim, unflatten, hstack, vstack, tril, triu, diag.

flip and roll are operations of their own (each is its own adjoint, reversed); the rest are compositions of the
shape and indexing primitives, whose gradients they inherit. movedim and unflatten are views, as in PyTorch; flip,
roll, repeat and tile copy.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..function import Function
from ..size import shape_arg
from ..tensor import Tensor
from .arithmetic import clone
from .elementwise import Where
from .shape import AddAt, GetItem, Permute, _tensor_list, cat, expand, normalize_dim, reshape


class Flip(Function):
    def forward(self, x, axes):
        self.axes = axes
        return np.flip(x, axes).copy()

    def backward(self, g):
        return (Flip.apply_or_run(g, axes=self.axes),)

    def jvp(self, t):
        return np.flip(t, self.axes).copy()


class Roll(Function):
    """np.roll: elements shifted along `axes` (the flattened tensor when None), wrapping around."""

    def forward(self, x, shifts, axes):
        self.shifts, self.axes = shifts, axes
        return np.roll(x, shifts, axes)

    def backward(self, g):
        back = tuple(-s for s in self.shifts) if isinstance(self.shifts, tuple) else -self.shifts
        return (Roll.apply_or_run(g, shifts=back, axes=self.axes),)

    def jvp(self, t):
        return np.roll(t, self.shifts, self.axes)


def _dims(dims: tuple[Any, ...], ndim: int, op: str) -> tuple[int, ...]:
    """Distinct dims given as varargs or one sequence, made non-negative."""
    axes = tuple(normalize_dim(d, ndim, op) for d in shape_arg(dims, op, "dims"))
    for i, axis in enumerate(axes):
        if axis in axes[:i]:
            raise RuntimeError(f"{op}(): dim {axis} appears multiple times in the list of dims")
    return axes


def flip(x: Tensor, *dims: Any) -> Tensor:
    """x with the order of its elements reversed along `dims` (a copy)."""
    if not dims:
        raise TypeError('flip() missing 1 required positional arguments: "dims"')
    axes = _dims(dims, x.ndim, "flip")
    return Flip.apply(x, axes=axes if x.ndim else ())


def roll(x: Tensor, shifts: int | Sequence[int], dims: int | Sequence[int] | None = None) -> Tensor:
    """x with its elements shifted by `shifts` along `dims` (wrapping around); with no dims, along the flattened
    tensor, its shape kept."""
    many = isinstance(shifts, (tuple, list))
    shift_list = shape_arg((shifts,) if not many else (tuple(shifts),), "roll", "shifts")
    if dims is None:
        if len(shift_list) != 1:
            raise RuntimeError(f"roll: shifts and dimensions must align. shifts: {len(shift_list)}, dims:0")
        return Roll.apply(x, shifts=shift_list[0], axes=None)
    dim_list = dims if isinstance(dims, (tuple, list)) else (dims,)
    if len(shift_list) != len(dim_list):
        raise RuntimeError(f"roll: shifts and dimensions must align. shifts: {len(shift_list)}, dims:{len(dim_list)}")
    axes = tuple(normalize_dim(d, x.ndim, "roll") for d in dim_list)
    if not x.ndim:
        return Roll.apply(x, shifts=0, axes=None)
    return Roll.apply(x, shifts=shift_list, axes=axes)


def repeat(x: Tensor, *sizes: Any) -> Tensor:
    """x repeated sizes[i] times along dim i (more sizes than dims add leading dims): numpy's tile."""
    reps = shape_arg(sizes, "repeat", "repeats")
    if len(reps) < x.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor")
    if any(r < 0 for r in reps):
        raise RuntimeError(f"repeat: repeats must be non-negative, got {list(reps)}")
    shape = (1,) * (len(reps) - x.ndim) + tuple(x._data.shape)
    if all(r == 1 for r in reps):  # a copy, as when anything repeats (the reshapes alone would give a view)
        return clone(reshape(x, shape))
    # (1, n0, 1, n1, ...) expanded to (r0, n0, r1, n1, ...) and merged pairwise: one copy, Expand's gradient (a sum)
    paired = tuple(v for n in shape for v in (1, n))
    spread = tuple(v for r, n in zip(reps, shape) for v in (r, n))
    return reshape(expand(reshape(x, paired), spread), tuple(r * n for r, n in zip(reps, shape)))


def tile(x: Tensor, *dims: Any) -> Tensor:
    """repeat, where fewer sizes than dims repeat the trailing dims (the others once)."""
    reps = shape_arg(dims, "tile", "dims")
    return repeat(x, (1,) * (x.ndim - len(reps)) + reps)


def movedim(x: Tensor, source: int | Sequence[int], destination: int | Sequence[int]) -> Tensor:
    """x with dims `source` moved to the positions `destination` (the others keep their order): a view."""
    src = tuple(source) if isinstance(source, (tuple, list)) else (source,)
    dst = tuple(destination) if isinstance(destination, (tuple, list)) else (destination,)
    if len(src) != len(dst):
        raise RuntimeError(
            f"movedim: Invalid source or destination dims: source ({list(src)} dims) should contain the same number "
            f"of dims as destination ({list(dst)} dims)"
        )
    src, dst = _dims(src, x.ndim, "movedim"), _dims(dst, x.ndim, "movedim")
    if not x.ndim:
        return x
    rest = iter(d for d in range(x.ndim) if d not in src)
    placed = dict(zip(dst, src))
    axes = tuple(placed[i] if i in placed else next(rest) for i in range(x.ndim))
    return Permute.apply(x, axes=axes)


moveaxis = movedim


def unflatten(x: Tensor, dim: int, sizes: Sequence[int]) -> Tensor:
    """x with dim `dim` split into dims of `sizes` (one may be -1): a view where the strides allow one."""
    axis = normalize_dim(dim, x.ndim, "unflatten")
    sizes = shape_arg((tuple(sizes),), "unflatten", "sizes")
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    n = x._data.shape[axis]
    known = int(np.prod([s for s in sizes if s != -1]))
    if sizes.count(-1) > 1 or (-1 in sizes and (known == 0 or n % known)) or (-1 not in sizes and known != n):
        raise RuntimeError(
            f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim {dim} ({n}) in the input "
            "tensor"
        )
    sizes = tuple(n // known if s == -1 else s for s in sizes)
    shape = x._data.shape
    return reshape(x, shape[:axis] + sizes + shape[axis + 1 :])


def _at_least(tensors: Sequence[Any], ndim: int, op: str) -> list[Tensor]:
    items = [x if isinstance(x, Tensor) else Tensor(x) for x in _tensor_list(tensors, op)]
    if ndim == 1:
        return [reshape(x, 1) if x.ndim == 0 else x for x in items]
    return [reshape(x, 1, -1) if x.ndim < 2 else x for x in items]


def hstack(tensors: Sequence[Tensor]) -> Tensor:
    """Join along dim 1, or dim 0 for 1-D tensors (0-d tensors count as 1-D)."""
    items = _at_least(tensors, 1, "hstack")
    return cat(items, dim=0 if items[0].ndim == 1 else 1)


def vstack(tensors: Sequence[Tensor]) -> Tensor:
    """Join along dim 0, 1-D tensors (and 0-d) as rows."""
    return cat(_at_least(tensors, 2, "vstack"), dim=0)


row_stack = vstack


def _triangle(x: Tensor, diagonal: int, op: str, lower: bool) -> Tensor:
    if x.ndim < 2:
        raise RuntimeError(f"{op}: input tensor must have at least 2 dimensions")
    n, m = x._data.shape[-2:]
    keep = np.tri(n, m, diagonal, dtype=bool) if lower else ~np.tri(n, m, diagonal - 1, dtype=bool)
    return Where.apply(x, np.zeros((), dtype=x._data.dtype), condition=keep)


def tril(x: Tensor, diagonal: int = 0) -> Tensor:
    """The lower triangle of the last two dims (on and below the `diagonal`-th diagonal), zeros elsewhere."""
    return _triangle(x, diagonal, "tril", lower=True)


def triu(x: Tensor, diagonal: int = 0) -> Tensor:
    """The upper triangle of the last two dims (on and above the `diagonal`-th diagonal), zeros elsewhere."""
    return _triangle(x, diagonal, "triu", lower=False)


def diag(x: Tensor, diagonal: int = 0) -> Tensor:
    """A 1-D tensor as the `diagonal`-th diagonal of a square matrix of zeros; of a 2-D tensor, that diagonal (a
    copy)."""
    if x.ndim not in (1, 2):
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {x.ndim}D")
    if x.ndim == 1:
        n = x._data.shape[0]
        positions = np.arange(n)
        rows, cols = (positions, positions + diagonal) if diagonal >= 0 else (positions - diagonal, positions)
        side = n + abs(diagonal)
        return AddAt.apply(x, shape=(side, side), index=(rows, cols), dtype=x._data.dtype)
    n, m = x._data.shape
    length = max(0, min(n, m - diagonal) if diagonal >= 0 else min(n + diagonal, m))
    positions = np.arange(length)
    rows, cols = (positions, positions + diagonal) if diagonal >= 0 else (positions - diagonal, positions)
    return GetItem.apply(x, index=(rows, cols))


class Contiguous(Function):
    """A C-ordered copy (what `contiguous()` gives a tensor whose memory is in another order)."""

    def forward(self, x):
        return np.ascontiguousarray(x)  # called on non-contiguous data only (contiguous()): always a copy

    def backward(self, g):
        return (g,)

    def jvp(self, t):
        return np.ascontiguousarray(t)


def is_contiguous(x: Tensor) -> bool:
    """Whether x's elements lie in memory in C order, without gaps."""
    return bool(x._data.flags.c_contiguous)


def contiguous(x: Tensor) -> Tensor:
    """x itself when it is contiguous, else a C-ordered copy of it that stays in the graph."""
    return x if x._data.flags.c_contiguous else Contiguous.apply(x)


def is_floating_point(x: Tensor) -> bool:
    """Whether x's dtype is a floating-point one."""
    return x._data.dtype.kind == "f"
