"""`Adam` (with AMSGrad and L2 weight decay) and `AdamW` (decoupled weight decay)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from autograd.tensor import Tensor

from .optimizer import Optimizer
from .validation import check_betas, check_non_negative


class Adam(Optimizer):
    """PyTorch's rule: m = lerp(m, g, 1 - b1), v = b2 v + (1 - b2) g^2, p -= lr/(1 - b1^t) m / (sqrt(v)/sqrt(1 - b2^t)
    + eps), with v replaced by its running maximum under `amsgrad`; weight decay adds wd p to g."""

    decoupled_weight_decay = False

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
    ) -> None:
        check_non_negative(learning_rate=lr, epsilon=eps, weight_decay=weight_decay)
        check_betas(betas)
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay, "amsgrad": amsgrad}
        super().__init__(params, defaults)

    def _update(self, param: Tensor, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]) -> None:
        p = param._data
        if not state:
            state["step"] = 0
            state["exp_avg"] = Tensor(np.zeros_like(p))
            state["exp_avg_sq"] = Tensor(np.zeros_like(p))
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = Tensor(np.zeros_like(p))
        state["step"] += 1
        step = state["step"]
        lr, eps, weight_decay = float(group["lr"]), float(group["eps"]), float(group["weight_decay"])
        beta1, beta2 = (float(b) for b in group["betas"])
        if weight_decay:
            if self.decoupled_weight_decay:
                p *= 1.0 - lr * weight_decay
            else:
                grad = grad + weight_decay * p
        exp_avg, exp_avg_sq = state["exp_avg"]._data, state["exp_avg_sq"]._data
        exp_avg += (1.0 - beta1) * (grad - exp_avg)
        exp_avg_sq *= beta2
        exp_avg_sq += (1.0 - beta2) * grad * grad
        step_size = lr / (1.0 - beta1**step)
        bias_correction2_sqrt = (1.0 - beta2**step) ** 0.5
        if group["amsgrad"]:
            second_moment = state["max_exp_avg_sq"]._data
            np.maximum(second_moment, exp_avg_sq, out=second_moment)
        else:
            second_moment = exp_avg_sq
        denom = np.sqrt(second_moment)
        denom /= bias_correction2_sqrt
        denom += eps
        update = np.divide(exp_avg, denom, out=denom)
        update *= step_size
        p -= update


class AdamW(Adam):
    """Adam with decoupled weight decay: p *= 1 - lr wd before the Adam step (default wd 0.01)."""

    decoupled_weight_decay = True

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad)
