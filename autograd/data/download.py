"""Fetching a file over HTTP(S) with urllib, verified against a checksum and written atomically."""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import os
import tempfile
import urllib.error
import urllib.request
from typing import BinaryIO

_ALGORITHMS = {32: "md5", 40: "sha1", 64: "sha256"}
_HEX = frozenset("0123456789abcdefABCDEF")
_CHUNK = 1 << 16


class DownloadError(OSError):
    """A download failed: unreachable server, HTTP error, cut transfer or checksum mismatch."""


def hash_name(checksum: str) -> str:
    """The hashlib algorithm of a hex digest, told by its length: md5, sha1 or sha256."""
    algorithm = _ALGORITHMS.get(len(checksum))
    if algorithm is None or not set(checksum) <= _HEX:
        raise ValueError(f"checksum {checksum!r} is not a hex md5, sha1 or sha256 digest")
    return algorithm


def file_digest(path: str | os.PathLike, algorithm: str) -> str:
    """The hex digest of the file at `path` with hashlib `algorithm`."""
    digest = hashlib.new(algorithm)
    with open(path, "rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _copy_response(url: str, stream: BinaryIO, algorithm: str, timeout: float) -> str:
    """Write the body at `url` to `stream`; the hex digest of what was written."""
    digest = hashlib.new(algorithm)
    received = 0
    with urllib.request.urlopen(url, timeout=timeout) as response:
        length = response.headers.get("Content-Length")
        while chunk := response.read(_CHUNK):
            stream.write(chunk)
            digest.update(chunk)
            received += len(chunk)
    if length is not None and received != int(length):
        raise DownloadError(f"download of {url} was cut: received {received} of {length} bytes")
    return digest.hexdigest()


def _fetch(url: str, stream: BinaryIO, algorithm: str, timeout: float) -> str:
    """`_copy_response`, with every transfer failure raised as a DownloadError naming `url`."""
    try:
        return _copy_response(url, stream, algorithm, timeout)
    except DownloadError:
        raise
    except urllib.error.HTTPError as error:
        raise DownloadError(f"download of {url} failed: HTTP {error.code} {error.reason}") from error
    except (OSError, http.client.HTTPException) as error:
        raise DownloadError(f"download of {url} failed: {error!r}") from error


def download_file(url: str, path: str | os.PathLike, checksum: str, timeout: float = 60.0) -> None:
    """Fetch `url` into `path` only if its bytes match `checksum`; on any failure no file is left behind."""
    path = os.fspath(path)
    algorithm = hash_name(checksum)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(path)}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as stream:
            actual = _fetch(url, stream, algorithm, timeout)
            stream.flush()
            os.fsync(stream.fileno())
        if actual.lower() != checksum.lower():
            raise DownloadError(
                f"download of {url} for {path} failed verification: got {algorithm} {actual}, expected {checksum}"
            )
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
