"""`Embedding`: a lookup table of learnable vectors, one row per token index."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd.grad_mode import no_grad
from autograd.tensor import Tensor, float32, to_dtype

from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter


class Embedding(Module):
    """indices (...) -> weight[indices] (..., embedding_dim); weight (num_embeddings, embedding_dim) ~ N(0, 1).

    With `padding_idx`, that row starts at zero and gets no gradient (a padding token's vector stays fixed).
    """

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        padding_idx: int | None = None,
        *,
        _weight: Tensor | None = None,
        _freeze: bool = False,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        for name, value in (("num_embeddings", num_embeddings), ("embedding_dim", embedding_dim)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
                raise ValueError(f"Embedding: {name} must be a non-negative int, got {value!r}")
        self.num_embeddings, self.embedding_dim = int(num_embeddings), int(embedding_dim)
        self.padding_idx = F._padding_index(padding_idx, self.num_embeddings)
        if _weight is None:
            self.weight = Parameter(
                np.empty((self.num_embeddings, self.embedding_dim), dtype=to_dtype(dtype) or float32)
            )
            self.reset_parameters()
        else:
            if tuple(_weight.shape) != (self.num_embeddings, self.embedding_dim):
                raise RuntimeError(
                    f"Embedding: shape of weight {tuple(_weight.shape)} does not match num_embeddings and "
                    f"embedding_dim ({self.num_embeddings}, {self.embedding_dim})"
                )
            self.weight = Parameter(_weight, requires_grad=not _freeze)

    def reset_parameters(self) -> None:
        """weight ~ N(0, 1), with the padding row zeroed."""
        init.normal_(self.weight)
        if self.padding_idx is not None:
            with no_grad():
                self.weight[self.padding_idx] = 0

    @classmethod
    def from_pretrained(cls, embeddings: Tensor, freeze: bool = True, padding_idx: int | None = None) -> Embedding:
        """An Embedding whose weight is `embeddings` (2-d, shared, not copied); `freeze` stops it from learning."""
        if embeddings.ndim != 2:
            raise RuntimeError(
                f"Embeddings parameter is expected to be 2-dimensional, got shape {tuple(embeddings.shape)}"
            )
        rows, cols = embeddings.shape
        weight = embeddings if isinstance(embeddings, Tensor) else Tensor(np.asarray(embeddings))
        return cls(rows, cols, padding_idx, _weight=weight, _freeze=freeze)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002 (PyTorch's name)
        return F.embedding(input, self.weight, self.padding_idx)

    def extra_repr(self) -> str:
        padding = f", padding_idx={self.padding_idx}" if self.padding_idx is not None else ""
        return f"{self.num_embeddings}, {self.embedding_dim}{padding}"
