"""erf and erfc (autograd/ops/special.py) against math.erf and math.erfc, which are correctly rounded to within an
ulp: over the whole real line in float64 (tails, subnormals, signed zeros, infinities, nan), in float32, and against
PyTorch. Their gradients are in the operation database (tests/opinfo.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd

SPECIAL = [0.0, -0.0, np.inf, -np.inf, 5e-324, -5e-324, 1e-310, 2.2250738585072014e-308, 0.5, -0.5, 6.0, 26.5, 27.3]


def _ulps(got: np.ndarray, expected: np.ndarray) -> np.ndarray:
    return np.abs(got - expected) / np.spacing(np.abs(expected))


def _reference(fn, values: np.ndarray) -> np.ndarray:
    return np.array([fn(v) for v in values.tolist()], dtype=np.float64)


# every region: the Taylor series below 0.5, each Chebyshev interval, the 1/x^2 series, the tails and the underflow
GRID = np.concatenate(
    [
        np.linspace(-9, 9, 40001),
        np.linspace(-30, 30, 6001),
        np.geomspace(1e-300, 0.5, 2000),
        [np.nextafter(0.5, 0)] + SPECIAL[6:],
    ]
)


@pytest.mark.parametrize(("name", "fn", "limit"), [("erf", math.erf, 2), ("erfc", math.erfc, 6)])
def test_within_a_few_ulps_of_math_over_the_real_line(name, fn, limit):
    values = np.concatenate([GRID, -GRID])
    got = getattr(autograd, name)(autograd.tensor(values))._data
    expected = _reference(fn, values)
    normal = np.abs(expected) >= np.finfo(np.float64).tiny  # below, erfc's result is subnormal: absolute error
    assert _ulps(got[normal], expected[normal]).max() <= limit
    np.testing.assert_allclose(got[~normal], expected[~normal], rtol=0, atol=5e-324 * 4)


@given(hnp.arrays(np.float64, st.integers(0, 50), elements=st.floats(allow_nan=True, allow_infinity=True)))
def test_any_float64_matches_math_to_a_few_ulps(values):
    for name, fn, limit in (("erf", math.erf, 2), ("erfc", math.erfc, 6)):
        got = getattr(autograd, name)(autograd.tensor(values))._data
        expected = _reference(fn, values)
        assert np.array_equal(np.isnan(got), np.isnan(expected))
        exact = ~np.isfinite(expected) | (expected == 0) | (np.abs(expected) < np.finfo(np.float64).tiny)
        np.testing.assert_allclose(got[exact & ~np.isnan(got)], expected[exact & ~np.isnan(expected)], atol=2e-323)
        finite = ~exact & ~np.isnan(expected)
        assert np.all(_ulps(got[finite], expected[finite]) <= limit)


def test_zeros_infinities_and_nan():
    values = np.array(SPECIAL + [np.nan])
    erf = autograd.erf(autograd.tensor(values))._data
    erfc = autograd.erfc(autograd.tensor(values))._data
    np.testing.assert_array_equal(np.signbit(erf[:2]), [False, True])  # erf(-0.0) is -0.0
    np.testing.assert_array_equal(erf[2:4], [1.0, -1.0])
    np.testing.assert_array_equal(erfc[:4], [1.0, 1.0, 0.0, 2.0])
    assert np.isnan(erf[-1]) and np.isnan(erfc[-1])


def test_float32_rounds_the_float64_result_once():
    values = np.concatenate([np.linspace(-12, 12, 20001), np.geomspace(1e-40, 1, 500)]).astype(np.float32)
    for name, fn in (("erf", math.erf), ("erfc", math.erfc)):
        got = getattr(autograd, name)(autograd.tensor(values))
        assert got.dtype == autograd.float32
        expected = _reference(fn, values.astype(np.float64)).astype(np.float32)
        np.testing.assert_array_equal(got._data, expected)


def test_integer_input_gives_the_default_float_and_large_arrays_match():
    assert autograd.erf(autograd.tensor([0, 1])).dtype == autograd.float32
    values = np.random.default_rng(0).normal(0, 4, 100_000)  # many blocks of the blocked evaluation
    assert _ulps(autograd.erf(autograd.tensor(values))._data, _reference(math.erf, values)).max() <= 2


def test_values_and_gradients_match_pytorch():
    torch = pytest.importorskip("torch")
    values = np.concatenate([np.linspace(-8, 8, 1001), [0.0, 30.0, -30.0]])
    for name in ("erf", "erfc"):
        x = autograd.tensor(values, requires_grad=True)
        t = torch.tensor(values, requires_grad=True)
        out, ref = getattr(x, name)(), getattr(t, name)()
        np.testing.assert_allclose(out._data, ref.detach().numpy(), rtol=4e-16, atol=0)
        out.sum().backward()
        ref.sum().backward()
        np.testing.assert_allclose(x.grad._data, t.grad.numpy(), rtol=1e-15, atol=0)
