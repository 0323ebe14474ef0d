"""`axpy(alpha, x, y)`: y += alpha * x in place, in one pass through numpy's own BLAS where it can be reached.

numpy has no fused multiply-add for arrays: `p -= lr * grad` first writes `lr * grad` to a temporary as large as
the parameter, then reads it back. For a parameter of a few hundred kilobytes that temporary costs about a third
of the update (`python -m bench.axpy`). The BLAS that numpy ships exports `cblas_saxpy` and `cblas_daxpy`, which
do the update in one pass; they are found through numpy's own extension module and called with ctypes (standard
library). They are used for large contiguous float32/float64 arrays of one shape and dtype that do not overlap;
everywhere else, and wherever the BLAS symbols are not found, numpy computes the same update. BLAS rounds
`alpha * x + y` once (a fused multiply-add) where numpy rounds twice, so the two can differ in the last bit.
"""

from __future__ import annotations

import ctypes
import importlib
from collections.abc import Callable
from typing import Any

import numpy as np

BLAS_MIN_SIZE = 65536  # below this many elements the temporary is cheap, and the ctypes call costs as much (bench.axpy)


def _find_blas() -> dict[np.dtype, Callable[..., None]]:
    """numpy's BLAS axpy routines by dtype, or {} when they cannot be reached from this numpy."""
    for name in ("numpy._core._multiarray_umath", "numpy.core._multiarray_umath"):
        try:
            library = ctypes.CDLL(importlib.import_module(name).__file__)  # its symbol lookup includes its BLAS
        except (ImportError, OSError, AttributeError, TypeError):
            continue
        # Only the 64-bit-integer interfaces, whose symbol names say what type n and the strides have.
        for prefix in ("scipy_cblas_", "cblas_"):
            try:
                single, double = getattr(library, f"{prefix}saxpy64_"), getattr(library, f"{prefix}daxpy64_")
            except AttributeError:
                continue
            index, pointer = ctypes.c_int64, ctypes.c_void_p
            for routine, scalar in ((single, ctypes.c_float), (double, ctypes.c_double)):
                routine.argtypes = [index, scalar, pointer, index, pointer, index]  # n, alpha, x, incx, y, incy
                routine.restype = None
            return {np.dtype(np.float32): single, np.dtype(np.float64): double}
    return {}


BLAS_AXPY = _find_blas()


def axpy(alpha: float, x: np.ndarray, y: np.ndarray) -> None:
    """y += alpha * x, in place on `y`; x and y of one shape (x may broadcast to y's shape on the numpy path)."""
    routine = BLAS_AXPY.get(y.dtype)
    if (
        routine is not None
        and y.size >= BLAS_MIN_SIZE
        and alpha != 0  # BLAS skips the update when alpha is 0; numpy turns inf or nan in x into nan in y
        and x.dtype == y.dtype
        and x.shape == y.shape
        and _same_contiguous_layout(x, y)
        and y.flags.writeable
        and not np.may_share_memory(x, y)
    ):
        routine(y.size, alpha, x.ctypes.data, 1, y.ctypes.data, 1)
        return
    y += alpha * x


def _same_contiguous_layout(x: Any, y: Any) -> bool:
    """Both C-contiguous or both Fortran-contiguous (and aligned), so element i of one is element i of the other."""
    fx, fy = x.flags, y.flags
    if not (fx.aligned and fy.aligned):
        return False
    return (fx.c_contiguous and fy.c_contiguous) or (fx.f_contiguous and fy.f_contiguous)
