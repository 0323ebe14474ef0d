"""micrograd (PyPI, Karpathy's): scalar Values only, so the scalar benchmarks only."""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import version

import common
from micrograd.engine import Value
from micrograd.nn import MLP

VERSION = version("micrograd")


def _relu(v: Value) -> Value:
    """v.relu()."""
    return v.relu()


def scalar_chain(n: int) -> Callable[[], float]:
    """Forward + backward of common.chain(0.5, n) on a Value (its recursive topo sort may overflow)."""

    def run() -> float:
        x = Value(0.5)
        common.chain(x, n).backward()
        return x.grad

    return run


def scalar_mlp(weights: list[float], xs: list[list[float]], ys: list[float]) -> Callable[[], float]:
    """micrograd's demo iteration on its own MLP, its parameters set to the shared initial weights."""
    model = MLP(common.MOONS_LAYERS[0], list(common.MOONS_LAYERS[1:]))
    params = model.parameters()
    for p, w in zip(params, weights, strict=True):
        p.data = w

    def run() -> float:
        loss = common.svm_loss(model, params, xs, ys, _relu)
        model.zero_grad()
        loss.backward()
        for p in params:
            p.data -= common.MOONS_LR * p.grad
        return loss.data

    return run
