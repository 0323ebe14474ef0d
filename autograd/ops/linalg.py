"""Matrix products: matmul (1-D, 2-D and batched with broadcasting), dot, and the fused linear layer x @ W.T + b."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..function import Function, add_tangents, sum_rows
from ..tensor import Tensor, data_of
from .elementwise import masked


class MatMul(Function):
    """a @ b for a.ndim >= 2 and b.ndim >= 2; batch dims broadcast (the engine sums them back)."""

    saves = (0, 1)

    def forward(self, a, b):
        self.saved = (a, b)
        return a @ b

    def backward(self, g):
        a, b = self.saved
        ga = g @ b.mT if self.needs_grad(0) else None
        gb = a.mT @ g if self.needs_grad(1) else None
        return ga, gb

    def jvp(self, ta, tb):
        a, b = self.saved
        return add_tangents(ta @ b if ta is not None else None, a @ tb if tb is not None else None)


class Linear(Function):
    """x @ weight.T (+ bias): x (..., in), weight (out, in), bias (out,) -> (..., out)."""

    saves = (0, 1)

    def forward(self, x, weight, bias=None):
        if weight.ndim != 2 or not x.ndim or x.shape[-1] != weight.shape[1]:
            raise RuntimeError(
                f"linear: input of shape {x.shape} cannot be multiplied by weight of shape {weight.shape} "
                f"(expected input (..., {weight.shape[-1] if weight.ndim else '?'}) and weight (out_features, "
                "in_features))"
            )
        if bias is not None and bias.shape != weight.shape[:1]:
            raise RuntimeError(f"linear: bias of shape {bias.shape} doesn't match weight of shape {weight.shape}")
        self.has_bias = bias is not None
        self.saved = (x, weight)
        out = x @ weight.T
        if bias is not None:
            out += bias
        return out

    def backward(self, g):
        x, weight = self.saved
        gx = g @ weight if self.needs_grad(0) else None
        if g.ndim != 2:
            g, x = g.reshape(-1, g.shape[-1]), x.reshape(-1, x.shape[-1])
        gw = g.T @ x if self.needs_grad(1) else None
        if not self.has_bias:
            return gx, gw
        return gx, gw, (sum_rows(g) if self.needs_grad(2) else None)

    def jvp(self, tx, tw, tb=None):
        x, weight = self.saved
        return add_tangents(tx @ weight.T if tx is not None else None, x @ tw.T if tw is not None else None, tb)


def matmul(a: Any, b: Any) -> Tensor:
    """Matrix product with numpy/PyTorch semantics: 1-D operands are promoted, then the extra dim dropped."""
    for x in (a, b):
        if not isinstance(x, (Tensor, np.ndarray)):
            raise TypeError(f"matmul(): unsupported operand type {type(x).__name__}")
    a_nd, b_nd = np.ndim(data_of(a)), np.ndim(data_of(b))
    if a_nd == 0 or b_nd == 0:
        raise RuntimeError(f"matmul: both arguments need at least 1 dimension, got {a_nd}D and {b_nd}D")
    if a_nd == 1:
        a = a.reshape(1, -1) if isinstance(a, Tensor) else np.reshape(a, (1, -1))
    if b_nd == 1:
        b = b.reshape(-1, 1) if isinstance(b, Tensor) else np.reshape(b, (-1, 1))
    ashape, bshape = (
        np.shape(data_of(a)),
        np.shape(data_of(b)),
    )
    if ashape[-1] != bshape[-2]:
        raise RuntimeError(f"matmul: shapes {ashape} and {bshape} cannot be multiplied ({ashape[-1]} != {bshape[-2]})")
    out = MatMul.apply(a, b)
    if a_nd == 1 and b_nd == 1:
        return out.reshape(())
    if a_nd == 1:
        return out.reshape(*out.shape[:-2], out.shape[-1])
    if b_nd == 1:
        return out.reshape(out.shape[:-1])
    return out


def dot(a: Tensor, b: Tensor) -> Tensor:
    """Inner product of two 1-D tensors of the same length."""
    if not (isinstance(a, (Tensor, np.ndarray)) and isinstance(b, (Tensor, np.ndarray))):
        raise TypeError(f"dot(): expected two tensors, got {type(a).__name__} and {type(b).__name__}")
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"dot: 1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    if a.shape != b.shape:
        raise RuntimeError(f"dot: inconsistent tensor size, expected {tuple(a.shape)} and {tuple(b.shape)} to match")
    return matmul(a, b)


def mm(a: Tensor, b: Tensor) -> Tensor:
    if a.ndim != 2 or b.ndim != 2:
        raise RuntimeError(f"mm: 2D tensors expected, got {a.ndim}D and {b.ndim}D")
    return matmul(a, b)


def mv(a: Tensor, v: Tensor) -> Tensor:
    return matmul(a, v)


def bmm(a: Tensor, b: Tensor) -> Tensor:
    """Batched matrix product: (b, n, k) @ (b, k, m) -> (b, n, m), without broadcasting."""
    for name, x in (("batch1", a), ("batch2", b)):
        if not isinstance(x, Tensor):
            raise TypeError(f"bmm(): argument '{name}' must be Tensor, not {type(x).__name__}")
        if x.ndim != 3:
            raise RuntimeError(f"{name} must be a 3D tensor")
    expected = (a.shape[0], a.shape[2])
    if tuple(b.shape[:2]) != expected:
        raise RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: {list(expected)} but got: "
            f"{list(b.shape[:2])}."
        )
    return MatMul.apply(a, b)


def outer(a: Tensor, b: Tensor) -> Tensor:
    """Outer product of two vectors: out[i, j] = a[i] * b[j]."""
    for name, x in (("self", a), ("vec2", b)):
        if not isinstance(x, Tensor):
            raise TypeError(f"outer(): argument '{name}' must be Tensor, not {type(x).__name__}")
        if x.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {x.ndim}-D")
    return a.reshape(-1, 1) * b.reshape(1, -1)


ger = outer


def addmm(input: Any, mat1: Tensor, mat2: Tensor, *, beta: float = 1, alpha: float = 1) -> Tensor:  # noqa: A002
    """beta * input + alpha * (mat1 @ mat2), input broadcasting to the product's shape; with beta = 0 input is
    ignored (its nans too), as in PyTorch."""
    product = mm(mat1, mat2)
    shape = np.shape(data_of(input))
    try:
        fits = np.broadcast_shapes(shape, product.shape) == product.shape
    except ValueError:
        fits = False
    if not fits:
        raise RuntimeError(f"addmm: input of shape {shape} does not broadcast to the product's shape {product.shape}")
    if alpha != 1:
        product = product * alpha
    if beta == 0:  # input's gradient is 0 (not None, as in PyTorch), and its nans are not propagated
        return masked(input, np.zeros(shape, dtype=bool)) + product
    return (input if beta == 1 else input * beta) + product
