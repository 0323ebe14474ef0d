"""torch.linalg's norms: `norm`, `vector_norm` and `matrix_norm`, on the norm operations of autograd/ops/reduce.py.

A vector norm reduces any dims; a matrix norm the two dims `dim` of (a batch of) matrices: 'fro', 'nuc' (sum of the
singular values), 2 and -2 (largest and smallest singular value), 1 and -1 (largest and smallest column sum of |A|),
inf and -inf (largest and smallest row sum of |A|). Gradients are PyTorch's: u vᵀ of the singular pair for 2 and -2,
U Vᵀ for 'nuc', the tie share of amax/amin for 1 and inf.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import ops
from .ops.reduce import SingularValueNorm
from .ops.shape import normalize_dim
from .tensor import Tensor


def _floating(x: Tensor, dtype: Any, op: str) -> Tensor:
    """x, cast to `dtype` when given; PyTorch's errors for an integer input or a narrowing dtype."""
    if x._data.dtype.kind != "f":
        raise RuntimeError(f"{op}: Expected a floating point or complex tensor as input. Got {x.dtype}")
    if dtype is None:
        return x
    target = x.to(dtype)
    if target._data.dtype.itemsize < x._data.dtype.itemsize:
        raise RuntimeError(
            f"{op}: the dtype of the input ({x.dtype}) should be convertible without narrowing to the specified "
            f"dtype ({target.dtype})"
        )
    return target


def vector_norm(
    x: Tensor,
    ord: float = 2,
    dim: Any = None,
    keepdim: bool = False,
    *,
    dtype: Any = None,  # noqa: A002
) -> Tensor:
    """(sum |x|^ord)^(1/ord) over `dim` (an int or a tuple; all elements when None or ()): inf and -inf are the
    largest and smallest |x|, 0 counts the nonzero elements. x's shape without `dim` (kept as 1s with keepdim)."""
    if isinstance(ord, (str, bool)) or not isinstance(ord, (int, float, np.number)):
        raise TypeError(f"linalg.vector_norm(): argument 'ord' must be Number, not {type(ord).__name__}")
    x = _floating(x, dtype, "linalg.vector_norm")
    return ops.norm(x, p=ord, dim=None if dim in ((), []) else dim, keepdim=keepdim)


def matrix_norm(
    A: Tensor,  # noqa: N803 (PyTorch's name)
    ord: Any = "fro",  # noqa: A002
    dim: tuple[int, int] = (-2, -1),
    keepdim: bool = False,
    *,
    dtype: Any = None,
) -> Tensor:
    """The norm `ord` ('fro', 'nuc', 2, -2, 1, -1, inf, -inf) of the matrices spanning the two dims `dim`: A's shape
    without them (kept as 1s with keepdim)."""
    op = "linalg.matrix_norm"
    A = _floating(A, dtype, op)
    if A.ndim < 2:
        raise RuntimeError(f"{op}: The input tensor A must have at least 2 dimensions.")
    if not isinstance(dim, (tuple, list)) or len(dim) != 2:
        raise RuntimeError(f"{op}: dim must be a 2-tuple. Got {dim}")
    rows, cols = (normalize_dim(d, A.ndim, op) for d in dim)
    if rows == cols:
        raise RuntimeError(f"{op}: dims must be different. Got ({rows}, {cols})")
    axes = (min(rows, cols), max(rows, cols))
    if ord == "fro":
        return ops.norm(A, p="fro", dim=axes, keepdim=keepdim)
    which = {"nuc": "sum", 2: "max", -2: "min"}.get(ord) if not isinstance(ord, bool) else None
    if which is not None:
        return SingularValueNorm.apply(A, axes=axes, keepdims=keepdim, which=which)
    if ord not in (1, -1, math.inf, -math.inf) or isinstance(ord, (bool, str)):
        raise RuntimeError(f"{op}: Order {ord} not supported.")
    summed, picked = (rows, cols) if abs(ord) == 1 else (cols, rows)  # 1: column sums, inf: row sums
    sums = ops.abs(A).sum(dim=summed, keepdim=True)
    out = (ops.amax if ord > 0 else ops.amin)(sums, dim=picked, keepdim=True)
    return out if keepdim else ops.reshape(out, tuple(n for i, n in enumerate(A.shape) if i not in axes))


def norm(
    A: Tensor,  # noqa: N803 (PyTorch's name)
    ord: Any = None,  # noqa: A002
    dim: Any = None,
    keepdim: bool = False,
    *,
    dtype: Any = None,
) -> Tensor:
    """torch.linalg.norm: a vector norm over one dim (an int or 1-tuple `dim`), a matrix norm over two (a 2-tuple),
    and without `dim` the 2-norm of all elements when `ord` is None, else the vector norm of a 1-d A or the MATRIX
    norm `ord` of a 2-d A."""
    if dim is not None:
        dims = (dim,) if isinstance(dim, int) else tuple(dim)
        if len(dims) == 2 or (len(dims) == 1 and isinstance(ord, str)):  # a string order is a matrix norm
            return matrix_norm(A, "fro" if ord is None else ord, dims, keepdim, dtype=dtype)
        if len(dims) != 1:
            raise RuntimeError(f"linalg.norm: If dim is specified, it must be of length 1 or 2. Got {list(dims)}")
        return vector_norm(A, 2 if ord is None else ord, dims, keepdim, dtype=dtype)
    if ord is None:
        return vector_norm(A, 2, None, keepdim, dtype=dtype)
    if A.ndim not in (1, 2):
        raise RuntimeError(
            f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got {A.ndim}D."
        )
    if A.ndim == 2 or isinstance(ord, str):
        return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype)
    return vector_norm(A, ord, None, keepdim, dtype=dtype)
