"""Functional forms of the layers and losses: `import nn.functional as F`, then `F.relu(x)`, `F.cross_entropy(...)`."""

from __future__ import annotations

import numbers
import warnings
from typing import Any

import numpy as np

import autograd
from autograd.ops.activation import log_softmax, softmax
from autograd.ops.conv import conv1d, conv2d
from autograd.ops.elementwise import Dropout, leaky_relu, relu, sigmoid, tanh
from autograd.ops.embedding import Embedding
from autograd.ops.linalg import Linear
from autograd.ops.loss import REDUCTIONS, BinaryCrossEntropy, BinaryCrossEntropyWithLogits, CrossEntropy
from autograd.ops.normalization import batch_norm, layer_norm
from autograd.ops.pointwise import softplus
from autograd.ops.pool import (
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    adaptive_max_pool1d,
    adaptive_max_pool2d,
    avg_pool1d,
    avg_pool2d,
    max_pool1d,
    max_pool2d,
)
from autograd.ops.shape import pad
from autograd.tensor import Tensor

__all__ = [
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d",
    "adaptive_max_pool1d",
    "adaptive_max_pool2d",
    "avg_pool1d",
    "avg_pool2d",
    "batch_norm",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "conv1d",
    "conv2d",
    "cross_entropy",
    "dropout",
    "embedding",
    "l1_loss",
    "layer_norm",
    "leaky_relu",
    "linear",
    "log_softmax",
    "max_pool1d",
    "max_pool2d",
    "mse_loss",
    "nll_loss",
    "one_hot",
    "pad",
    "relu",
    "sigmoid",
    "softmax",
    "softplus",
    "tanh",
]


def _array(x: Any) -> np.ndarray:
    return x._data if isinstance(x, Tensor) else np.asarray(x)


def _shape(x: Any) -> tuple[int, ...]:
    return _array(x).shape


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:  # noqa: A002 (PyTorch's name)
    """input @ weight.T + bias: input (..., in), weight (out, in), bias (out,) -> (..., out), one graph node."""
    if not isinstance(input, (Tensor, np.ndarray)):
        raise TypeError(f"linear(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
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


def _padding_index(padding_idx: int | None, num_embeddings: int) -> int | None:
    """padding_idx checked against the number of rows, negative counted from the end (None stays None)."""
    if padding_idx is None:
        return None
    if isinstance(padding_idx, bool) or not isinstance(padding_idx, (int, np.integer)):
        raise TypeError(f"embedding: padding_idx must be an int or None, got {type(padding_idx).__name__}")
    if not -num_embeddings <= padding_idx < num_embeddings:
        raise ValueError(f"embedding: padding_idx {padding_idx} must be within num_embeddings ({num_embeddings})")
    return int(padding_idx) % num_embeddings


def embedding(input: Any, weight: Tensor, padding_idx: int | None = None) -> Tensor:  # noqa: A002
    """weight[input]: integer indices (...) -> rows (..., embedding_dim); row `padding_idx` gets no gradient."""
    indices = _array(input)
    if indices.dtype.kind not in "iu":
        raise TypeError(f"embedding: expected integer indices (int64 or int32), got dtype {indices.dtype}")
    if _array(weight).ndim != 2:
        raise RuntimeError(f"embedding: weight must be 2-dimensional, got shape {tuple(_array(weight).shape)}")
    rows = _array(weight).shape[0]
    if indices.size and (indices.min() < 0 or indices.max() >= rows):
        bad = int(indices.min()) if indices.min() < 0 else int(indices.max())
        raise IndexError(f"embedding: index {bad} is out of range for a table of {rows} rows")
    return Embedding.apply(weight, indices, padding_idx=_padding_index(padding_idx, rows))


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """Class indices (...) as one-hot rows (..., num_classes), int64; num_classes=-1 means max + 1."""
    labels = _array(tensor)
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
def _check_loss_args(op: str, input: Any, target: Any, reduction: str) -> None:  # noqa: A002
    """TypeError unless input and target are tensors (or arrays), ValueError for an unknown reduction."""
    for position, (name, value) in enumerate((("input", input), ("target", target)), 1):
        if not isinstance(value, (Tensor, np.ndarray)):
            what = type(value).__name__
            raise TypeError(f"{op}(): argument '{name}' (position {position}) must be Tensor, not {what}")
    _check_reduction(reduction, op)


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
    _check_loss_args("mse_loss", input, target, reduction)
    _warn_if_broadcast(input, target, "mse_loss")
    diff = input - target
    return _reduce(diff * diff, reduction)


def l1_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:  # noqa: A002
    """Absolute error |input - target|, averaged, summed or elementwise."""
    _check_loss_args("l1_loss", input, target, reduction)
    _warn_if_broadcast(input, target, "l1_loss")
    return _reduce(autograd.abs(input - target), reduction)


def _check_logits(input: Any, op: str) -> tuple[int, ...]:  # noqa: A002
    array = _array(input)
    if array.ndim == 0:
        raise ValueError(f"{op}: expected input of shape (C,), (N, C) or (N, C, d1, ...), got a 0-d tensor")
    if array.dtype.kind != "f":
        raise TypeError(f"{op}: expected floating point input, got {array.dtype}")
    return array.shape


def _classes_last(x: Any, ndim: int) -> Any:
    """(N, C, d1, ...) -> (N, d1, ..., C): the fused losses reduce over the last axis."""
    order = (0, *range(2, ndim), 1)
    return autograd.permute(x, order) if isinstance(x, Tensor) else np.transpose(_array(x), order)


def _class_weight(weight: Any, n_classes: int, op: str) -> np.ndarray | None:
    if weight is None:
        return None
    values = _array(weight)
    if values.shape != (n_classes,):
        raise RuntimeError(
            f"{op}: weight tensor should be defined either for all {n_classes} classes or no classes, "
            f"but got weight of shape {values.shape}"
        )
    return values


def _check_class_indices(labels: np.ndarray, shape: tuple[int, ...], op: str, ignore_index: int = -100) -> None:
    expected = shape[:1] + shape[2:] if len(shape) >= 2 else ()
    if labels.shape != expected:
        raise ValueError(f"{op}: expected target of shape {expected} for input of shape {shape}, got {labels.shape}")
    n_classes = shape[1] if len(shape) >= 2 else shape[0]
    # one pass: seen as unsigned, negative labels are huge, so a single max finds labels outside [0, C)
    if labels.size and np.maximum.reduce(labels.view(f"u{labels.itemsize}"), axis=None) >= n_classes:
        outside = labels[(labels != ignore_index) & ((labels < 0) | (labels >= n_classes))]
        if outside.size:
            raise IndexError(
                f"{op}: target {int(outside[0])} is out of bounds for {n_classes} classes (input of shape {shape})"
            )


def cross_entropy(
    input: Tensor,  # noqa: A002
    target: Any,
    weight: Any = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Softmax cross-entropy of logits (N, C), (C,) or (N, C, d1, ...) against class indices (N,) / () /
    (N, d1, ...) or class probabilities shaped like the input. `weight` (C,) rescales each class; targets equal to
    `ignore_index` add nothing, and 'mean' divides by the summed weight of the targets kept.

    Computed from a stable log-softmax in one graph node, whose backward is (softmax - target) * g.
    """
    _check_loss_args("cross_entropy", input, target, reduction)
    shape = _check_logits(input, "cross_entropy")
    if isinstance(label_smoothing, bool) or not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be between 0.0 and 1.0, got {label_smoothing!r}")
    n_classes = shape[1] if len(shape) >= 2 else shape[0]
    class_weight = _class_weight(weight, n_classes, "cross_entropy")
    labels = _array(target)
    if labels.dtype.kind in "iu":
        _check_class_indices(labels, shape, "cross_entropy", ignore_index)
    elif labels.dtype.kind == "f":
        if labels.shape != shape:
            raise ValueError(
                f"cross_entropy: class-probability target of shape {labels.shape} must match input of shape {shape}"
            )
        if len(shape) >= 3:
            target = _classes_last(target, len(shape))
    else:
        raise TypeError(f"cross_entropy: expected integer class indices or float probabilities, got {labels.dtype}")
    if len(shape) >= 3:
        input = _classes_last(input, len(shape))  # noqa: A001
    return CrossEntropy.apply(
        input,
        target,
        reduction=reduction,
        label_smoothing=float(label_smoothing),
        weight=class_weight,
        ignore_index=int(ignore_index),
    )


def nll_loss(
    input: Tensor,  # noqa: A002
    target: Any,
    weight: Any = None,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> Tensor:
    """Negative log-likelihood: -weight[t] input[n, t] for log-probabilities (N, C), (C,) or (N, C, d1, ...) and
    class indices t; targets equal to `ignore_index` add nothing, and 'mean' divides by the summed weights kept."""
    _check_loss_args("nll_loss", input, target, reduction)
    shape = _check_logits(input, "nll_loss")
    labels = _array(target)
    if labels.dtype.kind not in "iu":
        raise TypeError(f"nll_loss: expected integer class indices as target, got {labels.dtype}")
    _check_class_indices(labels, shape, "nll_loss", ignore_index)
    n_classes = shape[1] if len(shape) >= 2 else shape[0]
    class_weight = _class_weight(weight, n_classes, "nll_loss")
    if len(shape) >= 3:
        input = _classes_last(input, len(shape))  # noqa: A001
    flat = input.reshape(-1, n_classes)
    rows = labels.reshape(-1)
    valid = rows != ignore_index
    if class_weight is None and valid.all():
        picked = flat[np.arange(len(rows)), rows]
        loss = -picked.reshape(labels.shape)
        return _reduce(loss, reduction)
    safe = np.where(valid, rows, 0)
    row_weight = valid.astype(_array(input).dtype)
    if class_weight is not None:
        row_weight = row_weight * class_weight[safe]
    loss = (-flat[np.arange(len(rows)), safe] * row_weight).reshape(labels.shape)
    if reduction == "mean":
        return loss.sum() / float(row_weight.sum())
    return _reduce(loss, reduction)


def _check_same_shape(input: Any, target: Any, op: str) -> None:  # noqa: A002
    if _shape(input) != _shape(target):
        raise ValueError(f"{op}: target size {_shape(target)} must be the same as input size {_shape(input)}")


def binary_cross_entropy(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:  # noqa: A002
    """-(t log p + (1 - t) log(1 - p)) for probabilities p in [0, 1]; each log is clamped at -100 as in PyTorch."""
    _check_loss_args("binary_cross_entropy", input, target, reduction)
    _check_same_shape(input, target, "binary_cross_entropy")
    probs = _array(input)
    if probs.size and not (probs.min() >= 0 and probs.max() <= 1):
        raise RuntimeError("binary_cross_entropy: all elements of input should be between 0 and 1")
    return _reduce(BinaryCrossEntropy.apply(input, target), reduction)


def binary_cross_entropy_with_logits(
    input: Tensor,  # noqa: A002
    target: Any,
    weight: Any = None,
    reduction: str = "mean",
    pos_weight: Any = None,
) -> Tensor:
    """Binary cross-entropy of sigmoid(input), computed from the logits so that large |input| stays finite.

    `pos_weight` (broadcast along the last dimension, one per class) multiplies the positive term t log sigmoid(x);
    `weight` rescales each element's loss.
    """
    _check_loss_args("binary_cross_entropy_with_logits", input, target, reduction)
    _check_same_shape(input, target, "binary_cross_entropy_with_logits")
    if pos_weight is None:
        loss = BinaryCrossEntropyWithLogits.apply(input, target)
    else:
        try:
            np.broadcast_shapes(_shape(pos_weight), _shape(input))
        except ValueError:
            raise RuntimeError(
                f"binary_cross_entropy_with_logits: pos_weight of shape {_shape(pos_weight)} does not broadcast to "
                f"input of shape {_shape(input)}"
            ) from None
        loss = BinaryCrossEntropyWithLogits.apply(input, target, pos_weight)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)
