"""The hand-written numpy floors of the convolutional benchmarks (bench/floor_cnn.py) compute our engine's
losses and gradients, so that timing them against each other compares the same work."""

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.append(str(Path(__file__).resolve().parent.parent / "bench"))

import common  # noqa: E402
import floor_cnn  # noqa: E402
from engines import ours  # noqa: E402

import nn  # noqa: E402


def engine_grads(net, x, y):
    loss = nn.CrossEntropyLoss()(net(ours.ag.from_numpy(x)), ours.ag.from_numpy(y))
    loss.backward()
    return loss.item(), {name: p.grad.numpy() for name, p in net.named_parameters()}


def assert_same(floor, engine):
    (floor_loss, floor_grads), (engine_loss, engine_grads_) = floor, engine
    assert floor_grads.keys() == engine_grads_.keys()
    assert floor_loss == pytest.approx(engine_loss, rel=1e-5)
    # a convolution's bias right before a batch norm has a zero gradient, so the tolerance is the largest gradient's
    scale = max(np.abs(g).max() for g in floor_grads.values())
    for name, g in floor_grads.items():
        np.testing.assert_allclose(engine_grads_[name], g, atol=1e-4 * scale, rtol=0, err_msg=name)


@pytest.mark.parametrize("batch", [1, 5])
def test_lenet_floor_gradients_are_the_engines(batch):
    rng = np.random.default_rng(batch)
    params = common.init_lenet(seed=batch)
    x = rng.random((batch, 1, 28, 28), dtype=np.float32)
    y = rng.integers(0, 10, batch)
    assert_same(floor_cnn.lenet_grads(params, x, y), engine_grads(ours.lenet_net(params), x, y))


@pytest.mark.parametrize("blocks, channels, size, batch", [(1, 3, 4, 2), (2, 4, 5, 3)])
def test_resnet_floor_gradients_and_running_statistics_are_the_engines(blocks, channels, size, batch):
    rng = np.random.default_rng(size)
    params = common.init_resnet(blocks, channels, seed=size)
    for name, value in params.items():  # batch norm's affine parameters away from 1 and 0, so that they count
        if ".bn" in name:
            value += rng.uniform(-0.5, 0.5, value.shape).astype(np.float32)
    x = rng.standard_normal((batch, channels, size, size), dtype=np.float32)
    y = rng.integers(0, 10, batch)
    running = {}
    for i in range(blocks):
        for j in (1, 2):
            running[f"{i}.bn{j}.running_mean"] = np.zeros(channels, np.float32)
            running[f"{i}.bn{j}.running_var"] = np.ones(channels, np.float32)
    net = ours.resnet_net(params, blocks)
    assert_same(floor_cnn.resnet_grads(params, running, blocks, x, y), engine_grads(net, x, y))
    buffers = dict(net.named_buffers())
    for name, value in running.items():
        np.testing.assert_allclose(buffers[name].numpy(), value, rtol=1e-5, atol=1e-6, err_msg=name)
