"""DeZero: Model + layers.Linear + optimizers.SGD for the MLP, Variables (0-d for scalars) elsewhere."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

# dezero 0.0.13 names np.int (gone in numpy 2) when its datasets module is imported; nothing here uses it.
np.int = int  # type: ignore[attr-defined]

import common  # noqa: E402
import dezero  # noqa: E402
import dezero.functions as F  # noqa: E402
import dezero.layers as L  # noqa: E402

VERSION = dezero.__version__


def mlp(params: list[np.ndarray], lr: float) -> Callable[[np.ndarray, np.ndarray], dezero.Variable]:
    """SGD step of a ReLU MLP with softmax cross-entropy (mean)."""
    model = dezero.Model()
    layers = []
    for i, (w, b) in enumerate(zip(params[0::2], params[1::2], strict=True)):
        linear = L.Linear(w.shape[1], in_size=w.shape[0])
        linear.W.data, linear.b.data = w.copy(), b.copy()
        setattr(model, f"l{i}", linear)
        layers.append(linear)
    opt = dezero.optimizers.SGD(lr).setup(model)

    def step(x: np.ndarray, y: np.ndarray) -> dezero.Variable:
        h = x
        for linear in layers[:-1]:
            h = F.relu(linear(h))
        loss = F.softmax_cross_entropy(layers[-1](h), y)
        model.cleargrads()
        loss.backward()
        opt.update()
        return loss

    return step


def op_chain(x: np.ndarray, n: int) -> Callable[[], float]:
    """Forward + backward of common.chain(x, n, tanh), summed."""
    leaf = dezero.Variable(x)

    def run() -> float:
        leaf.cleargrad()
        F.sum(common.chain(leaf, n, F.tanh)).backward()
        return float(leaf.grad.data.sum())

    return run


def scalar_chain(n: int) -> Callable[[], float]:
    """Forward + backward of common.chain(0.5, n) on a 0-d Variable."""

    def run() -> float:
        x = dezero.Variable(np.array(0.5))
        common.chain(x, n).backward()
        return float(x.grad.data)

    return run


def scalar_mlp(weights: list[float], xs: list[list[float]], ys: list[float]) -> Callable[[], float]:
    """micrograd's demo iteration with 0-d Variables as the scalars."""
    params = [dezero.Variable(np.array(w)) for w in weights]
    model = common.ScalarMLP(params, F.relu)

    def run() -> float:
        for p in params:
            p.cleargrad()
        loss = common.svm_loss(model, params, xs, ys, F.relu)
        loss.backward()
        for p in params:
            p.data -= common.MOONS_LR * p.grad.data
        return float(loss.data)

    return run
