"""erf and erfc on numpy arrays, to a few units in the last place of float64 over the whole real line.

- |x| < 0.5: erf(x) = 2/sqrt(pi) x sum_n (-x^2)^n / (n! (2n + 1)), the Taylor series (13 terms reach 1e-17 there),
  and erfc = 1 - erf (at least 0.48, so nothing cancels).
- |x| >= 0.5: erfc(x) = exp(-x^2) erfcx(x), with erfcx from Chebyshev series on intervals (ops/erf_tables.py, fitted
  by fit_erf.py), and erf = 1 - erfc (at least 0.52). exp(-x^2) is exp(-hi) exp(-lo) with x^2 = hi + lo split
  exactly, since rounding x^2 first would cost up to x^2 ulps of relative error.
- erf is odd, erfc(-x) = 2 - erfc(x); erfc underflows to 0 from about 27 and erf is 1 from about 6.

float32 inputs are computed in float64 and rounded once.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np

from .erf_tables import ERFCX, SPLIT, START, STEP

_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)
_TAYLOR = np.array([float(Fraction((-1) ** n, math.factorial(n) * (2 * n + 1))) for n in range(13)])
_ERFCX = np.array(ERFCX).T.copy()  # (degree, intervals): coefficient j of every interval (the last one in u = 1/x^2)
_LARGEST = 30.0  # erfc(30) underflows to 0: larger |x| (and inf) give the same results


def _erf_small(x: np.ndarray) -> np.ndarray:
    """erf(x) for |x| < 0.5, by Horner's rule in x^2."""
    t = x * x
    total = np.full_like(x, _TAYLOR[-1])
    for c in _TAYLOR[-2::-1]:
        total = total * t + c
    return _TWO_OVER_SQRT_PI * x * total


def _exp_minus_square(x: np.ndarray) -> np.ndarray:
    """exp(-x^2) to about an ulp: x = head + tail with a 24-bit head, so that head^2 is exact, and
    x^2 = head^2 + d with d = tail (x + head) below 1e-4 (x <= 30): exp(-d) is its Taylor series to d^4."""
    head = x.astype(np.float32).astype(np.float64)
    d = (x - head) * (x + head)
    return np.exp(-head * head) * (1 - d * (1 - d * (0.5 - d * (1 / 6 - d / 24))))


def _erfc_large(x: np.ndarray) -> np.ndarray:
    """erfc(x) for 0.5 <= x <= _LARGEST: exp(-x^2) times erfcx from the interval's Chebyshev series (Clenshaw)."""
    intervals = _ERFCX.shape[1] - 1
    k = np.minimum(((x - START) / STEP).astype(np.intp), intervals)
    outer = k == intervals
    y = (x - (START + k * STEP)) * (2 / STEP) - 1  # each interval mapped to [-1, 1]
    y[outer] = (2 * SPLIT * SPLIT) / (x[outer] * x[outer]) - 1
    two_y = 2 * y
    b1, b2 = _ERFCX[-1].take(k), np.zeros_like(x)
    for row in _ERFCX[-2:0:-1]:  # Clenshaw's recurrence, b1 <- 2y b1 - b2 + c, in place
        b2 -= two_y * b1
        b2 -= row.take(k)
        b1, b2 = b2, b1
        np.negative(b1, out=b1)
    erfcx = y * b1 - b2 + _ERFCX[0].take(k)
    erfcx[outer] /= x[outer]
    return _exp_minus_square(x) * erfcx


def _in_blocks(fn: Any, x: np.ndarray, size: int = 8192) -> np.ndarray:
    """fn over a 1-d array in blocks that stay in the cache across the dozens of passes fn makes (2-3x faster)."""
    if x.size <= size:
        return fn(x)
    out = np.empty_like(x)
    for start in range(0, x.size, size):
        out[start : start + size] = fn(x[start : start + size])
    return out


def _split(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """|x| clipped to _LARGEST (nan kept), flattened, and the masks of the small and large ones."""
    a = np.minimum(np.abs(np.asarray(x, dtype=np.float64)), _LARGEST).reshape(-1)
    small = a < 0.5
    return a, small, ~small & ~np.isnan(a), np.isnan(a)


def erf(x: np.ndarray) -> np.ndarray:
    """The error function 2/sqrt(pi) * integral of exp(-t^2) from 0 to x, elementwise, in x's float dtype."""
    a, small, large, nan = _split(x)
    out = np.ones_like(a)
    large &= a < 6  # erfc(6) = 2e-17 is below half an ulp of 1: erf is 1 from there
    out[small] = _in_blocks(_erf_small, a[small])
    out[large] = 1 - _in_blocks(_erfc_large, a[large])
    out[nan] = np.nan
    return np.copysign(out.reshape(np.shape(x)), x).astype(_float_dtype(x), copy=False)


def erfc(x: np.ndarray) -> np.ndarray:
    """1 - erf(x), elementwise, without the cancellation for large x (relative accuracy down to the underflow)."""
    a, small, large, nan = _split(x)
    out = np.empty_like(a)
    out[small] = 1 - _in_blocks(_erf_small, a[small]) * np.sign(np.asarray(x).reshape(-1)[small])
    tail = _in_blocks(_erfc_large, a[large])
    out[large] = np.where(np.asarray(x).reshape(-1)[large] < 0, 2 - tail, tail)
    out[nan] = np.nan
    return out.reshape(np.shape(x)).astype(_float_dtype(x), copy=False)


def _float_dtype(x: np.ndarray) -> np.dtype:
    dtype = np.asarray(x).dtype
    return dtype if dtype.kind == "f" else np.dtype(np.float64)
