"""`SGD`: stochastic gradient descent with momentum, dampening, Nesterov momentum and weight decay."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from autograd.tensor import Tensor

from .optimizer import Optimizer
from .validation import check_non_negative


class SGD(Optimizer):
    """PyTorch's rule: g += wd p; b = momentum b + (1 - dampening) g (b = g at first); g = g + momentum b
    (nesterov) or b; p -= lr g."""

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        check_non_negative(learning_rate=lr, momentum=momentum, weight_decay=weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
        }
        super().__init__(params, defaults)

    def _update(self, param: Tensor, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]) -> None:
        p = param._data
        weight_decay, momentum = float(group["weight_decay"]), float(group["momentum"])
        if weight_decay:
            grad = grad + weight_decay * p
        if momentum:
            buffer = state.get("momentum_buffer")
            if buffer is None:
                buffer = state["momentum_buffer"] = Tensor(grad.copy(order="K"))
            else:
                buffer._data *= momentum
                buffer._data += (1.0 - float(group["dampening"])) * grad
            grad = grad + momentum * buffer._data if group["nesterov"] else buffer._data
        p -= float(group["lr"]) * grad
