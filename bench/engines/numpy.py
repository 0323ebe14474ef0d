"""The floor: the same computations with forward and backward written by hand (numpy, or plain floats)."""

from __future__ import annotations

from collections.abc import Callable

import common
import numpy as np
from floor_cnn import conv2d, lenet, resnet  # noqa: F401 (the builders of the convolutional benchmarks)

VERSION = np.__version__


def _forward(params: list[np.ndarray], x: np.ndarray) -> list[np.ndarray]:
    """Activations [x, h1, ..., out] of a ReLU MLP (no ReLU on the last layer)."""
    acts = [x]
    for i in range(0, len(params), 2):
        h = acts[-1] @ params[i]
        h += params[i + 1]
        if i + 2 < len(params):
            np.maximum(h, 0, out=h)
        acts.append(h)
    return acts


def _backward(params: list[np.ndarray], acts: list[np.ndarray], g: np.ndarray) -> list[np.ndarray]:
    """Gradients [dW1, db1, ...] given g, the gradient of the loss with respect to the last activation."""
    grads = [g] * len(params)
    for i in reversed(range(0, len(params), 2)):
        a = acts[i // 2]
        grads[i], grads[i + 1] = a.T @ g, g.sum(0)
        if i:
            g = (g @ params[i].T) * (a > 0)
    return grads


def cross_entropy(logits: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean softmax cross-entropy of logits (N, C) against class indices y (N,), and its gradient (N, C)."""
    rows = np.arange(len(y))
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    total = exp.sum(axis=1, keepdims=True)
    loss = np.mean(np.log(total[:, 0]) - shifted[rows, y])
    g = exp / total
    g[rows, y] -= 1
    g /= len(y)
    return loss, g


def sgd(params: list[np.ndarray], grads: list[np.ndarray], lr: float) -> None:
    """p -= lr * d for each parameter and its gradient, in place."""
    for p, d in zip(params, grads, strict=True):
        p -= lr * d


def mlp(params: list[np.ndarray], lr: float) -> Callable[[np.ndarray, np.ndarray], float]:
    """SGD step of a ReLU MLP with softmax cross-entropy (mean)."""
    params = [p.copy() for p in params]

    def step(x: np.ndarray, y: np.ndarray) -> float:
        acts = _forward(params, x)
        loss, g = cross_entropy(acts[-1], y)
        sgd(params, _backward(params, acts, g), lr)
        return loss

    return step


def op_chain(x: np.ndarray, n: int) -> Callable[[], float]:
    """Forward + backward of common.chain(x, n, tanh), summed."""

    def run() -> float:
        h, saved = x, []
        for i in range(n):
            k = i % 3
            if k == 0:
                h = h * 1.0001
            elif k == 1:
                h = h + 0.001
            else:
                h = np.tanh(h)
                saved.append(h)
        g = np.ones_like(h)
        for i in reversed(range(n)):
            k = i % 3
            if k == 0:
                g = g * 1.0001
            elif k == 2:
                g = g * (1 - saved.pop() ** 2)
        return float(g.sum())

    return run


def scalar_chain(n: int) -> Callable[[], float]:
    """Forward + backward of common.chain(0.5, n) on Python floats."""

    def run() -> float:
        x = 0.5
        for i in range(n):
            x = x * 1.0001 if i % 2 == 0 else x + 0.001
        g = 1.0
        for i in reversed(range(n)):
            if i % 2 == 0:
                g = g * 1.0001
        return g

    return run


def scalar_mlp(weights: list[float], xs: list[list[float]], ys: list[float]) -> Callable[[], float]:
    """micrograd's demo iteration, vectorized over the points with numpy."""
    params, offset = [], 0
    for fan_in, fan_out in zip(common.MOONS_LAYERS[:-1], common.MOONS_LAYERS[1:], strict=True):
        size = fan_out * (fan_in + 1)
        block = np.array(weights[offset : offset + size]).reshape(fan_out, fan_in + 1)
        params += [block[:, :fan_in].T.copy(), block[:, fan_in].copy()]
        offset += size
    x, y = np.array(xs), np.array(ys)

    def run() -> float:
        acts = _forward(params, x)
        margins = 1 - y * acts[-1][:, 0]
        loss = np.maximum(margins, 0).mean() + 1e-4 * sum((p * p).sum() for p in params)
        g = (-y * (margins > 0) / len(y))[:, None]
        for p, d in zip(params, _backward(params, acts, g), strict=True):
            p -= common.MOONS_LR * (d + 2e-4 * p)
        return float(loss)

    return run
