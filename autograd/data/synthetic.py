"""Small generated data sets that need no files: spirals, logic gates, a noisy line.

Every function returns numpy arrays: inputs X float32 of shape (N, D), and targets y, int64 class labels
of shape (N,) for classification or float32 of shape (N, 1) for regression.
"""

from __future__ import annotations

import numpy as np

from autograd import random as _random

_GATE_INPUTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
_GATE_OUTPUTS = {
    "and": (0, 0, 0, 1),
    "or": (0, 1, 1, 1),
    "nand": (1, 1, 1, 0),
    "xor": (0, 1, 1, 0),
}


def _rng(seed: int | None) -> np.random.Generator:
    """A fresh generator seeded with `seed`, or the library's generator when `seed` is None."""
    return _random.generator() if seed is None else np.random.default_rng(seed)


def _check_positive(name: str, value: int, operation: str) -> None:
    """Raise a ValueError unless `value` is a positive int."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{operation}: {name} must be a positive int, got {value!r}")


def make_spiral(
    n_per_class: int = 100, n_classes: int = 3, noise: float = 0.2, seed: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Interleaved spiral arms, one per class: X float32 (n_per_class * n_classes, 2), y int64 (N,)."""
    _check_positive("n_per_class", n_per_class, "make_spiral")
    _check_positive("n_classes", n_classes, "make_spiral")
    if noise < 0:
        raise ValueError(f"make_spiral: noise must be >= 0, got {noise}")
    rng = _rng(seed)
    radius = np.tile(np.linspace(0.0, 1.0, n_per_class), n_classes)
    start = np.repeat(np.arange(n_classes) * 4.0, n_per_class)
    angle = start + radius * 4.0 + rng.normal(0.0, noise, n_per_class * n_classes)
    X = np.stack([radius * np.sin(angle), radius * np.cos(angle)], axis=1).astype(np.float32)
    y = np.repeat(np.arange(n_classes, dtype=np.int64), n_per_class)
    return X, y


def logic_gate(name: str) -> tuple[np.ndarray, np.ndarray]:
    """The truth table of gate 'and', 'or', 'nand' or 'xor': X float32 (4, 2), y int64 (4,)."""
    outputs = _GATE_OUTPUTS.get(name.lower()) if isinstance(name, str) else None
    if outputs is None:
        raise ValueError(f"logic_gate: unknown gate {name!r}, expected one of {sorted(_GATE_OUTPUTS)}")
    return _GATE_INPUTS.copy(), np.array(outputs, dtype=np.int64)


def make_xor() -> tuple[np.ndarray, np.ndarray]:
    """The XOR truth table: X float32 (4, 2), y int64 (4,)."""
    return logic_gate("xor")


def make_regression_line(
    n: int = 100,
    w: float | np.ndarray = 2.0,
    b: float = 1.0,
    noise: float = 0.01,
    seed: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Samples of y = X @ w + b + N(0, noise^2) with X ~ N(0, 1): X float32 (n, len(w)), y float32 (n, 1)."""
    _check_positive("n", n, "make_regression_line")
    if noise < 0:
        raise ValueError(f"make_regression_line: noise must be >= 0, got {noise}")
    weights = np.atleast_1d(np.asarray(w, dtype=np.float64))
    if weights.ndim != 1:
        raise ValueError(f"make_regression_line: w must be a number or a vector, got shape {weights.shape}")
    rng = _rng(seed)
    X = rng.normal(0.0, 1.0, (n, weights.size))
    y = X @ weights + b + rng.normal(0.0, noise, n)
    return X.astype(np.float32), y.reshape(-1, 1).astype(np.float32)
