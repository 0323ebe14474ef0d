"""Arithmetic: + - * / ** and negation, comparisons and logic (no gradient), casts and clone."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..function import Function, add_tangents
from ..grad_mode import this_thread
from ..promotion import DEFAULT_INT, FLOATING, binary_operands, division_operands
from ..tensor import Tensor, data_of


class Add(Function):
    def forward(self, a, b):
        if b.__class__ is not float or a.dtype not in FLOATING:
            a, b = binary_operands(a, b)
        return a + b

    def backward(self, g):
        return g, g

    def jvp(self, ta, tb):
        return add_tangents(ta, tb)


class Sub(Function):
    def forward(self, a, b):
        if b.__class__ is not float or a.dtype not in FLOATING:
            a, b = binary_operands(a, b)
        try:
            return a - b
        except TypeError:  # numpy has no bool - bool
            raise RuntimeError(
                "sub: subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or "
                "`logical_xor()` operator instead."
            ) from None

    def backward(self, g):
        return g, -g

    def jvp(self, ta, tb):
        return add_tangents(ta, -tb if tb is not None else None)


class Mul(Function):
    saves = (0, 1)

    def forward(self, a, b):
        if b.__class__ is not float or a.dtype not in FLOATING:
            a, b = binary_operands(a, b)
        self.saved = (a, b)
        return a * b

    def backward(self, g):
        a, b = self.saved
        edges = self.edges
        return (g * b if edges[0] is not None else None), (g * a if edges[1] is not None else None)

    def jvp(self, ta, tb):
        a, b = self.saved
        return add_tangents(ta * b if ta is not None else None, a * tb if tb is not None else None)


class Div(Function):
    saves = (0, 1)

    def forward(self, a, b):
        a, b = division_operands(a, b)
        self.saved = (a, b)
        return a / b

    def backward(self, g):
        a, b = self.saved
        ga = g / b
        return ga, (-ga * a / b if self.edges[1] is not None else None)

    def jvp(self, ta, tb):
        a, b = self.saved
        return add_tangents(ta / b if ta is not None else None, -tb * a / (b * b) if tb is not None else None)


class Neg(Function):
    def forward(self, a):
        if a.dtype == bool:
            raise RuntimeError(
                "neg: negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a "
                "mask, use the `~` or `logical_not()` operator instead."
            )
        return -a

    def backward(self, g):
        return (-g,)

    def jvp(self, t):
        return -t


class Pow(Function):
    """a ** b; d/da is b a^(b-1), taken as 0 where b == 0 (also at a == 0, as PyTorch), d/db is a^b log a."""

    saves = (0, 1)

    def forward(self, a, b):
        a, b = binary_operands(a, b)
        if a.__class__ is np.ndarray and a.dtype == bool:
            if b.__class__ is np.ndarray and b.dtype.kind == "b":
                raise NotImplementedError('pow: "pow" not implemented for bool base and exponent tensors')
            if b.__class__ is int:  # numpy gives bool ** 2 as int8; PyTorch (and numpy's bool + 2) as int64
                a = a.astype(DEFAULT_INT)
        self.saved = (a, b)
        return a**b

    def backward(self, g):
        a, b = self.saved
        if not hasattr(a, "dtype"):  # a Python number base (2 ** x): work in the exponent's dtype
            a = np.asarray(a, dtype=b.dtype)
        ga = g * b * a ** _exponent_less_one(a, b) if self.needs_grad(0) else None
        gb = None
        if self.needs_grad(1):
            # d(a^b)/db = a^b log a, taken as 0 where a == 0 (PyTorch's convention); bools keep a's dtype
            positive = a != 0
            gb = g * a**b * np.log(a + ~positive) * positive
        return ga, gb

    def jvp(self, ta, tb):
        a, b = self.saved
        da = ta * b * a ** _exponent_less_one(a, b) if ta is not None else None
        db = None
        if tb is not None:
            positive = a != 0
            db = tb * a**b * np.log(a + (1 - positive)) * positive
        return add_tangents(da, db)


def _exponent_less_one(a: Any, b: Any) -> Any:
    """b - 1, except b (0) where a == b == 0: there b a^(b-1) is 0 * inf, and the gradient is 0, as in PyTorch."""
    if not hasattr(b, "dtype"):  # a Python exponent
        return b if b == 0 else b - 1
    return b - 1 + ((a == 0) & (b == 0))


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
    if a.requires_grad or this_thread.state.dual is not None:  # in forward mode the copy carries the tangent too
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


def equal(a: Tensor, b: Tensor) -> bool:
    """True when both have the same shape and elements."""
    return bool(np.array_equal(data_of(a), data_of(b)))


def allclose(a: Any, b: Any, rtol: float = 1e-5, atol: float = 1e-8) -> bool:
    return bool(np.allclose(data_of(a), data_of(b), rtol=rtol, atol=atol))
