"""`Size`, the type of `Tensor.shape`, and `shape_arg`, the one parser of shape arguments (`zeros(2, 3)`,
`zeros((2, 3))`, `reshape(x, [2, -1])`) with PyTorch's TypeErrors for anything but integers."""

from __future__ import annotations

import math
import operator
from typing import Any, SupportsIndex


class Size(tuple):
    """A tensor's shape: a tuple of ints that prints as `autograd.Size([2, 3])` and knows its `numel()`."""

    __slots__ = ()

    def __new__(cls, sizes: Any = ()) -> Size:
        """`Size([2, 3])`: from an iterable of ints (anything with `__index__` counts: numpy integers, bools and
        one-element integer tensors, as in PyTorch); TypeError for other items."""
        items = tuple(sizes)
        if not all(type(n) is int for n in items):
            items = tuple(_item(n, i) for i, n in enumerate(items))
        return tuple.__new__(cls, items)

    def __repr__(self) -> str:
        return f"autograd.Size({list(self)})"

    def numel(self) -> int:
        """The number of elements of a tensor of this shape (1 for `Size([])`)."""
        return math.prod(self)

    def __getitem__(self, index: SupportsIndex | slice) -> Any:
        item = tuple.__getitem__(self, index)
        return as_size(item) if isinstance(index, slice) else item

    def __add__(self, other: Any) -> Any:
        return Size(tuple.__add__(self, other)) if isinstance(other, tuple) else NotImplemented

    def __radd__(self, other: Any) -> Any:
        return Size(tuple.__add__(other, self)) if isinstance(other, tuple) else NotImplemented

    def __mul__(self, times: SupportsIndex) -> Size:
        return as_size(tuple.__mul__(self, times))

    __rmul__ = __mul__


# One Size per distinct shape, shared (a Size is immutable): `Tensor.shape` then costs a dict lookup instead of
# building a tuple subclass. Programs use few shapes; the cap keeps one with ever-new shapes bounded.
SIZES: dict[tuple[int, ...], Size] = {}
_MAX_SIZES = 4096


def as_size(shape: tuple[int, ...]) -> Size:
    """`shape`, a tuple known to hold ints (a numpy shape), as a Size without checking it again: the fast path of
    `Tensor.shape` (which looks in `SIZES` first)."""
    size = SIZES.get(shape)
    if size is None:
        if len(SIZES) >= _MAX_SIZES:
            SIZES.clear()
        size = SIZES[shape] = tuple.__new__(Size, shape)
    return size


def _item(value: Any, position: int) -> int:
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(f"Size() takes an iterable of 'int' (item {position} is '{type(value).__name__}')") from None


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
