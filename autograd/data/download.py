"""Fetching a file over HTTP(S) with urllib, within a deadline, verified against a checksum and written atomically."""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import os
import socket
import threading
import urllib.error
import urllib.request
from typing import Any, BinaryIO

from ..files import atomic_write

_ALGORITHMS = {32: "md5", 40: "sha1", 64: "sha256"}
_HEX = frozenset("0123456789abcdefABCDEF")
_CHUNK = 1 << 16


class DownloadError(OSError):
    """A download failed: unreachable server, HTTP error, timeout, cut transfer or checksum mismatch."""


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


class _Deadline:
    """The end of one transfer: when it passes, the sockets of its connections are shut down, which ends any read
    waiting on them (a socket's own timeout bounds each read, so a server trickling bytes would never hit it)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> _Deadline:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            if self.expired:
                _shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shut(sock)

    def opener(self) -> urllib.request.OpenerDirector:
        """urllib's default opener, its HTTP and HTTPS connections watched by this deadline."""
        deadline = self

        class Watching:
            def do_open(self, http_class: Any, req: Any, **kwargs: Any) -> Any:
                class Watched(http_class):
                    def connect(self) -> None:
                        super().connect()
                        deadline.watch(self.sock)

                return super().do_open(Watched, req, **kwargs)

        handlers = [type("HTTPHandler", (Watching, urllib.request.HTTPHandler), {})]
        if hasattr(urllib.request, "HTTPSHandler"):  # absent when Python was built without ssl
            handlers.append(type("HTTPSHandler", (Watching, urllib.request.HTTPSHandler), {}))
        return urllib.request.build_opener(*handlers)


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


def _copy_response(url: str, stream: BinaryIO, digest: Any, deadline: _Deadline, received: list[int]) -> None:
    """Write the body at `url` to `stream` and `digest`, counting the bytes in `received[0]`."""
    with deadline.opener().open(url, timeout=deadline.seconds) as response:
        length = response.headers.get("Content-Length")
        while chunk := response.read1(_CHUNK):  # one system call each: the deadline is checked between them
            stream.write(chunk)
            digest.update(chunk)
            received[0] += len(chunk)
            if deadline.expired:
                break
    if deadline.expired:
        raise TimeoutError
    if length is not None and received[0] != int(length):
        raise DownloadError(f"download of {url} was cut: received {received[0]} of {length} bytes")


def _fetch(url: str, stream: BinaryIO, algorithm: str, timeout: float) -> str:
    """The hex digest of the body at `url`, written to `stream`; every failure is a DownloadError naming `url`."""
    digest, received = hashlib.new(algorithm), [0]
    with _Deadline(timeout) as deadline:
        try:
            _copy_response(url, stream, digest, deadline, received)
        except DownloadError:
            raise
        except urllib.error.HTTPError as error:
            raise DownloadError(f"download of {url} failed: HTTP {error.code} {error.reason}") from error
        except (OSError, http.client.HTTPException) as error:
            if deadline.expired:
                raise DownloadError(
                    f"download of {url} timed out: the whole transfer took longer than timeout={timeout} s "
                    f"({received[0]} bytes received)"
                ) from error
            if isinstance(getattr(error, "reason", error), TimeoutError):
                raise DownloadError(
                    f"download of {url} timed out: the server sent nothing for timeout={timeout} s"
                ) from error
            raise DownloadError(f"download of {url} failed: {error!r}") from error
    return digest.hexdigest()


def download_file(url: str, path: str | os.PathLike, checksum: str, timeout: float = 60.0) -> None:
    """Fetch `url` into `path` only if its bytes match `checksum`; on any failure no file is left behind.

    `timeout` (seconds) bounds the whole transfer, from connecting to the last byte.
    """
    path = os.fspath(path)
    algorithm = hash_name(checksum)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with atomic_write(path, f"the download of {url}") as stream:
        actual = _fetch(url, stream, algorithm, timeout)
        if actual.lower() != checksum.lower():
            raise DownloadError(
                f"download of {url} for {path} failed verification: got {algorithm} {actual}, expected {checksum}"
            )
