"""Fused losses: one graph node each, where composing smaller ops would cost more.

- `CrossEntropy`: log-softmax and negative log-likelihood with the reduction, backward (softmax - target) * g;
- `BinaryCrossEntropy` and `BinaryCrossEntropyWithLogits`: elementwise, stable for saturated inputs.

The hot paths reduce with ufunc.reduce (np.add.reduce, not ndarray.sum): the ndarray methods go through a Python-level
wrapper in numpy, whose cost shows in a training loop where the caches are cold after every large matrix product.
"""

from __future__ import annotations

import numpy as np

from ..function import CONSTANT, Function, add_tangents
from .activation import LogSoftmax, Softmax
from .elementwise import Log, Sigmoid, softplus_values

REDUCTIONS = ("none", "mean", "sum")


def _row_max(z: np.ndarray) -> np.ndarray:
    """z.max(axis=1, keepdims=True) of a 2-d array. numpy reduces short rows slowly, so a tall array with few
    columns is transposed into contiguous columns first (about 7x faster on a 256 x 10 batch of logits)."""
    if z.shape[1] > 32 or len(z) < 32:
        return np.maximum.reduce(z, axis=1, keepdims=True)
    return np.maximum.reduce(z.T.copy(), axis=0)[:, None]


def _reduce(loss: np.ndarray, reduction: str, count: float | None = None) -> np.ndarray:
    """The per-sample `loss` summed, averaged (over `count`, by default the number of samples), or kept as it is."""
    if reduction == "none":
        return loss
    total = np.add.reduce(loss, axis=None)
    if reduction == "sum":
        return np.asarray(total)
    with np.errstate(invalid="ignore", divide="ignore"):  # an empty batch, or every target ignored: 0 / 0 is nan
        return np.asarray(total / (loss.size if count is None else count))


class CrossEntropy(Function):
    """Softmax cross-entropy of logits (..., C) against class indices (...) or class probabilities (..., C).

    `weight` (C,) scales each class's term; with class indices, targets equal to `ignore_index` count for nothing and
    'mean' divides by the summed weights of the targets kept (PyTorch's weighted mean).
    """

    saves = (0, 1, CONSTANT)  # logits, target, and forward's softmax (minus the target, for class indices)

    def forward(self, logits, target, reduction, label_smoothing, weight=None, ignore_index=-100):
        self.reduction, self.smoothing, self.weight = reduction, label_smoothing, weight
        self.indices, self.dtype = target.dtype.kind in "iu", logits.dtype
        n_classes = logits.shape[-1]
        z = logits.reshape(-1, n_classes)
        shifted = z - _row_max(z)
        probs = np.exp(shifted)
        total = np.add.reduce(probs, axis=1, keepdims=True)
        log_total = np.log(total)
        probs /= total
        self.count, self.row_weight = None, None
        if self.indices:
            self.rows, self.target = np.arange(len(z)), target.reshape(-1)
            valid = self.target != ignore_index
            if weight is None and valid.all():  # the common case, with no (N, C) target built
                loss = log_total[:, 0] - shifted[self.rows, self.target]
                if label_smoothing:
                    loss *= 1 - label_smoothing
                    loss += (log_total[:, 0] - shifted.mean(axis=1)) * label_smoothing
                    probs -= label_smoothing / n_classes
                probs[self.rows, self.target] -= 1 - label_smoothing
            else:
                self.valid, self.target = valid, np.where(valid, self.target, 0)
                kept = valid.astype(z.dtype)
                self.row_weight = kept if weight is None else weight[self.target] * kept
                self.count = np.add.reduce(self.row_weight)
                coefficients = self._dense_target(n_classes)
                loss = (coefficients * (log_total - shifted)).sum(axis=1)
                probs *= coefficients.sum(axis=1, keepdims=True)
                probs -= coefficients
        else:
            loss = (self._weighted(target.reshape(z.shape), n_classes) * (log_total - shifted)).sum(axis=1)
        # softmax, minus the target for class indices (backward then only scales it); unused with create_graph
        self.saved = (logits, target, probs)
        loss = loss.reshape(logits.shape[:-1])
        if self.count is None:
            self.count = max(loss.size, 1)  # divides only the gradient, which is empty for an empty batch
            return _reduce(loss, reduction)  # so the mean of an empty batch is 0 / 0 = nan, as in PyTorch
        return _reduce(loss, reduction, self.count)

    def _weighted(self, probs, n_classes):
        """Target probabilities mixed with the uniform distribution by `label_smoothing`, scaled by class weight."""
        if self.smoothing:
            probs = probs * (1 - self.smoothing) + self.smoothing / n_classes
        return probs if self.weight is None else probs * self.weight

    def backward(self, g):
        logits = self.saved[0]
        shape, n_classes = logits.shape, logits.shape[-1]
        if self.reduction == "mean":
            g = g / self.count
        elif self.reduction == "none":
            g = g.reshape(-1, 1)
        recording = not isinstance(logits, np.ndarray)  # create_graph: the softmax is recomputed from the logits
        probs = Softmax.apply_or_run(logits.reshape(-1, n_classes), axis=1) if recording else self.saved[2]
        if self.indices:  # saved[2] is already d loss / d logits
            if not recording:
                return (probs * g).reshape(shape), None
            target = self._dense_target(n_classes)
            return ((probs * target.sum(axis=1, keepdims=True) - target) * g).reshape(shape), None
        target = self._weighted(self.saved[1].reshape(-1, n_classes), n_classes)
        # d/dlogits of -(target * log_softmax).sum(-1), for targets that need not sum to 1
        g_logits = ((probs * target.sum(axis=1, keepdims=True) - target) * g).reshape(shape)
        g_target = None
        if self.needs_grad(1):
            log_probs = LogSoftmax.apply_or_run(logits.reshape(-1, n_classes), axis=1)
            g_target = self._scaled(log_probs * (g * (self.smoothing - 1))).reshape(shape)
        return g_logits, g_target

    def _scaled(self, x):
        return x if self.weight is None else x * self.weight

    def _dense_target(self, n_classes):
        """Each row's coefficients of -log_softmax as an (N, C) array: one-hot (smoothed, weighted) rows for class
        indices, or the given probabilities (smoothed, weighted)."""
        if not self.indices:
            return self._weighted(self.saved[1].reshape(-1, n_classes), n_classes)
        target = np.zeros((len(self.rows), n_classes), dtype=self.dtype)
        row_weight = 1.0 if self.row_weight is None else self.row_weight
        target[self.rows, self.target] = (1 - self.smoothing) * row_weight
        if self.smoothing:
            uniform = np.full(n_classes, self.smoothing / n_classes, dtype=target.dtype)
            uniform = self._scaled(uniform)
            target += uniform if self.row_weight is None else self.valid[:, None] * uniform
        return target

    def jvp(self, t_logits, t_target=None):
        logits = self.saved[0]
        n_classes = logits.shape[-1]
        d_logits = d_target = None
        if t_logits is not None:
            target = self._dense_target(n_classes)
            slope = (
                Softmax.apply_or_run(logits.reshape(-1, n_classes), axis=1) * target.sum(axis=1, keepdims=True) - target
            )
            d_logits = (slope * t_logits.reshape(-1, n_classes)).sum(axis=1)
        if t_target is not None:
            log_probs = LogSoftmax.apply_or_run(logits.reshape(-1, n_classes), axis=1)
            d_target = self._scaled(log_probs * t_target.reshape(-1, n_classes)).sum(axis=1) * (self.smoothing - 1)
        return _reduce(add_tangents(d_logits, d_target).reshape(logits.shape[:-1]), self.reduction, self.count)


_LOG_FLOOR = -100.0  # PyTorch clamps log(p) here so that p = 0 or 1 gives a finite loss


class BinaryCrossEntropy(Function):
    """-(t log p + (1 - t) log(1 - p)) elementwise, each log clamped at -100; p and t must lie in [0, 1]."""

    saves = (0, 1)

    def forward(self, p, t):
        for name, values in (("input", p), ("target", t)):
            if not np.all((values >= 0) & (values <= 1)):  # a nan fails too, as in PyTorch
                raise RuntimeError(f"binary_cross_entropy: all elements of {name} should be between 0 and 1")
        self.saved = (p, t)
        with np.errstate(divide="ignore"):
            log_p = np.maximum(np.log(p), _LOG_FLOOR)
            log_q = np.maximum(np.log1p(-p), _LOG_FLOOR)
        return -(t * log_p + (1 - t) * log_q)

    def _slopes(self, want_p, want_t):
        """d loss / d p (PyTorch's, with p (1 - p) kept above 1e-12) and d loss / d t, each only when wanted."""
        p, t = self.saved
        d_p = (p - t) / np.maximum(p * (1 - p), 1e-12) if want_p else None
        d_t = None
        if want_t:
            with np.errstate(divide="ignore"):
                d_t = np.maximum(np.log(1 - p), _LOG_FLOOR) - np.maximum(np.log(p), _LOG_FLOOR)
        return d_p, d_t

    def backward(self, g):
        d_p, d_t = self._slopes(self.needs_grad(0), self.needs_grad(1))
        return (None if d_p is None else g * d_p), (None if d_t is None else g * d_t)

    def jvp(self, tp, tt):
        d_p, d_t = self._slopes(tp is not None, tt is not None)
        return add_tangents(None if d_p is None else tp * d_p, None if d_t is None else tt * d_t)


class BinaryCrossEntropyWithLogits(Function):
    """-(w t log sigmoid(z) + (1 - t) log(1 - sigmoid(z))) elementwise, w the optional `pos_weight` (1 without),
    computed as (1 - t) z + (1 + (w - 1) t) softplus(-z)."""

    saves = (0, 1, 2)

    def forward(self, z, t, pos_weight=None):
        self.saved = (z, t) if pos_weight is None else (z, t, pos_weight)
        if pos_weight is None:
            return softplus_values(z) - z * t
        return (1 - t) * z + (1 + (pos_weight - 1) * t) * softplus_values(-z)

    def _slopes(self):
        """d loss / d z, d loss / d t, d loss / d pos_weight (the last None without pos_weight)."""
        if len(self.saved) == 2:
            z, t = self.saved
            return Sigmoid.apply_or_run(z) - t, -z, None
        z, t, w = self.saved
        sig_neg = Sigmoid.apply_or_run(-z)
        softplus = -Log.apply_or_run(1 - sig_neg)  # softplus(-z) = -log sigmoid(z), from the same sigmoid
        scale = 1 + (w - 1) * t
        return (1 - t) - scale * sig_neg, (w - 1) * softplus - z, t * softplus

    def backward(self, g):
        d_z, d_t, d_w = self._slopes()
        g_z = g * d_z if self.needs_grad(0) else None
        g_t = g * d_t if self.needs_grad(1) else None
        if d_w is None:
            return g_z, g_t
        return g_z, g_t, (g * d_w if self.needs_grad(2) else None)

    def jvp(self, tz, tt, tw=None):
        d_z, d_t, d_w = self._slopes()
        return add_tangents(
            tz * d_z if tz is not None else None,
            tt * d_t if tt is not None else None,
            tw * d_w if tw is not None else None,
        )
