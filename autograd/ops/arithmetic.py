"""Arithmetic: + - * / ** and negation, comparisons and logic (no gradient), casts and clone."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..function import Function, add_tangents
from ..grad_mode import state
from ..tensor import Tensor, data_of


class Add(Function):
    def forward(self, a, b):
        return a + b

    def backward(self, g):
        return g, g

    def jvp(self, ta, tb):
        return add_tangents(ta, tb)


class Sub(Function):
    def forward(self, a, b):
        return a - b

    def backward(self, g):
        return g, -g

    def jvp(self, ta, tb):
        return add_tangents(ta, -tb if tb is not None else None)


class Mul(Function):
    saves = (0, 1)

    def forward(self, a, b):
        self.saved = (a, b)
        return a * b

    def backward(self, g):
        a, b = self.saved
        return (g * b if self.needs_grad(0) else None), (g * a if self.needs_grad(1) else None)

    def jvp(self, ta, tb):
        a, b = self.saved
        return add_tangents(ta * b if ta is not None else None, a * tb if tb is not None else None)


class Div(Function):
    saves = (0, 1)

    def forward(self, a, b):
        self.saved = (a, b)
        return a / b

    def backward(self, g):
        a, b = self.saved
        ga = g / b
        return ga, (-ga * a / b if self.needs_grad(1) else None)

    def jvp(self, ta, tb):
        a, b = self.saved
        return add_tangents(ta / b if ta is not None else None, -tb * a / (b * b) if tb is not None else None)


class Neg(Function):
    def forward(self, a):
        return -a

    def backward(self, g):
        return (-g,)

    def jvp(self, t):
        return -t


class Pow(Function):
    saves = (0, 1)

    def forward(self, a, b):
        self.saved = (a, b)
        return a**b

    def backward(self, g):
        a, b = self.saved
        if not hasattr(a, "dtype"):  # a Python number base (2 ** x): work in the exponent's dtype
            a = np.asarray(a, dtype=b.dtype)
        ga = g * b * a ** (b - 1) if self.needs_grad(0) else None
        gb = None
        if self.needs_grad(1):
            # d(a^b)/db = a^b log a, taken as 0 where a == 0 (PyTorch's convention); bools keep a's dtype
            positive = a != 0
            gb = g * a**b * np.log(a + ~positive) * positive
        return ga, gb

    def jvp(self, ta, tb):
        a, b = self.saved
        da = ta * b * a ** (b - 1) if ta is not None else None
        db = None
        if tb is not None:
            positive = a != 0
            db = tb * a**b * np.log(a + (1 - positive)) * positive
        return add_tangents(da, db)


class Cast(Function):
    def forward(self, a, dtype):
        self.input_dtype = a.dtype
        self.output_dtype = dtype
        return a.astype(dtype)

    def backward(self, g):
        return (Cast.apply_or_run(g, dtype=self.input_dtype),)

    def jvp(self, t):
        return t.astype(self.output_dtype)


def _check(op: str, *operands: Any) -> None:
    for x in operands:
        if not isinstance(x, (Tensor, int, float, bool, np.ndarray, np.generic)):
            raise TypeError(f"{op}(): unsupported operand type {type(x).__name__}")


def add(a: Any, b: Any, alpha: float = 1) -> Tensor:
    """a + alpha * b, broadcasting."""
    _check("add", a, b)
    return Add.apply(a, b if alpha == 1 else b * alpha)


def sub(a: Any, b: Any, alpha: float = 1) -> Tensor:
    """a - alpha * b, broadcasting."""
    _check("sub", a, b)
    return Sub.apply(a, b if alpha == 1 else b * alpha)


def mul(a: Any, b: Any) -> Tensor:
    """Elementwise product, broadcasting."""
    _check("mul", a, b)
    return Mul.apply(a, b)


def div(a: Any, b: Any) -> Tensor:
    """Elementwise true division, broadcasting."""
    _check("div", a, b)
    return Div.apply(a, b)


def neg(a: Tensor) -> Tensor:
    return Neg.apply(a)


def pow(a: Any, b: Any) -> Tensor:  # noqa: A001 (PyTorch's name)
    """a ** b elementwise; either may be a tensor."""
    _check("pow", a, b)
    return Pow.apply(a, b)


def square(a: Tensor) -> Tensor:
    return Mul.apply(a, a)


def cast(a: Tensor, dtype: np.dtype) -> Tensor:
    """`a` converted to `dtype`; differentiable between floating dtypes, detached otherwise."""
    if a._data.dtype == dtype:
        return a
    if np.dtype(dtype).kind != "f" or a._data.dtype.kind != "f":
        return Tensor(a._data.astype(dtype))
    return Cast.apply(a, dtype=dtype)


def clone(a: Tensor) -> Tensor:
    """A copy of `a` that stays in the graph."""
    if a.requires_grad or state.dual is not None:  # in forward mode the copy carries the tangent too
        return Add.apply(a, np.zeros((), dtype=a._data.dtype))
    return Tensor(a._data.copy())


def _compare(ufunc: np.ufunc, name: str):
    def compare(a: Any, b: Any) -> Tensor:
        _check(name, a, b)
        try:
            return Tensor(ufunc(data_of(a), data_of(b)))
        except ValueError as err:
            raise ValueError(
                f"{name}: invalid input shapes {np.shape(data_of(a))} and {np.shape(data_of(b))}: {err}"
            ) from None

    compare.__name__ = name
    compare.__doc__ = f"Elementwise {name} as a bool tensor (no gradient)."
    return compare


eq = _compare(np.equal, "eq")
ne = _compare(np.not_equal, "ne")
lt = _compare(np.less, "lt")
le = _compare(np.less_equal, "le")
gt = _compare(np.greater, "gt")
ge = _compare(np.greater_equal, "ge")
logical_and = _compare(np.logical_and, "logical_and")
logical_or = _compare(np.logical_or, "logical_or")
logical_xor = _compare(np.logical_xor, "logical_xor")


def logical_not(a: Tensor) -> Tensor:
    return Tensor(np.logical_not(data_of(a)))


def sign(a: Tensor) -> Tensor:
    """Elementwise sign (no gradient: it is zero almost everywhere)."""
    return Tensor(np.sign(data_of(a)))


def equal(a: Tensor, b: Tensor) -> bool:
    """True when both have the same shape and elements."""
    return bool(np.array_equal(data_of(a), data_of(b)))


def allclose(a: Any, b: Any, rtol: float = 1e-5, atol: float = 1e-8) -> bool:
    return bool(np.allclose(data_of(a), data_of(b), rtol=rtol, atol=atol))
