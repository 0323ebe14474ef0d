"""More elementwise functions: log1p expm1 log2 log10 tan erf erfc (ops/special.py), floor ceil round trunc sign,
reciprocal rsqrt, atan2 fmod remainder, softplus, nan_to_num, and the tests isnan isinf isfinite (no gradient).

Integer and bool inputs of the floating functions compute in the default float dtype, as PyTorch's do.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..function import CONSTANT, OUTPUT, Function, add_tangents
from ..promotion import binary_operands, division_operands, float_operand
from ..tensor import Tensor, data_of
from . import special
from .arithmetic import _check, div
from .elementwise import Sigmoid, Where, masked, softplus_values


class Unary(Function):
    """out = fn(x), the derivative `slope(x, out)` written with operators and ufuncs, so that it also runs on the
    recorded tensors of create_graph."""

    saves = (0, OUTPUT)

    def forward(self, x):
        x = float_operand(x)
        out = np.asarray(self.fn(x)).astype(x.dtype, copy=False)
        self.saved = (x, out)
        return out

    def backward(self, g):
        x, out = self.saved
        return (g * self.slope(x, out),)

    def jvp(self, t):
        x, out = self.saved
        return t * self.slope(x, out)


def _unary(name: str, fn: Any, slope: Any) -> type[Unary]:
    return type(name, (Unary,), {"fn": staticmethod(fn), "slope": staticmethod(slope)})


Log1p = _unary("Log1p", np.log1p, lambda x, out: 1 / (1 + x))
Expm1 = _unary("Expm1", np.expm1, lambda x, out: out + 1)
Log2 = _unary("Log2", np.log2, lambda x, out: 1 / (x * math.log(2)))
Log10 = _unary("Log10", np.log10, lambda x, out: 1 / (x * math.log(10)))
Tan = _unary("Tan", np.tan, lambda x, out: 1 + out * out)
Erf = _unary("Erf", special.erf, lambda x, out: (2 / math.sqrt(math.pi)) * np.exp(-(x * x)))
Erfc = _unary("Erfc", special.erfc, lambda x, out: (-2 / math.sqrt(math.pi)) * np.exp(-(x * x)))


class Rounding(Function):
    """floor, ceil, trunc, round or sign: piecewise constant, so the gradient is 0 (exactly, even for an infinite
    one)."""

    def forward(self, x, fn):
        return fn(x)

    def backward(self, g):
        return (masked(g, np.zeros(np.shape(g), dtype=bool)),)

    def jvp(self, t):
        return np.zeros_like(t)


def _rounding(x: Tensor, fn: Any, op: str) -> Tensor:
    kind = x._data.dtype.kind
    if kind == "b" or (op == "round" and kind != "f"):
        raise NotImplementedError(f'{op}: "{op}" not implemented for {x.dtype} tensors')
    if kind != "f":  # an integer is its own floor, ceil and trunc
        return Tensor(x._data.copy())
    return Rounding.apply(x, fn=fn)


def floor(x: Tensor) -> Tensor:
    return _rounding(x, np.floor, "floor")


def ceil(x: Tensor) -> Tensor:
    return _rounding(x, np.ceil, "ceil")


def trunc(x: Tensor) -> Tensor:
    """x rounded toward zero."""
    return _rounding(x, np.trunc, "trunc")


fix = trunc


def sign(x: Tensor) -> Tensor:
    """-1, 0 or 1 as x is negative, zero or positive, in x's dtype; nan and -0.0 give 0, as in PyTorch. Its gradient
    is zero, recorded: the sign of a tensor that requires grad requires grad. A bool tensor is its own sign."""
    data = x._data
    if data.dtype == bool:
        return Tensor(data.copy())
    if data.dtype.kind != "f":
        return Tensor(_sign(data))
    return Sign.apply(x, fn=_sign)


class Sign(Rounding):
    """sign: a node of its own name (SignBackward), with Rounding's zero gradient."""


def _sign(a: np.ndarray) -> np.ndarray:
    return np.subtract(a > 0, a < 0, dtype=a.dtype)


def round(x: Tensor, decimals: int = 0) -> Tensor:  # noqa: A001 (PyTorch's name)
    """x rounded to `decimals` decimal places, halves to even (0.5 -> 0, 1.5 -> 2), as PyTorch does."""
    if decimals:
        return _rounding(x, lambda a: np.round(a, decimals), "round")
    return _rounding(x, np.rint, "round")


def log1p(x: Tensor) -> Tensor:
    """log(1 + x), accurate for small x."""
    return Log1p.apply(x)


def expm1(x: Tensor) -> Tensor:
    """exp(x) - 1, accurate for small x."""
    return Expm1.apply(x)


def log2(x: Tensor) -> Tensor:
    return Log2.apply(x)


def log10(x: Tensor) -> Tensor:
    return Log10.apply(x)


def tan(x: Tensor) -> Tensor:
    return Tan.apply(x)


def erf(x: Tensor) -> Tensor:
    """The error function 2/sqrt(pi) * integral of exp(-t^2) from 0 to x."""
    return Erf.apply(x)


def erfc(x: Tensor) -> Tensor:
    """1 - erf(x), accurate where erf(x) is close to 1 (down to erfc's underflow near x = 27)."""
    return Erfc.apply(x)


def reciprocal(x: Tensor) -> Tensor:
    """1 / x (integers give floats)."""
    return div(1, x)


def rsqrt(x: Tensor) -> Tensor:
    """1 / sqrt(x)."""
    return x**-0.5


class Atan2(Function):
    """The angle of the point (b, a): atan(a / b) in the right quadrant."""

    saves = (0, 1)

    def forward(self, a, b):
        a, b = division_operands(a, b)
        self.saved = (a, b)
        return np.arctan2(a, b)

    def backward(self, g):
        a, b = self.saved
        scale = g / (a * a + b * b)
        return scale * b, -scale * a

    def jvp(self, ta, tb):
        a, b = self.saved
        norm = a * a + b * b
        return add_tangents(ta * b / norm if ta is not None else None, -tb * a / norm if tb is not None else None)


def atan2(a: Any, b: Any) -> Tensor:
    """Elementwise atan2(a, b), broadcasting; arctan2 is numpy's name."""
    _check("atan2", a, b)
    return Atan2.apply(a, b)


arctan2 = atan2


class Modulo(Function):
    """a - q * b for the integer quotient q (rounded toward zero for fmod, down for remainder): the gradient is 1
    for a and -q for b, q being constant between the jumps."""

    def forward(self, a, b, fn):
        a, b = binary_operands(a, b)
        dtype = np.result_type(a, b)
        if dtype.kind != "f" and np.any(np.asarray(b) == 0):
            raise RuntimeError(f"{fn.__name__}: ZeroDivisionError (integer division by zero)")
        out = fn(a, b)
        if dtype.kind == "f":
            with np.errstate(divide="ignore", invalid="ignore"):
                self.quotient = np.rint((a - out) / b).astype(dtype)
        return out

    def backward(self, g):
        return g, -g * self.quotient

    def jvp(self, ta, tb):
        return add_tangents(ta, -tb * self.quotient if tb is not None else None)


def fmod(a: Any, b: Any) -> Tensor:
    """The remainder of a / b with the sign of a (C's fmod)."""
    _check("fmod", a, b)
    return Modulo.apply(a, b, fn=np.fmod)


def remainder(a: Any, b: Any) -> Tensor:
    """The remainder of a / b with the sign of b (Python's %)."""
    _check("remainder", a, b)
    return Modulo.apply(a, b, fn=np.remainder)


class Softplus(Function):
    """log(1 + exp(beta x)) / beta, and x itself where beta x > threshold (as PyTorch)."""

    saves = (0, CONSTANT)  # x, and where the function is linear

    def forward(self, x, beta, threshold):
        self.beta = beta
        z = x * beta
        linear = z > threshold
        self.saved = (x, linear)
        return np.where(linear, x, softplus_values(z) / beta).astype(x.dtype, copy=False)

    def _slope(self):
        x, linear = self.saved
        z = x * self.beta
        if isinstance(z, Tensor):  # under create_graph
            return Where.apply(1.0, Sigmoid.apply(z), condition=linear)
        return np.where(linear, 1.0, Sigmoid().forward(np.asarray(z)))  # 0-d arithmetic gives numpy scalars

    def backward(self, g):
        return (g * self._slope(),)

    def jvp(self, t):
        return t * self._slope()


def softplus(x: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """A smooth relu: log(1 + exp(beta * x)) / beta, linear above beta * x > threshold."""
    if x._data.dtype.kind != "f":
        raise NotImplementedError(f'softplus: "softplus" not implemented for {x.dtype} tensors')
    return Softplus.apply(x, beta=beta, threshold=threshold)


def isnan(x: Any) -> Tensor:
    """True where x is nan (no gradient)."""
    return Tensor(np.isnan(np.asarray(data_of(x))))


def isinf(x: Any) -> Tensor:
    """True where x is +inf or -inf."""
    return Tensor(np.isinf(np.asarray(data_of(x))))


def isfinite(x: Any) -> Tensor:
    """True where x is neither inf nor nan."""
    return Tensor(np.isfinite(np.asarray(data_of(x))))


def nan_to_num(x: Tensor, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None) -> Tensor:
    """x with nan, +inf and -inf replaced (by 0 and the dtype's largest and lowest finite values by default); the
    gradient flows where x is finite, as in PyTorch."""
    data = x._data
    if data.dtype.kind != "f":
        return Tensor(data.copy())
    replaced = np.nan_to_num(data, nan=nan, posinf=posinf, neginf=neginf)
    return Where.apply(x, replaced, condition=np.isfinite(data))


def lerp(start: Tensor, end: Any, weight: Any) -> Tensor:
    """start + weight * (end - start), broadcasting; weight is a number or a tensor."""
    _check("lerp", end, weight)
    return start + weight * (end - start)
