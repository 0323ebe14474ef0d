"""ONNX export: a model built from the library's layers runs in ONNX Runtime and gives the library's outputs."""

from __future__ import annotations

import numpy as np
import pytest

import autograd
import nn
from autograd.onnx import UnsupportedOperatorError, export

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")


def _trained(model, *batches):
    """`model` after forward passes in training mode: its batch norms' running statistics are no longer 0 and 1."""
    for shape in batches:
        model(autograd.randn(*shape) * 3 + 1)
    return model


class _LanguageModel(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embedding = nn.Embedding(20, 8)
        self.lstm = nn.LSTM(8, 16, num_layers=2)
        self.linear = nn.Linear(16, 20)

    def forward(self, tokens):
        hidden, _ = self.lstm(self.embedding(tokens))
        return self.linear(hidden)


def _tokens(*shape):
    return lambda: autograd.tensor(np.random.default_rng(0).integers(0, 20, shape))


# a model per kind of layer: (build, example input)
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
    "lenet": (
        lambda: nn.Sequential(
            nn.Conv2d(1, 6, kernel_size=5, padding=2),
            nn.Sigmoid(),
            nn.AvgPool2d(kernel_size=2, stride=2),
            nn.Conv2d(6, 16, kernel_size=5),
            nn.Sigmoid(),
            nn.AvgPool2d(kernel_size=2, stride=2),
            nn.Flatten(),
            nn.Linear(16 * 5 * 5, 120),
            nn.Sigmoid(),
            nn.Linear(120, 10),
        ),
        lambda: autograd.randn(2, 1, 28, 28),
    ),
    "conv_batch_norm": (
        lambda: _trained(
            nn.Sequential(
                nn.Conv2d(3, 8, 3, stride=2, padding=1, groups=1, bias=False),
                nn.BatchNorm2d(8),
                nn.ReLU(),
                nn.Conv2d(8, 8, 3, padding=2, dilation=2, groups=4),
                nn.BatchNorm2d(8, affine=False),
                nn.ReLU(),
                nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True),
                nn.AdaptiveAvgPool2d(1),
                nn.Flatten(),
                nn.Linear(8, 4),
                nn.BatchNorm1d(4),
            ),
            (4, 3, 11, 11),
            (4, 3, 11, 11),
        ),
        lambda: autograd.randn(3, 3, 11, 11),
    ),
    "pooling": (
        lambda: nn.Sequential(
            nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
            nn.MaxPool2d(2, dilation=2),
            nn.AdaptiveAvgPool2d((2, 3)),
        ),
        lambda: autograd.randn(2, 3, 13, 12),
    ),
    "conv1d_layer_norm": (
        lambda: nn.Sequential(nn.Conv1d(4, 6, 3, padding=1), nn.LayerNorm(10), nn.Tanh(), nn.LayerNorm([6, 10])),
        lambda: autograd.randn(2, 4, 10),
    ),
    "rnn": (lambda: nn.RNN(4, 6, num_layers=2, nonlinearity="relu"), lambda: autograd.randn(5, 3, 4)),
    "gru": (lambda: nn.GRU(4, 6, bidirectional=True), lambda: autograd.randn(5, 3, 4)),
    "lstm": (lambda: nn.LSTM(4, 6, num_layers=2, batch_first=True), lambda: autograd.randn(3, 5, 4)),
    "lstm_no_bias": (lambda: nn.LSTM(4, 6, bias=False), lambda: autograd.randn(5, 3, 4)),
    "language_model": (_LanguageModel, _tokens(6, 3)),
}


def _outputs(result):
    """Every array the model returned, flattened in order (an RNN's output, then h_n, then c_n)."""
    if isinstance(result, (tuple, list)):
        return [a for item in result for a in _outputs(item)]
    return [result._data]


def _run_all(path, x):
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {session.get_inputs()[0].name: x._data})


def _run(path, x):
    return _run_all(path, x)[0]


@pytest.mark.parametrize("name", MODELS)
def test_an_exported_model_gives_the_same_outputs_in_onnx_runtime(name, tmp_path):
    build, data = MODELS[name]
    autograd.manual_seed(0)
    model, x = build(), data()
    path = tmp_path / f"{name}.onnx"
    export(model, x, path)
    onnx.checker.check_model(onnx.load(str(path)))
    model.eval()
    expected = _outputs(model(x))
    actual = _run_all(path, x)
    assert [a.shape for a in actual] == [e.shape for e in expected]
    for a, e in zip(actual, expected):
        np.testing.assert_allclose(a, e, rtol=1e-5, atol=1e-5)


def test_a_dynamic_batch_axis_accepts_another_batch_size(tmp_path):
    autograd.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 2), nn.ReLU())
    path = tmp_path / "model.onnx"
    export(model, autograd.randn(4, 3), path, dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
    x = autograd.randn(7, 3)
    np.testing.assert_allclose(_run(path, x), model(x)._data, rtol=1e-5, atol=1e-6)


# (model, its batch axis, its outputs: an RNN's h_n and c_n have the batch on axis 1)
DYNAMIC = [
    ("lenet", 0, {"output": 0}),
    ("conv_batch_norm", 0, {"output": 0}),
    ("gru", 1, {"output": 1, "h_n": 1}),
    ("lstm", 0, {"output": 0, "h_n": 1, "c_n": 1}),
    ("language_model", 1, {"output": 1}),
]


@pytest.mark.parametrize(("name", "axis", "outputs"), DYNAMIC)
def test_recurrent_and_convolutional_models_take_another_batch_size(name, axis, outputs, tmp_path):
    build, data = MODELS[name]
    autograd.manual_seed(0)
    model, x = build(), data()
    path = tmp_path / f"{name}.onnx"
    axes = {"input": {axis: "batch"}} | {out: {dim: "batch"} for out, dim in outputs.items()}
    export(model, x, path, output_names=list(outputs), dynamic_axes=axes)
    bigger = autograd.cat([x, x.narrow(axis, 0, 2)], dim=axis)
    model.eval()
    expected = _outputs(model(bigger))
    assert bigger.shape[axis] != x.shape[axis]
    for a, e in zip(_run_all(path, bigger), expected, strict=True):
        np.testing.assert_allclose(a, e, rtol=1e-5, atol=1e-5)


def test_a_batch_norm_without_running_statistics_is_a_clear_error(tmp_path):
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4, track_running_stats=False))
    with pytest.raises(RuntimeError, match=r"batch_norm with batch statistics.*running statistics"):
        export(model, autograd.randn(5, 3), tmp_path / "model.onnx")


def test_the_parameters_are_initializers_named_as_in_the_state_dict(tmp_path):
    model = nn.Sequential(nn.Linear(3, 2), nn.ReLU(), nn.Linear(2, 1))
    path = tmp_path / "model.onnx"
    export(model, autograd.randn(1, 3), path)
    names = {init.name for init in onnx.load(str(path)).graph.initializer}
    assert set(model.state_dict()) <= names


# ---- recurrent layers started from a given state ---------------------------------------------------------------

RECURRENT = {"RNN": nn.RNN, "GRU": nn.GRU, "LSTM": nn.LSTM}


def _batch_of(x, batch_first):
    return x.shape[0 if batch_first else 1]


def _sequence(batch, batch_first):
    return autograd.randn(batch, 5, 4) if batch_first else autograd.randn(5, batch, 4)


@pytest.mark.parametrize("kind", RECURRENT)
@pytest.mark.parametrize(("num_layers", "bidirectional"), [(1, False), (2, False), (1, True), (2, True)])
@pytest.mark.parametrize("batch_first", [False, True])
def test_a_given_start_state_keeps_the_batch_dynamic(kind, num_layers, bidirectional, batch_first, tmp_path):
    autograd.manual_seed(0)
    model = RECURRENT[kind](4, 6, num_layers=num_layers, bidirectional=bidirectional, batch_first=batch_first)
    lstm, states = kind == "LSTM", num_layers * (2 if bidirectional else 1)

    def arguments(batch):
        x = _sequence(batch, batch_first)
        h0 = autograd.randn(states, batch, 6)
        return (x, (h0, autograd.randn(states, batch, 6))) if lstm else (x, h0)

    input_names = ["x", "h0", "c0"] if lstm else ["x", "h0"]
    output_names = ["y", "h_n", "c_n"] if lstm else ["y", "h_n"]
    axes = {"x": {0 if batch_first else 1: "batch"}, "y": {0 if batch_first else 1: "batch"}}
    axes |= {name: {1: "batch"} for name in input_names[1:] + output_names[1:]}
    path = tmp_path / f"{kind}.onnx"
    export(model, arguments(3), path, input_names=input_names, output_names=output_names, dynamic_axes=axes)
    onnx.checker.check_model(onnx.load(str(path)))
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == input_names
    model.eval()
    for batch in (3, 7):
        args = arguments(batch)
        flat = [args[0], *args[1]] if lstm else list(args)
        assert np.any(flat[1]._data)  # a nonzero start state, which ONNX's default (zeros) would not give
        expected = _outputs(model(*args))
        actual = session.run(None, {name: t._data for name, t in zip(input_names, flat)})
        assert _batch_of(actual[0], batch_first) == batch
        for a, e in zip(actual, expected, strict=True):
            np.testing.assert_allclose(a, e, rtol=1e-5, atol=1e-5)


class _StartedFrom(nn.Module):
    """A recurrent layer started from a constant state the model makes for the batch it is given."""

    def __init__(self, kind, state) -> None:
        super().__init__()
        self.layer, self.state = RECURRENT[kind](4, 6, num_layers=2), state

    def forward(self, x):
        shape = (2, x.shape[1], 6)
        state = (self.state(shape), self.state(shape)) if isinstance(self.layer, nn.LSTM) else self.state(shape)
        return self.layer(x, state)[0]


@pytest.mark.parametrize("kind", RECURRENT)
def test_a_constant_start_state_alike_across_the_batch_follows_the_batch_size(kind, tmp_path):
    autograd.manual_seed(0)
    model = _StartedFrom(kind, lambda shape: autograd.full(shape, 0.5))
    path = tmp_path / f"{kind}.onnx"
    export(model, autograd.randn(5, 3, 4), path, dynamic_axes={"input": {1: "batch"}, "output": {1: "batch"}})
    onnx.checker.check_model(onnx.load(str(path)))
    for batch in (3, 7):
        x = autograd.randn(5, batch, 4)
        np.testing.assert_allclose(_run(path, x), model(x)._data, rtol=1e-5, atol=1e-5)


def test_a_constant_start_state_tied_to_the_example_batch_is_a_clear_error_with_a_dynamic_batch(tmp_path):
    autograd.manual_seed(0)
    model = _StartedFrom("GRU", lambda shape: autograd.randn(*shape))
    path = tmp_path / "gru.onnx"
    dynamic = {"input": {1: "batch"}, "output": {1: "batch"}}
    with pytest.raises(RuntimeError, match=r"start state of the GRU layer in 'layer'.*batch rows differ.*\(x, h0\)"):
        export(model, autograd.randn(5, 3, 4), path, dynamic_axes=dynamic)
    assert not path.exists()
    export(model, autograd.randn(5, 3, 4), path)  # at a fixed batch size it is a constant like any other
    onnx.checker.check_model(onnx.load(str(path)))


def test_an_operation_with_no_onnx_form_is_named_with_its_module(tmp_path):
    class Cumulative(nn.Module):
        def forward(self, x):
            return x.cumsum(1)

    model = nn.Sequential(nn.Linear(3, 3), Cumulative())
    path = tmp_path / "model.onnx"
    with pytest.raises(UnsupportedOperatorError, match=r"operation Cumsum \(in module '1', a Cumulative\) has no ONNX"):
        export(model, autograd.randn(2, 3), path)
    assert not path.exists()


def test_arguments_that_are_not_tensors_are_a_type_error_naming_where(tmp_path):
    with pytest.raises(TypeError, match=r"got float at args\[1\]\[0\]"):
        export(nn.LSTM(4, 6), (autograd.randn(5, 3, 4), (0.0, autograd.zeros(1, 3, 6))), tmp_path / "m.onnx")
