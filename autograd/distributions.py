"""Probability distributions with PyTorch's `torch.distributions` API: `Normal`, `Bernoulli`, `Categorical` and
`Multinomial`, each with `sample(sample_shape)` and a differentiable `log_prob(value)`.

Shapes follow PyTorch: a distribution has a `batch_shape` (independent distributions side by side) and an
`event_shape` (the shape of one draw); `sample(sample_shape)` has shape `sample_shape + batch_shape + event_shape`,
and `log_prob(value)` has the broadcast shape of `value` without its event dimensions. Draws come from the
library's generator, so `autograd.manual_seed` makes them repeatable; they are constants (no graph), except
`Normal.rsample`, which is differentiable in `loc` and `scale` (the reparameterisation trick).
"""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any

import numpy as np

from . import ops
from .grad_mode import no_grad
from .ops.loss import BinaryCrossEntropyWithLogits
from .promotion import promote_types
from .random import generator
from .size import Size, shape_arg
from .tensor import Tensor, as_array, float32

_lgamma = np.vectorize(math.lgamma, otypes=[np.float64])


def _param(value: Any, name: str, cls: str) -> Tensor:
    """A distribution parameter as a floating tensor (numbers become float32; tensors keep their graph)."""
    if isinstance(value, Tensor):
        return value if value._data.dtype.kind == "f" else ops.cast(value, float32)
    array = as_array(value)
    return Tensor(array if array.dtype.kind == "f" else array.astype(float32))


def _sample_shape(sample_shape: Any) -> tuple[int, ...]:
    shape = shape_arg((sample_shape,), "sample", "sample_shape")
    if any(n < 0 for n in shape):
        raise RuntimeError(f"sample: sample_shape must be non-negative, got {list(shape)}")
    return shape


def _tiny(dtype: np.dtype) -> float:
    return float(np.finfo(dtype).eps)


class Distribution:
    """The shared shape bookkeeping: `batch_shape`, `event_shape`, and `sample`/`log_prob` to override."""

    batch_shape: Size
    event_shape: Size
    _params: tuple[str, ...] = ()

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Draws of shape sample_shape + batch_shape + event_shape (no graph)."""
        raise NotImplementedError(f"{type(self).__name__} cannot sample")

    def log_prob(self, value: Any) -> Tensor:
        """The log probability (density) of `value`, differentiable in the parameters."""
        raise NotImplementedError(f"{type(self).__name__} has no log_prob")

    def _extended(self, sample_shape: Any) -> tuple[int, ...]:
        return _sample_shape(sample_shape) + tuple(self.batch_shape) + tuple(self.event_shape)

    def _value(self, value: Any) -> Tensor:
        """`value` as a tensor, broadcast-compatible with batch_shape + event_shape (RuntimeError otherwise)."""
        value = value if isinstance(value, Tensor) else Tensor(as_array(value))
        full = tuple(self.batch_shape) + tuple(self.event_shape)
        try:
            np.broadcast_shapes(value._data.shape, full)
        except ValueError:
            raise RuntimeError(
                f"{type(self).__name__}.log_prob: value of shape {value._data.shape} does not broadcast with "
                f"batch_shape + event_shape {full}"
            ) from None
        return value

    def _check_support(self, ok: np.ndarray, value: Tensor, support: str) -> None:
        if not np.all(ok):
            raise ValueError(
                f"{type(self).__name__}.log_prob: expected value to be within the support ({support}), but found "
                f"invalid values in {value._data!r}"
            )

    def __repr__(self) -> str:
        params = ", ".join(f"{name}: {getattr(self, name).shape}" for name in self._params)
        return f"{type(self).__name__}({params})"


class Normal(Distribution):
    """The normal distribution N(loc, scale²); `loc` and `scale` broadcast to the batch shape."""

    _params = ("loc", "scale")

    def __init__(self, loc: Any, scale: Any) -> None:
        loc, scale = _param(loc, "loc", "Normal"), _param(scale, "scale", "Normal")
        shape = np.broadcast_shapes(loc._data.shape, scale._data.shape)
        if not np.all(scale._data > 0):
            raise ValueError(f"Normal: expected parameter scale to be positive, but found {scale._data!r}")
        self.loc, self.scale = ops.broadcast_to(loc, shape), ops.broadcast_to(scale, shape)
        self.batch_shape, self.event_shape = Size(shape), Size()

    @property
    def mean(self) -> Tensor:
        return self.loc

    @property
    def stddev(self) -> Tensor:
        return self.scale

    @property
    def variance(self) -> Tensor:
        return self.scale**2

    def sample(self, sample_shape: Any = ()) -> Tensor:
        with no_grad():
            return self.rsample(sample_shape)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """loc + eps * scale with eps ~ N(0, 1): a draw that gradients flow through to loc and scale."""
        eps = generator().standard_normal(self._extended(sample_shape)).astype(self.loc._data.dtype)
        return self.loc + Tensor(eps) * self.scale

    def log_prob(self, value: Any) -> Tensor:
        value = self._value(value)
        return -((value - self.loc) ** 2) / (2 * self.scale**2) - ops.log(self.scale) - math.log(math.sqrt(2 * math.pi))

    def entropy(self) -> Tensor:
        return 0.5 + 0.5 * math.log(2 * math.pi) + ops.log(self.scale)


def _probs_or_logits(probs: Any, logits: Any, cls: str, simplex: bool) -> tuple[Tensor | None, Tensor | None]:
    if (probs is None) == (logits is None):
        raise ValueError(f"{cls}: either `probs` or `logits` must be specified, but not both")
    if probs is None:
        logits = _param(logits, "logits", cls)
        if simplex and not logits._data.ndim:
            raise ValueError(f"{cls}: `logits` must have at least one dimension (the categories)")
        return None, logits
    probs = _param(probs, "probs", cls)
    p = probs._data
    if simplex and not p.ndim:
        raise ValueError(f"{cls}: `probs` must have at least one dimension (the categories)")
    bad = ~np.isfinite(p) | (p < 0) | (False if simplex else p > 1)
    if simplex:
        bad = bad | (p.sum(axis=-1, keepdims=True) <= 0)
    if np.any(bad):
        constraint = "non-negative with a positive sum along the last dimension" if simplex else "in [0, 1]"
        raise ValueError(f"{cls}: expected parameter probs of shape {p.shape} to be {constraint}, but found {p!r}")
    return probs, None


class Bernoulli(Distribution):
    """1 with probability `probs` (or sigmoid(`logits`)), else 0; samples are floats of the batch shape."""

    _params = ("probs",)

    def __init__(self, probs: Any = None, logits: Any = None) -> None:
        probs, logits = _probs_or_logits(probs, logits, "Bernoulli", simplex=False)
        self.probs = ops.sigmoid(logits) if probs is None else probs
        self._logits = logits
        self.batch_shape, self.event_shape = Size(self.probs._data.shape), Size()

    @property
    def logits(self) -> Tensor:
        """log(p / (1 - p)), with p clamped away from 0 and 1 when given as probs."""
        if self._logits is not None:
            return self._logits
        eps = _tiny(self.probs._data.dtype)
        p = ops.clamp(self.probs, eps, 1 - eps)
        return ops.log(p) - ops.log(1 - p)

    @property
    def mean(self) -> Tensor:
        return self.probs

    @property
    def variance(self) -> Tensor:
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        p = self.probs._data
        return Tensor((generator().random(self._extended(sample_shape)) < p).astype(p.dtype))

    def log_prob(self, value: Any) -> Tensor:
        value = self._value(value)
        self._check_support((value._data == 0) | (value._data == 1), value, "{0, 1}")
        logits = self.logits
        dtype = promote_types(logits._data.dtype, value._data.dtype)  # integer counts take the logits' dtype
        logits, value = (x if x._data.dtype == dtype else ops.cast(x, dtype) for x in (logits, value))
        shape = np.broadcast_shapes(value._data.shape, logits._data.shape)
        # PyTorch's formula: minus the cross-entropy of the logits, whose slope at logits = 0 is exact (-1/2)
        return -BinaryCrossEntropyWithLogits.apply(ops.broadcast_to(logits, shape), ops.broadcast_to(value, shape))


class Categorical(Distribution):
    """One of K categories, index k with probability probs[..., k] (or softmax(logits)[..., k]); the last dimension
    of `probs` lists the categories, the others are the batch shape. Samples are int64 of the batch shape."""

    _params = ("probs",)

    def __init__(self, probs: Any = None, logits: Any = None) -> None:
        probs, logits = _probs_or_logits(probs, logits, type(self).__name__, simplex=True)
        if probs is None:
            self.logits = logits - ops.logsumexp(logits, dim=-1, keepdim=True)
            self.probs = ops.exp(self.logits)
        else:
            self.probs = probs / ops.sum(probs, dim=-1, keepdim=True)
            eps = _tiny(self.probs._data.dtype)
            self.logits = ops.log(ops.clamp(self.probs, eps, 1 - eps))
        self.num_categories = self.probs._data.shape[-1]
        self.batch_shape, self.event_shape = Size(self.probs._data.shape[:-1]), Size()

    def _draw(self, shape: tuple[int, ...]) -> np.ndarray:
        """Category indices of shape `shape` (= sample_shape + batch_shape), by inverting the cumulative sums."""
        cdf = np.cumsum(self.probs._data.astype(np.float64), axis=-1)
        u = generator().random(shape)[..., None] * cdf[..., -1:]
        return np.minimum((cdf <= u).sum(axis=-1), self.num_categories - 1).astype(np.int64)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        return Tensor(self._draw(self._extended(sample_shape)))

    def log_prob(self, value: Any) -> Tensor:
        value = self._value(value)
        v = value._data
        whole = np.equal(np.mod(v, 1), 0) if v.dtype.kind == "f" else True
        self._check_support(whole & (v >= 0) & (v < self.num_categories), value, f"0..{self.num_categories - 1}")
        chosen = v.astype(np.int64)[..., None] == np.arange(self.num_categories)
        return ops.sum(ops.where(Tensor(chosen), self.logits, 0.0), dim=-1)

    def entropy(self) -> Tensor:
        return -ops.sum(self.probs * self.logits, dim=-1)


class Multinomial(Distribution):
    """Counts of `total_count` draws from K categories with probabilities `probs` (or softmax(`logits`)); the
    last dimension of `probs` lists the categories. Samples are float counts of shape batch_shape + (K,):
    `Multinomial(1, torch.ones(6) / 6).sample((500,))` rolls a die 500 times, one one-hot row per roll."""

    _params = ("probs",)

    def __init__(self, total_count: int = 1, probs: Any = None, logits: Any = None) -> None:
        if isinstance(total_count, bool) or not isinstance(total_count, (int, np.integer)) or total_count < 0:
            raise ValueError(f"Multinomial: total_count must be a non-negative int, got {total_count!r}")
        self.total_count = int(total_count)
        self._categorical = Categorical(probs=probs, logits=logits)
        self.probs, self.logits = self._categorical.probs, self._categorical.logits
        self.batch_shape = self._categorical.batch_shape
        self.event_shape = Size(self.probs._data.shape[-1:])

    @property
    def mean(self) -> Tensor:
        return self.probs * self.total_count

    @property
    def variance(self) -> Tensor:
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        p = self.probs._data.astype(np.float64)
        p = p / p.sum(axis=-1, keepdims=True)  # numpy wants sums of at most 1 to float64 precision
        size = _sample_shape(sample_shape) + tuple(self.batch_shape)
        counts = generator().multinomial(self.total_count, p, size=size)
        return Tensor(counts.astype(self.probs._data.dtype))

    def log_prob(self, value: Any) -> Tensor:
        value = self._value(value)
        v = value._data
        n = v.sum(axis=-1)
        whole = np.all(np.mod(v, 1) == 0, axis=-1) if v.dtype.kind == "f" else True
        self._check_support(
            whole & np.all(v >= 0, axis=-1) & (n == self.total_count),
            value,
            f"non-negative integer counts summing to total_count={self.total_count}",
        )
        log_factorials = Tensor((_lgamma(n + 1.0) - _lgamma(v + 1.0).sum(axis=-1)).astype(self.logits._data.dtype))
        powers = ops.where(Tensor(v == 0), 0.0, self.logits * value)  # 0 * log(0) counts as 0
        return log_factorials + ops.sum(powers, dim=-1)


# torch.distributions' submodules, as d2l imports them: `from torch.distributions import multinomial`
normal = SimpleNamespace(Normal=Normal)
bernoulli = SimpleNamespace(Bernoulli=Bernoulli)
categorical = SimpleNamespace(Categorical=Categorical)
multinomial = SimpleNamespace(Multinomial=Multinomial)
