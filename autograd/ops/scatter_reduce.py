"""scatter_reduce: every element of src reduced (sum, prod, mean, amax, amin) into x at the position its index says.

One graph node, `ScatterReduce`. Its gradient is linear in the incoming g: g * w_self for x and g gathered at the
index, times w_src, for src, with PyTorch's weights: 1 for sum, 1 / count for mean, the tie share 1 / n for amax
and amin (n counts every element equal to the result, x's own included even when include_self is False, as in
PyTorch), and for prod the product of the other factors, computed exactly where factors are zero (as PyTorch's
masked products). Where include_self is False, x's gradient is 0 at the positions written to.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..function import OUTPUT, Function, add_tangents
from ..tensor import Tensor, data_of
from .elementwise import Where, masked
from .shape import AddAt, GetItem, normalize_dim, reshape

REDUCTIONS = {"sum": np.add, "prod": np.multiply, "mean": np.add, "amax": np.maximum, "amin": np.minimum}


class ScatterReduce(Function):
    saves = (0, 1, OUTPUT)

    def forward(self, x, src, index, reduce, include_self):
        self.index, self.reduce, self.include_self = index, reduce, include_self
        out = x.copy()
        if not include_self:
            out[index] = _identity(reduce, x.dtype)
        REDUCTIONS[reduce].at(out, index, src)
        if reduce == "mean":
            count = self.count(x.shape)
            self.share = (1 / count).astype(x.dtype) if x.dtype.kind == "f" else None  # the gradient's weights
            out = (out // count).astype(x.dtype) if x.dtype.kind in "iu" else out / count.astype(x.dtype)
        self.saved = (x, src, out)
        return out

    def count(self, shape: tuple[int, ...]) -> np.ndarray:
        """How many values each position of the output averages (1 where none, so as to divide by something)."""
        count = np.full(shape, int(self.include_self), dtype=np.int64)
        np.add.at(count, self.index, 1)
        return np.maximum(count, 1)

    def weights(self) -> tuple[Any, Any]:
        """(w_self, w_src): d out / d x elementwise (x's shape), and d out[index[p]] / d src[p] (the index's shape)."""
        if self.reduce == "sum":
            return 1, 1
        if self.reduce == "prod":
            return self.product_weights()
        if self.reduce == "mean":
            return self.share, self.share[self.index]
        x, src, out = (data_of(value) for value in self.saved)
        x_is, src_is = x == out, src == out[self.index]  # amax, amin: the gradient shared among the ties
        ties = x_is.astype(x.dtype)
        np.add.at(ties, self.index, src_is)
        with np.errstate(divide="ignore", invalid="ignore"):  # no ties where the result is nan
            share = 1 / ties
        return x_is * share, src_is * share[self.index]

    def product_weights(self) -> tuple[Any, Any]:
        """The product of the other factors at each factor, as PyTorch computes it: the product with the zero
        factors of x (or the one zero of src) replaced by 1. Runs on tensors under create_graph (second order)."""
        x, src, out = self.saved
        x_data, src_data = data_of(x), data_of(src)
        params = {"index": self.index, "reduce": "prod", "include_self": self.include_self}
        x_ones = Where.apply_or_run(np.ones((), x_data.dtype), x, condition=x_data == 0)
        w_self = ScatterReduce.apply_or_run(x_ones, src, **params) / x_ones
        src_zero = src_data == 0
        zeros = np.zeros(x_data.shape, dtype=np.int64)
        np.add.at(zeros, self.index, src_zero)
        lone_zero = src_zero & (zeros[self.index] == 1)
        if isinstance(src, Tensor) and (src_zero & ~lone_zero).any():  # create_graph: second order would be wrong
            raise RuntimeError(
                "scatter_reduce(): Double backward is unsupported for src when >1 zeros in src are scattered to the "
                "same position"
            )
        one = np.ones((), src_data.dtype)
        others = ScatterReduce.apply_or_run(x, Where.apply_or_run(one, src, condition=lone_zero), **params)
        src_ones = Where.apply_or_run(one, src, condition=src_zero)
        from_others = GetItem.apply_or_run(others, index=self.index)
        w_src = Where.apply_or_run(
            from_others, GetItem.apply_or_run(out, index=self.index) / src_ones, condition=lone_zero
        )
        return w_self, w_src

    def keep_self(self, grad: Any) -> Any:
        """x's gradient, 0 at the positions written to when x itself was left out."""
        if self.include_self:
            return grad
        keep = np.ones(np.shape(grad), dtype=bool)
        keep[self.index] = False
        return masked(grad, keep)

    def backward(self, g):
        w_self, w_src = self.weights()
        return self.keep_self(g * w_self), GetItem.apply_or_run(g, index=self.index) * w_src

    def jvp(self, tx, tsrc):
        w_self, w_src = self.weights()
        x = self.saved[0]
        from_x = None if tx is None else self.keep_self(tx * w_self)
        from_src = (
            None if tsrc is None else AddAt.apply_or_run(tsrc * w_src, shape=x.shape, index=self.index, dtype=x.dtype)
        )
        return add_tangents(from_x, from_src)


def _identity(reduce: str, dtype: np.dtype) -> Any:
    """The value a reduction starts from when x's own element is left out."""
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    if dtype.kind == "f":
        return -np.inf if reduce == "amax" else np.inf
    if dtype.kind == "b":
        return reduce == "amin"
    info = np.iinfo(dtype)
    return info.min if reduce == "amax" else info.max


def scatter_reduce(x: Tensor, dim: int, index: Any, src: Tensor, reduce: str, *, include_self: bool = True) -> Tensor:
    """A copy of x where each src[p] is reduced into the element at p with dim `dim` replaced by index[p], for every
    position p of `index` (same number of dims as x, no larger than x apart from `dim`, nor than src); `reduce` is
    'sum', 'prod', 'mean', 'amax' or 'amin', and with include_self=False x's own elements at the positions written to
    take no part. Integer means round down, as in PyTorch."""
    from .indexing import _along, _check_along, _index_array, _source

    if reduce not in REDUCTIONS:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    if not isinstance(src, Tensor):
        raise TypeError(f"scatter_reduce(): argument 'src' (position 3) must be Tensor, not {type(src).__name__}")
    if reduce == "mean" and x._data.dtype == np.bool_:
        raise NotImplementedError("scatter_reduce(): the mean of bool tensors is not implemented (as in PyTorch)")
    positions = _index_array(index, "scatter_reduce")
    axis = normalize_dim(dim, x.ndim, "scatter_reduce")
    if max(x.ndim, positions.ndim, src.ndim) <= 1 and min(x.ndim, positions.ndim, src.ndim) == 0:
        # a 0-d operand among vectors (PyTorch allows it): the same on vectors, in x's shape
        flat = scatter_reduce(
            reshape(x, -1), 0, positions.reshape(-1), reshape(src, -1), reduce, include_self=include_self
        )
        return reshape(flat, x.shape)
    _check_along(x, axis, positions, "scatter_reduce", src)
    part = _source(src, x, positions, "scatter_reduce")
    return ScatterReduce.apply(x, part, index=_along(positions, axis), reduce=reduce, include_self=include_self)
