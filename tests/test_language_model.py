"""Tests of autograd.language_model: a short character-level run lowers the perplexity, both sampling schemes,
greedy generation, and (AUTOGRAD_FULL=1) d2l's full recipe beside the same recipe in PyTorch."""

from __future__ import annotations

import importlib.util
import io
import os

import numpy as np
import pytest

import autograd
import nn
from autograd.data import load_data_time_machine
from autograd.language_model import RNNModel, predict_ch8, train_ch8


@pytest.mark.parametrize("use_random_iter", [False, True])
@pytest.mark.parametrize("layer", ["RNN", "LSTM"])
def test_a_short_character_run_lowers_the_perplexity(layer, use_random_iter):
    autograd.manual_seed(0)
    train_iter, vocab = load_data_time_machine(16, 20, use_random_iter, max_tokens=3000)
    net = RNNModel(getattr(nn, layer)(len(vocab), 32), len(vocab))
    out = io.StringIO()
    history = train_ch8(net, train_iter, vocab, 1.0, 6, use_random_iter, predict_every=3, file=out)
    assert len(history.perplexity) == 6 and all(s > 0 for s in history.tokens_per_second)
    assert history.perplexity[-1] < 0.8 * history.perplexity[0] and history.perplexity[-1] < 20
    text = out.getvalue()
    assert "epoch 3: perplexity" in text and "tokens/s" in text


def test_predict_and_model_shapes():
    autograd.manual_seed(1)
    _, vocab = load_data_time_machine(2, 5, max_tokens=100)
    net = RNNModel(nn.GRU(len(vocab), 8, num_layers=2, bidirectional=True), len(vocab))
    logits, state = net(np.zeros((3, 5), dtype=np.int64), net.begin_state(3))
    assert logits.shape == (15, len(vocab)) and state.shape == (4, 3, 8)
    line = predict_ch8("time ", 7, net, vocab)
    assert line.startswith("time ") and len(line) == 12 and set(line) <= set(vocab.idx_to_token)
    with pytest.raises(ValueError, match="prefix"):
        predict_ch8("", 3, net, vocab)


def test_sequential_state_is_detached_between_minibatches():
    autograd.manual_seed(2)
    train_iter, vocab = load_data_time_machine(4, 5, max_tokens=200)
    net = RNNModel(nn.LSTM(len(vocab), 6), len(vocab))
    seen = []
    original = net.forward

    def spy(inputs, state):
        seen.append(state)
        return original(inputs, state)

    net.forward = spy
    train_ch8(net, train_iter, vocab, 0.5, 1, quiet=True)
    assert len(seen) >= 2 and all(not s.requires_grad for pair in seen for s in pair)
    assert np.abs(seen[1][0].detach().numpy()).sum() > 0  # carried over, not re-initialised


@pytest.mark.skipif(os.environ.get("AUTOGRAD_FULL") != "1", reason="the full recipe runs with AUTOGRAD_FULL=1")
@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="compared with PyTorch")
def test_d2l_full_recipe_matches_pytorch():
    """d2l's chapter 8 recipe: 256 hidden, batch 32, 35 steps, SGD lr 1, clipping 1, 500 epochs, on the first
    10,000 characters; both frameworks start from the same weights and see the same minibatches."""
    import torch

    autograd.manual_seed(0)
    train_iter, vocab = load_data_time_machine(32, 35)
    net = RNNModel(nn.RNN(len(vocab), 256), len(vocab))
    theirs_rnn = torch.nn.RNN(len(vocab), 256)
    theirs_linear = torch.nn.Linear(256, len(vocab))
    with torch.no_grad():
        for name, p in net.named_parameters():
            module, attr = (theirs_rnn, name[4:]) if name.startswith("rnn.") else (theirs_linear, name[7:])
            getattr(module, attr).copy_(torch.tensor(p.detach().numpy()))
    params = list(theirs_rnn.parameters()) + list(theirs_linear.parameters())
    optimizer = torch.optim.SGD(params, lr=1.0)
    epochs = 500
    autograd.manual_seed(1)
    ours = train_ch8(net, train_iter, vocab, 1.0, epochs, quiet=True).perplexity[-1]
    autograd.manual_seed(1)  # the same offsets, so the same minibatches
    for _ in range(epochs):
        state, total, count = None, 0.0, 0
        for X, Y in train_iter:
            state = torch.zeros(1, 32, 256) if state is None else state.detach()
            x = torch.nn.functional.one_hot(torch.tensor(X.detach().numpy()).T, len(vocab)).float()
            out, state = theirs_rnn(x, state)
            loss = torch.nn.functional.cross_entropy(
                theirs_linear(out.reshape(-1, 256)), torch.tensor(Y.detach().numpy()).T.reshape(-1)
            )
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optimizer.step()
            total, count = total + loss.item() * Y.numel(), count + Y.numel()
    theirs = float(np.exp(total / count))
    print(f"\n  perplexity after {epochs} epochs: autograd {ours:.2f}, PyTorch {theirs:.2f}")
    assert ours < 1.6 and theirs < 1.6 and abs(ours - theirs) < 0.3
