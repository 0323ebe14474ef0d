"""The demo: train an MLP on generated spiral data, a character-level GRU language model on The Time Machine, and
MLPs and d2l's LeNet on Fashion-MNIST when given its directory.

    python -m autograd.demo [--fashion-mnist DIR] [--epochs N] [--text-epochs N] [--seed S] [--quiet]

On Fashion-MNIST it runs three recipes, printing the accuracy after every epoch: d2l's MLP (784-256-10, ReLU,
normal(0, 0.01) weights, SGD lr 0.1, batch 256), an MLP with dropout trained by Adam, and d2l's LeNet (Xavier
weights, SGD lr 0.9, batch 256).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from typing import TextIO

import nn
import optim

from . import random as _random
from .data import DataLoader, FashionMNIST, TensorDataset, load_data_time_machine, make_spiral
from .training import History, evaluate_accuracy, train


def spiral(seed: int = 0, epochs: int = 200, quiet: bool = True, file: TextIO | None = None) -> float:
    """Train a 2-64-64-3 MLP with Adam on 3 interleaved spiral arms; returns the training accuracy."""
    _random.manual_seed(seed)
    X, y = make_spiral(n_per_class=100, n_classes=3, noise=0.2, seed=seed)
    loader = DataLoader(TensorDataset(X, y), batch_size=32, shuffle=True)
    net = nn.MLP(2, [64, 64], 3)
    train(
        net, loader, None, nn.CrossEntropyLoss(), epochs, optim.Adam(net.parameters(), lr=0.01), quiet=quiet, file=file
    )
    return evaluate_accuracy(net, DataLoader(TensorDataset(X, y), batch_size=300))


def char_language_model(seed: int = 0, epochs: int = 100) -> tuple[float, str]:
    """Train d2l's character GRU (hidden 128, batch 32, 35 steps, SGD lr 1, clipping 1) on the first 10,000
    characters of The Time Machine; returns the last epoch's perplexity and a line generated from 'time traveller'."""
    from .language_model import RNNModel, predict_ch8, train_ch8

    _random.manual_seed(seed)
    train_iter, vocab = load_data_time_machine(32, 35)
    net = RNNModel(nn.GRU(len(vocab), 128), len(vocab))
    history = train_ch8(net, train_iter, vocab, 1.0, epochs, quiet=True)
    return history.perplexity[-1], predict_ch8("time traveller", 40, net, vocab)


def _init_weights(module: nn.Module) -> None:
    if type(module) is nn.Linear:
        nn.init.normal_(module.weight, std=0.01)


def _init_xavier(module: nn.Module) -> None:
    if type(module) in (nn.Linear, nn.Conv2d):
        nn.init.xavier_uniform_(module.weight)


def lenet() -> nn.Sequential:
    """d2l's LeNet-5 for (N, 1, 28, 28) images: two sigmoid convolutions with 2x2 average pooling,
    then Linear 400-120-84-10 with sigmoids between; Xavier-uniform weights, as d2l initialises it."""
    net = nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(),
        nn.Linear(120, 84), nn.Sigmoid(),
        nn.Linear(84, 10),
    )  # fmt: skip
    net.apply(_init_xavier)
    return net


def fashion_mnist_loaders(root: str, batch_size: int = 256) -> tuple[DataLoader, DataLoader]:
    """Shuffled training batches and ordered test batches of Fashion-MNIST read from `root`."""
    return (
        DataLoader(FashionMNIST(root, train=True), batch_size, shuffle=True),
        DataLoader(FashionMNIST(root, train=False), batch_size),
    )


def d2l_mlp(
    train_iter: DataLoader, test_iter: DataLoader, epochs: int = 10, quiet: bool = False, file: TextIO | None = None
) -> History:
    """d2l's recipe: Flatten, Linear(784, 256), ReLU, Linear(256, 10); normal(0, 0.01) weights; SGD lr 0.1."""
    net = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
    net.apply(_init_weights)
    loss = nn.CrossEntropyLoss(reduction="none")
    return train(net, train_iter, test_iter, loss, epochs, optim.SGD(net.parameters(), lr=0.1), quiet=quiet, file=file)


def dropout_adam_mlp(
    train_iter: DataLoader, test_iter: DataLoader, epochs: int = 10, quiet: bool = False, file: TextIO | None = None
) -> History:
    """Flatten, MLP 784-512-256-10 with ReLU and dropout 0.2; Adam lr 1e-3."""
    net = nn.Sequential(nn.Flatten(), nn.MLP(784, [512, 256], 10, dropout=0.2))
    optimizer = optim.Adam(net.parameters(), lr=1e-3)
    return train(net, train_iter, test_iter, nn.CrossEntropyLoss(), epochs, optimizer, quiet=quiet, file=file)


def d2l_lenet(
    train_iter: DataLoader, test_iter: DataLoader, epochs: int = 10, quiet: bool = False, file: TextIO | None = None
) -> History:
    """d2l's `train_ch6` recipe: `lenet()` trained by SGD lr 0.9 on the mean cross-entropy. The sigmoids keep the
    loss on a plateau at chance (about 2.30) for its first few hundred steps before it learns."""
    net = lenet()
    optimizer = optim.SGD(net.parameters(), lr=0.9)
    return train(net, train_iter, test_iter, nn.CrossEntropyLoss(), epochs, optimizer, quiet=quiet, file=file)


def _summary(name: str, history: History) -> str:
    seconds = sum(history.epoch_seconds) / max(len(history.epoch_seconds), 1)
    return (
        f"{name}: test accuracy {history.test_acc[-1]:.4f} after {len(history.test_acc)} epochs "
        f"({seconds:.2f} s per training epoch)"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the demo with command-line arguments `argv`; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m autograd.demo", description=__doc__.split("\n")[0])
    parser.add_argument("--fashion-mnist", metavar="DIR", help="directory holding the four Fashion-MNIST IDX files")
    parser.add_argument("--epochs", type=int, default=10, help="epochs per Fashion-MNIST run (default 10)")
    parser.add_argument("--text-epochs", type=int, default=100, help="epochs of the character model (default 100)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--quiet", action="store_true", help="print only the final accuracies")
    args = parser.parse_args(argv)
    if args.epochs < 1:
        parser.error(f"--epochs must be at least 1, got {args.epochs}")

    start = time.perf_counter()
    accuracy = spiral(args.seed)
    print(
        f"spiral (3 classes, 300 points), MLP 2-64-64-3 with Adam: train accuracy {accuracy:.3f} "
        f"({time.perf_counter() - start:.1f} s)"
    )
    if args.text_epochs > 0:
        start = time.perf_counter()
        perplexity, line = char_language_model(args.seed, args.text_epochs)
        print(
            f"character GRU on The Time Machine, {args.text_epochs} epochs: perplexity {perplexity:.1f} "
            f"({time.perf_counter() - start:.1f} s)\n  {line!r}"
        )
    if args.fashion_mnist is None:
        print("Pass --fashion-mnist DIR to train on Fashion-MNIST too.")
        return 0
    try:
        train_iter, test_iter = fashion_mnist_loaders(args.fashion_mnist)
    except (FileNotFoundError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    runs = [
        ("d2l MLP 784-256-10, SGD lr 0.1", d2l_mlp),
        ("MLP 784-512-256-10, dropout 0.2, Adam", dropout_adam_mlp),
        ("d2l LeNet, sigmoid, SGD lr 0.9", d2l_lenet),
    ]
    for name, run in runs:
        print(f"\n{name}, batch 256")
        _random.manual_seed(args.seed)
        history = run(train_iter, test_iter, args.epochs, quiet=args.quiet)
        print(_summary(name, history))
    return 0


if __name__ == "__main__":
    sys.exit(main())
