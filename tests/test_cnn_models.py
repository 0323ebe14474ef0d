"""d2l's NiN and ResNet-18 (chapters 8.3 and 8.6) against PyTorch, at reduced width and input size.

`book(nn, F)` is the book's code with only its imports replaced by arguments, so the same text builds the PyTorch
model and ours. The PyTorch state dict is loaded into ours; in float64 the outputs, the input gradient, every
parameter gradient, and after a few SGD steps the parameters and batch-norm running statistics must agree.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

import autograd
import nn
import optim

torch = pytest.importorskip("torch")


def book(nn, F):  # noqa: N803 (the book's names)
    """NiN's `nin_block` and ResNet's `Residual` and `resnet_block`, as d2l writes them."""

    def nin_block(in_channels, out_channels, kernel_size, strides, padding):
        return nn.Sequential(
            nn.Conv2d(in_channels, out_channels, kernel_size, strides, padding),
            nn.ReLU(),
            nn.Conv2d(out_channels, out_channels, kernel_size=1), nn.ReLU(),
            nn.Conv2d(out_channels, out_channels, kernel_size=1), nn.ReLU())  # fmt: skip

    def nin(widths=(96, 256, 384), first=(11, 4, 0)):
        """d2l's NiN; `widths` and the first block's (kernel, stride, padding) shrink it for small images."""
        c1, c2, c3 = widths
        return nn.Sequential(
            nin_block(1, c1, kernel_size=first[0], strides=first[1], padding=first[2]),
            nn.MaxPool2d(3, stride=2),
            nin_block(c1, c2, kernel_size=5, strides=1, padding=2),
            nn.MaxPool2d(3, stride=2),
            nin_block(c2, c3, kernel_size=3, strides=1, padding=1),
            nn.MaxPool2d(3, stride=2),
            nn.Dropout(0.5),
            nin_block(c3, 10, kernel_size=3, strides=1, padding=1),
            nn.AdaptiveAvgPool2d((1, 1)),
            nn.Flatten())  # fmt: skip

    class Residual(nn.Module):
        def __init__(self, input_channels, num_channels, use_1x1conv=False, strides=1):
            super().__init__()
            self.conv1 = nn.Conv2d(input_channels, num_channels, kernel_size=3, padding=1, stride=strides)
            self.conv2 = nn.Conv2d(num_channels, num_channels, kernel_size=3, padding=1)
            if use_1x1conv:
                self.conv3 = nn.Conv2d(input_channels, num_channels, kernel_size=1, stride=strides)
            else:
                self.conv3 = None
            self.bn1 = nn.BatchNorm2d(num_channels)
            self.bn2 = nn.BatchNorm2d(num_channels)

        def forward(self, X):  # noqa: N803
            Y = F.relu(self.bn1(self.conv1(X)))  # noqa: N806
            Y = self.bn2(self.conv2(Y))  # noqa: N806
            if self.conv3:
                X = self.conv3(X)  # noqa: N806
            Y += X  # noqa: N806
            return F.relu(Y)

    def resnet_block(input_channels, num_channels, num_residuals, first_block=False):
        blk = []
        for i in range(num_residuals):
            if i == 0 and not first_block:
                blk.append(Residual(input_channels, num_channels, use_1x1conv=True, strides=2))
            else:
                blk.append(Residual(num_channels, num_channels))
        return blk

    def resnet18(width=64):
        """d2l's ResNet-18 for one input channel and 10 classes; `width` (64 in the book) scales every stage."""
        b1 = nn.Sequential(nn.Conv2d(1, width, kernel_size=7, stride=2, padding=3),
                           nn.BatchNorm2d(width), nn.ReLU(),
                           nn.MaxPool2d(kernel_size=3, stride=2, padding=1))  # fmt: skip
        b2 = nn.Sequential(*resnet_block(width, width, 2, first_block=True))
        b3 = nn.Sequential(*resnet_block(width, 2 * width, 2))
        b4 = nn.Sequential(*resnet_block(2 * width, 4 * width, 2))
        b5 = nn.Sequential(*resnet_block(4 * width, 8 * width, 2))
        return nn.Sequential(b1, b2, b3, b4, b5, nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(), nn.Linear(8 * width, 10))

    return SimpleNamespace(nin=nin, resnet18=resnet18, Residual=Residual)


THEIRS = book(torch.nn, torch.nn.functional)
OURS = book(nn, nn.functional)
SMALL_NIN = {"widths": (8, 12, 16), "first": (3, 1, 1)}  # for 32x32 inputs: 32, 15, 7, 3, 1


def _pair(name: str, **kwargs):
    """The same model in float64 in PyTorch and here, with PyTorch's initial weights copied into ours."""
    torch.manual_seed(0)
    theirs = getattr(THEIRS, name)(**kwargs).double()
    ours = getattr(OURS, name)(**kwargs).double()
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    assert list(ours.state_dict()) == list(theirs.state_dict())
    return theirs, ours


def _step(theirs, ours, x: np.ndarray, y: np.ndarray) -> None:
    """One forward and backward pass in each library: losses, input and parameter gradients must agree."""
    xt = torch.tensor(x, requires_grad=True)
    xo = autograd.tensor(x, requires_grad=True)
    out_t, out_o = theirs(xt), ours(xo)
    np.testing.assert_allclose(out_o.detach().numpy(), out_t.detach().numpy(), rtol=1e-6, atol=1e-8)
    torch.nn.functional.cross_entropy(out_t, torch.tensor(y)).backward()
    nn.functional.cross_entropy(out_o, autograd.tensor(y)).backward()
    _assert_close_to_scale(xo.grad.numpy(), xt.grad.numpy(), "input")
    named = dict(theirs.named_parameters())
    scale = max(float(p.grad.abs().max()) for p in named.values())
    for name, p in ours.named_parameters():
        _assert_close_to_scale(p.grad.numpy(), named[name].grad.numpy(), name, scale)


def _assert_close_to_scale(ours: np.ndarray, theirs: np.ndarray, name: str, scale: float | None = None) -> None:
    """Equal to 1e-6 of the largest gradient element (of this array, or the model's `scale`): the deep stages
    batch-normalise over a handful of values (1x1 maps of a batch of 3), which magnifies float64 rounding differences
    in single small elements, and a convolution's bias before a batch norm has a gradient of exactly 0 plus rounding."""
    scale = float(np.abs(theirs).max()) if scale is None else scale
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-6 * max(scale, 1e-12), err_msg=name)


def _assert_same_state(theirs, ours) -> None:
    reference = theirs.state_dict()
    for name, value in ours.state_dict().items():
        np.testing.assert_allclose(value.numpy(), reference[name].numpy(), rtol=1e-6, atol=1e-8, err_msg=name)


def _train_then_compare(theirs, ours, x, y, steps: int, training: bool) -> None:
    """`steps` SGD steps in train mode in both libraries, then one compared pass in the mode asked for."""
    opt_t = torch.optim.SGD(theirs.parameters(), lr=0.01)
    opt_o = optim.SGD(ours.parameters(), lr=0.01)
    theirs.train(), ours.train()
    for _ in range(steps):
        opt_t.zero_grad(), opt_o.zero_grad()
        _step(theirs, ours, x, y)
        opt_t.step(), opt_o.step()
    _assert_same_state(theirs, ours)
    theirs.train(training), ours.train(training)
    opt_t.zero_grad(), opt_o.zero_grad()
    _step(theirs, ours, x, y)


@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
def test_nin_matches_pytorch(training):
    theirs, ours = _pair("nin", **SMALL_NIN)
    for model in (theirs, ours):
        model[6].p = 0.0  # dropout off, so that train mode compares deterministically too
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(2, 1, 32, 32)), np.array([3, 7])
    _train_then_compare(theirs, ours, x, y, steps=2, training=training)


def test_nin_dropout_is_active_in_train_mode_only():
    _, ours = _pair("nin", **SMALL_NIN)
    x = autograd.tensor(np.random.default_rng(1).normal(size=(2, 1, 32, 32)))
    autograd.manual_seed(0)
    ours.train()
    first, second = ours(x).detach().numpy(), ours(x).detach().numpy()
    assert not np.allclose(first, second)
    ours.eval()
    np.testing.assert_array_equal(ours(x).detach().numpy(), ours(x).detach().numpy())


@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
def test_resnet18_matches_pytorch(training):
    theirs, ours = _pair("resnet18", width=4)
    assert len(list(ours.named_modules())) == len(list(theirs.named_modules()))
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(3, 1, 32, 32)), np.array([0, 5, 9])
    _train_then_compare(theirs, ours, x, y, steps=3, training=training)
    buffers = dict(theirs.named_buffers())
    assert any(b.abs().sum() > 0 for name, b in buffers.items() if name.endswith("running_mean"))


def test_residual_shapes_follow_the_book():
    x = autograd.rand(4, 3, 6, 6)
    assert tuple(OURS.Residual(3, 3)(x).shape) == (4, 3, 6, 6)
    assert tuple(OURS.Residual(3, 6, use_1x1conv=True, strides=2)(x).shape) == (4, 6, 3, 3)


def test_small_resnet_learns_where_the_bright_square_is():
    """Four classes: a bright 4x4 square in one of the image's quadrants, on noise. A width-4 ResNet-18 trained
    by Adam for 25 steps brings the loss far below chance (ln 4 = 1.39)."""
    rng = np.random.default_rng(0)
    n = 64
    labels = rng.integers(0, 4, n)
    images = rng.normal(0, 0.3, (n, 1, 16, 16))
    for i, label in enumerate(labels):
        top, left = 8 * (label // 2) + rng.integers(0, 4), 8 * (label % 2) + rng.integers(0, 4)
        images[i, 0, top : top + 4, left : left + 4] += 2.0
    autograd.manual_seed(0)
    net = OURS.resnet18(width=4)
    opt = optim.Adam(net.parameters(), lr=0.01)
    x, y = autograd.tensor(images.astype(np.float32)), autograd.tensor(labels)
    losses = []
    for _ in range(25):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(net(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0] and losses[-1] < 0.7, losses
    net.eval()
    accuracy = (net(x).argmax(dim=1).detach().numpy() == labels).mean()
    assert accuracy > 0.6, accuracy
