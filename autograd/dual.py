"""`Dual`: a dual number a + b·ε with ε² = 0, forward-mode differentiation on Python floats.

Evaluate f on `Dual(x, 1.0)` and the result is f(x) + f'(x)·ε: the value and the derivative in one pass,
with no graph to store and no backward pass. Each operation applies the chain rule to the tangent as it
goes, e.g. (a + a'ε)(b + b'ε) = ab + (a'b + ab')ε, because the ε² term vanishes.

`Scalar` (reverse mode) has the same operators and methods, so a function written once with them (and
with `autograd.math` for exp, log, ...) runs on a float, a `Scalar` and a `Dual`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

_NUMBER = (int, float)


class Dual:
    """primal + tangent·ε: a value and its derivative along the direction the inputs' tangents were seeded with."""

    __slots__ = ("primal", "tangent")

    def __init__(self, primal: float, tangent: float = 0.0) -> None:
        if not isinstance(primal, _NUMBER) or not isinstance(tangent, _NUMBER):
            raise TypeError(f"Dual expects Python numbers, got {type(primal).__name__} and {type(tangent).__name__}")
        self.primal = float(primal)
        self.tangent = float(tangent)

    def __repr__(self) -> str:
        return f"Dual(primal={self.primal}, tangent={self.tangent})"

    def __str__(self) -> str:
        sign = "-" if math.copysign(1.0, self.tangent) < 0 else "+"
        return f"{self.primal} {sign} {abs(self.tangent)}ε"

    # ---- arithmetic: the value, then its tangent by the chain rule ---------------------------------
    def __add__(self, other: Any) -> Dual:
        if isinstance(other, Dual):
            return _dual(self.primal + other.primal, self.tangent + other.tangent)
        if isinstance(other, _NUMBER):
            return _dual(self.primal + other, self.tangent)
        return NotImplemented

    __radd__ = __add__

    def __sub__(self, other: Any) -> Dual:
        if isinstance(other, Dual):
            return _dual(self.primal - other.primal, self.tangent - other.tangent)
        if isinstance(other, _NUMBER):
            return _dual(self.primal - other, self.tangent)
        return NotImplemented

    def __rsub__(self, other: Any) -> Dual:
        if isinstance(other, _NUMBER):
            return _dual(other - self.primal, -self.tangent)
        return NotImplemented

    def __mul__(self, other: Any) -> Dual:
        if isinstance(other, Dual):
            return _dual(self.primal * other.primal, self.tangent * other.primal + self.primal * other.tangent)
        if isinstance(other, _NUMBER):
            return _dual(self.primal * other, self.tangent * other)
        return NotImplemented

    __rmul__ = __mul__

    def __truediv__(self, other: Any) -> Dual:
        if isinstance(other, Dual):
            out = self.primal / other.primal
            return _dual(out, (self.tangent - out * other.tangent) / other.primal)
        if isinstance(other, _NUMBER):
            return _dual(self.primal / other, self.tangent / other)
        return NotImplemented

    def __rtruediv__(self, other: Any) -> Dual:
        if isinstance(other, _NUMBER):
            out = other / self.primal
            return _dual(out, -out * self.tangent / self.primal)
        return NotImplemented

    def __pow__(self, other: Any) -> Dual:
        if isinstance(other, Dual):
            out = self.primal**other.primal
            tangent = _power_tangent(self.primal, other.primal, self.tangent)
            return _dual(out, tangent + _exponent_tangent(self.primal, out, other.tangent))
        if isinstance(other, _NUMBER):
            return _dual(self.primal**other, _power_tangent(self.primal, other, self.tangent))
        return NotImplemented

    def __rpow__(self, other: Any) -> Dual:
        if isinstance(other, _NUMBER):
            out = other**self.primal
            return _dual(out, _exponent_tangent(other, out, self.tangent))
        return NotImplemented

    def __neg__(self) -> Dual:
        return _dual(-self.primal, -self.tangent)

    def __pos__(self) -> Dual:
        return self

    def __abs__(self) -> Dual:
        sign = (self.primal > 0) - (self.primal < 0)  # the derivative at 0 is taken as 0, as for tensors
        return _dual(abs(self.primal), sign * self.tangent)

    # ---- elementary functions ----------------------------------------------------------------------
    def exp(self) -> Dual:
        out = math.exp(self.primal)
        return _dual(out, out * self.tangent)

    def log(self) -> Dual:
        return _dual(math.log(self.primal), self.tangent / self.primal)

    def sqrt(self) -> Dual:
        out = math.sqrt(self.primal)
        return _dual(out, self.tangent / (2 * out) if self.tangent else 0.0)

    def sin(self) -> Dual:
        return _dual(math.sin(self.primal), math.cos(self.primal) * self.tangent)

    def cos(self) -> Dual:
        return _dual(math.cos(self.primal), -math.sin(self.primal) * self.tangent)

    def tanh(self) -> Dual:
        out = math.tanh(self.primal)
        return _dual(out, (1.0 - out * out) * self.tangent)

    def sigmoid(self) -> Dual:
        out = 0.5 + 0.5 * math.tanh(0.5 * self.primal)
        return _dual(out, out * (1.0 - out) * self.tangent)

    def relu(self) -> Dual:
        return _dual(self.primal, self.tangent) if self.primal > 0 else _dual(0.0, 0.0)

    abs = __abs__

    # ---- comparisons look at the primal only ------------------------------------------------------
    def __eq__(self, other: Any) -> bool:
        if isinstance(other, Dual):
            return self.primal == other.primal
        return self.primal == other if isinstance(other, _NUMBER) else NotImplemented

    def __hash__(self) -> int:
        return hash(self.primal)

    def __lt__(self, other: Any) -> bool:
        return self.primal < (other.primal if isinstance(other, Dual) else other)

    def __le__(self, other: Any) -> bool:
        return self.primal <= (other.primal if isinstance(other, Dual) else other)

    def __gt__(self, other: Any) -> bool:
        return self.primal > (other.primal if isinstance(other, Dual) else other)

    def __ge__(self, other: Any) -> bool:
        return self.primal >= (other.primal if isinstance(other, Dual) else other)


def _dual(primal: float, tangent: float) -> Dual:
    """A Dual without argument checks (the operations' hot path)."""
    out = Dual.__new__(Dual)
    out.primal = primal
    out.tangent = tangent
    return out


def _power_tangent(base: float, exponent: float, base_tangent: float) -> float:
    """d(base**exponent) along the base: exponent * base**(exponent - 1) * base_tangent (0 for a constant)."""
    return exponent * base ** (exponent - 1) * base_tangent if base_tangent and exponent else 0.0


def _exponent_tangent(base: float, out: float, exponent_tangent: float) -> float:
    """d(base**exponent) along the exponent: base**exponent * log(base) * exponent_tangent, 0 at base 0."""
    return out * math.log(base) * exponent_tangent if exponent_tangent and base != 0 else 0.0


def derivative(f: Callable[[Dual], Any], x: float) -> float:
    """f'(x) for f: R -> R, by one forward pass: the tangent of f(x + ε)."""
    out = f(Dual(x, 1.0))
    return out.tangent if isinstance(out, Dual) else 0.0
