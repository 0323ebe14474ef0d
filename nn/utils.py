"""Gradient utilities, in place on the parameters' `.grad`: `zero_grad_`, `clip_grad_norm_`, `clip_grad_value_`."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from autograd.grad_mode import no_grad
from autograd.tensor import Tensor


def _grads(parameters: Tensor | Iterable[Tensor]) -> list[Tensor]:
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    return [p.grad for p in params if p.grad is not None]


def zero_grad_(parameters: Tensor | Iterable[Tensor], set_to_none: bool = True) -> None:
    """Reset the gradients of `parameters`: to None (default), or to zeros in place.

    `Module.zero_grad` and `Optimizer.zero_grad` both come here. A gradient recorded in a graph
    (backward with create_graph=True) is detached before it is zeroed, so the graph is not changed.
    """
    for param in [parameters] if isinstance(parameters, Tensor) else parameters:
        if param.grad is None:
            continue
        if set_to_none:
            param.grad = None
            continue
        if param.grad.grad_fn is not None:
            param.grad = param.grad.detach()
        with no_grad():
            param.grad.zero_()


def clip_grad_norm_(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
) -> Tensor:
    """Scale all gradients together so that their joint `norm_type`-norm is at most `max_norm`; returns that norm."""
    grads = _grads(parameters)
    if not grads:
        return Tensor(np.zeros((), dtype=np.float32))
    norm_type = float(norm_type)
    if math.isinf(norm_type):
        total = max(float(np.abs(g._data).max(initial=0.0)) for g in grads)
    elif norm_type == 2.0:
        total = math.sqrt(sum(float(np.vdot(g._data, g._data)) for g in grads))
    else:
        total = sum(float((np.abs(g._data) ** norm_type).sum()) for g in grads) ** (1.0 / norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"clip_grad_norm_: the total norm of order {norm_type} of the gradients is non-finite ({total}), so it "
            "cannot be clipped. Set error_if_nonfinite=False to clip anyway."
        )
    coefficient = min(float(max_norm) / (total + 1e-6), 1.0)
    with no_grad():
        for g in grads:
            g.mul_(coefficient)
    return Tensor(np.asarray(total, dtype=grads[0].dtype))


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float) -> None:
    """Clamp every gradient element to [-clip_value, clip_value]."""
    clip_value = float(clip_value)
    with no_grad():
        for g in _grads(parameters):
            g.copy_(np.clip(g._data, -clip_value, clip_value))
