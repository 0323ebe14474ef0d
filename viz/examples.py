"""The book's shopping graphs, ready to draw: `viz.draw(viz.examples.apple(), flow=True)`.

Each returns the price after its backward pass, so leaves hold their gradients. Tensor graphs keep their
saved values (`retain_graph=True`), so `flow=True` can write the gradient along every edge as the book does.
`python -m viz FOLDER` writes both drawings there as SVG.
"""

from __future__ import annotations

from typing import Any

import autograd
from autograd.scalar import Scalar
from autograd.tensor import Tensor

KINDS = ("tensor", "scalar")


def _value(data: float, name: str, kind: str) -> Tensor | Scalar:
    if kind == "scalar":
        return Scalar(data, label=name)
    value = autograd.tensor(data, requires_grad=True)
    value.name = name
    return value


def _named(value: Any, name: str) -> Any:
    if isinstance(value, Scalar):
        value.label = name
    else:
        value.name = name
    return value


def _finish(price: Tensor | Scalar) -> Tensor | Scalar:
    if isinstance(price, Scalar):
        price.backward()
    else:
        price.backward(retain_graph=True)
    return price


def apple(kind: str = "tensor") -> Tensor | Scalar:
    """2 apples at 100 with 10% tax: apple x apple_num = 200, x tax = 220; backward gives 2.2, 110 and 200."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    apple_, apple_num, tax = _value(100.0, "apple", kind), _value(2.0, "apple_num", kind), _value(1.1, "tax", kind)
    apple_price = _named(apple_ * apple_num, "apple_price")
    return _finish(_named(apple_price * tax, "price"))


def apples_and_oranges(kind: str = "tensor") -> Tensor | Scalar:
    """2 apples at 100 and 3 oranges at 150 with 10% tax: 715; backward gives 2.2, 110, 3.3, 165 and 650."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    apple_, apple_num = _value(100.0, "apple", kind), _value(2.0, "apple_num", kind)
    orange, orange_num = _value(150.0, "orange", kind), _value(3.0, "orange_num", kind)
    tax = _value(1.1, "tax", kind)
    apple_price = _named(apple_ * apple_num, "apple_price")
    orange_price = _named(orange * orange_num, "orange_price")
    all_price = _named(apple_price + orange_price, "all_price")
    return _finish(_named(all_price * tax, "price"))
