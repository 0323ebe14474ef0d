"""`save` and `load`: state dicts (of models, optimizers, schedulers) in a safe file format.

The file is a numpy .npz archive read with `allow_pickle=False`: arrays are stored as arrays, and the
structure around them (nested dicts, lists, tuples, numbers, strings, None) as JSON text. Loading a file
cannot run code. Writing goes to a temporary file in the same directory that then replaces the target,
so a crash never leaves a half-written file behind.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import zipfile
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import numpy as np

from .tensor import Tensor

_STRUCTURE = "__structure__"
_FORMAT = "autograd-state/1"


def _encode(value: Any, arrays: list[np.ndarray], where: str) -> Any:
    """A JSON-able description of `value`; arrays and tensors are appended to `arrays` and referred to by index."""
    if isinstance(value, Tensor):
        arrays.append(value._data)
        return {"tensor": len(arrays) - 1}
    if isinstance(value, np.ndarray):
        arrays.append(value)
        return {"array": len(arrays) - 1}
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"float": repr(value)}
    if isinstance(value, np.generic):
        return _encode(value.item(), arrays, where)
    if isinstance(value, Mapping):
        items = []
        for key, item in value.items():
            if not isinstance(key, (str, int)) or isinstance(key, bool):
                raise TypeError(f"save: keys must be str or int, got {type(key).__name__} {key!r} in {where}")
            items.append([key, _encode(item, arrays, f"{where}[{key!r}]")])
        return {"dict": items}
    if isinstance(value, (list, tuple)):
        kind = "list" if isinstance(value, list) else "tuple"
        return {kind: [_encode(item, arrays, f"{where}[{i}]") for i, item in enumerate(value)]}
    if hasattr(value, "state_dict") and callable(value.state_dict):
        raise TypeError(
            f"save: got a {type(value).__name__}; save its state_dict() instead: save(obj.state_dict(), path)"
        )
    raise TypeError(
        f"save: cannot store a {type(value).__name__} (at {where}); use tensors, arrays, numbers, "
        "strings, None, and dicts, lists or tuples of them"
    )


def save(obj: Any, path: str | os.PathLike) -> None:
    """Write a state dict (or any nesting of dicts, lists, tensors, arrays, numbers, strings) to `path` atomically."""
    arrays: list[np.ndarray] = []
    structure = json.dumps({"format": _FORMAT, "root": _encode(obj, arrays, "the saved object")})
    entries = {f"a{i}": np.ascontiguousarray(a) for i, a in enumerate(arrays)}
    for name, array in entries.items():
        if array.dtype == object:
            raise TypeError(f"save: array {name} has dtype object, which cannot be stored safely")
    entries[_STRUCTURE] = np.frombuffer(structure.encode("utf-8"), dtype=np.uint8)
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(prefix=".tmp-", suffix=".npz", dir=directory)
    try:
        with os.fdopen(handle, "wb") as file:
            np.savez(file, **entries)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def _decode(node: Any, arrays: Mapping[str, np.ndarray], path: str) -> Any:
    if node is None or isinstance(node, (bool, int, float, str)):
        return node
    if isinstance(node, dict) and len(node) == 1:
        ((kind, body),) = node.items()
        if kind in ("tensor", "array") and isinstance(body, int) and f"a{body}" in arrays:
            array = np.array(arrays[f"a{body}"])
            return Tensor(array) if kind == "tensor" else array
        if kind == "float" and body in ("inf", "-inf", "nan"):
            return float(body)
        if kind == "dict" and isinstance(body, list):
            return OrderedDict((key, _decode(item, arrays, path)) for key, item in body)
        if kind in ("list", "tuple") and isinstance(body, list):
            items = [_decode(item, arrays, path) for item in body]
            return items if kind == "list" else tuple(items)
    raise ValueError(f"load: {path} is not a valid autograd state file (unexpected entry {str(node)[:80]})")


def load(path: str | os.PathLike) -> Any:
    """Read what `save` wrote: tensors come back as Tensors (a state dict as an OrderedDict of Tensors)."""
    path = os.fspath(path)
    try:
        archive = np.load(path, allow_pickle=False)
        if not isinstance(archive, np.lib.npyio.NpzFile):
            raise ValueError("it holds a single array, not an archive")
        with archive:
            arrays = {name: archive[name] for name in archive.files}
    except (zipfile.BadZipFile, ValueError, EOFError) as err:
        raise ValueError(f"load: {path} is not a valid autograd state file (a .npz archive): {err}") from None
    if _STRUCTURE not in arrays:
        raise ValueError(f"load: {path} has no {_STRUCTURE} entry; it was not written by autograd.save")
    try:
        header = json.loads(arrays.pop(_STRUCTURE).tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"load: {path} has a corrupt structure entry: {err}") from None
    if not isinstance(header, dict) or header.get("format") != _FORMAT:
        raise ValueError(
            f"load: {path} has an unknown format {header.get('format') if isinstance(header, dict) else header!r}"
        )
    return _decode(header.get("root"), arrays, path)
