"""Cross-entropy and NLL over (N, C, d1, ...) with class weights and ignore_index, and BCE-with-logits with
pos_weight: against PyTorch float64 (values and gradients) and central differences."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import nn
import nn.functional as F
from autograd import Tensor, gradcheck

HAS_TORCH = importlib.util.find_spec("torch") is not None
needs_torch = pytest.mark.skipif(not HAS_TORCH, reason="PyTorch is the oracle here")


def _case(rng, shape, with_weight, ignore):
    n_classes = shape[1] if len(shape) > 1 else shape[0]
    logits = rng.standard_normal(shape)
    target_shape = shape[:1] + shape[2:] if len(shape) > 1 else ()
    target = rng.integers(0, n_classes, target_shape)
    if ignore and target.size:
        target.reshape(-1)[rng.random(target.size) < 0.3] = -100
        target.reshape(-1)[0] = 0  # at least one kept, so 'mean' divides by a positive weight
    weight = rng.uniform(0.2, 2.0, n_classes) if with_weight else None
    return logits, target, weight


loss_shapes = st.sampled_from([(4,), (3, 4), (2, 3, 4), (2, 3, 2, 2), (1, 2, 5)])


@needs_torch
@given(loss_shapes, st.booleans(), st.booleans(), st.sampled_from(["none", "mean", "sum"]), st.sampled_from([0, 0.2]),
       st.integers(0, 2**16))  # fmt: skip
def test_cross_entropy_and_nll_match_pytorch(shape, with_weight, ignore, reduction, smoothing, seed):
    import torch

    logits, target, weight = _case(np.random.default_rng(seed), shape, with_weight, ignore and len(shape) > 1)
    w_ours = None if weight is None else Tensor(weight)
    w_theirs = None if weight is None else torch.tensor(weight)
    for ours_fn, theirs_fn, kwargs in (
        (F.cross_entropy, torch.nn.functional.cross_entropy, {"label_smoothing": smoothing}),
        (F.nll_loss, torch.nn.functional.nll_loss, {}),
    ):
        a = Tensor(logits, requires_grad=True)
        t = torch.tensor(logits, requires_grad=True)
        ours = ours_fn(a, Tensor(target), w_ours, reduction=reduction, **kwargs)
        theirs = theirs_fn(t, torch.tensor(target), w_theirs, reduction=reduction, **kwargs)
        assert ours.shape == tuple(theirs.shape)
        np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-10, atol=1e-12)
        g = np.random.default_rng(seed + 1).standard_normal(ours.shape)
        (ours * Tensor(g)).sum().backward()
        (theirs * torch.tensor(g)).sum().backward()
        np.testing.assert_allclose(a.grad.detach().numpy(), t.grad.numpy(), rtol=1e-9, atol=1e-12)


@needs_torch
def test_cross_entropy_probability_targets_with_weight_over_spatial_dims():
    import torch

    rng = np.random.default_rng(0)
    logits, probs = rng.standard_normal((2, 3, 4)), rng.dirichlet(np.ones(3), (2, 4)).transpose(0, 2, 1)
    weight = rng.uniform(0.5, 2.0, 3)
    a, t = Tensor(logits, requires_grad=True), torch.tensor(logits, requires_grad=True)
    ours = F.cross_entropy(a, Tensor(probs), Tensor(weight), label_smoothing=0.1)
    theirs = torch.nn.functional.cross_entropy(t, torch.tensor(probs), torch.tensor(weight), label_smoothing=0.1)
    np.testing.assert_allclose(ours.item(), theirs.item(), rtol=1e-12)
    ours.backward()
    theirs.backward()
    np.testing.assert_allclose(a.grad.detach().numpy(), t.grad.numpy(), rtol=1e-10)


@given(loss_shapes, st.booleans(), st.sampled_from(["none", "mean", "sum"]), st.integers(0, 2**16))
def test_weighted_cross_entropy_gradients_match_central_differences(shape, with_weight, reduction, seed):
    logits, target, weight = _case(np.random.default_rng(seed), shape, with_weight, len(shape) > 1)
    x = Tensor(logits, requires_grad=True)
    assert gradcheck(lambda z: F.cross_entropy(z, Tensor(target), weight, reduction=reduction), (x,))
    assert gradcheck(lambda z: F.nll_loss(z, Tensor(target), weight, reduction=reduction), (x,))


def test_every_target_ignored_gives_nan_mean_and_zero_gradient():
    x = Tensor(np.zeros((2, 3)), requires_grad=True)
    loss = nn.CrossEntropyLoss(ignore_index=1)(x, Tensor(np.array([1, 1])))
    assert np.isnan(loss.item())
    assert nn.CrossEntropyLoss(ignore_index=1, reduction="sum")(x, Tensor(np.array([1, 1]))).item() == 0.0
    with pytest.raises(RuntimeError, match="weight tensor should be defined"):
        F.cross_entropy(x, Tensor(np.array([0, 1])), Tensor(np.ones(2)))
    with pytest.raises(IndexError, match="target 5 is out of bounds"):
        F.cross_entropy(x, Tensor(np.array([0, 5])), ignore_index=1)


@needs_torch
@given(st.sampled_from([(3,), (2, 4), (2, 3, 4)]), st.booleans(), st.sampled_from(["none", "mean", "sum"]),
       st.integers(0, 2**16))  # fmt: skip
def test_bce_with_logits_pos_weight_matches_pytorch(shape, with_weight, reduction, seed):
    import torch

    rng = np.random.default_rng(seed)
    z, t = rng.standard_normal(shape) * 3, rng.uniform(0, 1, shape)
    pos_weight, weight = rng.uniform(0.2, 3.0, shape[-1:]), rng.uniform(0.5, 1.5, shape) if with_weight else None
    tensors = [Tensor(a, requires_grad=True) for a in (z, t, pos_weight)]
    torched = [torch.tensor(a, requires_grad=True) for a in (z, t)] + [torch.tensor(pos_weight)]
    ours = F.binary_cross_entropy_with_logits(
        tensors[0], tensors[1], None if weight is None else Tensor(weight), reduction=reduction, pos_weight=tensors[2]
    )
    theirs = torch.nn.functional.binary_cross_entropy_with_logits(
        torched[0], torched[1], None if weight is None else torch.tensor(weight), reduction=reduction,
        pos_weight=torched[2],
    )  # fmt: skip
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-10, atol=1e-12)
    ours.sum().backward()
    theirs.sum().backward()
    for a, b in zip(tensors[:2], torched[:2]):
        np.testing.assert_allclose(a.grad.detach().numpy(), b.grad.numpy(), rtol=1e-9, atol=1e-12)
    # PyTorch gives pos_weight no gradient; ours has one, checked here against central differences
    assert gradcheck(lambda *a: F.binary_cross_entropy_with_logits(*a[:2], reduction="sum", pos_weight=a[2]), tensors)
    layer = nn.BCEWithLogitsLoss(pos_weight=Tensor(pos_weight))
    assert layer(Tensor(z), Tensor(t)).item() == pytest.approx(
        torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor(pos_weight))(torch.tensor(z), torch.tensor(t)).item()
    )
