"""`CopySlices`: a base tensor after an in-place update of one of its views (PyTorch's node of the same name).

`v = h[0:2]; v.mul_(10)` changes `h`'s memory. `Tensor._record_update` records it as `h = CopySlices(h_old,
v_new)`: `h_old` with the view's region replaced by `v_new`, the out-of-place result of the update (whose own node
leads back to `h_old` through the view). The region is found by replaying the view's operations (their `reapply`)
on any array shaped like the base: the base itself, its gradient, a mask.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..function import Function
from .elementwise import masked


def region(path: list[Any], x: Any) -> Any:
    """The part of `x` (an array or tensor shaped like the base) that the view operations in `path` select."""
    for fn in path:
        x = fn.reapply(x)
    return x


class CopySlices(Function):
    def forward(self, base, value, path):
        self.path, self.shape, self.dtype = path, base.shape, base.dtype
        region(path, base)[...] = value  # the update itself: `base` is the root's memory
        return base

    def backward(self, g):
        outside = np.ones(g.shape, dtype=bool)
        region(self.path, outside)[...] = False
        return masked(g, outside), region(self.path, g)

    def jvp(self, t_base, t_value):
        out = np.zeros(self.shape, self.dtype) if t_base is None else np.array(t_base)
        region(self.path, out)[...] = 0 if t_value is None else t_value
        return out
