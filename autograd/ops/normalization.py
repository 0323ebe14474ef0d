"""Normalisation layers as one fused graph node each: `batch_norm` and `layer_norm`.

Both are `Normalize`: y = (x - mean) / sqrt(var + eps) * weight + bias, with the mean and the (biased) variance taken
over some axes of x (the batch and spatial axes for batch norm in training, the trailing axes for layer norm) or
given as constants (batch norm's running statistics in evaluation). With batch statistics the backward is
  gx = (gxhat - mean(gxhat) - xhat * mean(gxhat * xhat)) / sqrt(var + eps),   gxhat = g * weight,
written with operators and methods that run on arrays and on tensors alike, so it is differentiable again.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..function import CONSTANT, Function, add_tangents
from ..tensor import Tensor, as_array


def _statistics(x: Any, axes: tuple[int, ...], eps: float):
    """(x - mean) / sqrt(var + eps) and 1 / sqrt(var + eps) over `axes` (kept), for arrays or tensors."""
    centred = x - x.mean(axis=axes, keepdims=True)
    inv_std = ((centred * centred).mean(axis=axes, keepdims=True) + eps) ** -0.5
    return centred * inv_std, inv_std


class Normalize(Function):
    """x normalised over `axes` (or by the constants `mean`, `var` of the statistics' shape), then scaled by
    weight and shifted by bias, both of shape `param_shape` once broadcast (None: no affine part)."""

    saves = (0, 1, CONSTANT, CONSTANT)  # x, weight, and from forward xhat and 1 / std

    def forward(self, x, weight, bias, axes, param_shape, eps, mean=None, var=None, running=None):
        self.axes, self.param_shape, self.eps = axes, param_shape, eps
        self.batch_stats = mean is None
        self.has = (weight is not None, bias is not None)
        if self.batch_stats:
            mu = np.add.reduce(x, axis=axes, keepdims=True) / _count(x, axes)
            centred = x - mu
            var = np.add.reduce(centred * centred, axis=axes, keepdims=True) / _count(x, axes)
            inv_std = 1.0 / np.sqrt(var + eps)
            xhat = centred
            xhat *= inv_std
            if running is not None:
                _update_running(running, mu, var, _count(x, axes))
        else:
            inv_std = (1.0 / np.sqrt(var + eps)).astype(x.dtype, copy=False)
            self.mean = mean
            xhat = (x - mean) * inv_std
        self.saved = (x, weight, xhat, inv_std)
        out = xhat * weight.reshape(param_shape) if weight is not None else xhat.copy()
        if bias is not None:
            out += bias.reshape(param_shape)
        return out

    def _normalised(self, x):
        """(xhat, 1 / std): kept from forward, or recomputed from the tensor x when the backward is recorded."""
        _, _, xhat, inv_std = self.saved
        if isinstance(x, np.ndarray):
            return xhat, inv_std
        if self.batch_stats:
            return _statistics(x, self.axes, self.eps)
        return (x - self.mean) * inv_std, inv_std  # constant statistics: xhat is affine in x

    def _outer_axes(self, g):
        """The axes that weight and bias broadcast along."""
        return tuple(i for i in range(g.ndim) if self.param_shape[i] == 1)

    def _reduce(self, g, shape):
        """Sum `g` over the axes that weight and bias broadcast along, into their `shape`."""
        return g.sum(axis=self._outer_axes(g)).reshape(shape)

    def backward(self, g):
        x, weight = self.saved[:2]
        xhat, inv_std = self._normalised(x)
        if self.batch_stats and self._outer_axes(g) == tuple(self.axes):
            return self._backward_per_channel(g, weight, xhat, inv_std)
        gxhat = g * weight.reshape(self.param_shape) if weight is not None else g
        gx = None
        if self.needs_grad(0):
            if self.batch_stats:
                axes = self.axes
                gx = (
                    gxhat - gxhat.mean(axis=axes, keepdims=True) - xhat * (gxhat * xhat).mean(axis=axes, keepdims=True)
                ) * inv_std
            else:
                gx = gxhat * inv_std
        gw = self._reduce(g * xhat, weight.shape) if self.has[0] and self.needs_grad(1) else None
        gb = self._reduce(g, self.inputs[2].shape) if self.has[1] and self.needs_grad(2) else None
        return gx, gw, gb

    def _backward_per_channel(self, g, weight, xhat, inv_std):
        """Batch norm's backward: weight is constant over the axes the statistics are taken over, so the means in
        gx are weight times the sums that are also bias's and weight's gradients,
            gx = weight / std * (g - sum(g) / n - xhat * sum(g * xhat) / n),
        two reductions and four elementwise passes in all."""
        axes = tuple(self.axes)
        n = _count(g, axes)
        sum_g = g.sum(axis=axes, keepdims=True)
        sum_g_xhat = (g * xhat).sum(axis=axes, keepdims=True)
        gx = None
        if self.needs_grad(0):
            scale = inv_std * weight.reshape(self.param_shape) if weight is not None else inv_std
            gx = (g - xhat * (sum_g_xhat / n) - sum_g / n) * scale
        gw = sum_g_xhat.reshape(weight.shape) if self.has[0] and self.needs_grad(1) else None
        gb = sum_g.reshape(self.inputs[2].shape) if self.has[1] and self.needs_grad(2) else None
        return gx, gw, gb

    def jvp(self, tx, tw, tb):
        x, weight, xhat, inv_std = self.saved
        terms = []
        if tx is not None:
            if self.batch_stats:
                axes = self.axes
                dxhat = (
                    tx - tx.mean(axis=axes, keepdims=True) - xhat * (xhat * tx).mean(axis=axes, keepdims=True)
                ) * inv_std
            else:
                dxhat = tx * inv_std
            terms.append(dxhat * weight.reshape(self.param_shape) if weight is not None else dxhat)
        if tw is not None:
            terms.append(xhat * tw.reshape(self.param_shape))
        if tb is not None:
            terms.append(tb.reshape(self.param_shape))
        return add_tangents(*terms)


def _count(x: np.ndarray, axes: tuple[int, ...]) -> int:
    return math.prod(x.shape[a] for a in axes)


def _update_running(running: tuple[Any, Any, float], mean: np.ndarray, var: np.ndarray, count: int) -> None:
    """running = (1 - momentum) running + momentum batch, in place; the variance unbiased, as PyTorch keeps it."""
    running_mean, running_var, momentum = running
    if running_mean is not None:
        running_mean *= 1 - momentum
        running_mean += momentum * mean.reshape(running_mean.shape)
    if running_var is not None:
        running_var *= 1 - momentum
        running_var += momentum * count / max(count - 1, 1) * var.reshape(running_var.shape)


def _check_param(param: Any, shape: tuple[int, ...], name: str, op: str) -> None:
    if param is not None and as_array(param).shape != shape:
        raise RuntimeError(f"{op}: expected {name} of shape {shape}, got {as_array(param).shape}")


def batch_norm(
    input: Tensor,  # noqa: A002 (PyTorch's name)
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each channel of input (N, C, ...): with the batch's statistics when `training` (and then update
    the running statistics in place: running = (1 - momentum) running + momentum batch, the variance unbiased),
    else with `running_mean` and `running_var`; then scale by weight (C,) and shift by bias (C,)."""
    x = as_array(input)
    if x.ndim < 2:
        raise RuntimeError(f"batch_norm: expected an input of at least 2 dims (N, C, ...), got shape {x.shape}")
    channels = x.shape[1]
    for param, name in (
        (running_mean, "running_mean"),
        (running_var, "running_var"),
        (weight, "weight"),
        (bias, "bias"),
    ):
        _check_param(param, (channels,), name, "batch_norm")
    param_shape = (1, channels) + (1,) * (x.ndim - 2)
    axes = (0, *range(2, x.ndim))
    if training:
        if _count(x, axes) <= 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size {x.shape}")
        if momentum is None or isinstance(momentum, bool) or not isinstance(momentum, numbers.Real):
            raise TypeError(f"batch_norm: momentum must be a number, got {momentum!r}")
        running = tuple(None if r is None else as_array(r) for r in (running_mean, running_var)) + (float(momentum),)
        if running[0] is None and running[1] is None:
            running = None
        return Normalize.apply(input, weight, bias, axes=axes, param_shape=param_shape, eps=eps, running=running)
    if running_mean is None or running_var is None:
        raise RuntimeError("batch_norm: running_mean and running_var must be defined in evaluation mode")
    mean, var = (as_array(r).reshape(param_shape) for r in (running_mean, running_var))
    return Normalize.apply(input, weight, bias, axes=axes, param_shape=param_shape, eps=eps, mean=mean, var=var)


def layer_norm(
    input: Tensor,  # noqa: A002 (PyTorch's name)
    normalized_shape: int | Sequence[int],
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise over the trailing dims `normalized_shape` of input, then scale by weight and shift by bias (both
    of `normalized_shape`)."""
    x = as_array(input)
    shape = (normalized_shape,) if isinstance(normalized_shape, numbers.Integral) else tuple(normalized_shape)
    shape = tuple(int(n) for n in shape)
    if not shape or x.shape[x.ndim - len(shape) :] != shape or len(shape) > x.ndim:
        raise RuntimeError(
            f"layer_norm: Given normalized_shape={list(shape)}, expected input with shape [*, "
            f"{', '.join(map(str, shape))}], but got input of size {list(x.shape)}"
        )
    _check_param(weight, shape, "weight", "layer_norm")
    _check_param(bias, shape, "bias", "layer_norm")
    lead = x.ndim - len(shape)
    axes = tuple(range(lead, x.ndim))
    return Normalize.apply(input, weight, bias, axes=axes, param_shape=(1,) * lead + shape, eps=eps)
