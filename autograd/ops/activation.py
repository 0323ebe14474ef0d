"""softmax and log_softmax along a dim, computed stably (finite for logits of any finite size)."""

from __future__ import annotations

import numpy as np

from ..function import OUTPUT, Function
from ..tensor import Tensor
from .shape import normalize_dim


class Softmax(Function):
    saves = (OUTPUT,)

    def forward(self, x, axis):
        self.axis = axis
        e = np.exp(x - x.max(axis=axis, keepdims=True, initial=-np.inf))  # initial: an empty dim is fine
        out = e / e.sum(axis=axis, keepdims=True)
        self.saved = (out,)
        return out

    def backward(self, g):
        (out,) = self.saved
        return (out * (g - (g * out).sum(axis=self.axis, keepdims=True)),)

    def jvp(self, t):
        (out,) = self.saved
        return out * (t - (t * out).sum(axis=self.axis, keepdims=True))


class LogSoftmax(Function):
    saves = (OUTPUT,)

    def forward(self, x, axis):
        self.axis = axis
        shifted = x - x.max(axis=axis, keepdims=True, initial=-np.inf)
        # the sum is at least 1 (the max's own term) unless x is empty, when there is nothing to normalise
        out = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True)) if x.size else shifted
        self.saved = (out,)
        return out

    def backward(self, g):
        (out,) = self.saved
        return (g - np.exp(out) * g.sum(axis=self.axis, keepdims=True),)

    def jvp(self, t):
        (out,) = self.saved
        return t - (np.exp(out) * t).sum(axis=self.axis, keepdims=True)


def _axis(x: Tensor, dim: int | None, op: str) -> int:
    if x.dtype.kind != "f":
        raise NotImplementedError(f"{op}: not implemented for {x.dtype} tensors; convert with .float() first")
    if dim is None:
        dim = 0 if x.ndim in (0, 1, 3) else 1  # PyTorch's legacy implicit choice
    return normalize_dim(dim, x.ndim, op)


def softmax(x: Tensor, dim: int | None = None) -> Tensor:
    """exp(x) / sum(exp(x)) along `dim`."""
    if x.ndim == 0:
        return x * 0 + 1
    return Softmax.apply(x, axis=_axis(x, dim, "softmax"))


def log_softmax(x: Tensor, dim: int | None = None) -> Tensor:
    """x - logsumexp(x) along `dim`."""
    if x.ndim == 0:
        return x * 0
    return LogSoftmax.apply(x, axis=_axis(x, dim, "log_softmax"))
