"""The library's one source of randomness, so that `manual_seed` makes every run repeatable."""

from __future__ import annotations

from typing import Any

import numpy as np

_generator = np.random.default_rng()


def _check_seed(seed: Any) -> None:
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise TypeError(f"manual_seed expected an int, got {type(seed).__name__}")


def manual_seed(seed: int) -> np.random.Generator:
    """Seed every random source of the library (factories, init, dropout, data shuffling)."""
    global _generator
    _check_seed(seed)
    _generator = np.random.default_rng(int(seed))
    return _generator


def generator() -> np.random.Generator:
    """The generator the library draws from; `manual_seed` replaces it."""
    return _generator


class Generator:
    """A random source of its own, as PyTorch's `Generator`: `g = autograd.Generator().manual_seed(0)`, then
    `autograd.rand(3, generator=g)` draws from it instead of from the library's generator."""

    def __init__(self, device: Any = "cpu") -> None:
        from .device import check_device

        check_device(device, "Generator")
        self._rng = np.random.default_rng()

    def manual_seed(self, seed: int) -> Generator:
        """Reseed this generator; returns it."""
        _check_seed(seed)
        self._rng = np.random.default_rng(int(seed))
        return self


def source(gen: Generator | np.random.Generator | None) -> np.random.Generator:
    """The numpy generator to draw from: `gen`'s, or the library's when `gen` is None."""
    if gen is None:
        return _generator
    if isinstance(gen, Generator):
        return gen._rng
    if isinstance(gen, np.random.Generator):
        return gen
    raise TypeError(f"generator must be an autograd.Generator, got {type(gen).__name__}")
