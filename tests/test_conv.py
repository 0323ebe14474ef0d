"""Convolutional layers against PyTorch: d2l's LeNet and a batch-normalised block, same weights, same numbers.

Each model is built twice, once from `nn` and once from `torch.nn`, with the same architecture; the PyTorch
state dict is loaded into ours (so the keys, shapes and layouts must agree), and outputs, input gradients,
parameter gradients and running statistics are compared in float64.
"""

from __future__ import annotations

import numpy as np
import pytest

import autograd
import nn
import optim

torch = pytest.importorskip("torch")


def lenet(L):
    """d2l's LeNet (chapter 6.6), written once for both libraries."""
    return L.nn.Sequential(
        L.nn.Conv2d(1, 6, kernel_size=5, padding=2), L.nn.Sigmoid(),
        L.nn.AvgPool2d(kernel_size=2, stride=2),
        L.nn.Conv2d(6, 16, kernel_size=5), L.nn.Sigmoid(),
        L.nn.AvgPool2d(kernel_size=2, stride=2),
        L.nn.Flatten(),
        L.nn.Linear(16 * 5 * 5, 120), L.nn.Sigmoid(),
        L.nn.Linear(120, 84), L.nn.Sigmoid(),
        L.nn.Linear(84, 10),
    )  # fmt: skip


def batch_norm_block(L):
    """A convolution, batch norm and max pooling block in the style of d2l's chapter 8 models."""
    return L.nn.Sequential(
        L.nn.Conv2d(1, 4, kernel_size=3, stride=1, padding=1, bias=False), L.nn.BatchNorm2d(4), L.nn.ReLU(),
        L.nn.MaxPool2d(kernel_size=3, stride=2, padding=1),
        L.nn.Conv2d(4, 8, kernel_size=3, padding="same", groups=2), L.nn.BatchNorm2d(8), L.nn.ReLU(),
        L.nn.AdaptiveAvgPool2d((1, 1)), L.nn.Flatten(), L.nn.Linear(8, 10),
    )  # fmt: skip


class _Libraries:
    """Our library seen as `L` in `L.nn.Conv2d(...)`, the spelling the models share with `torch`."""

    nn = nn


OURS = _Libraries()


@pytest.mark.parametrize("build", [lenet, batch_norm_block], ids=["lenet", "batch_norm_block"])
@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
def test_a_convolutional_model_matches_pytorch(build, training):
    torch.manual_seed(0)
    theirs = build(torch).double().train(training)
    ours = build(OURS)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    ours.train(training)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    x = np.random.default_rng(0).normal(size=(4, 1, 28, 28))
    y = np.array([0, 3, 9, 3])
    xt = torch.tensor(x, requires_grad=True)
    xo = autograd.tensor(x, dtype=autograd.float64, requires_grad=True)
    loss_t = torch.nn.functional.cross_entropy(theirs(xt), torch.tensor(y))
    loss_o = nn.functional.cross_entropy(ours(xo), autograd.tensor(y))
    loss_t.backward()
    loss_o.backward()
    np.testing.assert_allclose(loss_o.item(), loss_t.item(), rtol=1e-8)
    np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), rtol=1e-6, atol=1e-10)
    named = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), named[name].grad.numpy(), rtol=1e-6, atol=1e-10, err_msg=name)
    buffers = dict(theirs.named_buffers())
    for name, b in ours.named_buffers():
        np.testing.assert_allclose(np.asarray(b.numpy(), dtype=np.float64), buffers[name].numpy(), err_msg=name)


def test_lenet_learns_a_synthetic_image_task():
    """Two classes of 28x28 images (a bright top half or a bright bottom half, with noise): LeNet separates them."""
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, size=64)
    images = rng.normal(scale=0.3, size=(64, 1, 28, 28)).astype(np.float32)
    images[labels == 0, :, :14] += 1.0
    images[labels == 1, :, 14:] += 1.0
    autograd.manual_seed(0)
    net = lenet(OURS)
    opt = optim.SGD(net.parameters(), lr=0.5, momentum=0.9)
    x, y = autograd.tensor(images), autograd.tensor(labels)
    losses = []
    for _ in range(60):
        loss = nn.functional.cross_entropy(net(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    accuracy = (net(x).argmax(dim=1) == y).float().mean().item()
    assert losses[-1] < 0.5 * losses[0], losses
    assert accuracy > 0.9, accuracy
