"""Elementwise functions: exp log sqrt abs sin cos sinh cosh tanh sigmoid relu leaky_relu clamp maximum minimum where,
dropout.

A backward that keeps the gradient only where a mask holds selects (`masked`) rather than multiplying by the mask, so
an infinite upstream gradient gives 0, not nan, where the mask is 0 (`relu(x).sqrt()` at x < 0), as in PyTorch.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..engine import owned
from ..function import CONSTANT, OUTPUT, Function, add_tangents
from ..promotion import binary_operands, float_operand, promote
from ..random import generator
from ..tensor import Tensor, data_of
from .arithmetic import _check

_SAME_WIDTH_INT = {2: np.int16, 4: np.int32, 8: np.int64}  # float16, float32, float64
_SMALL = 4096  # elements: up to here a new array from np.where costs no more than one shaped here (float32)


def masked(g: Any, mask: np.ndarray, out: np.ndarray | None = None) -> Any:
    """g where `mask` holds, +0 elsewhere (an array, or a recorded tensor under create_graph), written into `out`
    when given; a selection, never g * mask, so an infinite or nan gradient where the mask is off still gives 0.

    On a float array the selection multiplies g's bits, read as integers of the same width, by the mask's 0 or 1:
    one vectorised pass that keeps g's bits or gives those of +0.0, where np.where and masked copies go element by
    element. A new array of at most `_SMALL` elements comes from np.where, whose fixed cost is lower than that of
    shaping the new array here. `mask` is a bool array (or numpy bool) that broadcasts against g.
    """
    if isinstance(g, Tensor):
        return Where.apply(g, 0, condition=mask)
    large = isinstance(g, np.ndarray) and g.dtype.kind == "f" and (out is not None or g.size > _SMALL)
    int_type = _SAME_WIDTH_INT.get(g.dtype.itemsize) if large else None
    if int_type is None:
        return np.where(mask, g, 0)
    if out is None:
        shape = np.broadcast_shapes(g.shape, np.shape(mask))
        out = np.empty_like(g) if shape == g.shape else np.empty(shape, g.dtype)  # g's memory order, as np.where's
    np.multiply(g.view(int_type), mask, out=out.view(int_type))
    return out


class Exp(Function):
    saves = (OUTPUT,)

    def forward(self, x):
        out = np.exp(float_operand(x))
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
        x = float_operand(x)
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
        out = np.sqrt(float_operand(x))
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
        if x.dtype == bool:
            raise NotImplementedError('abs: "abs" not implemented for bool tensors')
        self.sign = np.sign(x)
        return np.abs(x)

    def backward(self, g):
        return (g * self.sign,)

    def jvp(self, t):
        return t * self.sign


class Sin(Function):
    saves = (0,)

    def forward(self, x):
        x = float_operand(x)
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
        x = float_operand(x)
        self.saved = (x,)
        return np.cos(x)

    def backward(self, g):
        (x,) = self.saved
        return (-g * np.sin(x),)

    def jvp(self, t):
        (x,) = self.saved
        return -t * np.sin(x)


class Sinh(Function):
    saves = (0,)

    def forward(self, x):
        x = float_operand(x)
        self.saved = (x,)
        return np.sinh(x)

    def backward(self, g):
        (x,) = self.saved
        return (g * np.cosh(x),)

    def jvp(self, t):
        (x,) = self.saved
        return t * np.cosh(x)


class Cosh(Function):
    saves = (0,)

    def forward(self, x):
        x = float_operand(x)
        self.saved = (x,)
        return np.cosh(x)

    def backward(self, g):
        (x,) = self.saved
        return (g * np.sinh(x),)

    def jvp(self, t):
        (x,) = self.saved
        return t * np.sinh(x)


class Tanh(Function):
    saves = (OUTPUT,)

    def forward(self, x):
        out = np.tanh(float_operand(x))
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
        # 1 / (1 + e^-x) in one buffer (4 passes; within 2 ulps down to the subnormals) unless e^-x overflows (x below
        # -88.7 in float32); then 1 / (1 + e^-x) for x >= 0 and e^x / (1 + e^x) below: e = e^-|x| <= 1 never
        # overflows, and each tail keeps full relative precision (0.5 + 0.5 tanh(x / 2) cancels to exactly 0 below
        # x = -17 in float32). The one-buffer form takes half the time on LeNet's activations.
        x = float_operand(x)
        out = np.negative(x, out=np.empty_like(x))
        try:
            with np.errstate(over="raise"):
                np.exp(out, out=out)
        except FloatingPointError:
            e = np.exp(-np.abs(x))
            out = np.where(x >= 0, 1, e) / (1 + e)
        else:
            out += 1
            np.reciprocal(out, out=out)
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
        # 0 where out <= 0; a nan passes its gradient, as PyTorch's threshold_backward does
        keep = np.logical_not(out <= 0)
        return (masked(g, keep, out=g if owned(g) else None),)  # in place when owned: no second array of g's size

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
    """x limited to [low, high] (each a number, a tensor or None). The gradient goes to x where low <= x <= high
    (ends included), and to the bound an element was clamped to; where high < low every element is high, as in
    PyTorch."""

    def forward(self, x, low, high):
        x, low, high = promote(x, low, high)
        out, keep, self.to_low, self.to_high = x, np.ones(np.shape(x), dtype=bool), None, None
        if low is not None:
            out = np.maximum(out, low)
            keep = keep & (x >= low)
        if high is not None:
            self.to_high = out > high
            out = np.minimum(out, high)
            keep = keep & (x <= high)
        if low is not None:
            self.to_low = x < low if high is None else (x < low) & ~self.to_high
        self.keep = keep
        return np.asarray(out, dtype=x.dtype)

    def backward(self, g):
        edges = self.edges
        return (
            masked(g, self.keep),
            masked(g, self.to_low) if edges[1] is not None else None,
            masked(g, self.to_high) if edges[2] is not None else None,
        )

    def jvp(self, t, t_low, t_high):
        return add_tangents(
            None if t is None else masked(t, self.keep),
            None if t_low is None else masked(t_low, self.to_low),
            None if t_high is None else masked(t_high, self.to_high),
        )


class Maximum(Function):
    """max(a, b) elementwise. As in PyTorch, an input gets the gradient unless it lost (is less than the other), half
    of it at a tie: so both get all of it where either is nan."""

    a_loses = staticmethod(np.less)

    def forward(self, a, b):
        a, b = binary_operands(a, b)
        out = np.maximum(a, b) if self.a_loses is np.less else np.minimum(a, b)
        self.share = np.where(a == b, 0.5, 1.0).astype(out.dtype)
        self.to_a, self.to_b = ~self.a_loses(a, b), ~self.a_loses(b, a)
        return out

    def backward(self, g):
        share = self.share
        return masked(g, self.to_a) * share, masked(g, self.to_b) * share

    def jvp(self, ta, tb):
        share = self.share
        return add_tangents(
            masked(ta, self.to_a) * share if ta is not None else None,
            masked(tb, self.to_b) * share if tb is not None else None,
        )


class Minimum(Maximum):
    """min(a, b) elementwise: Maximum's rules with the comparison reversed."""

    a_loses = staticmethod(np.greater)


def softplus_values(z: np.ndarray) -> np.ndarray:
    """log(1 + exp(z)) for an array, without overflow for large |z|."""
    return np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))


class Where(Function):
    def forward(self, a, b, condition):
        if a.__class__ is not b.__class__ or a.__class__ is not np.ndarray or a.dtype != b.dtype:
            a, b = promote(a, b)
        self.condition = condition
        return np.where(condition, a, b)

    def backward(self, g):
        return masked(g, self.condition), masked(g, ~self.condition)

    def jvp(self, ta, tb):
        return np.where(self.condition, 0 if ta is None else ta, 0 if tb is None else tb)


class Dropout(Function):
    """Zero each element with probability p and scale the rest by 1 / (1 - p); backward reuses the mask."""

    saves = (CONSTANT,)

    def forward(self, x, p):
        keep = generator().random(x.shape, dtype=np.float32) >= p
        mask = keep.astype(x.dtype)
        mask *= 1.0 / (1.0 - p) if p < 1 else 0.0
        self.saved = (mask,)
        return x * mask

    def backward(self, g):
        (mask,) = self.saved
        return (g * mask,)

    def jvp(self, t):
        (mask,) = self.saved
        return t * mask


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


def sinh(x: Tensor) -> Tensor:
    return Sinh.apply(x)


def cosh(x: Tensor) -> Tensor:
    return Cosh.apply(x)


def tanh(x: Tensor) -> Tensor:
    return Tanh.apply(x)


def sigmoid(x: Tensor) -> Tensor:
    """1 / (1 + exp(-x)), finite for any finite x."""
    return Sigmoid.apply(x)


def relu(x: Tensor) -> Tensor:
    return Relu.apply(x)


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    return LeakyRelu.apply(x, negative_slope=negative_slope)


def clamp(x: Tensor, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
    """Limit x to [min, max] (numbers or tensors, broadcasting); the gradient is 1 inside the range (ends included),
    0 outside, where it goes to the bound instead."""
    if min is None and max is None:
        raise ValueError("clamp: at least one of 'min' or 'max' must not be None")
    _check("clamp", *(bound for bound in (min, max) if bound is not None))
    return Clamp.apply(x, min, max)


def maximum(a: Any, b: Any) -> Tensor:
    _check("maximum", a, b)
    return Maximum.apply(a, b)


def minimum(a: Any, b: Any) -> Tensor:
    _check("minimum", a, b)
    return Minimum.apply(a, b)


def where(condition: Any, a: Any, b: Any) -> Tensor:
    """Elements of `a` where `condition` holds, else of `b` (all three broadcast)."""
    _check("where", a, b)
    cond = np.asarray(data_of(condition))
    if cond.dtype != np.bool_:
        raise TypeError(f"where: condition must be a bool tensor, got {cond.dtype}")
    return Where.apply(a, b, condition=cond)
