"""Reductions over dims: sum mean max min argmax argmin var std norm logsumexp all any."""

from __future__ import annotations

import builtins
import warnings
from collections import namedtuple
from typing import Any

import numpy as np

from ..function import CONSTANT, OUTPUT, Function
from ..tensor import Tensor
from .shape import Expand, normalize_dim

MaxResult = namedtuple("MaxResult", ["values", "indices"])


def reduce_axes(x: Tensor, dim: Any, axis: Any, op: str) -> tuple[int, ...] | None:
    """The dims to reduce as a tuple of non-negative ints (None for all); `axis` is numpy's spelling."""
    if axis is not None:
        if dim is not None:
            raise TypeError(f"{op}: got both 'dim' and 'axis'")
        dim = axis
    if dim is None:
        return None
    dims = dim if isinstance(dim, (tuple, list)) else (dim,)
    axes = tuple(sorted({normalize_dim(d, x.ndim, op) for d in dims}))
    if len(axes) != len(dims):
        raise RuntimeError(f"{op}: dim {dim} appears multiple times in the list of dims")
    return axes if x.ndim else ()  # dim 0 (or -1) of a 0-d tensor: nothing to reduce


def _keepdim(keepdim: bool, keepdims: bool | None) -> bool:
    return bool(keepdim if keepdims is None else keepdims)


def _kept_shape(shape: tuple[int, ...], axes: tuple[int, ...] | None) -> tuple[int, ...]:
    return tuple(1 if axes is None or i in axes else n for i, n in enumerate(shape))


def _broadcast_back(g: Any, kept_shape: tuple[int, ...], shape: tuple[int, ...]) -> Any:
    """The gradient of a reduction: g (reduced shape) broadcast back over the reduced dims."""
    return Expand.apply_or_run(g.reshape(kept_shape), shape=shape)


class Sum(Function):
    def forward(self, x, axes, keepdims):
        self.shape, self.kept = x.shape, _kept_shape(x.shape, axes)
        self.axes, self.keepdims = axes, keepdims
        return np.asarray(x.sum(axis=axes, keepdims=keepdims))

    def backward(self, g):
        return (_broadcast_back(g, self.kept, self.shape),)

    def jvp(self, t):
        return np.asarray(t.sum(axis=self.axes, keepdims=self.keepdims))


class Mean(Function):
    def forward(self, x, axes, keepdims):
        self.shape, self.kept = x.shape, _kept_shape(x.shape, axes)
        self.axes, self.keepdims = axes, keepdims
        # with nothing to average the gradient is empty, so any nonzero divisor will do
        self.count = builtins.max(x.size // builtins.max(int(np.prod(self.kept)), 1), 1)
        return _mean(x, axes, keepdims)

    def backward(self, g):
        return (_broadcast_back(g / self.count, self.kept, self.shape),)

    def jvp(self, t):
        return _mean(t, self.axes, self.keepdims)


def _mean(x: np.ndarray, axes: tuple[int, ...] | None, keepdims: bool) -> np.ndarray:
    """numpy's mean; over an empty dim it is nan, as in PyTorch, without numpy's warning."""
    if x.size:
        return np.asarray(x.mean(axis=axes, keepdims=keepdims))
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # "Mean of empty slice" is a warning of its own
        return np.asarray(x.mean(axis=axes, keepdims=keepdims))


class MaxOrMin(Function):
    """max or min; the gradient goes to the chosen element (or is split evenly between ties)."""

    saves = (CONSTANT,)  # each element's share of the gradient

    def forward(self, x, axes, keepdims, pick, indices):
        self.shape, self.kept = x.shape, _kept_shape(x.shape, axes)
        self.axes, self.keepdims = axes, keepdims
        out = pick(x, axis=axes, keepdims=True)
        if indices is None:
            mask = x == out
            if x.dtype.kind == "f":  # a nan is the extreme: the gradient is shared between the nans, as in PyTorch
                mask |= np.isnan(x) & np.isnan(out)
            weight = (mask / mask.sum(axis=axes, keepdims=True)).astype(x.dtype)
        else:
            weight = np.zeros(x.shape, dtype=x.dtype)
            np.put_along_axis(weight, indices, 1, axis=axes[0])
        self.saved = (weight,)
        return out if keepdims else out.reshape(_reduced_shape(x.shape, axes))

    def backward(self, g):
        from .elementwise import masked

        (weight,) = self.saved
        return (masked(_broadcast_back(g, self.kept, self.shape), weight != 0) * weight,)

    def jvp(self, t):
        (weight,) = self.saved
        return np.asarray((t * weight).sum(axis=self.axes, keepdims=self.keepdims))


class Var(Function):
    saves = (0,)

    def forward(self, x, axes, keepdims, correction):
        self.shape, self.kept = x.shape, _kept_shape(x.shape, axes)
        self.axes = axes
        self.keepdims = keepdims
        self.dof = builtins.max(x.size // builtins.max(int(np.prod(self.kept)), 1) - correction, 0)
        self.saved = (x,)
        centered = x - x.mean(axis=axes, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.asarray((centered * centered).sum(axis=axes, keepdims=keepdims) / self.dof)

    def backward(self, g):
        (x,) = self.saved
        centered = x - x.mean(axis=self.axes, keepdims=True)
        scale = 2 / self.dof if self.dof else np.inf  # no degrees of freedom: nan, as the forward's 0/0
        return (_broadcast_back(g, self.kept, self.shape) * centered * scale,)

    def jvp(self, t):
        (x,) = self.saved
        centered = x - x.mean(axis=self.axes, keepdims=True)
        scale = 2 / self.dof if self.dof else np.inf
        return np.asarray((centered * t).sum(axis=self.axes, keepdims=self.keepdims) * scale)


class Std(Function):
    """sqrt(var); where it is 0 (constant data) the gradient is taken as 0, as PyTorch does, not 0/0."""

    saves = (0, OUTPUT)

    def forward(self, x, axes, keepdims, correction):
        self.shape, self.kept = x.shape, _kept_shape(x.shape, axes)
        self.axes, self.keepdims = axes, keepdims
        self.dof = builtins.max(x.size // builtins.max(int(np.prod(self.kept)), 1) - correction, 0)
        centered = x - x.mean(axis=axes, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.sqrt(np.asarray((centered * centered).sum(axis=axes, keepdims=keepdims) / self.dof))
        self.saved = (x, out)
        return out

    def backward(self, g):
        x, out = self.saved
        out = out.reshape(self.kept)
        centered = x - x.mean(axis=self.axes, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            return (_broadcast_back(g, self.kept, self.shape) * centered / ((out + (out == 0)) * self.dof),)

    def jvp(self, t):
        x, out = self.saved
        centered = x - x.mean(axis=self.axes, keepdims=True)
        dot = np.asarray((centered * t).sum(axis=self.axes, keepdims=self.keepdims))
        with np.errstate(divide="ignore", invalid="ignore"):
            return dot / ((out + (out == 0)) * self.dof)


class Norm2(Function):
    saves = (0, OUTPUT)

    def forward(self, x, axes, keepdims):
        self.shape, self.kept = x.shape, _kept_shape(x.shape, axes)
        self.axes, self.keepdims = axes, keepdims
        out = np.asarray(np.sqrt((x * x).sum(axis=axes, keepdims=keepdims)))
        self.saved = (x, out)
        return out

    def backward(self, g):
        x, out = self.saved
        out = out.reshape(self.kept)
        safe = out + (out == 0)  # the gradient at 0 is taken as 0, as PyTorch does
        return (_broadcast_back(g, self.kept, self.shape) * x / safe,)

    def jvp(self, t):
        x, out = self.saved
        safe = out + (out == 0)
        return np.asarray((x * t).sum(axis=self.axes, keepdims=self.keepdims)) / safe


class VectorNorm(Function):
    """(sum |x|^p)^(1/p) over `axes` for p other than 1, 2 and ±inf (p = 0 counts the nonzero elements).

    The gradient is PyTorch's: 0 where the norm is 0, and for p < 1 also at zero elements (where |x|^p has none);
    p = 0 has gradient 0 everywhere.
    """

    saves = (0, OUTPUT)

    def forward(self, x, p, axes, keepdims):
        self.p, self.shape, self.kept = p, x.shape, _kept_shape(x.shape, axes)
        self.axes, self.keepdims = axes, keepdims
        if p == 0:
            out = np.asarray((x != 0).sum(axis=axes, keepdims=keepdims), dtype=x.dtype)
        else:
            with np.errstate(divide="ignore"):  # negative p: |0|^p is inf, and the norm 0
                out = np.asarray(np.sum(np.abs(x) ** p, axis=axes, keepdims=keepdims) ** (1.0 / p))
        self.saved = (x, out)
        return out

    def _slope(self, x, out):
        """d(norm)/dx elementwise, with `out` in the kept shape (arrays, or Tensors under create_graph)."""
        p = self.p
        if p == 0:
            return x * 0
        if p < 1:  # |x|^(p-1) is infinite at 0: the gradient there is taken as 0
            return np.sign(x) * np.abs(x + (x == 0)) ** (p - 1) * (x != 0) * out ** (1 - p)
        return np.sign(x) * np.abs(x) ** (p - 1) * ((out != 0) / (out + (out == 0)) ** (p - 1))

    def backward(self, g):
        x, out = self.saved
        return (_broadcast_back(g, self.kept, self.shape) * self._slope(x, out.reshape(self.kept)),)

    def jvp(self, t):
        x, out = self.saved
        slope = self._slope(x, out.reshape(self.kept))
        return np.asarray((slope * t).sum(axis=self.axes, keepdims=self.keepdims))


class SingularValueNorm(Function):
    """The sum ('sum': the nuclear norm), the largest ('max': the spectral norm) or the smallest ('min') singular value
    of the matrices spanning the two dims `axes`. Its gradient is U Vᵀ of the reduced SVD for the sum, and u vᵀ of the
    chosen singular pair otherwise, kept as a constant: first derivatives only."""

    saves = (CONSTANT,)

    def forward(self, x, axes, keepdims, which="sum"):
        self.shape, self.kept = x.shape, _kept_shape(x.shape, axes)
        self.axes, self.keepdims = axes, keepdims
        u, s, vh = np.linalg.svd(np.moveaxis(x, axes, (-2, -1)), full_matrices=False)
        if which == "sum":
            direction, out = u @ vh, s.sum(axis=-1)
        else:  # numpy sorts the singular values in descending order
            k = slice(0, 1) if which == "max" else slice(s.shape[-1] - 1, None)
            direction, out = u[..., :, k] @ vh[..., k, :], s[..., k][..., 0]
        self.saved = (np.moveaxis(direction, (-2, -1), axes),)
        return np.asarray(out.reshape(self.kept) if keepdims else out)

    def backward(self, g):
        (direction,) = self.saved
        return (_broadcast_back(g, self.kept, self.shape) * direction,)

    def jvp(self, t):
        (direction,) = self.saved
        return np.asarray((direction * t).sum(axis=self.axes, keepdims=self.keepdims))


class LogSumExp(Function):
    saves = (0, OUTPUT)

    def forward(self, x, axes, keepdims):
        self.shape, self.kept = x.shape, _kept_shape(x.shape, axes)
        self.axes, self.keepdims = axes, keepdims
        m = x.max(axis=axes, keepdims=True) if x.size else np.zeros(self.kept, x.dtype)
        m = np.where(np.isfinite(m), m, 0)
        total = np.exp(x - m).sum(axis=axes, keepdims=True)
        with np.errstate(divide="ignore"):  # an empty or all -inf slice: log(0) = -inf, as in PyTorch
            out = np.log(total) + m
        out = out if keepdims else out.reshape(_reduced_shape(x.shape, axes))
        self.saved = (x, out)
        return out

    def backward(self, g):
        x, out = self.saved
        return (_broadcast_back(g, self.kept, self.shape) * np.exp(x - out.reshape(self.kept)),)

    def jvp(self, t):
        x, out = self.saved
        softmax = np.exp(x - out.reshape(self.kept))
        return np.asarray((softmax * t).sum(axis=self.axes, keepdims=self.keepdims))


def _reduced_shape(shape: tuple[int, ...], axes: tuple[int, ...] | None) -> tuple[int, ...]:
    return () if axes is None else tuple(n for i, n in enumerate(shape) if i not in axes)


def sum(  # noqa: A001 (PyTorch's name)
    x: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None, axis: Any = None, keepdims: Any = None
) -> Tensor:
    """Sum over `dim` (int, tuple, negative allowed; all dims when None)."""
    axes = reduce_axes(x, dim, axis, "sum")
    if dtype is not None:
        x = x.to(dtype)
    return Sum.apply(x, axes=axes, keepdims=_keepdim(keepdim, keepdims))


def mean(
    x: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None, axis: Any = None, keepdims: Any = None
) -> Tensor:
    """Mean over `dim`; needs a floating dtype, as in PyTorch."""
    axes = reduce_axes(x, dim, axis, "mean")
    if dtype is not None:
        x = x.to(dtype)
    if x.dtype.kind != "f":
        raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be floating point, got {x.dtype}")
    return Mean.apply(x, axes=axes, keepdims=_keepdim(keepdim, keepdims))


def _extreme(x: Tensor, dim: Any, keepdim: bool, axis: Any, keepdims: Any, op: str) -> Any:
    pick, arg = (np.max, np.argmax) if op == "max" else (np.min, np.argmin)
    if isinstance(dim, (Tensor, np.ndarray)):
        from .elementwise import maximum, minimum

        return (maximum if op == "max" else minimum)(x, dim)
    axes = reduce_axes(x, dim, axis, op)
    _check_reducible(x, axes, op, RuntimeError)
    keep = _keepdim(keepdim, keepdims)
    if axes is None or axis is not None:  # numpy's spelling returns the values alone
        return MaxOrMin.apply(x, axes=axes, keepdims=keep, pick=pick, indices=None)
    if len(axes) != 1:
        if x.ndim == 0:  # the one element, at index 0
            values = MaxOrMin.apply(x, axes=axes, keepdims=keep, pick=pick, indices=None)
            return MaxResult(values, Tensor(np.zeros((), dtype=np.int64)))
        raise TypeError(f"{op}(): dim must be a single int when returning indices, got {dim}")
    indices = np.expand_dims(arg(x._data, axis=axes[0]), axes[0])
    values = MaxOrMin.apply(x, axes=axes, keepdims=keep, pick=pick, indices=indices)
    return MaxResult(values, Tensor(indices if keep else indices.squeeze(axes[0])))


def max(x: Tensor, dim: Any = None, keepdim: bool = False, *, axis: Any = None, keepdims: Any = None) -> Any:  # noqa: A001
    """max of all elements; with `dim`, (values, indices) along it; with a tensor, elementwise maximum."""
    return _extreme(x, dim, keepdim, axis, keepdims, "max")


def min(x: Tensor, dim: Any = None, keepdim: bool = False, *, axis: Any = None, keepdims: Any = None) -> Any:  # noqa: A001
    """min of all elements; with `dim`, (values, indices) along it; with a tensor, elementwise minimum."""
    return _extreme(x, dim, keepdim, axis, keepdims, "min")


def amax(x: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """Max over `dim` (int or tuple), gradient split between ties."""
    axes = reduce_axes(x, dim, None, "amax")
    _check_reducible(x, axes, "amax", RuntimeError)
    return MaxOrMin.apply(x, axes=axes, keepdims=keepdim, pick=np.max, indices=None)


def amin(x: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    axes = reduce_axes(x, dim, None, "amin")
    _check_reducible(x, axes, "amin", RuntimeError)
    return MaxOrMin.apply(x, axes=axes, keepdims=keepdim, pick=np.min, indices=None)


def _check_reducible(x: Tensor, axes: tuple[int, ...] | None, op: str, without_dim: type[Exception]) -> None:
    """Raise as PyTorch does when a max/min/argmax/argmin would pick from nothing."""
    if x._data.size:
        return
    if axes is None:
        message = f"{op}(): Expected reduction dim to be specified for input.numel() == 0."
        if without_dim is RuntimeError:  # max/min (not argmax/argmin) say how to fix it
            message += " Specify the reduction dim with the 'dim' argument."
        raise without_dim(message)
    for axis in axes:
        if x.shape[axis] == 0:
            raise IndexError(f"{op}(): Expected reduction dim {axis} to have non-zero size.")


def _arg(x: Tensor, dim: Any, keepdim: bool, fn: Any, op: str) -> Tensor:
    _check_reducible(x, None if dim is None else (normalize_dim(dim, x.ndim, op),), op, IndexError)
    if dim is None:
        return Tensor(np.asarray(fn(x._data), dtype=np.int64).reshape((1,) * x.ndim if keepdim else ()))
    axis = normalize_dim(dim, x.ndim, op)
    return Tensor(np.asarray(fn(x._data, axis=axis, keepdims=keepdim), dtype=np.int64))


def argmax(x: Tensor, dim: int | None = None, keepdim: bool = False, *, axis: int | None = None) -> Tensor:
    """Index of the largest element (first of ties), over all elements or along `dim`."""
    return _arg(x, dim if axis is None else axis, keepdim, np.argmax, "argmax")


def argmin(x: Tensor, dim: int | None = None, keepdim: bool = False, *, axis: int | None = None) -> Tensor:
    return _arg(x, dim if axis is None else axis, keepdim, np.argmin, "argmin")


def _variance_params(
    x: Tensor, dim: Any, unbiased: bool | None, keepdim: bool, correction: int | None, axis: Any, keepdims: Any, op: str
) -> dict[str, Any]:
    """The parameters `Var` and `Std` share: axes, keepdims, and the correction (1 unless unbiased=False)."""
    if correction is None:
        correction = 0 if unbiased is False else 1
    return {"axes": reduce_axes(x, dim, axis, op), "keepdims": _keepdim(keepdim, keepdims), "correction": correction}


def var(
    x: Tensor,
    dim: Any = None,
    unbiased: bool | None = None,
    keepdim: bool = False,
    *,
    correction: int | None = None,
    axis: Any = None,
    keepdims: Any = None,
) -> Tensor:
    """Variance over `dim`, unbiased (divides by n - 1) unless `unbiased=False` or `correction=0`."""
    return Var.apply(x, **_variance_params(x, dim, unbiased, keepdim, correction, axis, keepdims, "var"))


def std(
    x: Tensor,
    dim: Any = None,
    unbiased: bool | None = None,
    keepdim: bool = False,
    *,
    correction: int | None = None,
    axis: Any = None,
    keepdims: Any = None,
) -> Tensor:
    """Standard deviation over `dim`, with `var`'s arguments."""
    return Std.apply(x, **_variance_params(x, dim, unbiased, keepdim, correction, axis, keepdims, "std"))


def norm(x: Tensor, p: Any = "fro", dim: Any = None, keepdim: bool = False) -> Tensor:
    """PyTorch's `torch.norm`: for a number p the vector p-norm over `dim` (all elements when None): p = 0 counts
    the nonzero elements, ±inf is the largest/smallest |x|, negative and fractional p are (sum |x|^p)^(1/p);
    'fro' (the default, or p=None) is the Euclidean norm over all elements or over one or two dims; 'nuc' the
    nuclear norm (sum of singular values) of the matrices spanning the two dims `dim` (a 2-d x when dim is None).
    Gradients are PyTorch's, 0 where the norm is not differentiable at 0."""
    from .elementwise import abs as abs_

    if x._data.dtype.kind != "f":
        raise RuntimeError(f"norm: expected a floating point tensor as input, got {x._data.dtype}")
    if p is None:
        p = "fro"
    if isinstance(p, str):
        if p not in ("fro", "nuc"):
            raise RuntimeError(f"norm: order {p!r} not supported (use a number, 'fro' or 'nuc')")
        if p == "nuc" and dim is None and x.ndim == 2:
            dim = (0, 1)
        sequence = isinstance(dim, (tuple, list))
        if (p == "nuc" and not (sequence and len(dim) == 2)) or (p == "fro" and sequence and len(dim) > 2):
            raise RuntimeError(
                f"norm: the matrix norm {p!r} needs dim to be a 2-tuple (got dim={dim!r} for a tensor of shape "
                f"{tuple(x._data.shape)})"
            )
        axes = reduce_axes(x, dim, None, "norm")
        if p == "nuc":
            return SingularValueNorm.apply(x, axes=axes, keepdims=keepdim)
        return Norm2.apply(x, axes=axes, keepdims=keepdim)
    if isinstance(p, bool) or not isinstance(p, (int, float, np.integer, np.floating)):
        raise TypeError(f"norm: p must be a number, 'fro' or 'nuc', not {type(p).__name__}")
    axes = reduce_axes(x, dim, None, "norm")
    if p == 2:
        return Norm2.apply(x, axes=axes, keepdims=keepdim)
    if p == 1:
        return sum(abs_(x), dim=axes, keepdim=keepdim)
    if p == float("inf"):
        return amax(abs_(x), dim=axes, keepdim=keepdim)
    if p == -float("inf"):
        return amin(abs_(x), dim=axes, keepdim=keepdim)
    return VectorNorm.apply(x, p=float(p), axes=axes, keepdims=keepdim)


def logsumexp(x: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """log(sum(exp(x))) over `dim`, computed stably (no overflow for large x)."""
    axes = reduce_axes(x, dim, None, "logsumexp")
    return LogSumExp.apply(x, axes=axes, keepdims=keepdim)


def all(x: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A001
    """True where every element (over `dim`) is nonzero; no gradient."""
    return Tensor(np.asarray(np.all(x._data, axis=reduce_axes(x, dim, None, "all"), keepdims=keepdim)))


def any(x: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A001
    return Tensor(np.asarray(np.any(x._data, axis=reduce_axes(x, dim, None, "any"), keepdims=keepdim)))
