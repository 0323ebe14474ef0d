"""Without the optional onnx extra, export says what to install (runs whether or not onnx is installed)."""

from __future__ import annotations

import sys

import pytest

import autograd
import nn
from autograd.onnx import export


def test_export_without_onnx_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)  # as if it were not installed: `import onnx` fails
    with pytest.raises(ImportError, match=r"pip install .*\[onnx\]"):
        export(nn.Linear(2, 1), autograd.randn(1, 2), tmp_path / "model.onnx")
    assert not (tmp_path / "model.onnx").exists()
