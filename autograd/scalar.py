"""`Scalar`: a value on a Python float, for teaching (micrograd's `Value` API), on the Tensor engine.

Each Scalar is its own graph node: `edges` are its inputs and `local` the partial derivatives of its
value with respect to each, so the shared engine's `_backprop` is one multiply per edge. Constants
(Python numbers) are not nodes. Code written for micrograd's `Value` runs by renaming the class.
"""

from __future__ import annotations

import math
from typing import Any

from .engine import run_backward, sequence


class Scalar:
    """A float that records how it was computed; `backward()` fills `.grad` of every node."""

    __slots__ = ("data", "grad", "label", "edges", "local", "_op", "seq", "__weakref__")

    def __init__(self, data: float, _children: tuple[Scalar, ...] = (), _op: str = "", label: str = "") -> None:
        if isinstance(data, Scalar) or not isinstance(data, (int, float)):
            raise TypeError(f"Scalar expects a Python number, got {type(data).__name__}")
        self.data = data
        self.grad = 0.0
        self.label = label
        self.edges = tuple(_children)
        self.local: tuple[float, ...] = (1.0,) * len(self.edges)
        self._op = _op
        self.seq = next(sequence)

    @property
    def _prev(self) -> set[Scalar]:
        """The inputs, as micrograd names them."""
        return set(self.edges)

    @property
    def op(self) -> str:
        return self._op

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Scalar(data={self.data}, grad={self.grad}{label})"

    # ---- operations: value, then each input's local derivative ----------------------------------
    def __add__(self, other: Any) -> Scalar:
        if isinstance(other, Scalar):
            return _node(self.data + other.data, (self, other), (1.0, 1.0), "+")
        if isinstance(other, (int, float)):
            return _node(self.data + other, (self,), (1.0,), "+")
        return NotImplemented

    def __mul__(self, other: Any) -> Scalar:
        if isinstance(other, Scalar):
            return _node(self.data * other.data, (self, other), (other.data, self.data), "*")
        if isinstance(other, (int, float)):
            return _node(self.data * other, (self,), (other,), "*")
        return NotImplemented

    def __pow__(self, other: Any) -> Scalar:
        if not isinstance(other, (int, float)):
            raise TypeError(f"Scalar ** supports int/float exponents only, got {type(other).__name__}")
        return _node(self.data**other, (self,), (other * self.data ** (other - 1),), f"**{other}")

    def __rpow__(self, other: Any) -> Scalar:
        if not isinstance(other, (int, float)):
            return NotImplemented
        out = other**self.data
        return _node(out, (self,), (out * math.log(other) if other > 0 else 0.0,), f"{other}**")

    def __neg__(self) -> Scalar:
        return _node(-self.data, (self,), (-1.0,), "neg")

    def __sub__(self, other: Any) -> Scalar:
        if isinstance(other, Scalar):
            return _node(self.data - other.data, (self, other), (1.0, -1.0), "-")
        if isinstance(other, (int, float)):
            return _node(self.data - other, (self,), (1.0,), "-")
        return NotImplemented

    def __truediv__(self, other: Any) -> Scalar:
        if isinstance(other, Scalar):
            inv = 1.0 / other.data
            return _node(self.data * inv, (self, other), (inv, -self.data * inv * inv), "/")
        if isinstance(other, (int, float)):
            return _node(self.data / other, (self,), (1.0 / other,), "/")
        return NotImplemented

    def __radd__(self, other: Any) -> Scalar:
        return self.__add__(other)

    def __rmul__(self, other: Any) -> Scalar:
        return self.__mul__(other)

    def __rsub__(self, other: Any) -> Scalar:
        if isinstance(other, (int, float)):
            return _node(other - self.data, (self,), (-1.0,), "-")
        return NotImplemented

    def __rtruediv__(self, other: Any) -> Scalar:
        if isinstance(other, (int, float)):
            return _node(other / self.data, (self,), (-other / (self.data * self.data),), "/")
        return NotImplemented

    def exp(self) -> Scalar:
        out = math.exp(self.data)
        return _node(out, (self,), (out,), "exp")

    def log(self) -> Scalar:
        if self.data <= 0:
            raise ValueError(f"Scalar.log: math domain error (log of {self.data})")
        return _node(math.log(self.data), (self,), (1.0 / self.data,), "log")

    def tanh(self) -> Scalar:
        out = math.tanh(self.data)
        return _node(out, (self,), (1.0 - out * out,), "tanh")

    def sigmoid(self) -> Scalar:
        out = 0.5 + 0.5 * math.tanh(0.5 * self.data)
        return _node(out, (self,), (out * (1.0 - out),), "sigmoid")

    def relu(self) -> Scalar:
        positive = self.data > 0
        return _node(self.data if positive else 0, (self,), (1.0 if positive else 0.0,), "ReLU")

    def sqrt(self) -> Scalar:
        out = math.sqrt(self.data)
        return _node(out, (self,), (0.5 / out if out else math.inf,), "sqrt")

    def sin(self) -> Scalar:
        return _node(math.sin(self.data), (self,), (math.cos(self.data),), "sin")

    def cos(self) -> Scalar:
        return _node(math.cos(self.data), (self,), (-math.sin(self.data),), "cos")

    def __abs__(self) -> Scalar:
        sign = float((self.data > 0) - (self.data < 0))  # the derivative at 0 is taken as 0
        return _node(abs(self.data), (self,), (sign,), "abs")

    # ---- backward --------------------------------------------------------------------------------
    def backward(self) -> None:
        """Add d(self)/d(node) to every node's `.grad` (grads accumulate across calls, as in micrograd)."""
        run_backward([self], [1.0], retain_graph=True, create_graph=False)

    def _backprop(self, grad: float, retain_graph: bool) -> list[float]:
        self.grad += grad
        return [d * grad for d in self.local]


def _node(data: float, edges: tuple[Scalar, ...], local: tuple[float, ...], op: str) -> Scalar:
    """A Scalar computed from `edges`, with d(data)/d(edge) in `local` (no argument checks: hot path)."""
    out = Scalar.__new__(Scalar)
    out.data = data
    out.grad = 0.0
    out.label = ""
    out.edges = edges
    out.local = local
    out._op = op
    out.seq = next(sequence)
    return out
