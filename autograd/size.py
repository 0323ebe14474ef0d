"""`Size`, the type of `Tensor.shape`, and `shape_arg`, the one parser of shape arguments (`zeros(2, 3)`,
`zeros((2, 3))`, `reshape(x, [2, -1])`) with PyTorch's TypeErrors for anything but integers."""

from __future__ import annotations

import math
import operator
from typing import Any, SupportsIndex


class Size(tuple):
    """A tensor's shape: a tuple of ints that prints as `autograd.Size([2, 3])` and knows its `numel()`."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"autograd.Size({list(self)})"

    def numel(self) -> int:
        """The number of elements of a tensor of this shape (1 for `Size([])`)."""
        return math.prod(self)

    def __getitem__(self, index: SupportsIndex | slice) -> Any:
        item = tuple.__getitem__(self, index)
        return Size(item) if isinstance(index, slice) else item

    def __add__(self, other: Any) -> Any:
        return Size(tuple.__add__(self, other)) if isinstance(other, tuple) else NotImplemented

    def __radd__(self, other: Any) -> Any:
        return Size(tuple.__add__(other, self)) if isinstance(other, tuple) else NotImplemented

    def __mul__(self, times: SupportsIndex) -> Size:
        return Size(tuple.__mul__(self, times))

    __rmul__ = __mul__


def _dimension(value: Any, op: str, name: str, position: int) -> int:
    if type(value) is int:
        return value
    if not isinstance(value, bool):
        try:
            return operator.index(value)  # numpy integers and one-element integer tensors
        except TypeError:
            pass
    raise TypeError(
        f"{op}(): argument '{name}' must be tuple of ints, but found element of type {type(value).__name__} "
        f"at pos {position}"
    )


def shape_arg(args: tuple[Any, ...], op: str, name: str = "size") -> tuple[int, ...]:
    """The shape given as varargs `(2, 3)` or as one tuple/list `((2, 3),)`, as a tuple of ints.

    Floats, strings, bools and other non-integers raise PyTorch's TypeError naming `op` and the argument; the
    values themselves (negative sizes, -1 placeholders) are for the caller to check.
    """
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    elif (
        len(args) == 1 and type(args[0]) is not int and (isinstance(args[0], bool) or not hasattr(args[0], "__index__"))
    ):
        raise TypeError(f"{op}(): argument '{name}' (position 1) must be tuple of ints, not {type(args[0]).__name__}")
    return tuple(_dimension(n, op, name, i) for i, n in enumerate(args))
