"""`atomic_write`: write a file through a temporary beside it that replaces it in one step.

Used by `autograd.save`, the data downloads and `viz.render`. The file ends up with the permissions a plain
`open(path, "wb")` gives: an existing file keeps its mode, a new one gets 0o666 less the umask (a temporary
file from `tempfile` would be 0o600, unreadable to the user's group). Each writer holds a lock on its temporary
file; a temporary whose writer was killed holds none, and the next write to the same path removes it.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import stat
from collections.abc import Iterator
from typing import BinaryIO

try:
    import fcntl
except ImportError:  # Windows: an open file cannot be deleted there, which protects a live writer's temporary
    fcntl = None

_SUFFIX = ".part"
_OPEN_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, what: str = "the file") -> Iterator[BinaryIO]:
    """A binary stream whose bytes replace the file at `path` when the block ends without an exception.

    On an exception nothing at `path` changes and the temporary file is removed. Errors of the file system,
    raised here or by writes in the block, name `path` as `cannot write {what} to {path}: reason`; other
    exceptions from the block pass through unchanged.
    """
    shown = os.fspath(path)
    target = os.path.realpath(shown)  # through a symlink, as open() writes, so the link stays a link
    try:
        fd, temporary = _create_temporary(target)
    except OSError as err:
        raise _naming(err, shown, what) from err
    try:
        with os.fdopen(fd, "wb") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    except BaseException as err:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(err, OSError) and type(err).__module__ == "builtins":
            raise _naming(err, shown, what) from err
        raise


def _create_temporary(target: str) -> tuple[int, str]:
    """A new temporary file beside `target`, locked, with the mode `open(target, "wb")` would give."""
    directory, name = os.path.split(target)
    _remove_stale(directory, name)
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        mode = None
    while True:
        temporary = os.path.join(directory, f".{name}.{secrets.token_hex(4)}{_SUFFIX}")
        try:
            fd = os.open(temporary, _OPEN_FLAGS, 0o666)  # the umask applies, as for open()
        except FileExistsError:
            continue
        try:
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                if os.fstat(fd).st_ino != os.stat(temporary).st_ino:  # another writer took it for stale meanwhile
                    os.close(fd)
                    continue
            if mode is not None:
                os.chmod(temporary, mode)
        except FileNotFoundError:  # removed as stale between creation and locking
            os.close(fd)
            continue
        except BaseException:
            os.close(fd)
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
        return fd, temporary


def _remove_stale(directory: str, name: str) -> None:
    """Remove the temporary files of writes to `directory/name` whose writers are gone (no lock is held)."""
    pattern = re.compile(rf"\.{re.escape(name)}\.[0-9a-f]{{8}}{re.escape(_SUFFIX)}")
    try:
        candidates = [entry for entry in os.listdir(directory or ".") if pattern.fullmatch(entry)]
    except OSError:
        return  # an unreadable or missing folder: creating the temporary reports it
    for entry in candidates:
        stale = os.path.join(directory, entry)
        with contextlib.suppress(OSError):
            if fcntl is None:
                os.unlink(stale)  # fails while a writer has it open
                continue
            fd = os.open(stale, os.O_RDONLY)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # fails while its writer lives
                os.unlink(stale)
            finally:
                os.close(fd)


def _naming(err: OSError, path: str, what: str) -> OSError:
    """`err` as the same kind of error, saying it was writing `what` to `path` (not the temporary file)."""
    reason = err.strerror or str(err)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        reason = f"the folder {folder} does not exist"
    elif os.path.isdir(path):
        reason = "it is a folder"
    message = f"cannot write {what} to {path}: {reason}"
    return type(err)(message) if err.errno is None else type(err)(err.errno, message)
