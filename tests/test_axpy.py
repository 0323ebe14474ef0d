"""Tests of optim.axpy (y += alpha * x in place, through numpy's BLAS where it can): the result against the exact
update on drawn shapes, layouts and dtypes, which arrays take the BLAS path, and SGD on a large parameter."""

from __future__ import annotations

from unittest import mock

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import arrays, floats, shapes

import autograd
import nn
import optim
from optim import axpy as axpy_module
from optim.axpy import BLAS_AXPY, axpy

LAYOUTS = ("c", "f", "mixed", "strided", "overlap")


def make_operands(data, shape, dtype, layout):
    """x and y of `shape` laid out as `layout` says: both C, both Fortran, one of each, x strided, or x inside y."""
    x, y = (data.draw(arrays(shape)).astype(dtype) for _ in range(2))
    x += np.arange(x.size, dtype=dtype).reshape(shape)  # distinct entries: a layout mix-up changes the result
    if layout == "f":
        x, y = np.asfortranarray(x), np.asfortranarray(y)
    elif layout == "mixed":
        y = np.asfortranarray(y)
    elif layout == "strided":
        x = np.repeat(x, 2, axis=-1)[..., ::2]
    elif layout == "overlap":
        x = y.view()
    return x, y


def check_exact(result, alpha, x, y0):
    """result is y0 + alpha * x up to the rounding of the product and of the sum (numpy) or of the sum alone (BLAS)."""
    alpha = y0.dtype.type(alpha)  # both paths round alpha to the arrays' dtype first
    exact = y0.astype(np.longdouble) + np.longdouble(alpha) * x.astype(np.longdouble)
    info = np.finfo(y0.dtype)  # relative rounding error, and absolute among the subnormals
    bound = (
        info.eps * (np.abs(np.longdouble(alpha) * x.astype(np.longdouble)) + np.abs(exact)) + info.smallest_subnormal
    )
    assert np.all(np.abs(result.astype(np.longdouble) - exact) <= bound)


@given(
    data=st.data(),
    shape=shapes(min_dims=1, max_dims=3),
    dtype=st.sampled_from([np.float32, np.float64]),
    layout=st.sampled_from(LAYOUTS),
    alpha=st.one_of(st.just(0.0), floats()),
)
def test_axpy_is_the_exact_update(data, shape, dtype, layout, alpha):
    x, y = make_operands(data, shape, dtype, layout)
    x0, y0 = x.copy(), y.copy()
    with mock.patch.object(axpy_module, "BLAS_MIN_SIZE", 1):  # small arrays take the BLAS path too
        axpy(alpha, x, y)
    check_exact(y, alpha, x0, y0)
    if layout != "overlap":
        np.testing.assert_array_equal(x, x0)


@pytest.mark.skipif(not BLAS_AXPY, reason="this numpy's BLAS exports no 64-bit-integer axpy")
@given(
    data=st.data(),
    shape=shapes(min_dims=1, max_dims=3, min_side=1),
    dtype=st.sampled_from([np.float32, np.float64]),
    layout=st.sampled_from(LAYOUTS),
    alpha=floats(),
)
def test_which_arrays_take_the_blas_path(data, shape, dtype, layout, alpha):
    x, y = make_operands(data, shape, dtype, layout)
    calls = []
    spies = {
        key: (lambda *args, routine=routine: (calls.append(args), routine(*args))) for key, routine in BLAS_AXPY.items()
    }
    with mock.patch.object(axpy_module, "BLAS_MIN_SIZE", 1), mock.patch.dict(axpy_module.BLAS_AXPY, spies):
        axpy(alpha, x, y)
    if layout in ("c", "f"):
        assert len(calls) == (alpha != 0)
    elif layout == "overlap":  # partly overlapping operands would be read after they are written
        assert not calls


def test_small_arrays_and_other_dtypes_stay_in_numpy():
    calls = []
    spies = {key: (lambda *args: calls.append(args)) for key in BLAS_AXPY}
    with mock.patch.dict(axpy_module.BLAS_AXPY, spies):
        y = np.ones(axpy_module.BLAS_MIN_SIZE - 1, np.float32)
        axpy(0.5, np.ones_like(y), y)
        y16 = np.ones(axpy_module.BLAS_MIN_SIZE, np.float16)
        axpy(0.5, np.ones_like(y16), y16)
        ymixed = np.ones(axpy_module.BLAS_MIN_SIZE, np.float64)
        axpy(0.5, np.ones(axpy_module.BLAS_MIN_SIZE, np.float32), ymixed)
    assert not calls
    assert (y == 1.5).all() and (y16 == 1.5).all() and (ymixed == 1.5).all()


def test_numpy_wheels_blas_is_found():
    blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    if blas.get("name") == "scipy-openblas":
        assert set(BLAS_AXPY) == {np.dtype(np.float32), np.dtype(np.float64)}


def test_without_blas_numpy_computes_the_same_update():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(300, 200)), rng.normal(size=(300, 200))
    expected = y + 0.25 * x
    with mock.patch.object(axpy_module, "BLAS_AXPY", {}):
        axpy(0.25, x, y)
    np.testing.assert_array_equal(y, expected)


@pytest.mark.parametrize("options", [{}, {"momentum": 0.9}, {"momentum": 0.9, "dampening": 0.5, "nesterov": False}])
def test_sgd_on_a_large_parameter(options):
    """A parameter above BLAS_MIN_SIZE follows the step-by-step rule as closely as a small one does."""
    rng = np.random.default_rng(1)
    shape = (256, 300)
    assert np.prod(shape) >= axpy_module.BLAS_MIN_SIZE
    w = nn.Parameter(rng.normal(size=shape).astype(np.float32))
    reference, buffer = w._data.astype(np.float64), None
    opt = optim.SGD([w], lr=0.1, **options)
    momentum, dampening = options.get("momentum", 0.0), options.get("dampening", 0.0)
    for _ in range(5):
        grad = rng.normal(size=shape).astype(np.float32)
        w.grad = autograd.from_numpy(grad)
        opt.step()
        step = grad.astype(np.float64)
        if momentum:
            buffer = step.copy() if buffer is None else momentum * buffer + (1 - dampening) * step
            step = buffer
        reference -= 0.1 * step
    np.testing.assert_allclose(w._data, reference, rtol=1e-5, atol=1e-6)
