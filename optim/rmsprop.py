"""`RMSprop`: gradients divided by a running root-mean-square, optionally centered and with momentum."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from autograd.tensor import Tensor

from .optimizer import Optimizer
from .validation import check_non_negative


class RMSprop(Optimizer):
    """PyTorch's rule: g += wd p; v = alpha v + (1 - alpha) g^2; (centered: m = lerp(m, g, 1 - alpha), v - m^2);
    d = sqrt(.) + eps; b = momentum b + g / d and p -= lr b, or p -= lr g / d without momentum."""

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
    ) -> None:
        check_non_negative(learning_rate=lr, alpha=alpha, epsilon=eps, weight_decay=weight_decay, momentum=momentum)
        defaults = {
            "lr": lr,
            "alpha": alpha,
            "eps": eps,
            "weight_decay": weight_decay,
            "momentum": momentum,
            "centered": centered,
        }
        super().__init__(params, defaults)

    def _update(self, param: Tensor, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]) -> None:
        p = param._data
        momentum, alpha = float(group["momentum"]), float(group["alpha"])
        if not state:
            state["step"] = 0
            state["square_avg"] = Tensor(np.zeros_like(p))
            if momentum > 0:
                state["momentum_buffer"] = Tensor(np.zeros_like(p))
            if group["centered"]:
                state["grad_avg"] = Tensor(np.zeros_like(p))
        state["step"] += 1
        weight_decay = float(group["weight_decay"])
        if weight_decay:
            grad = grad + weight_decay * p
        square_avg = state["square_avg"]._data
        square_avg *= alpha
        square_avg += (1.0 - alpha) * grad * grad
        if group["centered"]:
            grad_avg = state["grad_avg"]._data
            grad_avg += (1.0 - alpha) * (grad - grad_avg)
            avg = np.sqrt(square_avg - grad_avg * grad_avg)
        else:
            avg = np.sqrt(square_avg)
        avg += float(group["eps"])
        lr = float(group["lr"])
        if momentum > 0:
            buffer = state["momentum_buffer"]._data
            buffer *= momentum
            buffer += grad / avg
            p -= lr * buffer
        else:
            update = np.divide(grad, avg, out=avg)
            update *= lr
            p -= update
