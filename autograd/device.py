"""Devices, the CPU way: `autograd.device`, the device argument of factories and `to()`, which all compute on
the CPU with numpy. A CUDA (or other accelerator) device can be named, as in PyTorch, but using one raises."""

from __future__ import annotations

from typing import Any

import numpy as np

# PyTorch's device types: each can be named; only "cpu" can hold tensors here.
_TYPES = ("cpu", "cuda", "mps", "xpu", "hip", "xla", "meta", "ipu", "hpu", "mtia", "vulkan")


class device:  # noqa: N801 (PyTorch's name: autograd.device)
    """A device: `device('cpu')`, `device('cuda:1')`, `device('cuda', 0)`; equal to a device of the same type and
    index (not to a string, as in PyTorch: compare `str(d)` or `d.type` with 'cpu')."""

    __slots__ = ("type", "index")

    def __init__(self, type: str | device, index: int | None = None) -> None:  # noqa: A002 (PyTorch's name)
        if isinstance(type, device):
            if index is not None:
                raise TypeError("device(): an index cannot be given with a device")
            type, index = type.type, type.index
        if not isinstance(type, str):
            raise TypeError(f"device(): expected a device string such as 'cpu', got {type.__class__.__name__}")
        name, colon, ordinal = type.partition(":")
        if name not in _TYPES:
            raise RuntimeError(f"Expected one of {', '.join(_TYPES)} device type at start of device string: {type}")
        if colon:
            if index is not None or not ordinal.isdigit():
                raise RuntimeError(f"Invalid device string: '{type}'")
            index = int(ordinal)
        if index is not None and (isinstance(index, bool) or not isinstance(index, (int, np.integer)) or index < 0):
            raise RuntimeError(f"Device index must be a non-negative int, got {index!r}")
        self.type = name
        self.index = None if index is None else int(index)

    def __repr__(self) -> str:
        index = "" if self.index is None else f", index={self.index}"
        return f"device(type='{self.type}'{index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, device):
            return NotImplemented
        return (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash(str(self))


CPU = device("cpu")


def check_device(where: Any, op: str) -> device:
    """The device `where` names (None means the CPU); RuntimeError unless it is the CPU."""
    if where is None:
        return CPU
    if isinstance(where, (int, np.integer)) and not isinstance(where, bool):
        where = device("cuda", int(where))  # PyTorch reads a bare ordinal as a CUDA device
    elif not isinstance(where, device):
        where = device(where)
    if where.type != "cpu":
        raise RuntimeError(
            f"{op}: device '{where}' is not available: autograd computes on the CPU with numpy, and the only "
            "supported device is 'cpu' (autograd.cuda.is_available() is False)"
        )
    return where


_TO_KEYWORDS = ("device", "dtype", "non_blocking", "copy", "memory_format")


def parse_to(args: tuple[Any, ...], kwargs: dict[str, Any], op: str = "to") -> tuple[np.dtype | None, bool]:
    """The dtype (None: unchanged) and `copy` flag of a call `to(dtype)`, `to(device)`, `to(device, dtype)` or
    `to(other)` (other's dtype and device), with keyword forms; a device other than the CPU raises."""
    from .tensor import Tensor, to_dtype

    unknown = sorted(set(kwargs) - set(_TO_KEYWORDS))
    if unknown:
        raise TypeError(f"{op}() got an unexpected keyword argument '{unknown[0]}'")
    where, dtype, flags = kwargs.get("device"), kwargs.get("dtype"), list(args)
    if flags and isinstance(flags[0], Tensor):
        dtype, where = flags.pop(0).dtype, CPU
    elif flags and isinstance(flags[0], (str, device, int, np.integer)) and not isinstance(flags[0], bool):
        where = flags.pop(0)
        if flags and not isinstance(flags[0], bool):
            dtype = flags.pop(0)
    elif flags:
        dtype = flags.pop(0)
    if len(flags) > 2 or not all(isinstance(flag, bool) for flag in flags):
        raise TypeError(f"{op}() received an invalid combination of arguments: {args!r}")
    copy = bool(kwargs.get("copy", flags[1] if len(flags) > 1 else False))
    check_device(where, op)
    try:
        return to_dtype(dtype), copy
    except TypeError:
        raise TypeError(f"{op}(): {dtype!r} is neither a dtype nor a device") from None
