"""Sorting along a dim: sort, argsort, topk, each giving values with their positions.

The values are x gathered at the sorted positions, so their gradient goes back to where each value came from.
Sorting is stable here whatever `stable` says (PyTorch's unstable sort may order ties differently); nan sorts as
the largest value, as in PyTorch.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from ..tensor import Tensor
from .indexing import gather
from .shape import normalize_dim, reshape

SortResult = namedtuple("SortResult", ["values", "indices"])


def _order(data: np.ndarray, axis: int, descending: bool) -> np.ndarray:
    """The stable sorting permutation along `axis`; descending keeps equal elements in their original order."""
    if not descending:
        return np.argsort(data, axis=axis, kind="stable")
    n = data.shape[axis]
    # sorting the reversed data ascending and reversing the result puts ties back in their original order
    return n - 1 - np.flip(np.argsort(np.flip(data, axis), axis=axis, kind="stable"), axis)


def _sorted(x: Tensor, dim: int, descending: bool, op: str) -> tuple[Tensor, np.ndarray, int]:
    axis = normalize_dim(dim, x.ndim, op)
    y = reshape(x, 1) if x.ndim == 0 else x
    return y, _order(y._data, axis, descending), axis


def sort(x: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> SortResult:
    """(values, indices): x sorted along `dim`, and where each value was.

    The sort is stable whatever `stable` says: `stable=False` only allows PyTorch to order ties as it likes, so a
    stable result meets that contract too."""
    y, order, axis = _sorted(x, dim, descending, "sort")
    values = gather(y, axis, order)
    if x.ndim == 0:
        return SortResult(reshape(values, ()), Tensor(np.zeros((), dtype=np.int64)))
    return SortResult(values, Tensor(order.astype(np.int64)))


def argsort(x: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
    """The positions that sort x along `dim` (int64); stable (ties keep their order) whatever `stable` says."""
    _, order, _ = _sorted(x, dim, descending, "argsort")
    return Tensor(order.astype(np.int64).reshape(x._data.shape))


def topk(x: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> SortResult:  # noqa: A002
    """(values, indices) of the k largest (or with largest=False smallest) elements along `dim`.

    They are always in sorted order, ties in their original order: `sorted=False` only allows PyTorch to return them
    in any order, so sorted results meet that contract too."""
    y, order, axis = _sorted(x, dim, largest, "topk")
    size = y._data.shape[axis]
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise TypeError(f"topk(): argument 'k' must be int, not {type(k).__name__}")
    if not 0 <= k <= size:
        raise RuntimeError(f"topk(): selected index k out of range (k = {k}, dimension {axis} has size {size})")
    chosen = np.take(order, np.arange(k), axis=axis)
    values = gather(y, axis, chosen)
    if x.ndim == 0:
        return SortResult(reshape(values, ()), Tensor(np.zeros((), dtype=np.int64)))
    return SortResult(values, Tensor(chosen.astype(np.int64)))


def msort(x: Tensor) -> Tensor:
    """x sorted along dim 0."""
    return sort(x, dim=0).values
