"""Every operation of the database (tests/opinfo.py) against five references, on inputs drawn by hypothesis.

1. gradients against central differences in float64 (gradcheck);
2. float32 inputs stay float32 and give the float64 values and gradients to float32 precision;
3. forward-mode tangents against reverse mode: <u, J v> = <Jᵀ u, v>, and J v against central differences;
4. second derivatives against central differences of the first (gradgradcheck);
5. values, dtypes and gradients against PyTorch in float64.

Each tensor operand is a leaf sharing memory with its drawn array in a drawn layout (C or Fortran order,
transposed, strided, negative strides), so the operations also see non-contiguous arrays; an operand drawn as
an `Alias` is another operand's tensor or its detach(). To test a new operation, add an entry to tests/opinfo.py.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from opinfo import AG, OPS, OpInfo, torch_namespace
from strategies import Operands, arrays, floats, lay_out, layouts

import autograd
from autograd import forward

ALL = [pytest.param(o, id=o.name) for o in OPS]
WITH_TORCH = [pytest.param(o, id=o.name) for o in OPS if o.torch]
SECOND_ORDER = [pytest.param(o, id=o.name) for o in OPS if o.second_order]


def _as_list(result: Any) -> list[Any]:
    return list(result) if isinstance(result, (tuple, list)) else [result]


def _weights(outputs: list[Any], dtype: Any) -> list[np.ndarray]:
    """Fixed random output cotangents (one per output)."""
    rng = np.random.default_rng(1)
    return [rng.standard_normal(np.shape(o)).astype(dtype) for o in outputs]


def _draw(data: Any, entry: OpInfo) -> tuple[Operands, dict[str, Any], tuple[str, ...]]:
    """An entry's operands and parameters, and a memory layout for each leaf."""
    items, params = data.draw(entry.inputs, label="inputs")
    operands = Operands(items)
    if not entry.any_layout:
        return operands, params, ("C",) * len(operands.arrays)
    return operands, params, data.draw(layouts(len(operands.arrays)), label="layouts")


def _leaf(array: np.ndarray, layout: str, dtype: Any = np.float64) -> autograd.Tensor:
    """A leaf requiring grad whose array is `array` (cast to `dtype`) laid out as `layout`, not a copy of it."""
    return autograd.from_numpy(lay_out(array.astype(dtype), layout)).requires_grad_()


def _frozen(array: np.ndarray) -> autograd.Tensor:
    return autograd.tensor(array)


def test_database_covers_every_operation_family() -> None:
    names = [o.name for o in OPS]
    assert len(set(names)) == len(names), "entry names must be unique"
    for required in (
        "add sub mul div pow_tensor neg exp log sqrt abs sin cos tanh sigmoid relu leaky_relu clamp maximum minimum "
        "where matmul dot sum mean max_dim min_dim amax amin var std norm logsumexp softmax log_softmax reshape view "
        "transpose permute flatten squeeze unsqueeze expand broadcast_to index_basic index_mask index_integer_list "
        "cat stack split chunk pad cast_float_double linear cross_entropy_indices binary_cross_entropy dropout "
        "index_put inplace_add_mul"
    ).split():
        assert required in names, required


@pytest.mark.parametrize("entry", ALL)
@given(data=st.data())
def test_gradient_matches_central_differences(entry: OpInfo, data: Any) -> None:
    operands, params, _ = _draw(data, entry)
    leaves = operands.leaves(lambda a: autograd.tensor(a, requires_grad=True))
    assert autograd.gradcheck(
        lambda *xs: entry.fn(AG, *operands.build(xs, _frozen), **params),
        leaves,
        eps=entry.eps,
        atol=entry.atol,
        rtol=entry.rtol,
    )


@pytest.mark.parametrize("entry", ALL)
@given(data=st.data())
def test_float32_stays_float32_and_matches_float64(entry: OpInfo, data: Any) -> None:
    operands, params, laid = _draw(data, entry)
    x32 = [_leaf(a, layout, np.float32) for a, layout in zip(operands.arrays, laid)]
    x64 = [_leaf(x._data, layout) for x, layout in zip(x32, laid)]  # the same values
    out32 = [o for o in _as_list(entry.fn(AG, *operands.build(x32), **params)) if o.dtype.kind == "f"]
    out64 = [o for o in _as_list(entry.fn(AG, *operands.build(x64), **params)) if o.dtype.kind == "f"]
    assert len(out32) == len(out64)
    for o32, o64 in zip(out32, out64):
        if entry.keeps_dtype:
            assert o32.dtype == np.float32
        assert o64.dtype == np.float64
        assert o32.shape == o64.shape
        np.testing.assert_allclose(o32._data, o64._data, rtol=1e-5, atol=1e-5)
    g32 = autograd.grad(out32, x32, [autograd.tensor(w) for w in _weights(out32, np.float32)], allow_unused=True)
    g64 = autograd.grad(out64, x64, [autograd.tensor(w) for w in _weights(out64, np.float64)], allow_unused=True)
    for x, a, b in zip(x32, g32, g64):
        assert (a is None) == (b is None)
        if a is not None:
            assert a.dtype == np.float32, "the gradient has the dtype of its input"
            assert a.shape == x.shape
            scale = 1 + np.abs(b._data).max(initial=0)
            np.testing.assert_allclose(a._data, b._data, rtol=1e-3, atol=1e-4 * scale)


def _central_difference(fn: Any, xs: list[np.ndarray], vs: list[np.ndarray], eps: float) -> list[np.ndarray]:
    plus = _as_list(fn(*(autograd.tensor(x + eps * v) for x, v in zip(xs, vs))))
    minus = _as_list(fn(*(autograd.tensor(x - eps * v) for x, v in zip(xs, vs))))
    with np.errstate(invalid="ignore"):  # an infinite output (logsumexp over nothing) has no slope: nan
        return [(p._data - m._data) / (2 * eps) for p, m in zip(plus, minus)]


@pytest.mark.parametrize("entry", ALL)
@given(data=st.data())
def test_jvp_against_reverse_mode(entry: OpInfo, data: Any) -> None:
    """<u, J v> (forward mode) = <Jᵀ u, v> (reverse mode); J v matches central differences."""
    operands, params, laid = _draw(data, entry)
    xs = operands.arrays
    vs = [data.draw(arrays(x.shape, floats(-1, 1)), label="tangent") for x in xs]

    def fn(*leaves):
        return entry.fn(AG, *operands.build(leaves), **params)

    primals = [autograd.from_numpy(lay_out(x, layout)) for x, layout in zip(xs, laid)]
    outputs, tangents = forward.jvp(fn, primals, vs)
    outputs, tangents = _as_list(outputs), _as_list(tangents)
    for out, tangent in zip(outputs, tangents):
        assert tangent.shape == out.shape and tangent.dtype == out.dtype

    leaves = [_leaf(x, layout) for x, layout in zip(xs, laid)]
    reverse_outputs = _as_list(fn(*leaves))
    us = [np.ones(()) if out.ndim == 0 else data.draw(arrays(out.shape, floats(-1, 1))) for out in reverse_outputs]
    for out, reverse_out in zip(outputs, reverse_outputs):
        np.testing.assert_array_equal(out._data, reverse_out._data)
    used = [(out, autograd.tensor(u)) for out, u in zip(reverse_outputs, us) if out.requires_grad]
    grads = autograd.grad([o for o, _ in used], leaves, [u for _, u in used], allow_unused=True) if used else []
    # an output that is not finite (the mean of no elements) depends on no input: it takes no part
    forward_side = sum(
        float(np.sum(np.where(np.isfinite(o._data), u * t._data, 0.0))) for o, u, t in zip(outputs, us, tangents)
    )
    reverse_side = sum(float(np.sum(g._data * v)) for g, v in zip(grads, vs) if g is not None)
    assert math.isclose(forward_side, reverse_side, rel_tol=entry.tangent_rtol, abs_tol=entry.tangent_rtol)

    def frozen_fn(*leaves):
        return entry.fn(AG, *operands.build(leaves, _frozen), **params)

    tolerance = {"rtol": max(entry.rtol, 1e-5), "atol": max(entry.atol, 1e-5)}
    for out, numeric, tangent in zip(outputs, _central_difference(frozen_fn, xs, vs, entry.eps), tangents):
        finite = np.isfinite(out._data)
        np.testing.assert_allclose(tangent._data[finite], numeric[finite], **tolerance)


@pytest.mark.parametrize("entry", SECOND_ORDER)
@settings(max_examples=5)
@given(data=st.data())
def test_second_derivatives_match_central_differences(entry: OpInfo, data: Any) -> None:
    operands, params, _ = _draw(data, entry)
    leaves = operands.leaves(lambda a: autograd.tensor(a, requires_grad=True))
    assert autograd.gradgradcheck(
        lambda *xs: entry.fn(AG, *operands.build(xs, _frozen), **params),
        leaves,
        eps=entry.eps,
        atol=entry.atol,
        rtol=entry.rtol,
        fast_mode=True,
    )


def _to_numpy(t: Any) -> np.ndarray:
    return t.detach().numpy() if hasattr(t, "detach") else np.asarray(t)


@pytest.mark.parametrize("entry", WITH_TORCH)
@given(data=st.data())
def test_matches_pytorch(entry: OpInfo, data: Any) -> None:
    torch_ns = torch_namespace()
    import torch

    operands, params, laid = _draw(data, entry)
    ours = [_leaf(a, layout) for a, layout in zip(operands.arrays, laid)]
    theirs = [torch.tensor(a, requires_grad=True) for a in operands.arrays]
    our_out = _as_list(entry.fn(AG, *operands.build(ours), **params))
    their_out = _as_list(entry.fn(torch_ns, *operands.build(theirs), **params))
    assert len(our_out) == len(their_out)
    for mine, ref in zip(our_out, their_out):
        assert mine.shape == tuple(ref.shape)
        assert str(mine.dtype) == str(ref.dtype).removeprefix("torch.")
        if ref.dtype.is_floating_point:
            np.testing.assert_allclose(mine._data, _to_numpy(ref), rtol=1e-10, atol=1e-10)
        else:  # indices of max/min
            np.testing.assert_array_equal(mine._data, _to_numpy(ref))
    pairs = [(m, r, w) for m, r, w in zip(our_out, their_out, _weights(our_out, np.float64)) if r.requires_grad]
    # ours through .backward() (accumulating over outputs), theirs through torch.autograd.grad
    for i, (mine, _, w) in enumerate(pairs):
        mine.backward(autograd.tensor(w), retain_graph=i < len(pairs) - 1)
    ref_grads = torch.autograd.grad(
        [r for _, r, _ in pairs], theirs, [torch.tensor(w) for _, _, w in pairs], allow_unused=True
    )
    for x, ref in zip(ours, ref_grads):
        if ref is None:
            assert x.grad is None or not np.any(x.grad._data)
        else:
            assert x.grad is not None and x.grad.shape == tuple(ref.shape)
            np.testing.assert_allclose(x.grad._data, ref.numpy(), rtol=1e-10, atol=1e-10)


# ---- conventions at the points the properties avoid, and numerical stability ---------------------------------------

TIES = {
    "amax": lambda x: x.amax(dim=1),
    "amin": lambda x: x.amin(dim=(0, 1)),
    "max_all": lambda x: x.max(),
    "min_all": lambda x: x.min(),
    "std_constant": lambda x: x[:, :1].std(dim=1, correction=0),
    "std_all_equal": lambda x: x[0, 1:].std(),
    "norm_at_zero": lambda x: (x * 0).norm(dim=1),
    "norm_p3_at_zero": lambda x: (x * 0).norm(p=3, dim=1),
    "norm_p1.5_at_zero": lambda x: (x * 0).norm(p=1.5),
    "norm_p0.5_zero_elements": lambda x: (x - 3).norm(p=0.5, dim=1),
    "norm_p0.5_at_zero": lambda x: (x * 0).norm(p=0.5, dim=0),
    "norm_negative_p_zero_elements": lambda x: (x - 3).norm(p=-1, dim=1),
    "norm_p0": lambda x: (x - 3).norm(p=0, dim=1),
    "norm_inf_ties": lambda x: x.norm(p=float("inf"), dim=1),
    "norm_minus_inf_ties": lambda x: x.norm(p=-float("inf")),
    "relu_at_zero": lambda x: (x - 1).relu(),
    "abs_at_zero": lambda x: (x - 1).abs(),
    "clamp_at_bound": lambda x: x.clamp(min=1.0, max=3.0),
    "pow_zero_base": lambda x: (x - 1) ** x,
}


@pytest.mark.parametrize("name", sorted(TIES))
def test_conventions_at_ties_and_kinks_match_pytorch(name):
    torch = pytest.importorskip("torch")
    values = np.array([[1.0, 3.0, 3.0], [3.0, 0.5, 3.0]])
    ours = autograd.tensor(values, requires_grad=True)
    theirs = torch.tensor(values, requires_grad=True)
    with np.errstate(divide="ignore", invalid="ignore"):  # some cases are poles by design (0 ** b for b < 1)
        out, ref = TIES[name](ours), TIES[name](theirs)
        np.testing.assert_allclose(out._data, ref.detach().numpy(), rtol=1e-12)
        weights = np.arange(1.0, 1.0 + out._data.size).reshape(out.shape)
        out.backward(autograd.tensor(weights))
    ref.backward(torch.tensor(weights))
    expected = np.zeros_like(values) if theirs.grad is None else theirs.grad.numpy()  # None: a zero gradient
    np.testing.assert_allclose(ours.grad._data, expected, rtol=1e-12, atol=1e-12)


def test_maximum_tie_splits_the_gradient_evenly():
    a, b = autograd.tensor([1.0, 2.0, 3.0], requires_grad=True), autograd.tensor([1.0, 0.0, 3.0], requires_grad=True)
    autograd.maximum(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad._data, [0.5, 1.0, 0.5])
    np.testing.assert_array_equal(b.grad._data, [0.5, 0.0, 0.5])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("scale", [1e2, 1e4, 1e30])
def test_softmax_family_is_stable_for_large_logits(dtype, scale):
    logits = np.array([[1.0, 2.0, 3.0], [-1.0, 0.0, -3.0]]) * scale
    x = autograd.tensor(logits.astype(dtype), requires_grad=True)
    outs = [x.softmax(dim=1), x.log_softmax(dim=1), x.logsumexp(dim=1), x.sigmoid()]
    shifted = logits - logits.max(axis=1, keepdims=True)
    expected_log_softmax = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    np.testing.assert_allclose(outs[1]._data, expected_log_softmax, rtol=1e-6)
    np.testing.assert_allclose(outs[0]._data, np.exp(expected_log_softmax), rtol=1e-6, atol=1e-30)
    np.testing.assert_allclose(outs[2]._data, logits.max(axis=1) + np.log(np.exp(shifted).sum(axis=1)), rtol=1e-6)
    for out in outs:
        assert out.dtype == dtype and np.all(np.isfinite(out._data))
        (g,) = autograd.grad(out.sum(), x)
        assert np.all(np.isfinite(g._data))
