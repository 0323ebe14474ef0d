"""Tests of the recurrent layers: the fused op (central differences, second order, jvp against reverse mode),
nn.RNN/LSTM/GRU, their cells and nn.Embedding against PyTorch float64 with copied weights, and their errors."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd
import nn
from autograd import Tensor, forward, gradcheck, gradgradcheck
from autograd.function import Function
from autograd.ops.rnn import MODES, RNNLayer

HAS_TORCH = importlib.util.find_spec("torch") is not None
needs_torch = pytest.mark.skipif(not HAS_TORCH, reason="PyTorch is the oracle here")
CLASSES = {"RNN_TANH": "RNN", "RNN_RELU": "RNN", "LSTM": "LSTM", "GRU": "GRU"}


def layer_inputs(rng, mode, steps, batch, inputs, hidden, bias=True):
    gates = MODES[mode] * hidden
    arrays = [
        rng.standard_normal((steps, batch, inputs)),
        rng.standard_normal((batch, hidden)),
        rng.standard_normal((batch, hidden)) if mode == "LSTM" else None,
        rng.standard_normal((gates, inputs)) * 0.5,
        rng.standard_normal((gates, hidden)) * 0.5,
        rng.standard_normal(gates) * 0.3 if bias else None,
        rng.standard_normal(gates) * 0.3 if bias else None,
    ]
    return [None if a is None else Tensor(a, requires_grad=True) for a in arrays]


sizes = st.tuples(st.integers(1, 4), st.integers(1, 3), st.integers(1, 3), st.integers(1, 3))


@given(st.sampled_from(list(MODES)), st.booleans(), st.booleans(), sizes, st.integers(0, 2**16))
def test_fused_layer_gradients_match_central_differences(mode, reverse, bias, size, seed):
    inputs = layer_inputs(np.random.default_rng(seed), mode, *size, bias=bias)
    assert gradcheck(lambda *a: RNNLayer.apply(*a, mode=mode, reverse=reverse), inputs)


@pytest.mark.parametrize("mode", ["RNN_TANH", "LSTM", "GRU"])
def test_fused_layer_second_order_recomposes_the_steps(mode):
    inputs = layer_inputs(np.random.default_rng(1), mode, 3, 2, 2, 2)
    assert gradgradcheck(lambda *a: RNNLayer.apply(*a, mode=mode, reverse=True), inputs)


@given(st.sampled_from(list(MODES)), st.booleans(), sizes, st.integers(0, 2**16))
def test_fused_layer_jvp_agrees_with_reverse_mode(mode, reverse, size, seed):
    rng = np.random.default_rng(seed)
    full = layer_inputs(rng, mode, *size)
    where = [i for i, t in enumerate(full) if t is not None]

    def fn(*primals):
        args = list(full)
        for i, p in zip(where, primals):
            args[i] = p
        return RNNLayer.apply(*args, mode=mode, reverse=reverse)

    primals = tuple(full[i] for i in where)
    tangents = tuple(Tensor(rng.standard_normal(p.shape)) for p in primals)
    out, jv = forward.jvp(fn, primals, tangents)
    u = rng.standard_normal(out.shape)
    _, pullback = forward.vjp(fn, primals)
    vj = pullback(Tensor(u))
    lhs = float((u * jv.detach().numpy()).sum())
    rhs = sum(float((v.detach().numpy() * t.detach().numpy()).sum()) for v, t in zip(vj, tangents))
    assert lhs == pytest.approx(rhs, rel=1e-9, abs=1e-9)


def test_one_graph_node_per_layer_and_direction():
    net = nn.LSTM(3, 4, num_layers=2, bidirectional=True)
    out, _ = net(autograd.randn(20, 2, 3))
    seen, stack, fused, ops = set(), [out.grad_fn], 0, 0
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen or not hasattr(node, "edges"):
            continue
        seen.add(id(node))
        fused += isinstance(node, RNNLayer)
        ops += isinstance(node, Function)
        stack.extend(node.edges)
    assert fused == 4 and ops < 12  # 20 steps, yet a handful of nodes: slices, cat, transpose


# ---- against PyTorch ---------------------------------------------------------------------------------------
def _torch_pair(cls_name, **kwargs):
    import torch

    theirs = getattr(torch.nn, cls_name)(dtype=torch.float64, **kwargs)
    ours = getattr(nn, cls_name)(dtype=np.float64, **kwargs)
    state = {k: Tensor(v.detach().numpy().copy()) for k, v in theirs.state_dict().items()}
    assert list(state) == list(ours.state_dict())
    ours.load_state_dict(state)
    return ours, theirs


CASES = [  # num_layers, bidirectional, batch_first, initial state, unbatched
    (1, False, False, False, False),
    (2, True, True, True, False),
    (3, True, False, False, False),
    (2, False, False, True, True),
    (1, True, True, True, True),
]


@needs_torch
@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("case", CASES, ids=lambda c: "L{}-bi{}-bf{}-h0{}-unb{}".format(*map(int, c)))
def test_layers_match_pytorch_over_35_steps(mode, case):
    import torch

    layers, bidirectional, batch_first, with_state, unbatched = case
    kwargs = dict(input_size=4, hidden_size=5, num_layers=layers, bidirectional=bidirectional, batch_first=batch_first)
    if mode.startswith("RNN"):
        kwargs["nonlinearity"] = "tanh" if mode == "RNN_TANH" else "relu"
    ours, theirs = _torch_pair(CLASSES[mode], **kwargs)
    rng = np.random.default_rng(7)
    steps, batch = 35, 3
    shape = (batch, steps, 4) if batch_first else (steps, batch, 4)
    x = rng.standard_normal(shape[1:] if unbatched else shape)
    state_shape = (layers * (1 + bidirectional), batch, 5)
    state_shape = (state_shape[0], 5) if unbatched else state_shape
    lstm = mode == "LSTM"
    ax, tx = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    a_args, t_args = [ax], [tx]
    states = []
    if with_state:
        states = [rng.standard_normal(state_shape) for _ in range(1 + lstm)]
        a_states = [Tensor(s, requires_grad=True) for s in states]
        t_states = [torch.tensor(s, requires_grad=True) for s in states]
        a_args.append(tuple(a_states) if lstm else a_states[0])
        t_args.append(tuple(t_states) if lstm else t_states[0])
    a_out, a_h = ours(*a_args)
    t_out, t_h = theirs(*t_args)
    a_all = [a_out, *(a_h if lstm else [a_h])]
    t_all = [t_out, *(t_h if lstm else [t_h])]
    weights = [rng.standard_normal(t.shape) for t in t_all]
    for a, t in zip(a_all, t_all):
        assert a.shape == tuple(t.shape)
        np.testing.assert_allclose(a.detach().numpy(), t.detach().numpy(), rtol=1e-10, atol=1e-12)
    sum((t * torch.tensor(w)).sum() for t, w in zip(t_all, weights)).backward()
    autograd.stack([(a * Tensor(w)).sum() for a, w in zip(a_all, weights)]).sum().backward()
    np.testing.assert_allclose(ax.grad.detach().numpy(), tx.grad.detach().numpy(), rtol=1e-9, atol=1e-11)
    params = dict(ours.named_parameters())
    for name, p in theirs.named_parameters():
        np.testing.assert_allclose(
            params[name].grad.detach().numpy(), p.grad.detach().numpy(), rtol=1e-9, atol=1e-11, err_msg=name
        )
    if with_state:
        for a, t in zip(a_states, t_states):
            np.testing.assert_allclose(a.grad.detach().numpy(), t.grad.detach().numpy(), rtol=1e-9, atol=1e-11)


@needs_torch
@pytest.mark.parametrize("cls_name", ["RNNCell", "LSTMCell", "GRUCell"])
@pytest.mark.parametrize("batched", [True, False])
def test_cells_match_pytorch(cls_name, batched):
    import torch

    ours, theirs = _torch_pair(cls_name, input_size=3, hidden_size=4)
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 3) if batched else (3,))
    states = [rng.standard_normal((2, 4) if batched else (4,)) for _ in range(1 + (cls_name == "LSTMCell"))]
    hx_a = tuple(Tensor(s) for s in states) if cls_name == "LSTMCell" else Tensor(states[0])
    hx_t = tuple(torch.tensor(s) for s in states) if cls_name == "LSTMCell" else torch.tensor(states[0])
    for a_hx, t_hx in ((None, None), (hx_a, hx_t)):
        a_out = ours(Tensor(x), a_hx) if a_hx is not None else ours(Tensor(x))
        t_out = theirs(torch.tensor(x), t_hx) if t_hx is not None else theirs(torch.tensor(x))
        for a, t in zip(a_out if isinstance(a_out, tuple) else [a_out], t_out if isinstance(t_out, tuple) else [t_out]):
            assert a.shape == tuple(t.shape)
            np.testing.assert_allclose(a.detach().numpy(), t.detach().numpy(), rtol=1e-12, atol=1e-12)


@needs_torch
def test_state_dict_moves_from_us_to_pytorch():
    import torch

    ours = nn.GRU(3, 4, num_layers=2, bidirectional=True, dtype=np.float64)
    theirs = torch.nn.GRU(3, 4, num_layers=2, bidirectional=True, dtype=torch.float64)
    theirs.load_state_dict({k: torch.tensor(v.detach().numpy()) for k, v in ours.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((6, 2, 3))
    np.testing.assert_allclose(
        ours(Tensor(x))[0].detach().numpy(), theirs(torch.tensor(x))[0].detach().numpy(), atol=1e-12
    )


def test_parameter_names_shapes_and_default_init():
    net = nn.LSTM(3, 8, num_layers=2, bidirectional=True)
    names = [n for n, _ in net.named_parameters()]
    assert names[:8] == [
        "weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
        "weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse", "bias_hh_l0_reverse",
    ]  # fmt: skip
    assert net.weight_ih_l1.shape == (32, 16) and net.weight_hh_l1_reverse.shape == (32, 8)
    bound = 1 / np.sqrt(8)
    values = np.concatenate([p.detach().numpy().ravel() for p in net.parameters()])
    assert values.min() >= -bound and values.max() <= bound and values.std() > bound / 3
    assert [n for n, _ in nn.GRU(2, 3, bias=False).named_parameters()] == ["weight_ih_l0", "weight_hh_l0"]
    assert [n for n, _ in nn.LSTMCell(2, 3).named_parameters()] == ["weight_ih", "weight_hh", "bias_ih", "bias_hh"]
    assert net.weight_ih_l0.dtype == np.float32


def test_dropout_between_layers_only_in_training():
    autograd.manual_seed(0)
    net = nn.GRU(3, 4, num_layers=2, dropout=0.5)
    x = autograd.randn(5, 2, 3)
    assert not np.allclose(net(x)[0].detach().numpy(), net(x)[0].detach().numpy())
    net.eval()
    assert np.array_equal(net(x)[0].detach().numpy(), net(x)[0].detach().numpy())
    single = nn.GRU(3, 4, dropout=0.5)
    assert np.array_equal(single(x)[0].detach().numpy(), single(x)[0].detach().numpy())  # one layer: nothing in between


def test_bad_inputs_raise_clear_errors():
    net = nn.LSTM(3, 4)
    with pytest.raises(RuntimeError, match="input.size\\(-1\\) must be equal to input_size. Expected 3, got 2"):
        net(autograd.randn(5, 2, 2))
    with pytest.raises(ValueError, match="Expected input to be 2D or 3D"):
        net(autograd.randn(3))
    with pytest.raises(RuntimeError, match="Expected hidden\\[0\\] size \\(1, 2, 4\\), got \\(1, 3, 4\\)"):
        net(autograd.randn(5, 2, 3), (autograd.zeros(1, 3, 4), autograd.zeros(1, 2, 4)))
    with pytest.raises(TypeError, match="tuple"):
        net(autograd.randn(5, 2, 3), autograd.zeros(1, 2, 4))
    with pytest.raises(ValueError, match="Unknown nonlinearity"):
        nn.RNN(2, 3, nonlinearity="gelu")
    with pytest.raises(ValueError, match="dropout"):
        nn.GRU(2, 3, dropout=1.5)
    with pytest.raises(RuntimeError, match="inconsistent input_size"):
        nn.GRUCell(2, 3)(autograd.randn(4, 3))


# ---- Embedding ---------------------------------------------------------------------------------------------
def test_embedding_gradient_accumulates_and_skips_padding():
    emb = nn.Embedding(5, 3, padding_idx=1, dtype=np.float64)
    assert np.array_equal(emb.weight.detach().numpy()[1], np.zeros(3))
    idx = autograd.tensor(np.array([[0, 1, 0], [4, 1, 2]]))
    out = emb(idx)
    assert out.shape == (2, 3, 3)
    out.sum().backward()
    assert np.array_equal(emb.weight.grad.detach().numpy()[:, 0], [2, 0, 1, 0, 1])
    weight = Tensor(np.random.default_rng(0).standard_normal((5, 3)), requires_grad=True)
    assert gradcheck(lambda w: nn.functional.embedding(idx, w), [weight])  # padding's zero gradient is by design
    assert gradgradcheck(lambda w: nn.functional.embedding(idx, w) ** 2, [weight])
    tangent = Tensor(np.ones((5, 3)))
    _, jv = forward.jvp(lambda w: nn.functional.embedding(idx, w, padding_idx=1), (weight,), (tangent,))
    assert np.array_equal(jv.detach().numpy()[:, :, 0], [[1, 0, 1], [1, 0, 1]])


def test_embedding_from_pretrained_and_errors():
    table = autograd.tensor(np.arange(6.0).reshape(3, 2))
    frozen = nn.Embedding.from_pretrained(table)
    assert not frozen.weight.requires_grad and np.array_equal(
        frozen(autograd.tensor([2])).detach().numpy(), [[4.0, 5.0]]
    )
    assert nn.Embedding.from_pretrained(table, freeze=False).weight.requires_grad
    with pytest.raises(IndexError, match="index 3 is out of range for a table of 3 rows"):
        frozen(autograd.tensor([3]))
    with pytest.raises(TypeError, match="integer indices"):
        frozen(autograd.tensor([1.0]))
    with pytest.raises(ValueError, match="padding_idx"):
        nn.Embedding(3, 2, padding_idx=3)


@needs_torch
def test_embedding_matches_pytorch():
    import torch

    theirs = torch.nn.Embedding(6, 3, padding_idx=2, dtype=torch.float64)
    ours = nn.Embedding(6, 3, padding_idx=2, dtype=np.float64)
    ours.load_state_dict({k: Tensor(v.detach().numpy().copy()) for k, v in theirs.state_dict().items()})
    idx = np.array([[1, 2, 5], [5, 5, 0]])
    g = np.random.default_rng(0).standard_normal((2, 3, 3))
    (theirs(torch.tensor(idx)) * torch.tensor(g)).sum().backward()
    (ours(Tensor(idx)) * Tensor(g)).sum().backward()
    np.testing.assert_allclose(ours.weight.grad.detach().numpy(), theirs.weight.grad.detach().numpy(), atol=1e-12)
