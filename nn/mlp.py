"""`MLP`: a multilayer perceptron, Linear layers with an activation (and optional dropout) between them."""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence

from . import functional as F
from .activation import ReLU
from .container import Sequential
from .dropout import Dropout
from .linear import Linear
from .module import Module


class MLP(Sequential):
    """Linear(in, h1), activation, [Dropout], ..., Linear(h_last, out): (..., in_features) -> (..., out_features).

    `activation` is a Module class or any callable returning a fresh module; `dropout` (a probability) adds a
    Dropout after every hidden activation when positive.
    """

    def __init__(
        self,
        in_features: int,
        hidden_sizes: Sequence[int],
        out_features: int,
        activation: Callable[[], Module] = ReLU,
        dropout: float = 0.0,
    ) -> None:
        dropout = F._check_probability(dropout, "MLP")
        if isinstance(hidden_sizes, numbers.Integral):
            hidden_sizes = [int(hidden_sizes)]
        sizes = [in_features, *hidden_sizes, out_features]
        layers: list[Module] = []
        for fan_in, fan_out in zip(sizes[:-2], sizes[1:-1]):
            layers.append(Linear(fan_in, fan_out))
            layer = activation()
            if not isinstance(layer, Module):
                raise TypeError(f"MLP: activation must make a Module (e.g. nn.ReLU), got {type(layer).__name__}")
            layers.append(layer)
            if dropout:
                layers.append(Dropout(dropout))
        layers.append(Linear(sizes[-2], sizes[-1]))
        super().__init__(*layers)
