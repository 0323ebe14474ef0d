"""ONNX export: a model built from the library's layers runs in ONNX Runtime and gives the library's outputs."""

from __future__ import annotations

import numpy as np
import pytest

import autograd
import nn
from autograd.onnx import export

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

MODELS = {
    "mlp": (
        lambda: nn.Sequential(nn.Flatten(), nn.Linear(12, 8), nn.ReLU(), nn.Linear(8, 5), nn.Softmax(dim=1)),
        lambda: autograd.randn(4, 3, 4),
    ),
    "activations": (
        lambda: nn.Sequential(nn.Linear(6, 6), nn.Tanh(), nn.Linear(6, 6), nn.Sigmoid(), nn.LeakyReLU(0.2)),
        lambda: autograd.randn(3, 6),
    ),
    "embedding": (
        lambda: nn.Sequential(nn.Embedding(10, 4), nn.Flatten(), nn.Linear(12, 2)),
        lambda: autograd.tensor(np.array([[1, 2, 3], [9, 0, 4]])),
    ),
}


def _run(path, x):
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {session.get_inputs()[0].name: x._data})[0]


@pytest.mark.parametrize("name", MODELS)
def test_an_exported_model_gives_the_same_outputs_in_onnx_runtime(name, tmp_path):
    build, data = MODELS[name]
    autograd.manual_seed(0)
    model, x = build(), data()
    path = tmp_path / f"{name}.onnx"
    export(model, x, path)
    onnx.checker.check_model(onnx.load(str(path)))
    expected = model(x)._data
    np.testing.assert_allclose(_run(path, x), expected, rtol=1e-5, atol=1e-6)


def test_a_dynamic_batch_axis_accepts_another_batch_size(tmp_path):
    autograd.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 2), nn.ReLU())
    path = tmp_path / "model.onnx"
    export(model, autograd.randn(4, 3), path, dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
    x = autograd.randn(7, 3)
    np.testing.assert_allclose(_run(path, x), model(x)._data, rtol=1e-5, atol=1e-6)


def test_the_parameters_are_initializers_named_as_in_the_state_dict(tmp_path):
    model = nn.Sequential(nn.Linear(3, 2), nn.ReLU(), nn.Linear(2, 1))
    path = tmp_path / "model.onnx"
    export(model, autograd.randn(1, 3), path)
    names = {init.name for init in onnx.load(str(path)).graph.initializer}
    assert set(model.state_dict()) <= names
