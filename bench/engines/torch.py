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


def _loaded(net: torch.nn.Module, params: dict[str, np.ndarray]) -> torch.nn.Module:
    """net with the shared initial values copied into its parameters, matched by name."""
    named = dict(net.named_parameters())
    if named.keys() != params.keys():
        raise ValueError(f"parameter names differ: {sorted(named)} against {sorted(params)}")
    with torch.no_grad():
        for name, p in named.items():
            p.copy_(torch.from_numpy(params[name]))
    return net


def _trainer(net: torch.nn.Module, lr: float) -> Callable[[np.ndarray, np.ndarray], torch.Tensor]:
    """step(x, y): one SGD step of net on cross-entropy; returns the loss."""
    loss_fn = torch.nn.CrossEntropyLoss()
    opt = torch.optim.SGD(net.parameters(), lr=lr)

    def step(x: np.ndarray, y: np.ndarray) -> torch.Tensor:
        loss = loss_fn(net(torch.from_numpy(x)), torch.from_numpy(y))
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    return step


def lenet(params: dict[str, np.ndarray], lr: float) -> Callable[[np.ndarray, np.ndarray], torch.Tensor]:
    """SGD step of d2l's LeNet with CrossEntropyLoss."""
    nn = torch.nn
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
    return _trainer(_loaded(net, params), lr)


class Residual(torch.nn.Module):
    """d2l's Residual block without the 1x1 convolution: relu(bn2(conv2(relu(bn1(conv1(x))))) + x)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv1 = torch.nn.Conv2d(channels, channels, kernel_size=3, padding=1)
        self.conv2 = torch.nn.Conv2d(channels, channels, kernel_size=3, padding=1)
        self.bn1, self.bn2 = torch.nn.BatchNorm2d(channels), torch.nn.BatchNorm2d(channels)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        Y = torch.nn.functional.relu(self.bn1(self.conv1(X)))
        Y = self.bn2(self.conv2(Y))
        Y += X
        return torch.nn.functional.relu(Y)


def resnet(params: dict[str, np.ndarray], blocks: int, lr: float) -> Callable[[np.ndarray, np.ndarray], torch.Tensor]:
    """SGD step of `blocks` Residual blocks, global average pooling and a Linear head (training mode)."""
    channels = params["0.conv1.weight"].shape[0]
    layers = [Residual(channels) for _ in range(blocks)]
    net = torch.nn.Sequential(
        *layers, torch.nn.AdaptiveAvgPool2d((1, 1)), torch.nn.Flatten(), torch.nn.Linear(channels, 10)
    )
    return _trainer(_loaded(net, params), lr)


def conv2d(pad: int) -> Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray], dict[str, np.ndarray]]:
    """step(x, w, b, g): torch.nn.functional.conv2d (oneDNN kernels), then the backward of the output gradient g;
    the output and the x, w and b gradients."""

    def step(x: np.ndarray, w: np.ndarray, b: np.ndarray, g: np.ndarray) -> dict[str, np.ndarray]:
        leaves = {name: torch.tensor(a, requires_grad=True) for name, a in (("x", x), ("w", w), ("b", b))}
        y = torch.nn.functional.conv2d(leaves["x"], leaves["w"], leaves["b"], padding=pad)
        y.backward(torch.from_numpy(g))
        return {"y": y.detach().numpy(), **{name: t.grad.numpy() for name, t in leaves.items()}}

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
