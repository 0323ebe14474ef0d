"""autograd.distributions against torch.distributions: log_prob values and gradients in float64 on drawn
parameters, shapes, entropy, support errors, and the statistics of samples (the generators differ, so draws are
checked by their moments and frequencies, not element by element)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd
from autograd import distributions as D

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch (the test oracle) is not installed")

batch = hnp.array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=3)


def probabilities(shape, low=0.05):
    """Arrays of shape `shape` with entries in [low, 1 - low]."""
    return hnp.arrays(np.float64, shape, elements=st.floats(low, 1 - low))


def leaf(array):
    return autograd.tensor(array, dtype=autograd.float64, requires_grad=True)


def torch_leaf(array):
    return torch.tensor(array, dtype=torch.float64, requires_grad=True)


def assert_log_prob_matches(ours, theirs, params, torch_params):
    """Equal values, and equal gradients of the summed log_prob with respect to every parameter."""
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-10, atol=1e-12)
    assert tuple(ours.shape) == tuple(theirs.shape)
    ours.sum().backward()
    theirs.sum().backward()
    for p, q in zip(params, torch_params):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-9, atol=1e-12)


@needs_torch
@given(batch.flatmap(lambda s: st.tuples(*[hnp.arrays(np.float64, s, elements=st.floats(-2, 2))] * 2)), st.data())
def test_normal_log_prob_and_its_gradients_match_pytorch(loc_value, data):
    loc, value = loc_value
    scale = data.draw(hnp.arrays(np.float64, loc.shape, elements=st.floats(0.2, 3.0)))
    params = [leaf(loc), leaf(scale)]
    torch_params = [torch_leaf(loc), torch_leaf(scale)]
    ours = D.Normal(*params).log_prob(autograd.tensor(value, dtype=autograd.float64))
    theirs = torch.distributions.Normal(*torch_params).log_prob(torch.tensor(value))
    assert_log_prob_matches(ours, theirs, params, torch_params)
    np.testing.assert_allclose(
        D.Normal(loc, scale).entropy().numpy(),
        torch.distributions.Normal(torch.tensor(loc), torch.tensor(scale)).entropy().numpy(),
    )


@needs_torch
@given(
    batch.flatmap(lambda s: st.tuples(probabilities(s), hnp.arrays(np.float64, s, elements=st.sampled_from([0, 1]))))
)
def test_bernoulli_log_prob_matches_pytorch_from_probs_and_from_logits(probs_value):
    probs, value = probs_value
    for key, param in (("probs", probs), ("logits", np.log(probs) - np.log1p(-probs))):
        params, torch_params = [leaf(param)], [torch_leaf(param)]
        ours = D.Bernoulli(**{key: params[0]}).log_prob(autograd.tensor(value, dtype=autograd.float64))
        theirs = torch.distributions.Bernoulli(**{key: torch_params[0]}).log_prob(torch.tensor(value))
        assert_log_prob_matches(ours, theirs, params, torch_params)


@needs_torch
@given(
    hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=4).flatmap(
        lambda s: st.tuples(probabilities(s), hnp.arrays(np.int64, s[:-1], elements=st.integers(0, s[-1] - 1)))
    ),
    st.booleans(),
)
def test_categorical_log_prob_and_entropy_match_pytorch(probs_value, from_logits):
    probs, value = probs_value
    key, param = ("logits", np.log(probs)) if from_logits else ("probs", probs)
    params, torch_params = [leaf(param)], [torch_leaf(param)]
    ours_dist = D.Categorical(**{key: params[0]})
    theirs_dist = torch.distributions.Categorical(**{key: torch_params[0]})
    np.testing.assert_allclose(ours_dist.probs.detach().numpy(), theirs_dist.probs.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(
        ours_dist.entropy().detach().numpy(), theirs_dist.entropy().detach().numpy(), rtol=1e-10, atol=1e-12
    )
    ours = ours_dist.log_prob(autograd.tensor(value))
    theirs = theirs_dist.log_prob(torch.tensor(value))
    assert_log_prob_matches(ours, theirs, params, torch_params)
    assert ours_dist.batch_shape == theirs_dist.batch_shape and ours_dist.event_shape == theirs_dist.event_shape


@needs_torch
@given(st.integers(1, 4), st.integers(0, 6), st.data())
def test_multinomial_log_prob_matches_pytorch(categories, total, data):
    probs = data.draw(probabilities((2, categories)))
    # counts summing to `total` in each row: the gaps between sorted cut points in [0, total]
    cuts = np.sort(data.draw(hnp.arrays(np.int64, (2, categories - 1), elements=st.integers(0, total))), axis=-1)
    counts = np.diff(np.concatenate([np.zeros((2, 1), np.int64), cuts, np.full((2, 1), total)], axis=-1))
    params, torch_params = [leaf(probs)], [torch_leaf(probs)]
    ours_dist, theirs_dist = D.Multinomial(total, params[0]), torch.distributions.Multinomial(total, torch_params[0])
    ours = ours_dist.log_prob(autograd.tensor(counts, dtype=autograd.float64))
    theirs = theirs_dist.log_prob(torch.tensor(counts, dtype=torch.float64))
    assert_log_prob_matches(ours, theirs, params, torch_params)
    assert (ours_dist.batch_shape, ours_dist.event_shape) == (theirs_dist.batch_shape, theirs_dist.event_shape)


@needs_torch
@given(probabilities((2, 3)), st.integers(0, 5))
def test_means_and_variances_match_pytorch(probs, total):
    pairs = [
        (D.Normal(probs, 2 * probs), torch.distributions.Normal(torch.tensor(probs), torch.tensor(2 * probs))),
        (D.Bernoulli(probs), torch.distributions.Bernoulli(torch.tensor(probs))),
        (D.Multinomial(total, probs), torch.distributions.Multinomial(total, torch.tensor(probs))),
    ]
    for ours, theirs in pairs:
        for name in ("mean", "variance"):
            np.testing.assert_allclose(getattr(ours, name).numpy(), getattr(theirs, name).numpy(), rtol=1e-12)


@needs_torch
@pytest.mark.parametrize(
    ("name", "value_dtype"),
    [(name, dtype) for name in ("Bernoulli", "Normal") for dtype in ("int64", "bool", "float32")]
    + [("Categorical", "int64")],  # a category is an integer
)
def test_log_prob_of_integer_values_keeps_the_parameters_float32(name, value_dtype):
    """PyTorch refuses some integer values (Bernoulli, Normal); here they count as the float values they equal."""
    args = {"Bernoulli": (0.3,), "Categorical": ([0.3, 0.7],), "Normal": (0.0, 1.0)}[name]
    ours = getattr(D, name)(*args).log_prob(autograd.tensor([1, 0]).to(getattr(autograd, value_dtype)))
    theirs = getattr(torch.distributions, name)(*map(torch.tensor, args))
    theirs = theirs.log_prob(torch.tensor([1, 0]) if name == "Categorical" else torch.tensor([1.0, 0.0]))
    assert ours.dtype == autograd.float32 and theirs.dtype == torch.float32
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


@needs_torch
def test_a_zero_probability_category_has_pytorchs_log_prob():
    for cls, value in ((D.Categorical, 1), (D.Multinomial, [0.0, 3.0])):
        args = (3,) if cls is D.Multinomial else ()
        torch_cls = getattr(torch.distributions, cls.__name__)
        ours = cls(*args, autograd.tensor([0.0, 1.0])).log_prob(autograd.tensor(value))
        theirs = torch_cls(*args, torch.tensor([0.0, 1.0])).log_prob(torch.tensor(value))
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), atol=1e-6)


@given(hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=3), st.sampled_from([(), (4,), (2, 3)]))
def test_samples_have_sample_shape_then_batch_shape_then_event_shape(shape, sample_shape):
    probs = autograd.full(shape, 0.5)
    assert D.Normal(autograd.zeros(shape), 1.0).sample(sample_shape).shape == sample_shape + shape
    assert D.Bernoulli(probs).sample(sample_shape).shape == sample_shape + shape
    assert D.Categorical(probs).sample(sample_shape).shape == sample_shape + shape[:-1]
    assert D.Multinomial(3, probs).sample(sample_shape).shape == sample_shape + shape
    assert D.Categorical(probs).sample(sample_shape).dtype == autograd.int64


def test_samples_follow_their_distribution_and_the_seed():
    autograd.manual_seed(0)
    n = 20000
    normal = D.Normal(autograd.tensor([1.0, -2.0]), autograd.tensor([0.5, 2.0])).sample((n,)).numpy()
    np.testing.assert_allclose(normal.mean(0), [1.0, -2.0], atol=0.05)
    np.testing.assert_allclose(normal.std(0), [0.5, 2.0], rtol=0.03)
    coins = D.Bernoulli(autograd.tensor([0.1, 0.7])).sample((n,)).numpy()
    assert set(np.unique(coins)) <= {0.0, 1.0}
    np.testing.assert_allclose(coins.mean(0), [0.1, 0.7], atol=0.02)
    p = np.array([0.1, 0.2, 0.3, 0.4])
    draws = D.Categorical(autograd.tensor(p)).sample((n,)).numpy()
    np.testing.assert_allclose(np.bincount(draws, minlength=4) / n, p, atol=0.02)
    counts = D.Multinomial(10, autograd.tensor(p)).sample((n // 10,)).numpy()
    assert (counts.sum(-1) == 10).all()
    np.testing.assert_allclose(counts.mean(0), 10 * p, atol=0.15)
    autograd.manual_seed(1)
    first = D.Categorical(autograd.tensor(p)).sample((50,)).numpy()
    autograd.manual_seed(1)
    np.testing.assert_array_equal(D.Categorical(autograd.tensor(p)).sample((50,)).numpy(), first)


def test_d2l_rolls_a_die_with_multinomial():
    """d2l's probability chapter: relative frequencies of 1000 rolls of a fair die approach 1/6."""
    autograd.manual_seed(0)
    fair_probs = autograd.ones([6]) / 6
    counts = D.multinomial.Multinomial(1000, fair_probs).sample()
    assert counts.shape == (6,) and counts.sum().item() == 1000
    np.testing.assert_allclose((counts / 1000).numpy(), np.full(6, 1 / 6), atol=0.05)
    rolls = D.multinomial.Multinomial(10, fair_probs).sample((500,))
    assert rolls.shape == (500, 6) and (rolls.sum(dim=1).numpy() == 10).all()
    np.testing.assert_allclose(rolls.sum(dim=0).numpy() / 5000, np.full(6, 1 / 6), atol=0.03)


def test_rsample_is_differentiable_in_loc_and_scale_and_sample_is_not():
    loc = autograd.tensor([0.5, -1.0], requires_grad=True)
    scale = autograd.tensor([2.0, 0.5], requires_grad=True)
    autograd.manual_seed(3)
    draws = D.Normal(loc, scale).rsample((7,))
    draws.sum().backward()
    autograd.manual_seed(3)
    eps = (D.Normal(0.0, 1.0).sample((7, 2))).numpy()
    np.testing.assert_allclose(loc.grad.numpy(), [7.0, 7.0])
    np.testing.assert_allclose(scale.grad.numpy(), eps.sum(0), rtol=1e-5)
    assert not D.Normal(loc, scale).sample((3,)).requires_grad


@pytest.mark.parametrize(
    "make, error",
    [
        (lambda: D.Normal(0.0, 0.0), ValueError),
        (lambda: D.Normal(0.0, -1.0), ValueError),
        (lambda: D.Bernoulli(1.5), ValueError),
        (lambda: D.Bernoulli(), ValueError),
        (lambda: D.Bernoulli(probs=0.5, logits=0.0), ValueError),
        (lambda: D.Categorical(autograd.tensor([-0.1, 1.0])), ValueError),
        (lambda: D.Categorical(autograd.tensor(0.5)), ValueError),
        (lambda: D.Multinomial(-1, autograd.ones(2)), ValueError),
        (lambda: D.Multinomial(2.5, autograd.ones(2)), ValueError),
        (lambda: D.Bernoulli(0.5).log_prob(autograd.tensor(0.5)), ValueError),
        (lambda: D.Categorical(autograd.ones(3)).log_prob(autograd.tensor(3)), ValueError),
        (lambda: D.Multinomial(2, autograd.ones(3)).log_prob(autograd.tensor([1.0, 0.0, 0.0])), ValueError),
        (lambda: D.Normal(autograd.zeros(3), 1.0).log_prob(autograd.zeros(2)), RuntimeError),
        (lambda: D.Normal(0.0, 1.0).sample((-1,)), RuntimeError),
        (lambda: D.Normal(0.0, 1.0).sample(2.5), TypeError),
    ],
)
def test_invalid_parameters_and_values_raise_pytorchs_errors(make, error):
    with pytest.raises(error):
        make()
