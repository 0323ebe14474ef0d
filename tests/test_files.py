"""Tests of autograd.files.atomic_write and of the files that save, viz.render and downloads write with it."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

import autograd
import viz
from autograd.files import atomic_write

posix = pytest.mark.skipif(os.name != "posix", reason="POSIX permissions and locks")


@pytest.fixture
def umask():
    """Run the test under umask 0o027 (so the expected modes differ from tempfile's 0o600 and from 0o644)."""
    old = os.umask(0o027)
    yield 0o027
    os.umask(old)


def mode(path) -> int:
    return os.stat(path).st_mode & 0o7777


def _save(suffix):
    def write(path):
        if suffix == ".safetensors":
            pytest.importorskip("safetensors")
        autograd.save({"w": autograd.ones(2)}, path)

    return write


WRITERS = {
    "model.npz": _save(".npz"),
    "model.safetensors": _save(".safetensors"),
    "drawing.dot": lambda path: viz.render(viz.examples.apple(), path),
}


@posix
@pytest.mark.parametrize("name", sorted(WRITERS))
def test_new_files_get_the_mode_open_gives_and_overwrites_keep_theirs(tmp_path, umask, name):
    target = tmp_path / name
    WRITERS[name](target)
    with open(tmp_path / "plain", "wb"):
        pass
    assert mode(target) == mode(tmp_path / "plain") == 0o666 & ~umask
    target.chmod(0o600)
    WRITERS[name](target)
    assert mode(target) == 0o600
    assert sorted(os.listdir(tmp_path)) == sorted([name, "plain"])


@posix
def test_writing_through_a_symlink_replaces_its_target(tmp_path):
    real = tmp_path / "real.bin"
    real.write_bytes(b"old")
    link = tmp_path / "link.bin"
    link.symlink_to(real)
    with atomic_write(link) as stream:
        stream.write(b"new")
    assert link.is_symlink() and real.read_bytes() == b"new"


def test_errors_name_the_file_asked_for_not_the_temporary(tmp_path, monkeypatch):
    target = tmp_path / "model.npz"
    autograd.save({"w": autograd.ones(1)}, target)
    before = target.read_bytes()

    def fail(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError) as info:
        autograd.save({"w": autograd.zeros(3)}, target)
    message = str(info.value)
    assert f"cannot write the state to {target}: No space left on device" in message and ".part" not in message
    assert info.value.errno == 28
    assert target.read_bytes() == before and os.listdir(tmp_path) == ["model.npz"]
    with pytest.raises(FileNotFoundError, match=f"cannot write the state to .*missing.*{os.sep}m.npz: the folder"):
        autograd.save({}, tmp_path / "missing" / "m.npz")


def test_errors_raised_by_the_block_pass_through_and_leave_nothing(tmp_path):
    target = tmp_path / "out.bin"
    with pytest.raises(KeyError), atomic_write(target) as stream:
        stream.write(b"partial")
        raise KeyError("not a file system error")
    assert os.listdir(tmp_path) == []


@posix
def test_a_killed_writers_temporary_is_removed_by_the_next_write(tmp_path):
    target = tmp_path / "model.npz"
    script = (
        "import os, signal, sys\n"
        "from autograd.files import atomic_write\n"
        "with atomic_write(sys.argv[1]) as stream:\n"
        "    stream.write(b'half of a file')\n"
        "    stream.flush()\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    killed = subprocess.run([sys.executable, "-c", script, str(target)], cwd=root, timeout=60)
    assert killed.returncode == -9
    (stale,) = os.listdir(tmp_path)
    assert stale.startswith(".model.npz.") and stale.endswith(".part")
    autograd.save({"w": autograd.ones(2)}, target)
    assert os.listdir(tmp_path) == ["model.npz"]


@posix
def test_a_live_writers_temporary_is_kept(tmp_path):
    target = tmp_path / "out.bin"
    with atomic_write(target) as first:
        first.write(b"first")
        with atomic_write(target) as second:  # another write to the same path, while the first is open
            second.write(b"second")
        assert len(os.listdir(tmp_path)) == 2  # the first one's temporary, and the second's result
    assert target.read_bytes() == b"first" and os.listdir(tmp_path) == ["out.bin"]


def test_files_that_only_look_alike_are_not_touched(tmp_path):
    others = [".out.bin.notahex1.part", ".out.bin.12345678.tmp", ".other.bin.12345678.part", "out.bin.12345678.part"]
    for name in others:
        (tmp_path / name).write_bytes(b"keep")
    with atomic_write(tmp_path / "out.bin") as stream:
        stream.write(b"x")
    assert sorted(os.listdir(tmp_path)) == sorted([*others, "out.bin"])
