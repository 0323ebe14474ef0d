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
    return _trainer(*network(params, lr))


def _trainer(net: Any, loss_fn: Any, opt: Any) -> Callable[[np.ndarray, np.ndarray], Any]:
    """step(x, y): one SGD step of net on loss_fn(net(x), y); returns the loss."""

    def step(x: np.ndarray, y: np.ndarray) -> Any:
        loss = loss_fn(net(ag.from_numpy(x)), ag.from_numpy(y))  # no copy, like torch.from_numpy
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    return step


def _loaded(net: Any, params: dict[str, np.ndarray]) -> Any:
    """net with the shared initial values copied into its parameters, matched by name."""
    named = dict(net.named_parameters())
    if named.keys() != params.keys():
        raise ValueError(f"parameter names differ: {sorted(named)} against {sorted(params)}")
    for name, p in named.items():
        p._data[...] = params[name]
    return net


def lenet_net(params: dict[str, np.ndarray]) -> Any:
    """d2l's LeNet (sigmoids, average pooling) holding `params`."""
    net = nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(),
        nn.Linear(120, 84), nn.Sigmoid(),
        nn.Linear(84, 10),
    )  # fmt: skip
    return _loaded(net, params)


class Residual(nn.Module):
    """d2l's Residual block without the 1x1 convolution: relu(bn2(conv2(relu(bn1(conv1(x))))) + x)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(channels, channels, kernel_size=3, padding=1)
        self.bn1, self.bn2 = nn.BatchNorm2d(channels), nn.BatchNorm2d(channels)

    def forward(self, X: Any) -> Any:
        Y = nn.functional.relu(self.bn1(self.conv1(X)))
        Y = self.bn2(self.conv2(Y))
        Y += X
        return nn.functional.relu(Y)


def resnet_net(params: dict[str, np.ndarray], blocks: int) -> Any:
    """`blocks` Residual blocks, global average pooling and a Linear head, holding `params`."""
    channels = params["0.conv1.weight"].shape[0]
    layers = [Residual(channels) for _ in range(blocks)]
    net = nn.Sequential(*layers, nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(), nn.Linear(channels, 10))
    return _loaded(net, params)


def lenet(params: dict[str, np.ndarray], lr: float) -> Callable[[np.ndarray, np.ndarray], Any]:
    """SGD step of LeNet with CrossEntropyLoss."""
    net = lenet_net(params)
    return _trainer(net, nn.CrossEntropyLoss(), optim.SGD(net.parameters(), lr=lr))


def resnet(params: dict[str, np.ndarray], blocks: int, lr: float) -> Callable[[np.ndarray, np.ndarray], Any]:
    """SGD step of the ResNet stack (training mode: batch statistics) with CrossEntropyLoss."""
    net = resnet_net(params, blocks)
    return _trainer(net, nn.CrossEntropyLoss(), optim.SGD(net.parameters(), lr=lr))


def conv2d(pad: int) -> Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray], dict[str, np.ndarray]]:
    """step(x, w, b, g): nn.functional.conv2d(x, w, b, padding=pad), then the backward of the output gradient g;
    the output and the x, w and b gradients."""

    def step(x: np.ndarray, w: np.ndarray, b: np.ndarray, g: np.ndarray) -> dict[str, np.ndarray]:
        leaves = {name: tensor(a, requires_grad=True) for name, a in (("x", x), ("w", w), ("b", b))}
        y = nn.functional.conv2d(leaves["x"], leaves["w"], leaves["b"], padding=pad)
        y.backward(tensor(g))
        return {"y": y.detach().numpy(), **{name: t.grad.numpy() for name, t in leaves.items()}}

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
