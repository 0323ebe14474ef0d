"""`Dropout`: inverted dropout in training mode, the identity in evaluation mode."""

from __future__ import annotations

from autograd.tensor import Tensor

from . import functional as F
from .module import Module


class Dropout(Module):
    """Zero each element with probability p and scale the rest by 1/(1-p) while training; identity in eval()."""

    def __init__(self, p: float = 0.5) -> None:
        super().__init__()
        self.p = F._check_probability(p, "Dropout")

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002 (PyTorch's name)
        return F.dropout(input, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}"
