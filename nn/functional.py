"""Functional forms of the layers and losses: `import nn.functional as F`, then `F.relu(x)`, `F.cross_entropy(...)`."""

from __future__ import annotations

import numbers
import warnings
from typing import Any

import numpy as np

import autograd
from autograd.ops.activation import log_softmax, softmax
from autograd.ops.elementwise import Dropout, leaky_relu, relu, sigmoid, tanh
from autograd.ops.linalg import Linear
from autograd.ops.loss import REDUCTIONS, BinaryCrossEntropy, BinaryCrossEntropyWithLogits, CrossEntropy
from autograd.tensor import Tensor, data_of

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "dropout",
    "l1_loss",
    "leaky_relu",
    "linear",
    "log_softmax",
    "mse_loss",
    "nll_loss",
    "one_hot",
    "relu",
    "sigmoid",
    "softmax",
    "tanh",
]


def _shape(x: Any) -> tuple[int, ...]:
    return np.shape(data_of(x))


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:  # noqa: A002 (PyTorch's name)
    """input @ weight.T + bias: input (..., in), weight (out, in), bias (out,) -> (..., out), one graph node."""
    if bias is None:
        return Linear.apply(input, weight)
    return Linear.apply(input, weight, bias)


def _check_probability(p: Any, op: str) -> float:
    if isinstance(p, bool) or not isinstance(p, numbers.Real) or not 0 <= p <= 1:
        raise ValueError(f"{op}: dropout probability has to be between 0 and 1, but got {p!r}")
    return float(p)


def dropout(input: Tensor, p: float = 0.5, training: bool = True) -> Tensor:  # noqa: A002
    """Zero elements with probability p and scale the others by 1/(1-p) when training; identity otherwise."""
    p = _check_probability(p, "dropout")
    if not training or p == 0:
        return input
    return Dropout.apply(input, p=p)


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """Class indices (...) as one-hot rows (..., num_classes), int64; num_classes=-1 means max + 1."""
    labels = np.asarray(data_of(tensor))
    if labels.dtype.kind not in "iu":
        raise RuntimeError(f"one_hot is only applicable to index tensors, got dtype {labels.dtype}")
    if labels.size and labels.min() < 0:
        raise RuntimeError(f"one_hot: class values must be non-negative, got {int(labels.min())}")
    if num_classes == -1:
        num_classes = int(labels.max()) + 1 if labels.size else 0
    if labels.size and labels.max() >= num_classes:
        raise RuntimeError(f"one_hot: class value {int(labels.max())} is out of range for num_classes={num_classes}")
    out = np.zeros((*labels.shape, num_classes), dtype=np.int64)
    np.put_along_axis(out, labels[..., None].astype(np.int64), 1, axis=-1)
    return Tensor(out)


# ---- losses -------------------------------------------------------------------------------------------
def _check_reduction(reduction: str, op: str) -> None:
    if reduction not in REDUCTIONS:
        raise ValueError(f"{op}: reduction must be 'none', 'mean' or 'sum', got {reduction!r}")


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    return loss.sum() if reduction == "sum" else loss


def _warn_if_broadcast(input: Any, target: Any, op: str) -> None:  # noqa: A002
    if _shape(input) != _shape(target):
        warnings.warn(
            f"{op}: using a target size {_shape(target)} that is different to the input size {_shape(input)}; "
            "they will be broadcast, which is likely not what you want. Make them the same size.",
            UserWarning,
            stacklevel=3,
        )


def mse_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:  # noqa: A002
    """Squared error (input - target)^2, averaged, summed or elementwise."""
    _check_reduction(reduction, "mse_loss")
    _warn_if_broadcast(input, target, "mse_loss")
    diff = input - target
    return _reduce(diff * diff, reduction)


def l1_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:  # noqa: A002
    """Absolute error |input - target|, averaged, summed or elementwise."""
    _check_reduction(reduction, "l1_loss")
    _warn_if_broadcast(input, target, "l1_loss")
    return _reduce(autograd.abs(input - target), reduction)


def _check_logits(input: Any, op: str) -> tuple[int, ...]:  # noqa: A002
    array = np.asarray(data_of(input))
    if array.ndim not in (1, 2):
        raise ValueError(f"{op}: expected input of shape (C,) or (N, C), got {array.shape}")
    if array.dtype.kind != "f":
        raise TypeError(f"{op}: expected floating point input, got {array.dtype}")
    return array.shape


def _check_class_indices(labels: np.ndarray, shape: tuple[int, ...], op: str) -> None:
    if labels.shape != shape[:-1]:
        raise ValueError(f"{op}: expected target of shape {shape[:-1]} for input of shape {shape}, got {labels.shape}")
    # one pass: seen as unsigned, negative labels are huge, so a single max finds labels outside [0, C)
    if labels.size and np.maximum.reduce(labels.view(f"u{labels.itemsize}"), axis=None) >= shape[-1]:
        bad = labels.min() if labels.min() < 0 else labels.max()
        raise IndexError(f"{op}: target {int(bad)} is out of bounds for {shape[-1]} classes (input of shape {shape})")


def cross_entropy(
    input: Tensor,  # noqa: A002
    target: Any,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Softmax cross-entropy of logits (N, C) or (C,) against class indices (N,) or probabilities (N, C).

    Computed from a stable log-softmax in one graph node, whose backward is (softmax - target) * g.
    """
    _check_reduction(reduction, "cross_entropy")
    shape = _check_logits(input, "cross_entropy")
    if isinstance(label_smoothing, bool) or not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be between 0.0 and 1.0, got {label_smoothing!r}")
    labels = np.asarray(data_of(target))
    if labels.dtype.kind in "iu":
        _check_class_indices(labels, shape, "cross_entropy")
    elif labels.dtype.kind == "f":
        if labels.shape != shape:
            raise ValueError(
                f"cross_entropy: class-probability target of shape {labels.shape} must match input of shape {shape}"
            )
    else:
        raise TypeError(f"cross_entropy: expected integer class indices or float probabilities, got {labels.dtype}")
    return CrossEntropy.apply(input, target, reduction=reduction, label_smoothing=float(label_smoothing))


def nll_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:  # noqa: A002
    """Negative log-likelihood: -input[n, target[n]] for log-probabilities (N, C) or (C,) and class indices."""
    _check_reduction(reduction, "nll_loss")
    shape = _check_logits(input, "nll_loss")
    labels = np.asarray(data_of(target))
    if labels.dtype.kind not in "iu":
        raise TypeError(f"nll_loss: expected integer class indices as target, got {labels.dtype}")
    _check_class_indices(labels, shape, "nll_loss")
    picked = input[labels] if len(shape) == 1 else input[np.arange(shape[0]), labels]
    return _reduce(-picked, reduction)


def _check_same_shape(input: Any, target: Any, op: str) -> None:  # noqa: A002
    if _shape(input) != _shape(target):
        raise ValueError(f"{op}: target size {_shape(target)} must be the same as input size {_shape(input)}")


def binary_cross_entropy(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:  # noqa: A002
    """-(t log p + (1 - t) log(1 - p)) for probabilities p in [0, 1]; each log is clamped at -100 as in PyTorch."""
    _check_reduction(reduction, "binary_cross_entropy")
    _check_same_shape(input, target, "binary_cross_entropy")
    probs = np.asarray(data_of(input))
    if probs.size and not (probs.min() >= 0 and probs.max() <= 1):
        raise RuntimeError("binary_cross_entropy: all elements of input should be between 0 and 1")
    return _reduce(BinaryCrossEntropy.apply(input, target), reduction)


def binary_cross_entropy_with_logits(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:  # noqa: A002
    """Binary cross-entropy of sigmoid(input), computed from the logits so that large |input| stays finite."""
    _check_reduction(reduction, "binary_cross_entropy_with_logits")
    _check_same_shape(input, target, "binary_cross_entropy_with_logits")
    return _reduce(BinaryCrossEntropyWithLogits.apply(input, target), reduction)
