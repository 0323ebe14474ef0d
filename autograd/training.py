"""Training loops in the spirit of d2l's `train_ch3`: `train`, `evaluate_accuracy` and `accuracy`.

`train` works with any model that is called on a batch (an `nn.Module`: its train/eval modes are set), any
loss (per-sample with reduction='none', or already averaged), and either an optimizer (anything with
`zero_grad()` and `step()`) or a d2l-style updater function called as `updater(batch_size)` after
`loss.sum().backward()`.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TextIO

import numpy as np

from .animator import Animator, has_matplotlib, in_notebook
from .grad_mode import no_grad
from .progress import ProgressBar
from .tensor import Tensor, data_of


def count_correct(y_hat: Any, y: Any) -> int:
    """How many predictions match the labels: scores (N, C) by argmax, else predicted labels (N,) directly."""
    scores, labels = np.asarray(data_of(y_hat)), np.asarray(data_of(y))
    predicted = scores.argmax(axis=1) if scores.ndim == 2 and scores.shape[1] > 1 else scores.reshape(labels.shape)
    return int((predicted.astype(labels.dtype) == labels).sum())


def accuracy(y_hat: Any, y: Any) -> float:
    """The fraction of correct predictions: scores (N, C) or predicted labels (N,) against labels (N,)."""
    n = len(data_of(y))
    return count_correct(y_hat, y) / n if n else 0.0


def _set_mode(net: Any, training: bool) -> bool | None:
    """Put `net` in training or evaluation mode when it has modes; returns its previous mode."""
    previous = getattr(net, "training", None)
    if hasattr(net, "train"):
        net.train(training)
    return previous


def evaluate_accuracy(net: Callable[[Any], Any], data_iter: Iterable[Any]) -> float:
    """The accuracy of `net` over every (X, y) batch of `data_iter`, in evaluation mode and without a graph."""
    previous = _set_mode(net, False)
    correct = total = 0
    try:
        with no_grad():
            for X, y in data_iter:
                correct += count_correct(net(X), y)
                total += len(data_of(y))
    finally:
        if previous is not None:
            net.train(previous)
    return correct / total if total else 0.0


@dataclass
class History:
    """Per-epoch metrics of a `train` run: mean training loss, training and test accuracy, training seconds."""

    train_loss: list[float] = field(default_factory=list)
    train_acc: list[float] = field(default_factory=list)
    test_acc: list[float] = field(default_factory=list)
    epoch_seconds: list[float] = field(default_factory=list)


def _is_optimizer(updater: Any) -> bool:
    return callable(getattr(updater, "zero_grad", None)) and callable(getattr(updater, "step", None))


def train_epoch(
    net: Callable[[Any], Any],
    train_iter: Iterable[Any],
    loss: Callable[[Any, Any], Tensor],
    updater: Any,
    bar: ProgressBar | None = None,
) -> tuple[float, float]:
    """One pass over `train_iter` updating `net`; returns (mean loss per sample, training accuracy)."""
    _set_mode(net, True)
    optimizer = _is_optimizer(updater)
    loss_sum, correct, total = 0.0, 0, 0
    for X, y in train_iter:
        y_hat = net(X)
        batch_loss = loss(y_hat, y)
        n = len(data_of(y))
        if optimizer:
            updater.zero_grad()
            (batch_loss.mean() if batch_loss.ndim else batch_loss).backward()
            updater.step()
        else:
            batch_loss.sum().backward()
            updater(n)
        values = batch_loss._data
        loss_sum += float(values.sum()) if values.ndim else float(values) * n
        correct += count_correct(y_hat, y)
        total += n
        if bar is not None:
            bar.update(1, f"loss {loss_sum / total:.4f} acc {correct / total:.3f}")
    return (loss_sum / total, correct / total) if total else (float("nan"), float("nan"))


def train(
    net: Callable[[Any], Any],
    train_iter: Iterable[Any],
    test_iter: Iterable[Any] | None,
    loss: Callable[[Any, Any], Tensor],
    num_epochs: int,
    updater: Any,
    *,
    quiet: bool = False,
    file: TextIO | None = None,
    plot: bool | None = None,
) -> History:
    """Train for `num_epochs` over `train_iter`; returns the History (loss, train and test accuracy per epoch).

    Unless `quiet`: on a terminal a progress bar, and one line per epoch to `file` (stdout by default); with `plot`
    (by default: in a Jupyter notebook with matplotlib installed) the curves of loss and accuracies drawn epoch by
    epoch by an `Animator`, as d2l's train_ch3 does, and the last epoch's line once training ends (the notebook
    redraws the cell's output each epoch).
    """
    if isinstance(num_epochs, bool) or not isinstance(num_epochs, int) or num_epochs < 0:
        raise ValueError(f"train: num_epochs must be a non-negative int, got {num_epochs!r}")
    out = sys.stdout if file is None else file
    animator = None if quiet else _animator(plot, num_epochs, test_iter is not None)
    every_epoch = not quiet and (animator is None or not animator.display)
    history = History()
    line = ""
    batches = len(train_iter) if hasattr(train_iter, "__len__") else 0
    for epoch in range(1, num_epochs + 1):
        label = f"epoch {epoch:{len(str(num_epochs))}d}/{num_epochs}"
        bar = ProgressBar(batches, label, out, enabled=False if quiet or not batches else None)
        start = time.perf_counter()
        train_loss, train_acc = train_epoch(net, train_iter, loss, updater, bar)
        history.epoch_seconds.append(time.perf_counter() - start)
        bar.close()
        history.train_loss.append(train_loss)
        history.train_acc.append(train_acc)
        line = f"{label}  loss {train_loss:.4f}  train acc {train_acc:.3f}"
        if test_iter is not None:
            history.test_acc.append(evaluate_accuracy(net, test_iter))
            line += f"  test acc {history.test_acc[-1]:.3f}"
        line += f"  ({history.epoch_seconds[-1]:.1f} s)"
        if animator is not None:
            animator.add(epoch, (train_loss, train_acc, *history.test_acc[-1:]))
        if every_epoch:
            print(line, file=out, flush=True)
    if line and not quiet and not every_epoch:
        print(line, file=out, flush=True)
    return history


def _animator(plot: bool | None, num_epochs: int, with_test: bool) -> Animator | None:
    """d2l's Animator of train_ch3 when plotting (by default: in a notebook with matplotlib), else None."""
    if not (in_notebook() and has_matplotlib() if plot is None else plot):
        return None
    legend = ["train loss", "train acc"] + (["test acc"] if with_test else [])
    return Animator(xlabel="epoch", xlim=[1, num_epochs] if num_epochs > 1 else None, legend=legend)
