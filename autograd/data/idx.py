"""Reading gzipped IDX files, the format of MNIST and Fashion-MNIST."""

from __future__ import annotations

import gzip
import os
import zlib

import numpy as np

IMAGES_MAGIC = 2051
LABELS_MAGIC = 2049
_UBYTE = 0x08


def _decompress(path: str | os.PathLike) -> bytes:
    """The decompressed bytes of the gzip file at `path`, or a ValueError saying why it is unreadable."""
    try:
        with gzip.open(path, "rb") as stream:
            return stream.read()
    except gzip.BadGzipFile as error:
        raise ValueError(f"read_idx: {os.fspath(path)} is not a gzip file ({error})") from error
    except (EOFError, zlib.error) as error:
        name = os.fspath(path)
        raise ValueError(f"read_idx: {name} is a truncated or damaged gzip file ({error})") from error


def read_idx(path: str | os.PathLike, magic: int) -> np.ndarray:
    """The uint8 array in a gzipped IDX file whose magic number must be `magic`; shape from its header."""
    name = os.fspath(path)
    raw = _decompress(path)
    ndim = magic & 0xFF
    if (magic >> 8) != _UBYTE or ndim == 0:
        raise ValueError(f"read_idx supports unsigned-byte IDX magic numbers (0x08NN), got {magic}")
    header_size = 4 * (1 + ndim)
    if len(raw) < header_size:
        raise ValueError(f"read_idx: {name} holds {len(raw)} bytes, fewer than its {header_size}-byte header")
    found = int.from_bytes(raw[:4], "big")
    if found != magic:
        raise ValueError(f"read_idx: {name} has magic number {found}, expected {magic}")
    shape = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    expected = int(np.prod(shape))
    if len(raw) - header_size != expected:
        raise ValueError(
            f"read_idx: {name} has {len(raw) - header_size} data bytes, expected {expected} for shape {shape}"
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header_size).reshape(shape)
