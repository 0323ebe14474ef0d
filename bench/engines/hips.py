"""HIPS autograd (PyPI `autograd`): functional value_and_grad over autograd.numpy, floats for scalars."""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import version

import autograd.numpy as anp
import common
import numpy as np

from autograd import grad, value_and_grad

VERSION = version("autograd")


def _relu(x: object) -> object:
    """max(x, 0) through autograd.numpy."""
    return anp.maximum(x, 0.0)


def mlp(params: list[np.ndarray], lr: float) -> Callable[[np.ndarray, np.ndarray], float]:
    """SGD step of a ReLU MLP with softmax cross-entropy (mean)."""
    params = [p.copy() for p in params]

    def loss_fn(ps: list, x: np.ndarray, y: np.ndarray) -> object:
        h = x
        for i in range(0, len(ps), 2):
            h = anp.dot(h, ps[i]) + ps[i + 1]
            if i + 2 < len(ps):
                h = _relu(h)
        top = anp.max(h, axis=1, keepdims=True)
        log_total = top[:, 0] + anp.log(anp.sum(anp.exp(h - top), axis=1))
        return anp.mean(log_total - h[np.arange(len(y)), y])

    loss_and_grads = value_and_grad(loss_fn)

    def step(x: np.ndarray, y: np.ndarray) -> float:
        loss, grads = loss_and_grads(params, x, y)
        for p, d in zip(params, grads, strict=True):
            p -= lr * d
        return loss

    return step


def op_chain(x: np.ndarray, n: int) -> Callable[[], float]:
    """Forward + backward of common.chain(x, n, tanh), summed."""
    gradient = grad(lambda v: anp.sum(common.chain(v, n, anp.tanh)))
    return lambda: float(gradient(x).sum())


def scalar_chain(n: int) -> Callable[[], float]:
    """Forward + backward of common.chain(0.5, n) on a float."""
    gradient = grad(lambda v: common.chain(v, n))
    return lambda: float(gradient(0.5))


def scalar_mlp(weights: list[float], xs: list[list[float]], ys: list[float]) -> Callable[[], float]:
    """micrograd's demo iteration, differentiating with respect to a list of floats."""
    params = list(weights)

    def loss_fn(ps: list) -> object:
        return common.svm_loss(common.ScalarMLP(ps, _relu), ps, xs, ys, _relu)

    loss_and_grads = value_and_grad(loss_fn)

    def run() -> float:
        loss, grads = loss_and_grads(params)
        params[:] = [p - common.MOONS_LR * g for p, g in zip(params, grads, strict=True)]
        return float(loss)

    return run
