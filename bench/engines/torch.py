"""PyTorch (CPU): nn.Sequential + optim.SGD for the MLP, float64 tensors (0-d for scalars) elsewhere."""

from __future__ import annotations

from collections.abc import Callable

import common
import numpy as np
import torch

VERSION = torch.__version__


def setup(threads: int) -> None:
    """Fix torch's intra-op thread count and warm up its matmul."""
    torch.set_num_threads(threads)
    a = torch.ones(1024, 1024)
    a @ a


def mlp(params: list[np.ndarray], lr: float) -> Callable[[np.ndarray, np.ndarray], torch.Tensor]:
    """SGD step of nn.Sequential(Flatten, Linear, ReLU, ..., Linear) with CrossEntropyLoss."""
    layers: list[torch.nn.Module] = [torch.nn.Flatten()]
    for w, b in zip(params[0::2], params[1::2], strict=True):
        linear = torch.nn.Linear(*w.shape)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(w.T))
            linear.bias.copy_(torch.from_numpy(b))
        layers += [linear, torch.nn.ReLU()]
    net = torch.nn.Sequential(*layers[:-1])
    loss_fn = torch.nn.CrossEntropyLoss()
    opt = torch.optim.SGD(net.parameters(), lr=lr)

    def step(x: np.ndarray, y: np.ndarray) -> torch.Tensor:
        loss = loss_fn(net(torch.from_numpy(x)), torch.from_numpy(y))
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    return step


def op_chain(x: np.ndarray, n: int) -> Callable[[], float]:
    """Forward + backward of common.chain(x, n, tanh), summed."""
    leaf = torch.tensor(x, requires_grad=True)

    def run() -> float:
        common.chain(leaf, n, torch.tanh).sum().backward()
        grad = leaf.grad.sum().item()
        leaf.grad = None
        return grad

    return run


def scalar_chain(n: int) -> Callable[[], float]:
    """Forward + backward of common.chain(0.5, n) on a 0-d tensor."""

    def run() -> float:
        x = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
        common.chain(x, n).backward()
        return x.grad.item()

    return run


def scalar_mlp(weights: list[float], xs: list[list[float]], ys: list[float]) -> Callable[[], float]:
    """micrograd's demo iteration with 0-d tensors as the scalars."""
    params = [torch.tensor(w, dtype=torch.float64, requires_grad=True) for w in weights]
    model = common.ScalarMLP(params, torch.relu)

    def run() -> float:
        loss = common.svm_loss(model, params, xs, ys, torch.relu)
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= common.MOONS_LR * p.grad
                p.grad = None
        return loss.item()

    return run
