"""Elementary functions for code written once and run on a float, a `Scalar`, a `Dual` or a `Tensor`.

Each function is `math`'s on a Python number and the argument's own method otherwise:

>>> from autograd import Dual, Scalar, math
>>> def f(x):
...     return math.tanh(2 * x + 1) * x
>>> f(0.5)
0.48201379003790845
>>> print(f(Dual(0.5, 1.0)))  # the value and f'(0.5), forward mode
0.48201379003790845 + 1.0346784049289814ε
>>> x = Scalar(0.5)
>>> f(x).backward()  # f'(0.5) in x.grad, reverse mode
>>> x.grad
1.0346784049289814
"""

from __future__ import annotations

import math as _math
import numbers
from typing import Any


def exp(x: Any) -> Any:
    """e ** x."""
    return _math.exp(x) if isinstance(x, numbers.Real) else x.exp()


def log(x: Any) -> Any:
    """The natural logarithm."""
    return _math.log(x) if isinstance(x, numbers.Real) else x.log()


def sqrt(x: Any) -> Any:
    return _math.sqrt(x) if isinstance(x, numbers.Real) else x.sqrt()


def sin(x: Any) -> Any:
    return _math.sin(x) if isinstance(x, numbers.Real) else x.sin()


def cos(x: Any) -> Any:
    return _math.cos(x) if isinstance(x, numbers.Real) else x.cos()


def tanh(x: Any) -> Any:
    return _math.tanh(x) if isinstance(x, numbers.Real) else x.tanh()


def sigmoid(x: Any) -> Any:
    """1 / (1 + e ** -x), computed as 0.5 + 0.5 tanh(x / 2) (no overflow)."""
    return 0.5 + 0.5 * _math.tanh(0.5 * x) if isinstance(x, numbers.Real) else x.sigmoid()


def relu(x: Any) -> Any:
    """max(x, 0)."""
    if isinstance(x, numbers.Real):
        return x if x > 0 else 0.0
    return x.relu()
