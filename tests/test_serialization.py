"""Tests of autograd.save and autograd.load: both formats, PyTorch's reading of them, and crafted files."""

from __future__ import annotations

import importlib.util
import io
import json
import math
import re
import struct
import tracemalloc
import zipfile

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd
import nn
import optim
from autograd.serialization import MAX_DEPTH
from autograd.tensor import Tensor

needs_safetensors = pytest.mark.skipif(importlib.util.find_spec("safetensors") is None, reason="needs safetensors")
needs_torch = pytest.mark.skipif(
    importlib.util.find_spec("torch") is None or importlib.util.find_spec("safetensors") is None,
    reason="needs torch and safetensors",
)
FORMATS = [".npz", pytest.param(".safetensors", marks=needs_safetensors)]
DTYPES = st.sampled_from(["float32", "float64", "float16", "int64", "int32", "uint8", "int8", "bool"])


def state_dicts():
    names = st.from_regex(r"[a-z][a-z0-9_]{0,5}(\.[a-z0-9_]{1,5}){0,2}", fullmatch=True)
    arrays = DTYPES.flatmap(lambda dtype: hnp.arrays(dtype, hnp.array_shapes(min_dims=0, max_dims=3, min_side=0)))
    return st.dictionaries(names, arrays, max_size=5)


@pytest.mark.parametrize("suffix", FORMATS)
@given(state=state_dicts())
def test_state_dicts_round_trip(tmp_path_factory, suffix, state):
    path = tmp_path_factory.mktemp("state") / f"state{suffix}"
    autograd.save({name: Tensor(array) for name, array in state.items()}, path)
    loaded = autograd.load(path)
    assert list(loaded) == list(state)
    for name, array in state.items():
        assert isinstance(loaded[name], Tensor) and loaded[name].dtype == array.dtype
        np.testing.assert_array_equal(loaded[name]._data, array)
        assert loaded[name]._data.flags.writeable


@pytest.mark.parametrize("suffix", FORMATS)
def test_nested_state_with_numbers_and_strings_round_trips(tmp_path, suffix):
    state = {
        "state": {0: {"step": 3, "exp_avg": autograd.tensor([1.0, 2.0])}, 1: {"step": 3, "exp_avg": autograd.ones(2)}},
        "param_groups": [{"lr": 0.1, "betas": (0.9, 0.999), "nesterov": False, "name": None, "params": [0, 1]}],
        "raw": np.arange(3, dtype=np.int16),
        "specials": [float("inf"), -float("inf"), float("nan"), "text"],
    }
    autograd.save(state, tmp_path / f"state{suffix}")
    loaded = autograd.load(tmp_path / f"state{suffix}")
    assert loaded["state"][1]["step"] == 3 and isinstance(loaded["state"][0]["exp_avg"], Tensor)
    np.testing.assert_array_equal(loaded["state"][0]["exp_avg"]._data, [1.0, 2.0])
    assert loaded["param_groups"] == state["param_groups"]
    assert isinstance(loaded["raw"], np.ndarray) and loaded["raw"].dtype == np.int16
    assert loaded["specials"][:2] == [math.inf, -math.inf] and math.isnan(loaded["specials"][2])
    assert loaded["specials"][3] == "text"


@pytest.mark.parametrize("suffix", FORMATS)
def test_an_optimizer_resumes_from_either_format(tmp_path, suffix):
    def run(opt, w, steps):
        for _ in range(steps):
            opt.zero_grad()
            ((w * w).sum() + w.sum()).backward()
            opt.step()

    straight, first = nn.Parameter(np.linspace(-1, 1, 4)), nn.Parameter(np.linspace(-1, 1, 4))
    run(optim.Adam([straight], lr=0.1, amsgrad=True), straight, 6)
    opt = optim.Adam([first], lr=0.1, amsgrad=True)
    run(opt, first, 3)
    autograd.save(opt.state_dict(), tmp_path / f"opt{suffix}")
    fresh = optim.Adam([first], lr=5.0)
    fresh.load_state_dict(autograd.load(tmp_path / f"opt{suffix}"))
    run(fresh, first, 3)
    np.testing.assert_array_equal(first._data, straight._data)


@pytest.mark.parametrize("suffix", FORMATS)
def test_a_training_checkpoint_resumes_from_either_format(tmp_path, suffix):
    """A model, its optimizer (step counts, nested per-parameter state), a scheduler and the epoch in one file."""

    def setup():
        autograd.manual_seed(0)
        net = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
        opt = optim.Adam(net.parameters(), lr=0.05)
        return net, opt, optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)

    def epoch(net, opt, scheduler):
        for x in data:
            opt.zero_grad()
            (net(x) ** 2).mean().backward()
            opt.step()
        scheduler.step()

    data = [autograd.randn(5, 3) for _ in range(3)]
    straight = setup()
    for _ in range(4):
        epoch(*straight)
    net, opt, scheduler = setup()
    for _ in range(2):
        epoch(net, opt, scheduler)
    checkpoint = {"model": net.state_dict(), "optimizer": opt.state_dict(), "scheduler": scheduler.state_dict()}
    autograd.save(checkpoint | {"epoch": 2}, tmp_path / f"checkpoint{suffix}")
    resumed = setup()
    loaded = autograd.load(tmp_path / f"checkpoint{suffix}")
    assert loaded["epoch"] == 2 and loaded["optimizer"]["state"][0]["step"] == 6
    resumed[0].load_state_dict(loaded["model"])
    resumed[1].load_state_dict(loaded["optimizer"])
    resumed[2].load_state_dict(loaded["scheduler"])
    for _ in range(2):
        epoch(*resumed)
    for ours, theirs in zip(resumed[0].parameters(), straight[0].parameters(), strict=True):
        np.testing.assert_array_equal(ours._data, theirs._data)
    assert resumed[1].param_groups[0]["lr"] == straight[1].param_groups[0]["lr"] == 0.05 * 0.5**2


@needs_safetensors
def test_safetensors_names_tensors_by_their_keys_and_keeps_the_rest_in_metadata(tmp_path):
    from safetensors.numpy import load_file

    opt = optim.SGD([nn.Parameter(np.ones(2))], lr=0.5, momentum=0.9)
    opt.param_groups[0]["params"][0].grad = autograd.ones(2, dtype=autograd.float64)
    opt.step()
    autograd.save(opt.state_dict(), tmp_path / "opt.safetensors")
    assert list(load_file(tmp_path / "opt.safetensors")) == ["state.0.momentum_buffer"]


@needs_safetensors
def test_what_safetensors_cannot_hold_says_which_format_can(tmp_path):
    path = tmp_path / "bad.safetensors"
    with pytest.raises(TypeError, match=r"cannot hold the saved object\['z'\] of dtype complex128; save to a \.npz"):
        autograd.save({"z": np.zeros(2, dtype=np.complex128)}, path)
    with pytest.raises(ValueError, match="both be named 'a.b'.*npz"):
        autograd.save({"a.b": autograd.ones(1), "a": {"b": autograd.ones(1)}}, path)
    assert not path.exists()
    autograd.save({"z": np.zeros(2, dtype=np.complex128)}, tmp_path / "fine.npz")


def test_save_refuses_what_load_would_refuse(tmp_path):
    deep: list = []
    for _ in range(MAX_DEPTH + 1):
        deep = [deep]
    with pytest.raises(ValueError, match=f"nested more than {MAX_DEPTH} levels"):
        autograd.save(deep, tmp_path / "deep.npz")
    looped: list = []
    looped.append(looped)
    with pytest.raises(ValueError, match="nested more than"):
        autograd.save(looped, tmp_path / "loop.npz")
    for _ in range(MAX_DEPTH - 1 - 1):  # the deepest that is allowed round-trips
        deep = deep[0]
    autograd.save(deep, tmp_path / "ok.npz")
    assert autograd.load(tmp_path / "ok.npz") == deep


# ---- PyTorch reads what was saved here, and the other way round ----------------------------------------


def _mlp_twins():
    import torch

    ours = nn.Sequential(nn.Flatten(), nn.Linear(12, 16), nn.ReLU(), nn.Linear(16, 5))
    theirs = torch.nn.Sequential(
        torch.nn.Flatten(), torch.nn.Linear(12, 16), torch.nn.ReLU(), torch.nn.Linear(16, 5)
    ).eval()
    return ours, theirs


def _assert_same_outputs(ours, theirs, x):
    import torch

    with torch.no_grad():
        expected = theirs(torch.from_numpy(x)).numpy()
    actual = ours(autograd.tensor(x))._data
    assert actual.dtype == expected.dtype == np.float32
    np.testing.assert_allclose(actual, expected, rtol=0, atol=1e-6)


@needs_torch
def test_an_mlp_saved_here_loads_into_pytorch(tmp_path):
    from safetensors.torch import load_file

    ours, theirs = _mlp_twins()
    autograd.save(ours.state_dict(), tmp_path / "mlp.safetensors")
    result = theirs.load_state_dict(load_file(tmp_path / "mlp.safetensors"))
    assert not result.missing_keys and not result.unexpected_keys
    _assert_same_outputs(ours, theirs, np.random.default_rng(0).standard_normal((7, 3, 4), dtype=np.float32))


@needs_torch
def test_an_mlp_pytorch_saved_loads_here(tmp_path):
    from safetensors.torch import save_file

    ours, theirs = _mlp_twins()
    save_file(theirs.state_dict(), tmp_path / "mlp.safetensors")
    ours.load_state_dict(autograd.load(tmp_path / "mlp.safetensors"))
    _assert_same_outputs(ours, theirs, np.random.default_rng(1).standard_normal((7, 3, 4), dtype=np.float32))


def _language_models(lib):
    """An Embedding + 2-layer LSTM + Linear language model, built from `lib` (`nn` here, `torch.nn` there)."""

    class LanguageModel(lib.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embedding = lib.Embedding(20, 8)
            self.lstm = lib.LSTM(8, 16, num_layers=2)
            self.linear = lib.Linear(16, 20)

        def forward(self, tokens):
            hidden, _ = self.lstm(self.embedding(tokens))
            return self.linear(hidden)

    return LanguageModel()


def _lenet(lib):
    return lib.Sequential(
        lib.Conv2d(1, 6, kernel_size=5, padding=2), lib.Sigmoid(), lib.AvgPool2d(kernel_size=2, stride=2),
        lib.Conv2d(6, 16, kernel_size=5), lib.Sigmoid(), lib.AvgPool2d(kernel_size=2, stride=2),
        lib.Flatten(), lib.Linear(16 * 5 * 5, 120), lib.Sigmoid(), lib.Linear(120, 10),
    )  # fmt: skip


def _batch_norm_cnn(lib):
    return lib.Sequential(
        lib.Conv2d(1, 4, kernel_size=3, padding=1, bias=False), lib.BatchNorm2d(4), lib.ReLU(),
        lib.MaxPool2d(kernel_size=3, stride=2, padding=1),
        lib.Conv2d(4, 8, kernel_size=3, padding=1), lib.BatchNorm2d(8), lib.ReLU(),
        lib.AdaptiveAvgPool2d(1), lib.Flatten(), lib.Linear(8, 10), lib.BatchNorm1d(10),
    )  # fmt: skip


def _images(rng):
    return rng.standard_normal((4, 1, 28, 28), dtype=np.float32)


def _float_steps(rng):
    return rng.standard_normal((5, 3, 4), dtype=np.float32)


def _tokens(rng):
    return rng.integers(0, 20, (6, 3))


# (the model built from `lib`, `nn` here or `torch.nn` there; an input): the models of the issue and the recurrent
# layers with every option that changes the state dict's keys
TWINS = {
    "lenet": (_lenet, _images),
    "batch_norm_cnn": (_batch_norm_cnn, _images),
    "rnn": (lambda lib: lib.RNN(4, 6, num_layers=2, nonlinearity="relu"), _float_steps),
    "gru": (lambda lib: lib.GRU(4, 6, bidirectional=True), _float_steps),
    "lstm": (lambda lib: lib.LSTM(4, 6, num_layers=2, batch_first=True), _float_steps),
    "lstm_no_bias": (lambda lib: lib.LSTM(4, 6, bias=False), _float_steps),
    "embedding": (lambda lib: lib.Embedding(20, 5, padding_idx=0), _tokens),
    "language_model": (_language_models, _tokens),
}


def _outputs(result, to_numpy):
    """Every array a model returned (an RNN's output, h_n and, for an LSTM, c_n), in order."""
    if isinstance(result, (tuple, list)):
        return [a for item in result for a in _outputs(item, to_numpy)]
    return [to_numpy(result)]


def _first(result):
    return result[0] if isinstance(result, tuple) else result


def _train_here(model, x, steps=3):
    """A few SGD steps on the mean square of the output, in training mode (batch norms update their statistics)."""
    opt = optim.SGD(model.parameters(), lr=0.1)
    model.train()
    for _ in range(steps):
        opt.zero_grad()
        out = _first(model(autograd.tensor(x)))
        (out * out).mean().backward()
        opt.step()
    model.eval()


def _train_there(model, x, steps=3):
    """`_train_here` in PyTorch."""
    import torch

    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    model.train()
    for _ in range(steps):
        opt.zero_grad()
        out = _first(model(torch.from_numpy(x)))
        (out * out).mean().backward()
        opt.step()
    model.eval()


def _assert_same_outputs_everywhere(ours, theirs, x):
    import torch

    with torch.no_grad():
        expected = _outputs(theirs(torch.from_numpy(x)), lambda t: t.numpy())
    actual = _outputs(ours(autograd.tensor(x)), lambda t: t._data)
    assert len(actual) == len(expected)
    for a, e in zip(actual, expected):
        assert a.dtype == e.dtype == np.float32 and a.shape == e.shape
        np.testing.assert_allclose(a, e, rtol=0, atol=1e-6)


@needs_torch
@pytest.mark.parametrize("name", TWINS)
def test_a_model_trained_here_loads_into_pytorch(tmp_path, name):
    import torch
    from safetensors.torch import load_file

    build, data = TWINS[name]
    autograd.manual_seed(0)
    ours, theirs = build(nn), build(torch.nn).eval()
    rng = np.random.default_rng(0)
    _train_here(ours, data(rng))
    autograd.save(ours.state_dict(), tmp_path / "model.safetensors")
    result = theirs.load_state_dict(load_file(tmp_path / "model.safetensors"))
    assert not result.missing_keys and not result.unexpected_keys
    _assert_same_outputs_everywhere(ours, theirs, data(rng))


@needs_torch
@pytest.mark.parametrize("name", TWINS)
def test_a_model_pytorch_trained_loads_here(tmp_path, name):
    import torch
    from safetensors.torch import save_file

    build, data = TWINS[name]
    torch.manual_seed(0)
    ours, theirs = build(nn).eval(), build(torch.nn)
    rng = np.random.default_rng(1)
    _train_there(theirs, data(rng))
    save_file(theirs.state_dict(), tmp_path / "model.safetensors")
    ours.load_state_dict(autograd.load(tmp_path / "model.safetensors"))
    assert list(ours.state_dict()) == list(theirs.state_dict())
    _assert_same_outputs_everywhere(ours, theirs, data(rng))


@needs_torch
def test_a_pytorch_tensor_numpy_cannot_hold_is_a_clear_error(tmp_path):
    import torch
    from safetensors.torch import save_file

    save_file({"w": torch.ones(2, dtype=torch.bfloat16)}, tmp_path / "bf16.safetensors")
    with pytest.raises(TypeError, match=r"bf16.safetensors holds a tensor numpy cannot represent.*float32"):
        autograd.load(tmp_path / "bf16.safetensors")


# ---- crafted files: a ValueError saying what is wrong, at a cost bounded by the file's size ----------------


def _npy(array: np.ndarray | None = None, header: dict | None = None, data: bytes = b"") -> bytes:
    buffer = io.BytesIO()
    if array is not None:
        np.save(buffer, array)
    else:
        np.lib.format.write_array_header_1_0(buffer, header)
        buffer.write(data)
    return buffer.getvalue()


def _structure(root) -> bytes:
    return _npy(np.frombuffer(json.dumps({"format": "autograd-state/1", "root": root}).encode(), dtype=np.uint8))


def _archive(path, members: dict[str, bytes], compressed=()):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            kind = zipfile.ZIP_DEFLATED if name in compressed else zipfile.ZIP_STORED
            archive.writestr(name, data, compress_type=kind)
    return path


def _load_error(path) -> str:
    with pytest.raises(ValueError, match="is not a valid (autograd state|safetensors) file: ") as info:
        autograd.load(path)
    return str(info.value)


def _tensor(index):
    return {"dict": [["w", {"tensor": index}]]}


@pytest.mark.parametrize(
    ("members", "reason"),
    [
        ({"a0.npy": _npy(np.ones(2))}, "no __structure__ entry"),
        ({"__structure__.npy": _npy(np.ones(2))}, "__structure__ entry is not text"),
        ({"__structure__.npy": _npy(np.frombuffer(b"\xff\xfe", np.uint8))}, "not UTF-8"),
        ({"__structure__.npy": _npy(np.frombuffer(b"{", np.uint8))}, "not valid JSON"),
        ({"__structure__.npy": _npy(np.frombuffer(b'{"format": 2}', np.uint8))}, "unknown format"),
        ({"__structure__.npy": _structure(_tensor(0))}, "unexpected entry"),
        ({"__structure__.npy": _structure({"dict": [["k"]]})}, "unexpected entry"),
        ({"__structure__.npy": _structure({"dict": [[None, 1]]})}, "unexpected entry"),
        ({"__structure__.npy": _structure({"tensor": True}), "aTrue.npy": _npy(np.ones(1))}, "unexpected entry"),
        (
            {"__structure__.npy": _structure({"list": [{"tensor": 0}, {"array": 0}]}), "a0.npy": _npy(np.ones(2))},
            "refers to the array 'a0' twice",
        ),
        (
            {"__structure__.npy": _structure(_tensor(0)), "a0.npy": _npy(np.array([{}], dtype=object))},
            "dtype object; only numbers and bools",
        ),
        (
            {"__structure__.npy": _structure(_tensor(0)), "a0.npy": _npy(np.zeros(2, dtype="i4,f4"))},
            "only numbers and bools",
        ),
        (
            {
                "__structure__.npy": _structure(_tensor(0)),
                "a0.npy": _npy(header={"descr": "<f4", "fortran_order": False, "shape": (1 << 40,)}, data=bytes(8)),
            },
            r"declares shape \(1099511627776,\) of float32 \(4398046511104 bytes\) but holds 8 bytes",
        ),
        (
            {
                "__structure__.npy": _structure(_tensor(0)),
                "a0.npy": _npy(header={"descr": "<f4", "fortran_order": False, "shape": (-2, -1)}, data=bytes(8)),
            },
            "negative dimension",
        ),
        ({"__structure__.npy": _structure(_tensor(0)), "a0.npy": b"\x93NUMPY\x09\x00"}, r"version \(9, 0\)"),
        (
            {"__structure__.npy": _structure(_tensor(0)), "a0.npy": b"not a .npy file"},
            "the magic string is not correct",
        ),
    ],
)
def test_crafted_archives_are_refused_with_the_reason(tmp_path, members, reason):
    message = _load_error(_archive(tmp_path / "crafted.npz", members))
    assert "crafted.npz" in message and re.search(reason, message)


def test_compressed_members_are_refused_and_unreferenced_ones_never_read(tmp_path):
    bomb = _npy(np.zeros(1 << 24, dtype=np.float32))  # 64 MiB of zeros deflate to about 64 KiB
    referenced = _archive(
        tmp_path / "a.npz", {"__structure__.npy": _structure(_tensor(0)), "a0.npy": bomb}, compressed={"a0.npy"}
    )
    assert referenced.stat().st_size < 1 << 20
    assert "a0.npy is compressed" in _load_error(referenced)
    unreferenced = _archive(
        tmp_path / "u.npz", {"__structure__.npy": _structure({"dict": []}), "a0.npy": bomb}, compressed={"a0.npy"}
    )
    tracemalloc.start()
    try:
        assert autograd.load(unreferenced) == {}
        with pytest.raises(ValueError):
            autograd.load(referenced)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 << 20  # np.load read every member: 64 MiB


def test_a_member_larger_than_the_archive_is_refused_before_it_is_read(tmp_path):
    path = _archive(tmp_path / "big.npz", {"__structure__.npy": _structure(_tensor(0)), "a0.npy": _npy(np.ones(64))})
    data = bytearray(path.read_bytes())
    for offset in (
        data.rindex(b"PK\x01\x02") + 20,  # the central directory's sizes of the last member (a0.npy)
        data.rindex(b"PK\x01\x02") + 24,
    ):
        data[offset : offset + 4] = struct.pack("<I", 1 << 30)
    path.write_bytes(bytes(data))
    assert "a0.npy declares 1073741824 bytes but the archive holds" in _load_error(path)


def test_deep_structures_are_refused_without_recursion(tmp_path):
    text = '{"format": "autograd-state/1", "root": ' + '{"list": [' * 100_000 + "]}" * 100_000 + "}"
    members = {"__structure__.npy": _npy(np.frombuffer(text.encode(), np.uint8))}
    assert f"nested more than {MAX_DEPTH} levels" in _load_error(_archive(tmp_path / "deep.npz", members))
    brackets_in_strings = json.dumps({"format": "autograd-state/1", "root": "[" * 10_000})
    members = {"__structure__.npy": _npy(np.frombuffer(brackets_in_strings.encode(), np.uint8))}
    assert autograd.load(_archive(tmp_path / "text.npz", members)) == "[" * 10_000


def _safetensors_file(path, header: dict | str, data: bytes = b""):
    text = header if isinstance(header, str) else json.dumps(header)
    path.write_bytes(struct.pack("<Q", len(text)) + text.encode() + data)
    return path


@needs_safetensors
@pytest.mark.parametrize(
    ("header", "data"),
    [
        ({"w": {"dtype": "F32", "shape": [1 << 40], "data_offsets": [0, 1 << 42]}}, bytes(8)),
        ({"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 8]}}, bytes(8)),
        ({"w": {"dtype": "XX", "shape": [2], "data_offsets": [0, 8]}}, bytes(8)),
        ("[" * 100_000 + "]" * 100_000, b""),
        ("not json", b""),
        ({"__metadata__": {"format": "autograd-state/1", "__structure__": "[" * 100_000}}, b""),
        ({"__metadata__": {"format": "autograd-state/1", "__structure__": '{"format": "autograd-state/1"'}}, b""),
        (
            {
                "__metadata__": {
                    "format": "autograd-state/1",
                    "__structure__": json.dumps({"format": "autograd-state/1", "root": {"tensor": "missing"}}),
                },
                "w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
            },
            bytes(8),
        ),
    ],
)
def test_crafted_safetensors_files_are_refused(tmp_path, header, data):
    _load_error(_safetensors_file(tmp_path / "crafted.safetensors", header, data))


@needs_safetensors
def test_a_header_length_beyond_the_file_is_refused(tmp_path):
    path = tmp_path / "long.safetensors"
    path.write_bytes(struct.pack("<Q", 1 << 62) + b"{}")
    _load_error(path)


@pytest.mark.parametrize("suffix", FORMATS)
@given(data=st.data())
def test_damaged_files_fail_only_with_value_error(tmp_path_factory, suffix, data):
    path = tmp_path_factory.mktemp("damaged") / f"state{suffix}"
    autograd.save({"w": autograd.ones(3, 2), "step": 3, "groups": [{"lr": 0.5}]}, path)
    original = path.read_bytes()
    damaged = bytearray(original)
    if data.draw(st.booleans(), label="truncate"):
        damaged = damaged[: data.draw(st.integers(0, len(damaged) - 1), label="length")]
    for _ in range(data.draw(st.integers(1, 4), label="count")):
        if damaged:
            damaged[data.draw(st.integers(0, len(damaged) - 1), label="at")] = data.draw(st.integers(0, 255))
    path.write_bytes(bytes(damaged))
    try:
        autograd.load(path)
    except ValueError as err:
        assert str(path) in str(err)


def test_missing_files_raise_file_not_found(tmp_path):
    for name in ("missing.npz", "missing.safetensors"):
        with pytest.raises(FileNotFoundError):
            autograd.load(tmp_path / name)
