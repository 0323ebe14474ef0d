"""`save` and `load`: state dicts (of models, optimizers, schedulers) in safe file formats, chosen by suffix.

- `.safetensors`: the format PyTorch and the Hugging Face libraries share. Tensors are stored by name (a state
  dict's keys: `0.weight`), so `safetensors.torch.load_file` reads a model saved here and a file PyTorch saved
  loads here. Whatever is not a tensor (an optimizer's step counts and hyperparameters, nested dicts) goes in
  the file's text metadata as JSON, which PyTorch ignores and `load` reads back.
- anything else (`.npz`): a numpy archive of uncompressed .npy members, the arrays, and one member holding the
  structure around them (nested dicts, lists, tuples, numbers, strings, None) as JSON text.

Neither format can run code when loaded: nothing is unpickled. Loading checks a file before it allocates: the
structure's nesting is bounded, each array's declared size must agree with the bytes the file holds, and only
the arrays the structure refers to are read. Writing goes through `autograd.files.atomic_write`.
"""

from __future__ import annotations

import json
import math
import os
import re
import struct
import zipfile
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from .files import atomic_write
from .tensor import Tensor

_STRUCTURE = "__structure__"
_FORMAT = "autograd-state/1"
MAX_DEPTH = 64  # nesting levels of dicts, lists and tuples that `save` writes and `load` accepts
# Each level adds at most 3 levels of JSON ({"dict": [[key, value]]}); the header adds one.
_MAX_JSON_DEPTH = 3 * MAX_DEPTH + 2
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_NUMERIC_KINDS = "biufc"


# ---- the structure around the arrays -----------------------------------------------------------------------


def _encode(value: Any, arrays: list[tuple[str, np.ndarray]], path: tuple[Any, ...], ref: Callable) -> Any:
    """A JSON-able description of `value`; arrays and tensors are appended to `arrays` with their key path, and
    referred to by `ref(index, path)`."""
    where = "the saved object" + "".join(f"[{key!r}]" for key in path)
    if len(path) > MAX_DEPTH:
        raise ValueError(f"save: {where} is nested more than {MAX_DEPTH} levels deep")
    if isinstance(value, (Tensor, np.ndarray)):
        kind = "tensor" if isinstance(value, Tensor) else "array"
        array = value._data if isinstance(value, Tensor) else value
        if array.dtype.hasobject:
            raise TypeError(f"save: {where} has dtype object, which cannot be stored safely")
        arrays.append((where, array))
        return {kind: ref(len(arrays) - 1, path)}
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"float": repr(value)}
    if isinstance(value, np.generic):
        return _encode(value.item(), arrays, path, ref)
    if isinstance(value, Mapping):
        items = []
        for key, item in value.items():
            if not isinstance(key, (str, int)) or isinstance(key, bool):
                raise TypeError(f"save: keys must be str or int, got {type(key).__name__} {key!r} in {where}")
            items.append([key, _encode(item, arrays, (*path, key), ref)])
        return {"dict": items}
    if isinstance(value, (list, tuple)):
        kind = "list" if isinstance(value, list) else "tuple"
        return {kind: [_encode(item, arrays, (*path, i), ref) for i, item in enumerate(value)]}
    if hasattr(value, "state_dict") and callable(value.state_dict):
        raise TypeError(
            f"save: got a {type(value).__name__}; save its state_dict() instead: save(obj.state_dict(), path)"
        )
    raise TypeError(
        f"save: cannot store a {type(value).__name__} (at {where}); use tensors, arrays, numbers, "
        "strings, None, and dicts, lists or tuples of them"
    )


def _header(root: Any) -> str:
    return json.dumps({"format": _FORMAT, "root": root})


class _Invalid(Exception):
    """The reason a file is not what `load` expects; `load` raises it as a ValueError naming the file."""


def _parse_header(text: str) -> Any:
    """The root of the structure in a header that `_header` wrote, its nesting checked before it is parsed."""
    bare = np.frombuffer(_JSON_STRING.sub("", text).encode("utf-8"), dtype=np.uint8)  # brackets in strings don't nest
    steps = np.isin(bare, (ord("["), ord("{"))).astype(np.int64) - np.isin(bare, (ord("]"), ord("}")))
    if len(steps) and np.cumsum(steps).max() > _MAX_JSON_DEPTH:
        raise _Invalid(f"its structure is nested more than {MAX_DEPTH} levels deep")
    try:
        header = json.loads(text)
    except ValueError as err:  # JSONDecodeError, or an integer of more digits than Python converts
        raise _Invalid(f"its structure is not valid JSON: {err}") from None
    if not isinstance(header, dict) or header.get("format") != _FORMAT:
        found = header.get("format") if isinstance(header, dict) else header
        raise _Invalid(f"its structure has an unknown format {str(found)[:80]!r} (expected {_FORMAT!r})")
    return header.get("root")


def _decode(node: Any, fetch: Callable[[Any], np.ndarray | None]) -> Any:
    """The value `_encode` described by `node`; `fetch(reference)` reads an array, or gives None if there is none."""
    if node is None or isinstance(node, (bool, int, float, str)):
        return node
    if isinstance(node, dict) and len(node) == 1:
        ((kind, body),) = node.items()
        if kind in ("tensor", "array") and isinstance(body, (int, str)) and not isinstance(body, bool):
            array = fetch(body)
            if array is not None:
                return Tensor(array) if kind == "tensor" else array
        if kind == "float" and body in ("inf", "-inf", "nan"):
            return float(body)
        if kind == "dict" and isinstance(body, list) and all(_is_item(item) for item in body):
            return OrderedDict((key, _decode(item, fetch)) for key, item in body)
        if kind in ("list", "tuple") and isinstance(body, list):
            items = [_decode(item, fetch) for item in body]
            return items if kind == "list" else tuple(items)
    raise _Invalid(f"unexpected entry {str(node)[:80]}")


def _is_item(item: Any) -> bool:
    return isinstance(item, list) and len(item) == 2 and isinstance(item[0], (str, int)) and item[0] is not True


def _fetcher(read: Callable[[str], np.ndarray], names: Callable[[Any], str | None]) -> Callable[[Any], Any]:
    """`fetch` for `_decode`: each member read once, when the structure first refers to it (a second reference to
    the same member is refused: `save` never writes one, and it would multiply what a small file costs)."""
    seen: set[str] = set()

    def fetch(reference: Any) -> np.ndarray | None:
        name = names(reference)
        if name is None:
            return None
        if name in seen:
            raise _Invalid(f"its structure refers to the array {name!r} twice")
        seen.add(name)
        return read(name)

    return fetch


# ---- .npz ----------------------------------------------------------------------------------------------------


def _save_npz(obj: Any, path: str) -> None:
    arrays: list[tuple[str, np.ndarray]] = []
    structure = _header(_encode(obj, arrays, (), lambda index, _: index))
    entries = {f"a{i}": np.ascontiguousarray(array) for i, (_, array) in enumerate(arrays)}
    entries[_STRUCTURE] = np.frombuffer(structure.encode("utf-8"), dtype=np.uint8)
    with atomic_write(path, "the state") as stream:
        np.savez(stream, **entries)


class _Npz:
    """The members of a .npz archive, each checked against the bytes the archive holds before it is read."""

    def __init__(self, archive: zipfile.ZipFile, size: int) -> None:
        self.archive, self.size = archive, size
        self.members = {info.filename: info for info in archive.infolist()}

    def has(self, name: str) -> bool:
        return f"{name}.npy" in self.members

    def read(self, name: str) -> np.ndarray:
        info = self.members.get(f"{name}.npy")
        if info is None:
            raise _Invalid(f"it has no member {name}.npy")
        if info.flag_bits & 0x1:
            raise _Invalid(f"member {info.filename} is encrypted")
        if info.compress_type != zipfile.ZIP_STORED or info.compress_size != info.file_size:
            raise _Invalid(f"member {info.filename} is compressed; autograd.save writes uncompressed members")
        if info.header_offset < 0 or info.header_offset + info.file_size > self.size:
            raise _Invalid(
                f"member {info.filename} declares {info.file_size} bytes but the archive holds {self.size} bytes"
            )
        with self.archive.open(info) as member:
            version = np.lib.format.read_magic(member)
            if version == (1, 0):
                shape, fortran_order, dtype = np.lib.format.read_array_header_1_0(member)
            elif version == (2, 0):
                shape, fortran_order, dtype = np.lib.format.read_array_header_2_0(member)
            else:
                raise _Invalid(f"member {info.filename} has .npy version {version}, expected 1.0 or 2.0")
            if dtype.kind not in _NUMERIC_KINDS or dtype.hasobject or dtype.subdtype is not None:
                raise _Invalid(f"member {info.filename} has dtype {dtype}; only numbers and bools are loaded")
            if any(n < 0 for n in shape):
                raise _Invalid(f"member {info.filename} declares a negative dimension in shape {shape}")
            nbytes = math.prod(shape) * dtype.itemsize
            if nbytes != info.file_size - member.tell():
                raise _Invalid(
                    f"member {info.filename} declares shape {shape} of {dtype} ({nbytes} bytes) but holds "
                    f"{info.file_size - member.tell()} bytes of data"
                )
            data = bytearray(nbytes)
            if member.readinto(data) != nbytes:
                raise _Invalid(f"member {info.filename} ends early")
        array = np.frombuffer(data, dtype=dtype).reshape(shape, order="F" if fortran_order else "C")
        return array.astype(dtype.newbyteorder("="), copy=False)


# What reading a malformed archive raises (zipfile, numpy's .npy header parser); each is reported as a ValueError.
# zipfile raises NotImplementedError for the features of later zip versions it lacks (strong encryption...).
_BAD_ARCHIVE = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    EOFError,
    ValueError,
    struct.error,
    OverflowError,
    NotImplementedError,
)


def _load_npz(path: str) -> Any:
    with open(path, "rb") as file:
        try:
            with zipfile.ZipFile(file) as archive:
                npz = _Npz(archive, os.fstat(file.fileno()).st_size)
                if not npz.has(_STRUCTURE):
                    raise _Invalid(f"it has no {_STRUCTURE} entry; it was not written by autograd.save")
                structure = npz.read(_STRUCTURE)
                if structure.dtype != np.uint8 or structure.ndim != 1:
                    raise _Invalid(f"its {_STRUCTURE} entry is not text")
                try:
                    text = structure.tobytes().decode("utf-8")
                except UnicodeDecodeError as err:
                    raise _Invalid(f"its structure is not UTF-8 text: {err}") from None
                root = _parse_header(text)
                names = lambda index: f"a{index}" if isinstance(index, int) and npz.has(f"a{index}") else None  # noqa: E731
                return _decode(root, _fetcher(npz.read, names))
        except _Invalid:
            raise
        except _BAD_ARCHIVE as err:
            raise _Invalid(f"{type(err).__name__}: {err}" if str(err) else type(err).__name__) from None


# ---- .safetensors --------------------------------------------------------------------------------------------

# safetensors' numpy API stores these dtypes (bfloat16 and the float8 types have no numpy dtype)
_SAFETENSORS_DTYPES = frozenset(
    np.dtype(t) for t in ("f8", "f4", "f2", "i8", "u8", "i4", "u4", "i2", "u2", "i1", "u1", "?", "c8")
)


def _safetensors() -> Any:
    try:
        import safetensors
        import safetensors.numpy
    except ImportError:
        raise ImportError(
            "saving and loading .safetensors files needs the safetensors package: pip install safetensors"
        ) from None
    return safetensors


def _save_safetensors(obj: Any, path: str) -> None:
    safetensors = _safetensors()
    arrays: list[tuple[str, np.ndarray]] = []
    names: list[str] = []

    def ref(index: int, key_path: tuple[Any, ...]) -> str:
        names.append(".".join(str(key) for key in key_path))  # a state dict's own keys: 0.weight, 0.bias
        return names[-1]

    structure = _header(_encode(obj, arrays, (), ref))
    tensors: dict[str, np.ndarray] = {}
    for name, (where, array) in zip(names, arrays):
        if array.dtype.newbyteorder("=") not in _SAFETENSORS_DTYPES:
            raise TypeError(
                f"save: a .safetensors file cannot hold {where} of dtype {array.dtype}; save to a .npz file"
            )
        if name in tensors:
            raise ValueError(
                f"save: two entries would both be named {name!r} in a .safetensors file (keys that contain '.'); "
                "rename one, or save to a .npz file"
            )
        tensors[name] = np.ascontiguousarray(array)
    data = safetensors.numpy.save(tensors, metadata={"format": _FORMAT, _STRUCTURE: structure})
    with atomic_write(path, "the state") as stream:
        stream.write(data)


def _load_safetensors(path: str) -> Any:
    safetensors = _safetensors()
    if not os.path.exists(path):  # safetensors reports a missing file as its own error, not FileNotFoundError
        raise FileNotFoundError(2, f"No such file or directory: {path!r}")
    try:
        with safetensors.safe_open(path, framework="np") as file:
            keys = list(file.keys())
            metadata = file.metadata() or {}
            read = lambda name: np.array(file.get_tensor(name))  # noqa: E731 (a copy: the file is mapped)
            if metadata.get("format") != _FORMAT or _STRUCTURE not in metadata:  # written elsewhere: a state dict
                return OrderedDict((name, Tensor(read(name))) for name in keys)
            root = _parse_header(metadata[_STRUCTURE])
            known = set(keys)
            names = lambda name: name if isinstance(name, str) and name in known else None  # noqa: E731
            return _decode(root, _fetcher(read, names))
    except safetensors.SafetensorError as err:
        raise _Invalid(str(err)) from None
    except TypeError as err:  # a valid file, of a dtype numpy has no type for (bfloat16, the float8 types)
        raise TypeError(
            f"load: {path} holds a tensor numpy cannot represent ({err}); convert it to float32 before saving "
            "(in PyTorch: {name: t.float() for name, t in state_dict.items()})"
        ) from None


# ---- the public functions ----------------------------------------------------------------------------------


def _is_safetensors(path: str) -> bool:
    return path.lower().endswith(".safetensors")


def save(obj: Any, path: str | os.PathLike) -> None:
    """Write a state dict (or any nesting of dicts, lists, tensors, arrays, numbers, strings) to `path` atomically.

    The suffix chooses the format: `.safetensors` (readable by PyTorch's `safetensors.torch.load_file`), or a
    numpy `.npz` archive for any other name. The file gets the permissions a plain `open()` would give it.
    """
    path = os.fspath(path)
    (_save_safetensors if _is_safetensors(path) else _save_npz)(obj, path)


def load(path: str | os.PathLike) -> Any:
    """Read what `save` wrote (or a `.safetensors` state dict saved by PyTorch): tensors come back as Tensors, a
    state dict as an OrderedDict of Tensors. A malformed file raises ValueError saying what is wrong with it."""
    path = os.fspath(path)
    safetensors = _is_safetensors(path)
    try:
        return (_load_safetensors if safetensors else _load_npz)(path)
    except _Invalid as err:
        kind = "safetensors" if safetensors else "autograd state"
        raise ValueError(f"load: {path} is not a valid {kind} file: {err}") from None
