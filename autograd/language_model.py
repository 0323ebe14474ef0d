"""Character-level language models as d2l's chapter 8 trains them: `RNNModel`, `train_ch8`, `predict_ch8`.

`train_ch8` runs d2l's loop: per epoch the perplexity exp(mean cross-entropy per token) and tokens per second;
gradients clipped to norm `clip` with `nn.utils.clip_grad_norm_`; under sequential partitioning the hidden state
is carried from one minibatch to the next and detached (backpropagation stops at the minibatch boundary), under
random sampling it starts from zeros every minibatch. A progress bar shows on a terminal.

Imported as `autograd.language_model` (it builds on `nn` and `optim`, which themselves import `autograd`).
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass, field
from typing import Any, TextIO

import numpy as np

import nn
import optim

from .grad_mode import no_grad
from .progress import ProgressBar
from .tensor import Tensor

__all__ = ["LMHistory", "RNNModel", "predict", "predict_ch8", "train_ch8", "train_epoch_ch8"]


class RNNModel(nn.Module):
    """A recurrent layer (nn.RNN, GRU or LSTM) over one-hot tokens, and a Linear map of its outputs to the vocabulary.

    forward(inputs (B, T) token indices, state) -> (logits (T B, vocab_size), new state), d2l's layout: the logits
    of step t for every batch row, then step t + 1.
    """

    def __init__(self, rnn_layer: nn.RNNBase, vocab_size: int) -> None:
        super().__init__()
        self.rnn, self.vocab_size = rnn_layer, int(vocab_size)
        self.num_hiddens = rnn_layer.hidden_size
        self.num_directions = rnn_layer.num_directions
        self.linear = nn.Linear(self.num_hiddens * self.num_directions, self.vocab_size)
        self._eye = np.eye(self.vocab_size, dtype=rnn_layer.weight_ih_l0.dtype)

    def forward(self, inputs: Any, state: Any) -> tuple[Tensor, Any]:
        indices = np.asarray(inputs)
        X = Tensor(self._eye[indices.T])  # (T, B, vocab_size), one-hot, time first
        Y, state = self.rnn(X, state)
        return self.linear(Y.reshape(-1, Y.shape[-1])), state

    def begin_state(self, batch_size: int = 1) -> Any:
        """Zeros of shape (num_layers * num_directions, batch_size, hidden); a pair of them for an LSTM."""
        shape = (self.num_directions * self.rnn.num_layers, batch_size, self.num_hiddens)
        zeros = Tensor(np.zeros(shape, dtype=self._eye.dtype))
        return (zeros, Tensor(np.zeros(shape, dtype=self._eye.dtype))) if isinstance(self.rnn, nn.LSTM) else zeros


def predict_ch8(prefix: str, num_preds: int, net: Any, vocab: Any) -> str:
    """`prefix` followed by `num_preds` tokens, each the most likely next one (greedy), warming up on the prefix."""
    if not prefix:
        raise ValueError("predict_ch8: the prefix must hold at least one token")
    with no_grad():
        state = net.begin_state(batch_size=1)
        outputs = [vocab[prefix[0]]]
        for token in prefix[1:]:
            _, state = net(np.array([[outputs[-1]]]), state)
            outputs.append(vocab[token])
        for _ in range(num_preds):
            y, state = net(np.array([[outputs[-1]]]), state)
            outputs.append(int(np.asarray(y).argmax(axis=1)[0]))
    return "".join(vocab.idx_to_token[i] for i in outputs)


predict = predict_ch8


def _detach(state: Any) -> Any:
    if isinstance(state, tuple):
        return tuple(s.detach() for s in state)
    return state.detach()


def train_epoch_ch8(
    net: Any, train_iter: Any, loss: Any, updater: Any, use_random_iter: bool, clip: float = 1.0, bar: Any = None
) -> tuple[float, float]:
    """One pass over the minibatches; returns (perplexity, tokens per second)."""
    state, start = None, time.perf_counter()
    loss_sum, tokens = 0.0, 0
    params = [p for p in net.parameters() if p.requires_grad]
    for X, Y in train_iter:
        if state is None or use_random_iter:
            state = net.begin_state(batch_size=X.shape[0])
        else:
            state = _detach(state)
        y = np.asarray(Y).T.reshape(-1)
        y_hat, state = net(X, state)
        batch_loss = loss(y_hat, Tensor(y)).mean()
        updater.zero_grad()
        batch_loss.backward()
        nn.utils.clip_grad_norm_(params, clip)
        updater.step()
        loss_sum += float(batch_loss.item()) * y.size
        tokens += y.size
        if bar is not None:
            bar.update(1, f"perplexity {math.exp(loss_sum / tokens):.2f}")
    seconds = time.perf_counter() - start
    return (math.exp(loss_sum / tokens) if tokens else float("nan")), (tokens / seconds if seconds else 0.0)


@dataclass
class LMHistory:
    """Per-epoch perplexity and tokens per second of a `train_ch8` run."""

    perplexity: list[float] = field(default_factory=list)
    tokens_per_second: list[float] = field(default_factory=list)


def train_ch8(
    net: Any,
    train_iter: Any,
    vocab: Any,
    lr: float,
    num_epochs: int,
    use_random_iter: bool = False,
    *,
    clip: float = 1.0,
    predict_every: int = 10,
    prefix: str = "time traveller",
    quiet: bool = False,
    file: TextIO | None = None,
) -> LMHistory:
    """Train `net` with SGD(lr) and cross-entropy for `num_epochs`; prints a generated line every `predict_every`
    epochs and, at the end, the perplexity and speed (unless `quiet`). Returns the per-epoch history."""
    if isinstance(num_epochs, bool) or not isinstance(num_epochs, int) or num_epochs < 0:
        raise ValueError(f"train_ch8: num_epochs must be a non-negative int, got {num_epochs!r}")
    out = sys.stdout if file is None else file
    loss = nn.CrossEntropyLoss()
    updater = optim.SGD(net.parameters(), lr=lr)
    history = LMHistory()
    batches = len(train_iter) if hasattr(train_iter, "__len__") else 0
    for epoch in range(1, num_epochs + 1):
        bar = ProgressBar(batches, f"epoch {epoch}/{num_epochs}", out, enabled=False if quiet or not batches else None)
        ppl, speed = train_epoch_ch8(net, train_iter, loss, updater, use_random_iter, clip, bar)
        bar.close()
        history.perplexity.append(ppl)
        history.tokens_per_second.append(speed)
        if not quiet and predict_every and epoch % predict_every == 0:
            print(f"epoch {epoch}: perplexity {ppl:.1f}  {predict_ch8(prefix, 50, net, vocab)}", file=out, flush=True)
    if not quiet and num_epochs:
        print(f"perplexity {history.perplexity[-1]:.1f}, {history.tokens_per_second[-1]:.0f} tokens/s", file=out)
        print(predict_ch8(prefix, 50, net, vocab), file=out, flush=True)
    return history
