"""This project's engine (the working tree's autograd, nn and optim packages)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import common
import numpy as np

import autograd as ag
import nn
import optim
from autograd import Scalar, tensor

VERSION = getattr(ag, "__version__", "working tree")


def network(params: list[np.ndarray], lr: float) -> tuple[Any, Any, Any]:
    """nn.Sequential(Flatten, Linear, ReLU, ..., Linear) holding `params`, nn.CrossEntropyLoss and optim.SGD."""
    layers: list[Any] = [nn.Flatten()]
    for w in params[0::2]:
        layers += [nn.Linear(*w.shape), nn.ReLU()]
    net = nn.Sequential(*layers[:-1])
    weights = list(net.parameters())
    # Load the shared initial values; Linear may keep its weight as (in, out) or, like torch, (out, in).
    transpose = weights[0]._data.shape != params[0].shape
    for p, value in zip(weights, params, strict=True):
        p._data[...] = value.T if transpose and value.ndim == 2 else value
    return net, nn.CrossEntropyLoss(), optim.SGD(weights, lr=lr)


def mlp(params: list[np.ndarray], lr: float) -> Callable[[np.ndarray, np.ndarray], Any]:
    """SGD step of nn.Sequential(Flatten, Linear, ReLU, ..., Linear) with CrossEntropyLoss."""
    net, loss_fn, opt = network(params, lr)

    def step(x: np.ndarray, y: np.ndarray) -> Any:
        loss = loss_fn(net(ag.from_numpy(x)), ag.from_numpy(y))  # no copy, like torch.from_numpy
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    return step


def op_chain(x: np.ndarray, n: int) -> Callable[[], float]:
    """Forward + backward of common.chain(x, n, tanh), summed."""

    def run() -> float:
        leaf = tensor(x, requires_grad=True)
        common.chain(leaf, n, lambda v: v.tanh()).sum().backward()
        return float(leaf.grad._data.sum())

    return run


def scalar_chain(n: int) -> Callable[[], float]:
    """Forward + backward of common.chain(0.5, n) on an ag.Scalar."""

    def run() -> float:
        x = Scalar(0.5)
        common.chain(x, n).backward()
        return x.grad

    return run


def _relu(v: Any) -> Any:
    """v.relu()."""
    return v.relu()


def scalar_mlp(weights: list[float], xs: list[list[float]], ys: list[float]) -> Callable[[], float]:
    """micrograd's demo iteration with ag.Scalar as the scalars."""
    params = [Scalar(w) for w in weights]
    model = common.ScalarMLP(params, _relu)

    def run() -> float:
        for p in params:
            p.grad = 0.0
        loss = common.svm_loss(model, params, xs, ys, _relu)
        loss.backward()
        for p in params:
            p.data -= common.MOONS_LR * p.grad
        return loss.data

    return run
