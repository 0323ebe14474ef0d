"""`Adagrad`: per-element learning rates scaled by the accumulated squared gradients."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from autograd.tensor import Tensor

from .optimizer import Optimizer
from .validation import check_non_negative


class Adagrad(Optimizer):
    """PyTorch's rule: g += wd p; s += g^2; p -= lr / (1 + (t - 1) lr_decay) * g / (sqrt(s) + eps)."""

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
    ) -> None:
        check_non_negative(
            learning_rate=lr,
            lr_decay=lr_decay,
            weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value,
            epsilon=eps,
        )
        defaults = {
            "lr": lr,
            "lr_decay": lr_decay,
            "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value,
            "eps": eps,
        }
        super().__init__(params, defaults)

    def _update(self, param: Tensor, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]) -> None:
        p = param._data
        if not state:
            state["step"] = 0
            state["sum"] = Tensor(np.full_like(p, float(group["initial_accumulator_value"])))
        state["step"] += 1
        weight_decay = float(group["weight_decay"])
        if weight_decay:
            grad = grad + weight_decay * p
        clr = float(group["lr"]) / (1.0 + (state["step"] - 1) * float(group["lr_decay"]))
        total = state["sum"]._data
        total += grad * grad
        std = np.sqrt(total)
        std += float(group["eps"])
        update = np.divide(grad, std, out=std)
        update *= clr
        p -= update
