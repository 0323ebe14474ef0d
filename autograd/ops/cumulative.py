"""Running and whole products and sums along a dim: cumsum, cumprod, prod.

The gradients of the products hold at zeros too, as PyTorch's do: the derivative of a product by one of its factors is
the product of the other factors, computed here without dividing by the factor (exclusive running products for prod,
and for cumprod with a zero in the slice a product per (factor, prefix) pair, O(n^2) in that dim's length). Under
`create_graph` the same products are built from recorded operations, so every order is differentiable.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..function import OUTPUT, Function
from ..tensor import Tensor
from .elementwise import Where
from .rearrange import Flip
from .shape import expand, normalize_dim, reshape


def _prefix_products(x: Any, axis: int) -> Any:
    """m[..., i, ..., j, ...] (a new dim after `axis`, of x's length there) = x_j with x_i replaced by 1: the
    factors each element's derivative is made of (a recorded tensor when x is one)."""
    n = x.shape[axis]
    eye = np.eye(n, dtype=bool).reshape((n, n) + (1,) * (x.ndim - axis - 1))
    spread = (*x.shape[: axis + 1], n, *x.shape[axis + 1 :])
    one = np.ones((), dtype=x.dtype)
    if isinstance(x, Tensor):
        return Where.apply(one, expand(reshape(x, (*x.shape[:axis], 1, *x.shape[axis:])), spread), condition=eye)
    return np.where(eye, one, np.broadcast_to(np.expand_dims(x, axis), spread))


def _exclusive_products(x: np.ndarray, axis: int) -> np.ndarray:
    """For each element, the product of the others along `axis` (no division: exact where x has zeros)."""
    n = x.shape[axis]
    if n == 0:
        return x.copy()
    ones = np.ones_like(np.take(x, [0], axis=axis))
    left = np.cumprod(np.concatenate([ones, np.take(x, range(n - 1), axis=axis)], axis=axis), axis=axis)
    after = np.concatenate([np.take(x, range(1, n), axis=axis), ones], axis=axis)
    right = np.flip(np.cumprod(np.flip(after, axis), axis=axis), axis)
    return left * right


class Cumsum(Function):
    def forward(self, x, axis):
        self.axis = axis
        return np.cumsum(x, axis=axis)

    def backward(self, g):
        # each output adds every input before it: the gradient adds every output gradient after it
        axes = (self.axis,)
        return (Flip.apply_or_run(Cumsum.apply_or_run(Flip.apply_or_run(g, axes=axes), axis=self.axis), axes=axes),)

    def jvp(self, t):
        return np.cumsum(t, axis=self.axis)


class Prod(Function):
    saves = (0,)

    def forward(self, x, axis, keepdims):
        self.axis, self.keepdims, self.shape = axis, keepdims, x.shape
        self.saved = (x,)
        return np.asarray(np.prod(x, axis=axis, keepdims=keepdims))

    def _others(self, x):
        if isinstance(x, Tensor):  # under create_graph: the same products, recorded
            return Prod.apply(_prefix_products(x, self.axis), axis=self.axis + 1, keepdims=False)
        return _exclusive_products(x, self.axis)

    def backward(self, g):
        (x,) = self.saved
        if not self.keepdims:
            g = g.reshape(self.shape[: self.axis] + (1,) + self.shape[self.axis + 1 :])
        return (g * self._others(x),)

    def jvp(self, t):
        (x,) = self.saved
        return np.asarray((t * _exclusive_products(x, self.axis)).sum(axis=self.axis, keepdims=self.keepdims))


class Cumprod(Function):
    saves = (0, OUTPUT)

    def forward(self, x, axis):
        self.axis = axis
        out = np.cumprod(x, axis=axis)
        self.saved = (x, out)
        return out

    def _factors(self, x):
        """c[..., i, ..., k, ...] = the derivative of output k by input i (0 for k < i)."""
        axis = self.axis
        n = x.shape[axis]
        upper = np.triu(np.ones((n, n), dtype=bool)).reshape((n, n) + (1,) * (x.ndim - axis - 1))
        running = Cumprod.apply_or_run(_prefix_products(x, axis), axis=axis + 1)
        if isinstance(running, Tensor):
            return Where.apply(running, np.zeros((), dtype=x.dtype), condition=upper)
        return np.where(upper, running, 0)

    def backward(self, g):
        x, out = self.saved
        axis = self.axis
        if isinstance(x, np.ndarray) and np.all(x != 0):  # the fast rule, exact without zeros
            return (np.flip(np.cumsum(np.flip(g * out, axis), axis=axis), axis) / x,)
        return ((self._factors(x) * g.reshape((*g.shape[:axis], 1, *g.shape[axis:]))).sum(axis + 1),)

    def jvp(self, t):
        x, _ = self.saved
        return (self._factors(x) * np.expand_dims(t, self.axis + 1)).sum(self.axis)


def _cumulative_axis(x: Tensor, dim: int, dtype: Any, op: str) -> tuple[Tensor, int]:
    if dim is None:
        raise TypeError(f"{op}() missing 1 required positional argument: 'dim'")
    axis = normalize_dim(dim, x.ndim, op)
    if dtype is not None:
        x = x.to(dtype)
    elif x._data.dtype.kind in "bui" and x._data.dtype != np.int64:  # PyTorch accumulates integers in int64
        x = Tensor(x._data.astype(np.int64))
    return (reshape(x, 1) if x.ndim == 0 else x), axis


def cumsum(x: Tensor, dim: int | None = None, *, dtype: Any = None) -> Tensor:
    """Running sums along `dim`: out[i] = x[0] + ... + x[i]. Integer and bool inputs give int64."""
    y, axis = _cumulative_axis(x, dim, dtype, "cumsum")
    out = Cumsum.apply(y, axis=axis)
    return reshape(out, ()) if x.ndim == 0 else out


def cumprod(x: Tensor, dim: int | None = None, *, dtype: Any = None) -> Tensor:
    """Running products along `dim`: out[i] = x[0] * ... * x[i]. Integer and bool inputs give int64."""
    y, axis = _cumulative_axis(x, dim, dtype, "cumprod")
    out = Cumprod.apply(y, axis=axis)
    return reshape(out, ()) if x.ndim == 0 else out


def prod(x: Tensor, dim: int | None = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """The product of all elements, or along `dim` (one int). Integer and bool inputs give int64."""
    if dim is not None and (isinstance(dim, bool) or not isinstance(dim, (int, np.integer))):
        raise TypeError(f"prod(): argument 'dim' must be int, not {type(dim).__name__}")
    y = x.to(dtype) if dtype is not None else x
    if dim is None:
        return Prod.apply(reshape(y, -1), axis=0, keepdims=False)
    axis = normalize_dim(dim, x.ndim, "prod")
    if x.ndim == 0:
        return Prod.apply(reshape(y, 1), axis=0, keepdims=False)
    return Prod.apply(y, axis=axis, keepdims=keepdim)
