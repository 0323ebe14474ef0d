"""PyTorch's type-named constructors and small type helpers: `FloatTensor`, `LongTensor`..., `is_tensor`, `numel`.

`autograd.FloatTensor([1, 2])` is `tensor([1., 2.])`; `autograd.FloatTensor(2, 3)` is a (2, 3) tensor (of zeros);
`isinstance(t, autograd.FloatTensor)` asks whether `t` is a float32 tensor.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .size import shape_arg
from .tensor import Tensor, as_array, bool_, float16, float32, float64, int32, int64, uint8


def is_tensor(obj: Any) -> bool:
    """Whether `obj` is a Tensor."""
    return isinstance(obj, Tensor)


def numel(x: Tensor) -> int:
    """The number of elements of `x`."""
    if not isinstance(x, Tensor):
        raise TypeError(f"numel(): argument 'input' must be Tensor, not {type(x).__name__}")
    return int(x._data.size)


class _TensorType(type):
    dtype: np.dtype

    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, Tensor) and obj._data.dtype == cls.dtype


class _TypedTensor(metaclass=_TensorType):
    dtype = float32

    def __new__(cls, *args: Any) -> Tensor:  # type: ignore[misc]
        """A tensor of this type: from data (one list, array or tensor), or of a shape (ints) filled with zeros."""
        if not args:
            return Tensor(np.zeros(0, cls.dtype))
        if len(args) == 1 and isinstance(args[0], (list, tuple, np.ndarray, Tensor)):
            return Tensor(as_array(args[0], cls.dtype, copy=True))
        return Tensor(np.zeros(shape_arg(args, cls.__name__), cls.dtype))


class FloatTensor(_TypedTensor):
    dtype = float32


class DoubleTensor(_TypedTensor):
    dtype = float64


class LongTensor(_TypedTensor):
    dtype = int64


class IntTensor(_TypedTensor):
    dtype = int32


class BoolTensor(_TypedTensor):
    dtype = bool_


class HalfTensor(_TypedTensor):
    dtype = float16


class ByteTensor(_TypedTensor):
    dtype = uint8
