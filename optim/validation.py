"""Checks of optimizer options, raising ValueError with PyTorch's wording."""

from __future__ import annotations

from collections.abc import Sequence

_LABELS = {
    "learning_rate": "learning rate",
    "weight_decay": "weight_decay value",
    "momentum": "momentum value",
    "epsilon": "epsilon value",
    "alpha": "alpha value",
    "lr_decay": "lr_decay value",
    "initial_accumulator_value": "initial_accumulator_value",
}


def check_non_negative(**values: float) -> None:
    """Raise ValueError("Invalid learning rate: -1") and the like for a negative (or NaN) option."""
    for name, value in values.items():
        if not value >= 0.0:
            raise ValueError(f"Invalid {_LABELS[name]}: {value}")


def check_betas(betas: Sequence[float]) -> None:
    """Each beta must lie in [0, 1)."""
    if len(betas) != 2:
        raise ValueError(f"Invalid betas: expected two values, got {betas!r}")
    for i, beta in enumerate(betas):
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {beta}")
