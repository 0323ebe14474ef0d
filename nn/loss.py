"""Loss layers with reduction 'none' | 'mean' | 'sum': MSELoss, L1Loss, CrossEntropyLoss, NLLLoss, BCELoss,
BCEWithLogitsLoss. Each calls its function in `nn.functional`; `loss(input, target)`."""

from __future__ import annotations

from typing import Any

from autograd.tensor import Tensor

from . import functional as F
from .module import Module


class _Loss(Module):
    """A loss with a `reduction`: 'mean' (default), 'sum', or 'none' (one value per sample)."""

    def __init__(self, *, reduction: str = "mean") -> None:
        super().__init__()
        F._check_reduction(reduction, type(self).__name__)
        self.reduction = reduction

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}" if self.reduction != "mean" else ""


class MSELoss(_Loss):
    """Mean squared error: (input - target)^2."""

    def forward(self, input: Tensor, target: Any) -> Tensor:  # noqa: A002 (PyTorch's name)
        return F.mse_loss(input, target, self.reduction)


class L1Loss(_Loss):
    """Mean absolute error: |input - target|."""

    def forward(self, input: Tensor, target: Any) -> Tensor:  # noqa: A002
        return F.l1_loss(input, target, self.reduction)


class CrossEntropyLoss(_Loss):
    """Softmax cross-entropy of logits (N, C) or (N, C, d1, ...) against class indices (N,) / (N, d1, ...) or class
    probabilities shaped like the logits; `weight` (C,) per class, targets equal to `ignore_index` skipped."""

    def __init__(
        self, weight: Any = None, *, ignore_index: int = -100, reduction: str = "mean", label_smoothing: float = 0.0
    ) -> None:
        super().__init__(reduction=reduction)
        self.weight, self.ignore_index, self.label_smoothing = weight, ignore_index, label_smoothing

    def forward(self, input: Tensor, target: Any) -> Tensor:  # noqa: A002
        return F.cross_entropy(
            input,
            target,
            self.weight,
            self.ignore_index,
            reduction=self.reduction,
            label_smoothing=self.label_smoothing,
        )

    def extra_repr(self) -> str:
        extras = [super().extra_repr()] + ([f"label_smoothing={self.label_smoothing}"] if self.label_smoothing else [])
        return ", ".join(e for e in extras if e)


class NLLLoss(_Loss):
    """Negative log-likelihood of log-probabilities (N, C) (e.g. from LogSoftmax) and class indices (N,)."""

    def __init__(self, weight: Any = None, *, ignore_index: int = -100, reduction: str = "mean") -> None:
        super().__init__(reduction=reduction)
        self.weight, self.ignore_index = weight, ignore_index

    def forward(self, input: Tensor, target: Any) -> Tensor:  # noqa: A002
        return F.nll_loss(input, target, self.weight, self.ignore_index, reduction=self.reduction)


class BCELoss(_Loss):
    """Binary cross-entropy of probabilities in [0, 1] (e.g. from Sigmoid) and targets of the same shape."""

    def forward(self, input: Tensor, target: Any) -> Tensor:  # noqa: A002
        return F.binary_cross_entropy(input, target, self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy of sigmoid(logits), computed stably from the logits."""

    def __init__(self, weight: Any = None, *, reduction: str = "mean", pos_weight: Any = None) -> None:
        super().__init__(reduction=reduction)
        self.weight, self.pos_weight = weight, pos_weight

    def forward(self, input: Tensor, target: Any) -> Tensor:  # noqa: A002
        return F.binary_cross_entropy_with_logits(
            input, target, self.weight, reduction=self.reduction, pos_weight=self.pos_weight
        )
