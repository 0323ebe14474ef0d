"""Elementwise functions: exp log sqrt abs sin cos tanh sigmoid relu leaky_relu clamp maximum minimum where, dropout."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..engine import owned
from ..function import OUTPUT, Function, add_tangents
from ..random import generator
from ..tensor import Tensor
from .arithmetic import _check


class Exp(Function):
    saves = (OUTPUT,)

    def forward(self, x):
        out = np.exp(x)
        self.saved = (out,)
        return out

    def backward(self, g):
        (out,) = self.saved
        return (g * out,)

    def jvp(self, t):
        (out,) = self.saved
        return t * out


class Log(Function):
    saves = (0,)

    def forward(self, x):
        self.saved = (x,)
        return np.log(x)

    def backward(self, g):
        (x,) = self.saved
        return (g / x,)

    def jvp(self, t):
        (x,) = self.saved
        return t / x


class Sqrt(Function):
    saves = (OUTPUT,)

    def forward(self, x):
        out = np.sqrt(x)
        self.saved = (out,)
        return out

    def backward(self, g):
        (out,) = self.saved
        return (g / (2 * out),)

    def jvp(self, t):
        (out,) = self.saved
        return t / (2 * out)


class Abs(Function):
    def forward(self, x):
        self.sign = np.sign(x)
        return np.abs(x)

    def backward(self, g):
        return (g * self.sign,)

    def jvp(self, t):
        return t * self.sign


class Sin(Function):
    saves = (0,)

    def forward(self, x):
        self.saved = (x,)
        return np.sin(x)

    def backward(self, g):
        (x,) = self.saved
        return (g * np.cos(x),)

    def jvp(self, t):
        (x,) = self.saved
        return t * np.cos(x)


class Cos(Function):
    saves = (0,)

    def forward(self, x):
        self.saved = (x,)
        return np.cos(x)

    def backward(self, g):
        (x,) = self.saved
        return (-g * np.sin(x),)

    def jvp(self, t):
        (x,) = self.saved
        return -t * np.sin(x)


class Tanh(Function):
    saves = (OUTPUT,)

    def forward(self, x):
        out = np.tanh(x)
        self.saved = (out,)
        return out

    def backward(self, g):
        (out,) = self.saved
        return (g * (1 - out * out),)

    def jvp(self, t):
        (out,) = self.saved
        return t * (1 - out * out)


class Sigmoid(Function):
    saves = (OUTPUT,)

    def forward(self, x):
        out = 0.5 + 0.5 * np.tanh(0.5 * x)  # = 1 / (1 + exp(-x)), with no overflow for large |x|
        self.saved = (out,)
        return out

    def backward(self, g):
        (out,) = self.saved
        return (g * out * (1 - out),)

    def jvp(self, t):
        (out,) = self.saved
        return t * out * (1 - out)


class Relu(Function):
    saves = (OUTPUT,)  # the mask is recomputed from the output: no boolean array kept between the passes

    def forward(self, x):
        out = np.maximum(x, 0)
        self.saved = (out,)
        return out

    def backward(self, g):
        (out,) = self.saved
        if owned(g):  # masked in place: no second array of g's size
            return (np.multiply(g, out > 0, out=g),)
        return (g * (out > 0),)

    def jvp(self, t):
        (out,) = self.saved
        return t * (out > 0)


class LeakyRelu(Function):
    def forward(self, x, negative_slope):
        self.slope = np.where(x > 0, 1, negative_slope).astype(x.dtype)
        return x * self.slope

    def backward(self, g):
        return (g * self.slope,)

    def jvp(self, t):
        return t * self.slope


class Clamp(Function):
    def forward(self, x, low, high):
        self.mask = np.ones(x.shape, dtype=bool)
        if low is not None:
            self.mask &= x >= low
        if high is not None:
            self.mask &= x <= high
        return np.clip(x, low, high).astype(x.dtype, copy=False)

    def backward(self, g):
        return (g * self.mask,)

    def jvp(self, t):
        return t * self.mask


class Maximum(Function):
    """max(a, b) elementwise; where a == b the gradient is split evenly, as in PyTorch."""

    pick, wins = staticmethod(np.maximum), staticmethod(np.greater)

    def forward(self, a, b):
        out = self.pick(a, b)
        self.weight_a = (self.wins(a, b) + 0.5 * (a == b)).astype(out.dtype)
        return out

    def backward(self, g):
        return g * self.weight_a, g * (1 - self.weight_a)

    def jvp(self, ta, tb):
        weight_a = self.weight_a
        return add_tangents(ta * weight_a if ta is not None else None, tb * (1 - weight_a) if tb is not None else None)


class Minimum(Maximum):
    """min(a, b) elementwise: Maximum's rules with the comparison reversed."""

    pick, wins = staticmethod(np.minimum), staticmethod(np.less)


class Where(Function):
    def forward(self, a, b, condition):
        self.condition = condition
        return np.where(condition, a, b)

    def backward(self, g):
        return g * self.condition, g * ~self.condition

    def jvp(self, ta, tb):
        return np.where(self.condition, 0 if ta is None else ta, 0 if tb is None else tb)


class Dropout(Function):
    """Zero each element with probability p and scale the rest by 1 / (1 - p); backward reuses the mask."""

    def forward(self, x, p):
        keep = generator().random(x.shape, dtype=np.float32) >= p
        self.mask = keep.astype(x.dtype)
        self.mask *= 1.0 / (1.0 - p) if p < 1 else 0.0
        return x * self.mask

    def backward(self, g):
        return (g * self.mask,)

    def jvp(self, t):
        return t * self.mask


def exp(x: Tensor) -> Tensor:
    return Exp.apply(x)


def log(x: Tensor) -> Tensor:
    return Log.apply(x)


def sqrt(x: Tensor) -> Tensor:
    return Sqrt.apply(x)


def abs(x: Tensor) -> Tensor:  # noqa: A001 (PyTorch's name)
    return Abs.apply(x)


def sin(x: Tensor) -> Tensor:
    return Sin.apply(x)


def cos(x: Tensor) -> Tensor:
    return Cos.apply(x)


def tanh(x: Tensor) -> Tensor:
    return Tanh.apply(x)


def sigmoid(x: Tensor) -> Tensor:
    """1 / (1 + exp(-x)), finite for any finite x."""
    return Sigmoid.apply(x)


def relu(x: Tensor) -> Tensor:
    return Relu.apply(x)


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    return LeakyRelu.apply(x, negative_slope=negative_slope)


def clamp(x: Tensor, min: float | None = None, max: float | None = None) -> Tensor:  # noqa: A002
    """Limit x to [min, max]; the gradient is 1 inside the range (ends included), 0 outside."""
    if min is None and max is None:
        raise ValueError("clamp: at least one of 'min' or 'max' must not be None")
    return Clamp.apply(x, low=min, high=max)


def maximum(a: Any, b: Any) -> Tensor:
    _check("maximum", a, b)
    return Maximum.apply(a, b)


def minimum(a: Any, b: Any) -> Tensor:
    _check("minimum", a, b)
    return Minimum.apply(a, b)


def where(condition: Any, a: Any, b: Any) -> Tensor:
    """Elements of `a` where `condition` holds, else of `b` (all three broadcast)."""
    _check("where", a, b)
    cond = np.asarray(condition._data if isinstance(condition, Tensor) else condition)
    if cond.dtype != np.bool_:
        raise TypeError(f"where: condition must be a bool tensor, got {cond.dtype}")
    return Where.apply(a, b, condition=cond)
