"""PyTorch's type promotion, in one place: the dtype an operation on several operands gives.

Three categories, bool < integer < floating. Operands come in three priorities: tensors with dimensions, 0-d
tensors, Python scalars. A lower priority operand raises the result's dtype only when it is of a higher category
(`float32 tensor * float64 0-d tensor` is float32, `int tensor + 2.5` is float32, the default float dtype, and
`int64 tensor + True` is int64). Mixing categories gives the floating operand's dtype (`float16 + int64` is
float16, where numpy gives float64), and within a category the wider dtype wins (`uint8 + int8` is int16).

numpy (2, NEP 50) already treats Python scalars as weak, which agrees with this for most operand pairs, so the ops
call `promote` only where the two disagree (see `binary_operands`).
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

DEFAULT_FLOAT = np.dtype("float32")
DEFAULT_INT = np.dtype("int64")
_BOOL = np.dtype("bool")

_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2}
# The native-order floating dtypes. `x * 0.5` with x of one of these needs no promotion, which the arithmetic ops
# check inline (`b.__class__ is not float or a.dtype not in FLOATING`: set membership costs about half of
# `dtype.kind == "f"`) before calling `binary_operands`, whose call costs about as much as the check; scalar
# arithmetic on small tensors is dominated by such per-op costs. Any other dtype just takes the call.
FLOATING = frozenset(np.dtype(c) for c in "efdg")


def category(dtype: np.dtype) -> int:
    """0 for bool, 1 for integers, 2 for floating dtypes."""
    try:
        return _CATEGORY[dtype.kind]
    except KeyError:
        raise TypeError(f"unsupported dtype {dtype}") from None


def promote_types(a: np.dtype, b: np.dtype) -> np.dtype:
    """The smallest dtype both `a` and `b` convert to: the higher category's, the wider within one."""
    ca, cb = category(a), category(b)
    if ca == cb:
        return np.promote_types(a, b)
    return a if ca > cb else b


def _combine(higher: np.dtype | None, lower: np.dtype | None) -> np.dtype | None:
    """Merge a priority group's dtype with the next lower group's (c10's combine_categories)."""
    if higher is None:
        return lower
    if lower is None:
        return higher
    ch, cl = category(higher), category(lower)
    if ch == 0 or cl > ch:  # bool takes anything; a higher category raises the result
        return promote_types(higher, lower)
    return higher  # a lower priority operand of the same or a lower category changes nothing


def _scalar_dtype(x: Any) -> np.dtype:
    """The dtype a Python number takes among tensors: bool, int64 or the default float."""
    if isinstance(x, (bool, np.bool_)):
        return _BOOL
    if isinstance(x, numbers.Integral):
        return DEFAULT_INT
    if isinstance(x, numbers.Real):
        return DEFAULT_FLOAT
    raise TypeError(f"unsupported operand type {type(x).__name__}")


def result_type(*operands: Any) -> np.dtype:
    """The dtype PyTorch gives an operation on `operands` (tensors, arrays, Python or numpy scalars; None is skipped).

    numpy scalars (np.float64(0.5)) count as the Python numbers they hold, as the ops treat them.
    """
    groups: list[np.dtype | None] = [None, None, None]  # dimensioned, 0-d, scalars
    for x in operands:
        if x is None:
            continue
        array = getattr(x, "_data", x)  # a Tensor's array
        if isinstance(array, np.ndarray):
            dtype, group = array.dtype, 0 if array.ndim else 1
        else:
            dtype, group = _scalar_dtype(x), 2
        previous = groups[group]
        groups[group] = dtype if previous is None else promote_types(previous, dtype)
    result = _combine(groups[0], _combine(groups[1], groups[2]))
    if result is None:
        raise TypeError("result_type: expected at least one operand")
    return result


def promote(*operands: Any) -> list[Any]:
    """The operands (arrays or Python numbers) as numpy combines them into `result_type(*operands)`.

    Arrays of another dtype are cast; a Python number stays as it is when numpy already treats it as weak
    (it is of the result's category or below), and becomes a 0-d array of the result's dtype otherwise.
    """
    dtype = result_type(*operands)
    kind = category(dtype)
    arrays = any(isinstance(x, np.ndarray) for x in operands)  # with none, numpy gives Python numbers its defaults
    out = []
    for x in operands:
        if isinstance(x, np.ndarray):
            x = x if x.dtype == dtype else x.astype(dtype)
        elif x is not None and (not arrays or isinstance(x, np.generic) or not _weak_fits(x, kind)):
            x = np.asarray(x, dtype=dtype)
        out.append(x)
    return out


def _weak_fits(x: Any, kind: int) -> bool:
    """Whether numpy, combining Python number `x` with an array of category `kind`, keeps the array's dtype."""
    return category(_scalar_dtype(x)) <= kind


def binary_operands(a: Any, b: Any) -> tuple[Any, Any]:
    """`a` and `b` (at least one an array) ready for a numpy ufunc that then gives PyTorch's dtype.

    The common cases return at once: numpy (NEP 50) already gives PyTorch's dtype for two arrays of one dtype and for
    a Python number with an array of its category or above. Only where the two disagree are operands cast: arrays of
    two dtypes (numpy: int64 + float32 is float64, and 0-d arrays count fully) and a Python float with an integer or
    bool array (numpy: float64, PyTorch: the default float32).
    """
    if b.__class__ is float:
        if a.dtype.kind == "f":
            return a, b
    elif a.__class__ is np.ndarray:
        if b.__class__ is not np.ndarray or a.dtype is b.dtype:
            return a, b
    elif a.__class__ is not float:  # a Python int or bool with an array
        return a, b
    elif b.dtype.kind == "f":
        return a, b
    a, b = promote(a, b)
    return a, b


def division_operands(a: Any, b: Any) -> tuple[Any, Any]:
    """`binary_operands` for true division: integer and bool operands divide in the default float dtype."""
    a, b = binary_operands(a, b)
    if (a if a.__class__ is np.ndarray else b).dtype.kind != "f":
        a = a.astype(DEFAULT_FLOAT) if a.__class__ is np.ndarray else a
        b = b.astype(DEFAULT_FLOAT) if b.__class__ is np.ndarray else b
    return a, b


def float_operand(x: np.ndarray) -> np.ndarray:
    """`x`, or its values in the default float dtype when it is an integer or bool array (exp, sqrt, softmax...)."""
    return x if x.dtype.kind == "f" else x.astype(DEFAULT_FLOAT)
