"""`Embedding`: rows of a weight matrix picked by integer indices, one graph node."""

from __future__ import annotations

import numpy as np

from ..function import Function
from .shape import AddAt, GetItem


class Embedding(Function):
    """weight[indices]: weight (num_embeddings, dim), indices (...) -> (..., dim). The row `padding_idx` (if not
    None) gets no gradient; rows picked several times accumulate theirs."""

    def forward(self, weight, indices, padding_idx=None):
        self.indices, self.shape, self.dtype = indices, weight.shape, weight.dtype
        self.keep = None
        if padding_idx is not None:
            self.keep = np.ones((weight.shape[0], 1), dtype=weight.dtype)
            self.keep[padding_idx] = 0
        return weight[indices]

    def backward(self, g):
        gw = AddAt.apply_or_run(g, shape=self.shape, index=self.indices, dtype=self.dtype)
        return (gw if self.keep is None else gw * self.keep), None

    def jvp(self, tw, t_indices=None):
        return GetItem.apply_or_run(tw if self.keep is None else tw * self.keep, index=self.indices)
