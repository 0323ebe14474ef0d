"""autograd.linalg against torch.linalg: which norm each spelling of `norm` computes, shapes with keepdim, the dtype
argument, conventions at ties and the errors. Gradients on drawn inputs are in the operation database
(tests/opinfo.py: linalg_*)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd

torch = pytest.importorskip("torch")

A = np.array([[[1.0, -2.0, 3.0], [0.5, 4.0, -1.0]], [[2.0, 0.0, -1.5], [1.0, 1.0, 2.5]]])  # (2, 2, 3)

CALLS = {
    "vector_default": lambda L, x: L.linalg.vector_norm(x),
    "vector_keepdim_all": lambda L, x: L.linalg.vector_norm(x, 3, keepdim=True),
    "vector_empty_dim": lambda L, x: L.linalg.vector_norm(x, 1, dim=()),
    "vector_dims": lambda L, x: L.linalg.vector_norm(x, math.inf, (0, -1), True),
    "vector_zero": lambda L, x: L.linalg.vector_norm(x, 0, 1),
    "vector_dtype": lambda L, x: L.linalg.vector_norm(x.float(), dtype=L.float64),
    "norm_default": lambda L, x: L.linalg.norm(x),
    "norm_int_dim": lambda L, x: L.linalg.norm(x, dim=1),
    "norm_2d_numeric_ord": lambda L, x: L.linalg.norm(x[0], 2),
    "norm_2d_inf": lambda L, x: L.linalg.norm(x[1], -math.inf),
    "norm_1d_ord": lambda L, x: L.linalg.norm(x[0, 0], 1),
    "norm_2_tuple": lambda L, x: L.linalg.norm(x, -1, (2, 0), keepdim=True),
    "norm_fro_tuple": lambda L, x: L.linalg.norm(x, "fro", (0, 1)),
    "matrix_default": lambda L, x: L.linalg.matrix_norm(x),
    "matrix_nuc": lambda L, x: L.linalg.matrix_norm(x, "nuc", keepdim=True),
    "matrix_2_swapped": lambda L, x: L.linalg.matrix_norm(x, 2, (-1, 0)),
    "matrix_minus_2": lambda L, x: L.linalg.matrix_norm(x, -2),
    "matrix_1": lambda L, x: L.linalg.matrix_norm(x, 1, (1, 2)),
    "matrix_inf_swapped": lambda L, x: L.linalg.matrix_norm(x, math.inf, (2, 1), keepdim=True),
    "matrix_minus_1": lambda L, x: L.linalg.matrix_norm(x, -1, (0, 2)),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_norms_match_pytorch_in_values_shapes_dtypes_and_gradients(name):
    x = autograd.tensor(A, requires_grad=True)
    t = torch.tensor(A, requires_grad=True)
    out, ref = CALLS[name](autograd, x), CALLS[name](torch, t)
    assert out.shape == tuple(ref.shape) and str(out.dtype) == str(ref.dtype).removeprefix("torch.")
    np.testing.assert_allclose(out._data, ref.detach().numpy(), rtol=1e-12)
    weights = np.arange(1.0, 1.0 + out._data.size).reshape(out.shape)
    out.backward(autograd.tensor(weights, dtype=out.dtype))
    ref.backward(torch.tensor(weights, dtype=ref.dtype))
    expected = np.zeros_like(A) if t.grad is None else t.grad.numpy()  # ord 0: no gradient, a zero one here
    np.testing.assert_allclose(x.grad._data, expected, rtol=1e-10, atol=1e-12)


def test_spectral_norm_gradient_is_the_top_singular_pair():
    x = autograd.tensor(A[0], requires_grad=True)
    autograd.linalg.matrix_norm(x, 2).backward()
    u, _, vh = np.linalg.svd(A[0])
    np.testing.assert_allclose(x.grad._data, np.outer(u[:, 0], vh[0]), rtol=1e-12)


def test_ties_share_the_gradient_as_pytorch():
    ties = np.array([[1.0, -2.0], [-1.0, 2.0]])  # equal column sums and equal row sums
    for ord in (1, -1, math.inf, -math.inf):
        x, t = autograd.tensor(ties, requires_grad=True), torch.tensor(ties, requires_grad=True)
        autograd.linalg.matrix_norm(x, ord).backward()
        torch.linalg.matrix_norm(t, ord).backward()
        np.testing.assert_allclose(x.grad._data, t.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda L: L.linalg.matrix_norm(L.ones(3)), "at least 2 dimensions"),
        (lambda L: L.linalg.matrix_norm(L.ones(2, 2), "foo"), "Order foo not supported"),
        (lambda L: L.linalg.matrix_norm(L.ones(2, 2), 3), "Order 3 not supported"),
        (lambda L: L.linalg.matrix_norm(L.ones(2, 2), dim=(0,)), "2-tuple"),
        (lambda L: L.linalg.matrix_norm(L.ones(2, 2), dim=(0, -2)), "dims must be different"),
        (lambda L: L.linalg.matrix_norm(L.ones(2, 2), dim=(0, 2)), "out of range"),
        (lambda L: L.linalg.norm(L.ones(2, 2, 2), 2), "must be 1D or 2D"),
        (lambda L: L.linalg.norm(L.ones(2), "fro"), "at least 2 dimensions"),
        (lambda L: L.linalg.norm(L.ones(2, 3), "nuc", dim=1), "2-tuple"),
        (lambda L: L.linalg.norm(L.ones(2, 3), 2, ()), "length 1 or 2"),
        (lambda L: L.linalg.vector_norm(L.ones(2, 3, dtype=L.long)), "floating point"),
        (lambda L: L.linalg.vector_norm(L.ones(2, 3), "fro"), "must be Number"),
        (lambda L: L.linalg.vector_norm(L.ones(2, dtype=L.float64), dtype=L.float32), "narrowing"),
        (lambda L: L.linalg.matrix_norm(L.ones(2, 2, dtype=L.float64), dtype=L.float32), "narrowing"),
    ],
)
def test_errors_match_pytorch(call, match):
    with pytest.raises(Exception) as ref:
        call(torch)
    with pytest.raises(type(ref.value), match=match):
        call(autograd)
