"""MyGrad: numpy-backed tensors; matmul + softmax_crossentropy for the MLP, 0-d tensors for scalars."""

from __future__ import annotations

from collections.abc import Callable

import common
import mygrad as mg
import numpy as np
from mygrad.nnet import relu, softmax_crossentropy

VERSION = mg.__version__


def mlp(params: list[np.ndarray], lr: float) -> Callable[[np.ndarray, np.ndarray], mg.Tensor]:
    """SGD step of a ReLU MLP with softmax cross-entropy (mean)."""
    tensors = [mg.tensor(p.copy()) for p in params]

    def step(x: np.ndarray, y: np.ndarray) -> mg.Tensor:
        h = x
        for i in range(0, len(tensors), 2):
            h = mg.matmul(h, tensors[i]) + tensors[i + 1]
            if i + 2 < len(tensors):
                h = relu(h)
        loss = softmax_crossentropy(h, y)
        loss.backward()
        for p in tensors:
            p.data -= lr * p.grad
        return loss

    return step


def op_chain(x: np.ndarray, n: int) -> Callable[[], float]:
    """Forward + backward of common.chain(x, n, tanh), summed."""
    leaf = mg.tensor(x)

    def run() -> float:
        common.chain(leaf, n, mg.tanh).sum().backward()
        return float(leaf.grad.sum())

    return run


def scalar_chain(n: int) -> Callable[[], float]:
    """Forward + backward of common.chain(0.5, n) on a 0-d tensor."""

    def run() -> float:
        x = mg.tensor(0.5)
        common.chain(x, n).backward()
        return float(x.grad)

    return run


def scalar_mlp(weights: list[float], xs: list[list[float]], ys: list[float]) -> Callable[[], float]:
    """micrograd's demo iteration with 0-d tensors as the scalars."""
    params = [mg.tensor(w) for w in weights]
    model = common.ScalarMLP(params, relu)

    def run() -> float:
        loss = common.svm_loss(model, params, xs, ys, relu)
        loss.backward()
        for p in params:
            p.data -= common.MOONS_LR * p.grad
        return loss.item()

    return run
