"""Tests of nn: Module bookkeeping and state dicts, layers, losses, init, gradient clipping, saving and loading."""

from __future__ import annotations

import copy
import importlib.util
import math
import os
from collections import OrderedDict

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd
import nn
import nn.functional as F
from autograd import Tensor, gradcheck, gradgradcheck


def t64(array, requires_grad=False):
    return autograd.tensor(np.asarray(array, dtype=np.float64), requires_grad=requires_grad)


def d2l_net():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(3, 4)
        self.out = nn.Linear(4, 2, bias=False)
        self.register_buffer("scale", autograd.ones(2))

    def forward(self, x):
        return self.out(F.relu(self.hidden(x))) * self.scale


# ---- Module bookkeeping ---------------------------------------------------------------------------------
def test_parameters_and_names_follow_assignment_order():
    net = Block()
    assert [name for name, _ in net.named_parameters()] == ["hidden.weight", "hidden.bias", "out.weight"]
    assert [p.shape for p in net.parameters()] == [(4, 3), (4,), (2, 4)]
    assert [name for name, _ in net.named_modules()] == ["", "hidden", "out"]
    assert list(net.children()) == [net.hidden, net.out]
    assert list(net.modules())[0] is net
    assert [name for name, _ in net.named_buffers()] == ["scale"]
    assert list(net.parameters(recurse=False)) == []


def test_shared_parameters_and_modules_are_listed_once():
    shared = nn.Linear(2, 2)
    net = nn.Sequential(shared, nn.ReLU(), shared)
    assert len(list(net.parameters())) == 2
    assert [name for name, _ in net.named_modules()] == ["", "0", "1"]


def test_assigning_none_or_wrong_types_to_registered_names():
    net = Block()
    net.out = None
    assert net._modules["out"] is None and net.out is None
    with pytest.raises(TypeError, match="parameter 'weight'"):
        net.hidden.weight = autograd.zeros(4, 3)
    net.hidden.bias = None
    assert [n for n, _ in net.named_parameters()] == ["hidden.weight"]
    with pytest.raises(TypeError, match="buffer 'scale'"):
        net.scale = np.ones(2)
    del net.hidden
    assert "hidden" not in net._modules and not hasattr(net, "hidden")


def test_assigning_before_init_is_an_error():
    class Broken(nn.Module):
        def __init__(self):
            self.layer = nn.Linear(1, 1)

    with pytest.raises(AttributeError, match="before Module.__init__"):
        Broken()


def test_register_rejects_bad_names():
    net = nn.Module()
    with pytest.raises(KeyError, match="contain"):
        net.register_parameter("a.b", None)
    with pytest.raises(KeyError, match="already exists"):
        net.add_module("forward", nn.ReLU())
    with pytest.raises(TypeError, match="Parameter or None"):
        net.register_parameter("w", autograd.zeros(1))


def test_forward_missing_is_reported():
    with pytest.raises(NotImplementedError, match='missing the required "forward"'):
        nn.Module()(1)


def test_train_eval_and_apply():
    net = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Dropout(0.5)))
    assert net.eval() is net and not any(m.training for m in net.modules())
    assert all(m.training for m in net.train().modules())
    with pytest.raises(ValueError, match="boolean"):
        net.train(1)
    visited = []
    net.apply(lambda m: visited.append(type(m).__name__))
    assert visited == ["Linear", "Dropout", "Sequential", "Sequential"]


def test_zero_grad_to_none_and_to_zeros():
    net = nn.Linear(3, 2)
    net(autograd.ones(1, 3)).sum().backward()
    grad = net.weight.grad
    net.zero_grad(set_to_none=False)
    assert net.weight.grad is grad and not grad._data.any()
    net.zero_grad()
    assert net.weight.grad is None and net.bias.grad is None


def test_requires_grad_and_dtype_conversion():
    net = Block()
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())
    weight = net.hidden.weight
    net.double()
    assert net.hidden.weight is weight and weight.dtype == np.float64 and net.scale.dtype == np.float64
    assert net.float().hidden.weight.dtype == np.float32


def test_deepcopy_gives_an_independent_module():
    net = Block()
    clone = copy.deepcopy(net)
    clone.hidden.weight._data += 1
    assert not np.allclose(clone.hidden.weight._data, net.hidden.weight._data)
    assert [n for n, _ in clone.named_parameters()] == [n for n, _ in net.named_parameters()]
    assert clone.hidden.weight is clone._modules["hidden"]._parameters["weight"]


def test_module_call_tags_its_graph_nodes():
    net = nn.Sequential(nn.Linear(3, 4), nn.ReLU())
    out = net(autograd.ones(2, 3))
    assert out.grad_fn.module is net[1]
    assert out.grad_fn.edges[0].module is net[0]


def test_repr_is_nested_like_pytorch():
    assert repr(d2l_net()) == (
        "Sequential(\n"
        "  (0): Flatten(start_dim=1, end_dim=-1)\n"
        "  (1): Linear(in_features=784, out_features=256, bias=True)\n"
        "  (2): ReLU()\n"
        "  (3): Linear(in_features=256, out_features=10, bias=True)\n"
        ")"
    )
    nested = nn.Sequential(nn.MLP(2, [3], 1, dropout=0.1), nn.CrossEntropyLoss(reduction="none"))
    assert repr(nested) == (
        "Sequential(\n"
        "  (0): MLP(\n"
        "    (0): Linear(in_features=2, out_features=3, bias=True)\n"
        "    (1): ReLU()\n"
        "    (2): Dropout(p=0.1)\n"
        "    (3): Linear(in_features=3, out_features=1, bias=True)\n"
        "  )\n"
        "  (1): CrossEntropyLoss(reduction='none')\n"
        ")"
    )


# ---- state dicts ----------------------------------------------------------------------------------------
def test_state_dict_holds_detached_tensors_sharing_memory():
    net = Block()
    state = net.state_dict()
    assert list(state) == ["scale", "hidden.weight", "hidden.bias", "out.weight"]  # own entries first
    assert np.shares_memory(state["hidden.weight"]._data, net.hidden.weight._data)
    assert not state["hidden.weight"].requires_grad
    net.register_buffer("running", autograd.zeros(1), persistent=False)
    assert "running" not in net.state_dict()


def test_load_state_dict_copies_values():
    source, target = Block(), Block()
    result = target.load_state_dict(source.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    for (name, a), (_, b) in zip(source.state_dict().items(), target.state_dict().items()):
        np.testing.assert_array_equal(a._data, b._data, err_msg=name)
    assert not np.shares_memory(source.hidden.weight._data, target.hidden.weight._data)


def _snapshot(net):
    return {k: v._data.copy() for k, v in net.state_dict().items()}


def _assert_unchanged(net, before):
    for key, value in net.state_dict().items():
        np.testing.assert_array_equal(value._data, before[key])


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda s: s.update({"extra.weight": autograd.zeros(1)}), r'Unexpected key\(s\) in state_dict: "extra.weight"'),
        (lambda s: s.pop("out.weight"), r'Missing key\(s\) in state_dict: "out.weight"'),
        (
            lambda s: s.update({"hidden.weight": autograd.zeros(3, 4)}),
            r"size mismatch for hidden.weight: .*\(3, 4\).*\(4, 3\)",
        ),
        (lambda s: s.update({"hidden.bias": "zeros"}), "expected a Tensor or array"),
    ],
)
def test_load_state_dict_errors_change_nothing(edit, message):
    net = Block()
    before = _snapshot(net)
    state = {k: autograd.randn(*v.shape) for k, v in net.state_dict().items()}
    edit(state)
    with pytest.raises(RuntimeError, match=message):
        net.load_state_dict(state)
    _assert_unchanged(net, before)


def test_load_state_dict_non_strict_reports_keys_but_still_checks_shapes():
    net = Block()
    state = net.state_dict()
    state.pop("scale")
    state["other"] = autograd.zeros(1)
    result = net.load_state_dict(state, strict=False)
    assert result == nn.IncompatibleKeys(["scale"], ["other"])
    state["out.weight"] = autograd.zeros(1, 1)
    before = _snapshot(net)
    with pytest.raises(RuntimeError, match="size mismatch for out.weight"):
        net.load_state_dict(state, strict=False)
    _assert_unchanged(net, before)


def test_load_state_dict_accepts_arrays_and_casts_to_the_parameter_dtype():
    net = nn.Linear(2, 1)
    net.load_state_dict({"weight": np.array([[1.0, 2.0]]), "bias": np.array([3.0])})
    assert net.weight.dtype == np.float32
    np.testing.assert_array_equal(net(autograd.ones(1, 2))._data, [[6.0]])


# ---- saving and loading ---------------------------------------------------------------------------------
def test_save_and_load_a_model_state_dict(tmp_path):
    net = Block()
    path = tmp_path / "model.npz"
    autograd.save(net.state_dict(), path)
    assert sorted(os.listdir(tmp_path)) == ["model.npz"]
    loaded = autograd.load(path)
    assert list(loaded) == list(net.state_dict())
    assert all(isinstance(v, Tensor) for v in loaded.values())
    other = Block()
    other.load_state_dict(loaded)
    x = autograd.randn(5, 3)
    np.testing.assert_array_equal(other(x)._data, net(x)._data)
    with np.load(path, allow_pickle=False) as archive:  # the file is readable without pickle
        assert "__structure__" in archive.files


def test_save_round_trips_nested_structures(tmp_path):
    state = {
        "state": {0: {"step": 3, "exp_avg": autograd.tensor([1.0, 2.0])}},
        "param_groups": [{"lr": 0.1, "betas": (0.9, 0.999), "nesterov": False, "name": None, "params": [0]}],
        "raw": np.arange(3, dtype=np.int16),
        "specials": [float("inf"), -float("inf"), np.float64(0.5)],
    }
    autograd.save(state, tmp_path / "state.npz")
    loaded = autograd.load(tmp_path / "state.npz")
    assert loaded["state"][0]["step"] == 3
    np.testing.assert_array_equal(loaded["state"][0]["exp_avg"]._data, [1.0, 2.0])
    assert loaded["param_groups"] == [
        {"lr": 0.1, "betas": (0.9, 0.999), "nesterov": False, "name": None, "params": [0]}
    ]
    assert loaded["raw"].dtype == np.int16 and isinstance(loaded["raw"], np.ndarray)
    assert loaded["specials"][:2] == [math.inf, -math.inf] and loaded["specials"][2] == 0.5
    nan = autograd.load(_saved(tmp_path, {"x": float("nan")}))["x"]
    assert math.isnan(nan)


def _saved(tmp_path, obj):
    path = tmp_path / "obj.npz"
    autograd.save(obj, path)
    return path


def test_failed_save_leaves_the_existing_file_untouched(tmp_path):
    path = tmp_path / "model.npz"
    autograd.save({"w": autograd.ones(2)}, path)
    before = path.read_bytes()
    with pytest.raises(TypeError, match="save its state_dict"):
        autograd.save(nn.Linear(1, 1), path)
    with pytest.raises(TypeError, match="cannot store a object"):
        autograd.save({"w": object()}, path)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["model.npz"]


def test_load_rejects_files_it_did_not_write(tmp_path):
    pickled = tmp_path / "pickled.npz"
    np.savez(pickled, x=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ValueError, match="not a valid autograd state file"):
        autograd.load(pickled)
    plain = tmp_path / "plain.npz"
    np.savez(plain, x=np.ones(2))
    with pytest.raises(ValueError, match="not written by autograd.save"):
        autograd.load(plain)
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"not a zip file")
    with pytest.raises(ValueError, match="not a valid autograd state file"):
        autograd.load(garbage)
    with pytest.raises(FileNotFoundError):
        autograd.load(tmp_path / "missing.npz")


# ---- Parameter ------------------------------------------------------------------------------------------
def test_parameter_is_a_leaf_tensor_that_requires_grad():
    data = autograd.tensor([1.0, 2.0])
    p = nn.Parameter(data)
    assert isinstance(p, Tensor) and p.requires_grad and p.is_leaf
    assert np.shares_memory(p._data, data._data)
    assert repr(p).startswith("Parameter containing:\ntensor([1., 2.]")
    assert type(p * 2) is Tensor
    assert not nn.Parameter([1.0], requires_grad=False).requires_grad
    assert nn.Parameter().shape == (0,)
    with pytest.raises(RuntimeError, match="floating point"):
        nn.Parameter(np.arange(3))


# ---- layers ---------------------------------------------------------------------------------------------
def test_linear_default_initialisation_is_pytorchs():
    autograd.manual_seed(0)
    layer = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    for p in (layer.weight, layer.bias):
        assert p.dtype == np.float32
        assert np.abs(p._data).max() <= bound
    assert np.abs(layer.weight._data).max() > 0.95 * bound
    assert layer.weight._data.std() == pytest.approx(bound / math.sqrt(3), rel=0.02)


def test_linear_computes_x_wt_plus_b_with_only_the_needed_gradients():
    layer = nn.Linear(3, 2, dtype=np.float64)
    x = t64(np.arange(6).reshape(2, 3))
    np.testing.assert_allclose(layer(x)._data, x._data @ layer.weight._data.T + layer.bias._data)
    out = layer(x)
    assert out.grad_fn.edges[0] is None
    out.sum().backward()
    np.testing.assert_allclose(layer.bias.grad._data, [2.0, 2.0])
    np.testing.assert_allclose(layer.weight.grad._data, np.tile(x._data.sum(0), (2, 1)))


@pytest.mark.parametrize("shape", [(4,), (2, 4), (2, 3, 4)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_gradients(shape, bias):
    layer = nn.Linear(4, 3, bias=bias, dtype=np.float64)
    x = t64(np.random.default_rng(0).normal(size=shape), requires_grad=True)
    inputs = (x, layer.weight) + ((layer.bias,) if bias else ())
    assert gradcheck(lambda x, w, *b: F.linear(x, w, *b), inputs)
    assert gradgradcheck(lambda x, w, *b: F.linear(x, w, *b), inputs)


@given(
    n=st.integers(0, 300),  # from 64 rows, bias gradients are summed by a matrix-vector product
    out=st.integers(1, 20),
    dtype=st.sampled_from([np.float32, np.float64]),
    bias_shape=st.sampled_from(["linear", "vector", "row"]),
    seed=st.integers(0, 2**16),
)
def test_bias_gradients_of_tall_batches_sum_the_rows(n, out, dtype, bias_shape, seed):
    rng = np.random.default_rng(seed)
    x = autograd.tensor(rng.normal(size=(n, 3)).astype(dtype))
    upstream = rng.normal(size=(n, out)).astype(dtype)
    if bias_shape == "linear":
        layer = nn.Linear(3, out, dtype=dtype)
        y, bias = layer(x), layer.bias
    else:
        shape = (out,) if bias_shape == "vector" else (1, out)
        bias = autograd.tensor(rng.normal(size=shape).astype(dtype), requires_grad=True)
        y = x @ autograd.tensor(rng.normal(size=(3, out)).astype(dtype)) + bias
    (y * autograd.tensor(upstream)).sum().backward()
    assert bias.grad.dtype == dtype and bias.grad.shape == bias.shape
    expected = upstream.astype(np.float64).sum(axis=0).reshape(bias.shape)
    tol = 1e-12 if dtype == np.float64 else 1e-4
    np.testing.assert_allclose(bias.grad._data, expected, rtol=tol, atol=tol * max(n, 1))


def test_linear_shape_errors_name_the_shapes():
    with pytest.raises(
        RuntimeError, match=r"linear: input of shape \(2, 5\) cannot be multiplied by weight of shape \(3, 4\)"
    ):
        nn.Linear(4, 3)(autograd.ones(2, 5))
    with pytest.raises(ValueError, match="in_features must be a non-negative int"):
        nn.Linear(-1, 3)


def test_sequential_indexing_length_iteration_and_append():
    layers = [nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)]
    net = nn.Sequential(*layers)
    assert len(net) == 3 and list(net) == layers
    assert net[0] is layers[0] and net[-1] is layers[2]
    head = net[:2]
    assert isinstance(head, nn.Sequential) and list(head) == layers[:2]
    with pytest.raises(IndexError, match="out of range"):
        net[3]
    with pytest.raises(TypeError, match="integers or slices"):
        net["0"]
    net.append(nn.Sigmoid())
    assert len(net) == 4 and [n for n, _ in net.named_children()] == ["0", "1", "2", "3"]
    named = nn.Sequential(OrderedDict(fc=nn.Linear(1, 1), act=nn.Tanh()))
    assert [n for n, _ in named.named_children()] == ["fc", "act"]
    assert named(autograd.ones(2, 1)).shape == (2, 1)


def test_mlp_structure():
    mlp = nn.MLP(4, [8, 6], 3, activation=nn.Tanh, dropout=0.25)
    kinds = [type(m).__name__ for m in mlp]
    assert kinds == ["Linear", "Tanh", "Dropout", "Linear", "Tanh", "Dropout", "Linear"]
    assert mlp(autograd.ones(5, 4)).shape == (5, 3)
    assert [type(m).__name__ for m in nn.MLP(2, 5, 1)] == ["Linear", "ReLU", "Linear"]
    assert [type(m).__name__ for m in nn.MLP(2, [], 1)] == ["Linear"]
    with pytest.raises(ValueError, match="dropout probability"):
        nn.MLP(2, [3], 1, dropout=1.5)
    with pytest.raises(TypeError, match="activation must make a Module"):
        nn.MLP(2, [3], 1, activation=lambda: "relu")


def test_flatten_and_identity():
    x = autograd.ones(2, 1, 28, 28)
    assert nn.Flatten()(x).shape == (2, 784)
    assert nn.Flatten(0, -1)(x).shape == (2 * 784,)
    assert nn.Identity(54, unused="argument")(x) is x
    flat = autograd.ones(2, 784)
    assert nn.Flatten()(flat) is flat  # nothing to merge: the input itself, as in PyTorch
    with pytest.raises(RuntimeError, match="start_dim cannot come after end_dim"):
        nn.Flatten(2, 1)(x)


@pytest.mark.parametrize(
    ("module", "reference"),
    [
        (nn.ReLU(), lambda a: np.maximum(a, 0)),
        (nn.LeakyReLU(0.2), lambda a: np.where(a > 0, a, 0.2 * a)),
        (nn.Sigmoid(), lambda a: 1 / (1 + np.exp(-a))),
        (nn.Tanh(), np.tanh),
        (nn.Softmax(dim=1), lambda a: np.exp(a) / np.exp(a).sum(1, keepdims=True)),
        (nn.LogSoftmax(dim=1), lambda a: a - np.log(np.exp(a).sum(1, keepdims=True))),
    ],
)
def test_activation_modules(module, reference):
    x = np.random.default_rng(1).normal(size=(3, 4))
    np.testing.assert_allclose(module(t64(x))._data, reference(x), rtol=1e-12)
    assert gradcheck(module, (t64(x, requires_grad=True),))


# ---- dropout --------------------------------------------------------------------------------------------
def test_dropout_preserves_the_expected_activation():
    autograd.manual_seed(0)
    n, p = 200_000, 0.3
    out = nn.Dropout(p)(autograd.full((n,), 2.0))._data
    zeros = (out == 0).mean()
    assert abs(zeros - p) < 4 * math.sqrt(p * (1 - p) / n)
    assert np.allclose(out[out != 0], 2.0 / (1 - p))
    standard_error = 2.0 * math.sqrt(p / (1 - p) / n)
    assert abs(out.mean() - 2.0) < 4 * standard_error
    assert out.dtype == np.float32


def test_dropout_is_exactly_the_identity_in_eval_mode():
    layer = nn.Dropout(0.9).eval()
    x = autograd.randn(50, 10, requires_grad=True)
    assert layer(x) is x
    assert F.dropout(x, 0.5, training=False) is x
    assert nn.Dropout(0.0)(x) is x


def test_dropout_backward_uses_the_forward_mask():
    x = autograd.ones(1000, requires_grad=True)
    out = F.dropout(x, 0.5)
    out.sum().backward()
    np.testing.assert_array_equal(x.grad._data, out._data)
    zeros = F.dropout(x, 1.0)
    assert not zeros._data.any()


@pytest.mark.parametrize("p", [-0.1, 1.5, "0.5", True])
def test_dropout_probability_is_validated(p):
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1"):
        nn.Dropout(p)


# ---- losses ---------------------------------------------------------------------------------------------
def _loss_inputs(seed=0, n=6, c=4):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, c)) * 3, rng.integers(0, c, size=n), rng.dirichlet(np.ones(c), size=n)


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
@pytest.mark.parametrize("probabilities", [False, True])
def test_cross_entropy_matches_its_definition(reduction, smoothing, probabilities):
    logits, labels, probs = _loss_inputs()
    target = probs if probabilities else np.eye(4)[labels]
    q = target * (1 - smoothing) + smoothing / 4
    log_softmax = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    per_sample = -(q * log_softmax).sum(1)
    expected = {"none": per_sample, "mean": per_sample.mean(), "sum": per_sample.sum()}[reduction]
    loss = nn.CrossEntropyLoss(reduction=reduction, label_smoothing=smoothing)
    given_target = t64(probs) if probabilities else autograd.tensor(labels)
    np.testing.assert_allclose(loss(t64(logits), given_target)._data, expected, rtol=1e-12)
    x = t64(logits, requires_grad=True)
    assert gradcheck(lambda z: loss(z, given_target), (x,))
    assert gradgradcheck(lambda z: loss(z, given_target), (x,))


def test_cross_entropy_gradient_with_respect_to_probabilities():
    logits, _, probs = _loss_inputs(1)
    unnormalised = np.random.default_rng(1).uniform(size=probs.shape)
    assert gradcheck(
        lambda z: F.cross_entropy(z, t64(unnormalised), reduction="sum"), (t64(logits, requires_grad=True),)
    )
    assert gradcheck(
        lambda z, q: F.cross_entropy(z, q, label_smoothing=0.1),
        (t64(logits, requires_grad=True), t64(probs, requires_grad=True)),
    )


def test_cross_entropy_backward_is_softmax_minus_onehot_over_n():
    logits, labels, _ = _loss_inputs(2)
    x = t64(logits, requires_grad=True)
    F.cross_entropy(x, autograd.tensor(labels)).backward()
    softmax = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    np.testing.assert_allclose(x.grad._data, (softmax - np.eye(4)[labels]) / len(labels), rtol=1e-12)


def test_cross_entropy_is_stable_for_huge_logits():
    x = autograd.tensor([[1e4, -1e4, 0.0], [-3e4, 3e4, 3e4]], requires_grad=True)
    loss = F.cross_entropy(x, autograd.tensor([0, 0]), reduction="none")
    np.testing.assert_allclose(loss._data, [0.0, 6e4 + math.log(2)], rtol=1e-6)
    loss.sum().backward()
    assert np.isfinite(x.grad._data).all() and loss.dtype == np.float32 and x.grad.dtype == np.float32


@given(
    n=st.integers(16, 300),  # tall batches with few classes take cross-entropy's transposed row max
    c=st.integers(1, 40),
    dtype=st.sampled_from([np.float32, np.float64]),
    reduction=st.sampled_from(["none", "mean", "sum"]),
    smoothing=st.sampled_from([0.0, 0.25]),
    seed=st.integers(0, 2**16),
)
def test_cross_entropy_of_a_tall_batch_matches_its_definition(n, c, dtype, reduction, smoothing, seed):
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=(n, c)) * 3
    logits[rng.integers(0, n, size=n // 4), rng.integers(0, c, size=n // 4)] = 1e4  # the shift must be per row
    logits = logits.astype(dtype)
    labels = rng.integers(0, c, size=n)
    z = logits.astype(np.float64)
    top = z.max(1, keepdims=True)
    log_softmax = z - top - np.log(np.exp(z - top).sum(1, keepdims=True))
    q = np.eye(c)[labels] * (1 - smoothing) + smoothing / c
    per_sample = -(q * log_softmax).sum(1)
    x = autograd.tensor(logits, requires_grad=True)
    loss = F.cross_entropy(x, autograd.tensor(labels), reduction=reduction, label_smoothing=smoothing)
    expected = {"none": per_sample, "mean": per_sample.mean(), "sum": per_sample.sum()}[reduction]
    tol = 1e-12 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(loss._data, expected, rtol=tol, atol=tol)
    weights = rng.uniform(0.5, 2.0, size=n)  # the upstream gradient of reduction="none"
    if reduction == "none":
        (loss * autograd.tensor(weights.astype(dtype))).sum().backward()
    else:
        loss.backward()
    scale = {"none": weights[:, None], "mean": 1 / n, "sum": 1.0}[reduction]
    np.testing.assert_allclose(x.grad._data, (np.exp(log_softmax) - q) * scale, rtol=tol, atol=tol)


def test_cross_entropy_unbatched_input():
    logits = t64([1.0, 2.0, 3.0], requires_grad=True)
    loss = F.cross_entropy(logits, autograd.tensor(2))
    assert loss.shape == ()
    np.testing.assert_allclose(loss._data, -np.log(np.exp(3) / np.exp([1, 2, 3]).sum()))
    assert gradcheck(lambda z: F.cross_entropy(z, autograd.tensor(2), reduction="none"), (logits,))


@pytest.mark.parametrize(
    ("logits", "target", "error", "message"),
    [
        (np.zeros((2, 3)), np.array([0, 3]), IndexError, "target 3 is out of bounds for 3 classes"),
        (np.zeros((2, 3)), np.array([-1, 0]), IndexError, "target -1 is out of bounds"),
        (np.zeros((2, 3)), np.array([0, 1, 2]), ValueError, r"expected target of shape \(2,\)"),
        (np.zeros((2, 3)), np.zeros((2, 2)), ValueError, "class-probability target of shape"),
        (np.zeros(()), np.zeros((), dtype=int), ValueError, r"expected input of shape \(C,\), \(N, C\)"),
        (np.zeros((2, 3, 4)), np.zeros((2, 3), dtype=int), ValueError, r"expected target of shape \(2, 4\)"),
    ],
)
def test_cross_entropy_errors(logits, target, error, message):
    with pytest.raises(error, match=message):
        F.cross_entropy(t64(logits), autograd.tensor(target))


def test_loss_reduction_and_smoothing_are_validated():
    with pytest.raises(ValueError, match="reduction must be 'none', 'mean' or 'sum', got 'avg'"):
        nn.MSELoss(reduction="avg")
    with pytest.raises(ValueError, match="label_smoothing must be between 0.0 and 1.0"):
        F.cross_entropy(autograd.zeros(1, 2), autograd.tensor([0]), label_smoothing=1.5)


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_nll_loss_of_log_softmax_is_cross_entropy(reduction):
    logits, labels, _ = _loss_inputs(3)
    x = t64(logits, requires_grad=True)
    target = autograd.tensor(labels)
    nll = nn.NLLLoss(reduction=reduction)(nn.LogSoftmax(dim=1)(x), target)
    np.testing.assert_allclose(nll._data, F.cross_entropy(x, target, reduction=reduction)._data, rtol=1e-12)
    assert gradcheck(lambda z: F.nll_loss(z, target, reduction=reduction), (x,))
    assert F.nll_loss(t64([0.5, -1.0]), autograd.tensor(1)).item() == 1.0


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_regression_and_binary_losses_match_their_definitions(reduction):
    rng = np.random.default_rng(4)
    x, y = rng.normal(size=(5, 2)), rng.normal(size=(5, 2))
    p, t = rng.uniform(0.05, 0.95, size=(5, 2)), rng.uniform(size=(5, 2))
    reduce = {"none": lambda a: a, "mean": np.mean, "sum": np.sum}[reduction]
    cases = [
        (nn.MSELoss, x, y, (x - y) ** 2),
        (nn.L1Loss, x, y, np.abs(x - y)),
        (nn.BCELoss, p, t, -(t * np.log(p) + (1 - t) * np.log(1 - p))),
        (nn.BCEWithLogitsLoss, x, t, -(t * np.log(1 / (1 + np.exp(-x))) + (1 - t) * np.log(1 - 1 / (1 + np.exp(-x))))),
    ]
    for loss_class, a, b, elementwise in cases:
        loss = loss_class(reduction=reduction)
        np.testing.assert_allclose(
            loss(t64(a), t64(b))._data, reduce(elementwise), rtol=1e-10, err_msg=loss_class.__name__
        )
        assert gradcheck(loss, (t64(a, requires_grad=True), t64(b, requires_grad=True))), loss_class.__name__


def test_binary_losses_stay_finite_at_the_extremes():
    logits = autograd.tensor([-1e4, 1e4, 0.0, 80.0], requires_grad=True)
    target = autograd.tensor([1.0, 0.0, 1.0, 1.0])
    loss = F.binary_cross_entropy_with_logits(logits, target, reduction="none")
    np.testing.assert_allclose(loss._data, [1e4, 1e4, math.log(2), 0.0], atol=1e-6)
    loss.sum().backward()
    np.testing.assert_allclose(logits.grad._data, [-1.0, 1.0, -0.5, 0.0], atol=1e-6)
    probs = autograd.tensor([0.0, 1.0, 0.5], requires_grad=True)
    bce = F.binary_cross_entropy(probs, autograd.tensor([1.0, 0.0, 1.0]), reduction="none")
    np.testing.assert_allclose(bce._data, [100.0, 100.0, math.log(2)], rtol=1e-6)
    bce.sum().backward()
    assert np.isfinite(probs.grad._data).all()


def test_binary_loss_errors():
    with pytest.raises(RuntimeError, match="between 0 and 1"):
        F.binary_cross_entropy(autograd.tensor([1.5]), autograd.tensor([1.0]))
    with pytest.raises(ValueError, match=r"target size \(2,\) must be the same as input size \(1,\)"):
        F.binary_cross_entropy_with_logits(autograd.tensor([1.5]), autograd.tensor([1.0, 0.0]))


def test_mse_warns_when_shapes_broadcast():
    with pytest.warns(UserWarning, match="different to the input size"):
        F.mse_loss(autograd.zeros(3, 1), autograd.zeros(3))


def test_one_hot():
    np.testing.assert_array_equal(F.one_hot(autograd.tensor([0, 2, 1]))._data, np.eye(3, dtype=np.int64)[[0, 2, 1]])
    assert F.one_hot(autograd.tensor([[1], [0]]), num_classes=4).shape == (2, 1, 4)
    assert F.one_hot(autograd.tensor([1])).dtype == np.int64
    with pytest.raises(RuntimeError, match="out of range for num_classes=2"):
        F.one_hot(autograd.tensor([2]), 2)
    with pytest.raises(RuntimeError, match="index tensors"):
        F.one_hot(autograd.tensor([1.0]))


# ---- against PyTorch ------------------------------------------------------------------------------------
@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="torch is not installed")
@given(
    n=st.integers(1, 6),
    c=st.integers(2, 5),
    seed=st.integers(0, 2**16),
    reduction=st.sampled_from(["none", "mean", "sum"]),
    smoothing=st.sampled_from([0.0, 0.1, 0.5]),
)
def test_losses_match_pytorch(n, c, seed, reduction, smoothing):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(seed)
    logits, labels = rng.normal(size=(n, c)) * 4, rng.integers(0, c, size=n)
    probs, x = rng.dirichlet(np.ones(c), size=n), rng.normal(size=(n, c)) * 5
    pairs = [
        (
            nn.CrossEntropyLoss(reduction=reduction, label_smoothing=smoothing),
            torch.nn.CrossEntropyLoss(reduction=reduction, label_smoothing=smoothing),
            logits,
            labels,
        ),
        (
            nn.CrossEntropyLoss(reduction=reduction, label_smoothing=smoothing),
            torch.nn.CrossEntropyLoss(reduction=reduction, label_smoothing=smoothing),
            logits,
            probs,
        ),
        (nn.BCEWithLogitsLoss(reduction=reduction), torch.nn.BCEWithLogitsLoss(reduction=reduction), x, probs),
        (nn.BCELoss(reduction=reduction), torch.nn.BCELoss(reduction=reduction), probs, probs[::-1].copy()),
        (nn.NLLLoss(reduction=reduction), torch.nn.NLLLoss(reduction=reduction), logits, labels),
        (nn.MSELoss(reduction=reduction), torch.nn.MSELoss(reduction=reduction), logits, x),
        (nn.L1Loss(reduction=reduction), torch.nn.L1Loss(reduction=reduction), logits, x),
    ]
    for ours, theirs, a, b in pairs:
        mine, ref = t64(a, requires_grad=True), torch.tensor(a, requires_grad=True)
        target = autograd.tensor(b)
        out, expected = ours(mine, target), theirs(ref, torch.tensor(b))
        np.testing.assert_allclose(out._data, expected.detach().numpy(), rtol=1e-10, atol=1e-12, err_msg=repr(ours))
        out.sum().backward()
        expected.sum().backward()
        np.testing.assert_allclose(mine.grad._data, ref.grad.numpy(), rtol=1e-9, atol=1e-12, err_msg=repr(ours))


def test_linear_and_mlp_match_pytorch():
    torch = pytest.importorskip("torch")
    ours = nn.Sequential(nn.Flatten(), nn.MLP(12, [8, 5], 3, activation=nn.Tanh)).double()
    theirs = torch.nn.Sequential(
        torch.nn.Flatten(),
        torch.nn.Linear(12, 8),
        torch.nn.Tanh(),
        torch.nn.Linear(8, 5),
        torch.nn.Tanh(),
        torch.nn.Linear(5, 3),
    ).double()
    theirs.load_state_dict({k: torch.tensor(v._data) for k, v in zip(theirs.state_dict(), ours.state_dict().values())})
    x = np.random.default_rng(5).normal(size=(4, 3, 4))
    out, expected = ours(t64(x)), theirs(torch.tensor(x))
    np.testing.assert_allclose(out._data, expected.detach().numpy(), rtol=1e-12)
    F.cross_entropy(out, autograd.tensor([0, 1, 2, 0])).backward()
    torch.nn.functional.cross_entropy(expected, torch.tensor([0, 1, 2, 0])).backward()
    for p, q in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad._data, q.grad.numpy(), rtol=1e-10, atol=1e-14)


# ---- init -----------------------------------------------------------------------------------------------
def test_init_functions_fill_in_place_without_recording():
    w = nn.Parameter(np.zeros((200, 100), dtype=np.float32))
    array = w._data
    assert nn.init.normal_(w, mean=1.0, std=0.01) is w
    assert w._data is array and w.is_leaf and w.requires_grad and w.dtype == np.float32
    assert w._data.mean() == pytest.approx(1.0, abs=1e-3) and w._data.std() == pytest.approx(0.01, rel=0.05)
    nn.init.uniform_(w, -2.0, 3.0)
    assert -2.0 <= w._data.min() and w._data.max() < 3.0 and w._data.mean() == pytest.approx(0.5, abs=0.05)
    nn.init.constant_(w, 0.25)
    assert (w._data == 0.25).all()
    assert not nn.init.zeros_(w)._data.any() and (nn.init.ones_(w)._data == 1).all()


def test_fan_based_initialisations():
    w = autograd.zeros(300, 200)
    fan_in, fan_out = 200, 300
    nn.init.xavier_uniform_(w, gain=2.0)
    assert np.abs(w._data).max() <= 2.0 * math.sqrt(6 / (fan_in + fan_out))
    nn.init.xavier_normal_(w)
    assert w._data.std() == pytest.approx(math.sqrt(2 / (fan_in + fan_out)), rel=0.03)
    nn.init.kaiming_normal_(w, nonlinearity="relu")
    assert w._data.std() == pytest.approx(math.sqrt(2 / fan_in), rel=0.03)
    nn.init.kaiming_uniform_(w, mode="fan_out", nonlinearity="relu")
    assert np.abs(w._data).max() <= math.sqrt(2) * math.sqrt(3 / fan_out)
    assert w._data.std() == pytest.approx(math.sqrt(2 / fan_out), rel=0.03)
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        nn.init.xavier_uniform_(autograd.zeros(3))
    with pytest.raises(ValueError, match="Mode 'fan_avg' not supported"):
        nn.init.kaiming_normal_(w, mode="fan_avg")


def test_calculate_gain_matches_pytorch_values():
    assert nn.init.calculate_gain("relu") == math.sqrt(2)
    assert nn.init.calculate_gain("tanh") == 5 / 3
    assert nn.init.calculate_gain("leaky_relu", 0.2) == math.sqrt(2 / 1.04)
    assert nn.init.calculate_gain("conv2d") == 1.0
    with pytest.raises(ValueError, match="unsupported nonlinearity 'swish'"):
        nn.init.calculate_gain("swish")


def test_init_is_repeatable_with_manual_seed():
    autograd.manual_seed(7)
    first = nn.Linear(5, 5).weight._data.copy()
    autograd.manual_seed(7)
    np.testing.assert_array_equal(nn.Linear(5, 5).weight._data, first)


# ---- gradient clipping ----------------------------------------------------------------------------------
@pytest.mark.parametrize("norm_type", [2.0, 1.0, math.inf])
def test_clip_grad_norm_scales_all_gradients_together(norm_type):
    a, b = t64([3.0, 0.0], requires_grad=True), t64([[0.0, 4.0]], requires_grad=True)
    (a * t64([1.0, 1.0])).sum().backward()
    a.grad, b.grad = t64([3.0, 0.0]), t64([[0.0, 4.0]])
    total = nn.utils.clip_grad_norm_([a, b], max_norm=1.0, norm_type=norm_type)
    expected = {2.0: 5.0, 1.0: 7.0, math.inf: 4.0}[norm_type]
    assert total.item() == pytest.approx(expected)
    scale = 1.0 / (expected + 1e-6)
    np.testing.assert_allclose(a.grad._data, [3.0 * scale, 0.0])
    np.testing.assert_allclose(b.grad._data, [[0.0, 4.0 * scale]])


def test_clip_grad_norm_leaves_small_gradients_and_reports_non_finite():
    p = t64([1.0], requires_grad=True)
    p.grad = t64([0.5])
    assert nn.utils.clip_grad_norm_(p, 1.0).item() == 0.5 and p.grad.item() == 0.5
    p.grad = t64([math.inf])
    with pytest.raises(RuntimeError, match="non-finite"):
        nn.utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
    assert nn.utils.clip_grad_norm_([t64([1.0], requires_grad=True)], 1.0).item() == 0.0


def test_clip_grad_value():
    p = t64([1.0, 2.0, 3.0], requires_grad=True)
    p.grad = t64([-5.0, 0.5, 5.0])
    nn.utils.clip_grad_value_(p, 1.0)
    np.testing.assert_array_equal(p.grad._data, [-1.0, 0.5, 1.0])


# ---- the d2l code, imports changed ----------------------------------------------------------------------
def test_d2l_code_runs_with_its_imports_changed():
    import optim

    autograd.manual_seed(0)
    net = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))

    def init_weights(m):
        if type(m) == nn.Linear:  # noqa: E721 (d2l's spelling)
            nn.init.normal_(m.weight, std=0.01)

    net.apply(init_weights)
    loss = nn.CrossEntropyLoss(reduction="none")
    trainer = optim.SGD(net.parameters(), lr=0.1)
    X, y = autograd.rand(256, 1, 28, 28), autograd.randint(0, 10, (256,))
    losses = []
    for _ in range(5):
        y_hat = net(X)
        l = loss(y_hat, y)  # noqa: E741 (d2l's name)
        trainer.zero_grad()
        l.mean().backward()
        trainer.step()
        losses.append(l.mean().item())
    assert losses[-1] < losses[0]
    assert all(p.dtype == np.float32 and p.grad.dtype == np.float32 for p in net.parameters())
    assert y_hat.dtype == np.float32 and l.dtype == np.float32
