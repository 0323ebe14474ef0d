"""The tensor operations of the book's code that the gradient database (tests/opinfo.py) does not cover: their integer
results (sort and topk positions with ties, nonzero, isnan...), dtypes, which results are views, and their errors,
each against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import arrays, shapes

import autograd

torch = pytest.importorskip("torch")


def _pair(values, dtype=None):
    array = np.asarray(values, dtype=dtype)
    return autograd.tensor(array), torch.as_tensor(array)


def _same(ours, theirs, maxulp=0):
    """Same shape and dtype; the same values, or floating ones within `maxulp` units in the last place."""
    assert ours.shape == tuple(theirs.shape)
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
    if maxulp and ours._data.dtype.kind == "f":
        np.testing.assert_array_max_ulp(ours._data, theirs.numpy(), maxulp=maxulp)
    else:
        np.testing.assert_array_equal(ours._data, theirs.numpy())


TIES = st.sampled_from([0.0, 1.0, 2.0, -1.0])


@given(data=st.data())
def test_stable_sort_and_argsort_positions_match_pytorch_with_ties(data):
    shape = data.draw(shapes(min_dims=1))
    x, t = _pair(data.draw(arrays(shape, TIES)))
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    descending = data.draw(st.booleans())
    values, indices = x.sort(dim, descending=descending, stable=True)
    ref = t.sort(dim=dim, descending=descending, stable=True)
    _same(values, ref.values)
    _same(indices, ref.indices)
    options = {"dim": dim, "descending": descending, "stable": True}
    _same(x.argsort(**options), t.argsort(**options))


def test_sort_puts_nan_last_as_pytorch():
    x, t = _pair([2.0, np.nan, -1.0, np.nan, 0.5])
    for descending in (False, True):
        ours, ref = x.sort(descending=descending), t.sort(descending=descending, stable=True)
        np.testing.assert_array_equal(ours.values._data, ref.values.numpy())
        _same(ours.indices, ref.indices)


@given(data=st.data())
def test_nonzero_and_masked_select_match_pytorch(data):
    values = data.draw(arrays(data.draw(shapes()), st.sampled_from([0.0, 0.0, 1.5, -2.0])))
    x, t = _pair(values)
    _same(x.nonzero(), t.nonzero())
    for ours, ref in zip(autograd.nonzero(x, as_tuple=True), t.nonzero(as_tuple=True)):
        _same(ours, ref)
    _same(x.masked_select(x > 0), t.masked_select(t > 0))


def test_isnan_isinf_isfinite_and_nan_to_num_defaults_match_pytorch():
    for dtype in (np.float32, np.float64):
        x, t = _pair([1.0, np.nan, np.inf, -np.inf, -0.0], dtype)
        for name in ("isnan", "isinf", "isfinite"):
            _same(getattr(x, name)(), getattr(t, name)())
            _same(getattr(autograd, name)(x), getattr(torch, name)(t))
        _same(x.nan_to_num(), t.nan_to_num())
        _same(autograd.nan_to_num(x, nan=1.0, neginf=-5.0), torch.nan_to_num(t, nan=1.0, neginf=-5.0))
    ints, tints = _pair([1, 2], np.int64)
    _same(ints.isnan(), tints.isnan())
    _same(ints.nan_to_num(), tints.nan_to_num())


@pytest.mark.parametrize(
    "fn",
    [
        lambda m, x: m.cumsum(x, 0),
        lambda m, x: m.cumprod(x, dim=0),
        lambda m, x: m.prod(x),
        lambda m, x: x.prod(0, keepdim=True),
        lambda m, x: m.floor(x),
        lambda m, x: m.trunc(x),
        lambda m, x: m.reciprocal(x),
        lambda m, x: m.rsqrt(x),
        lambda m, x: m.log1p(x),
        lambda m, x: m.atan2(x, x),
        lambda m, x: m.fmod(x, 2),
        lambda m, x: m.remainder(x, -2),
        lambda m, x: m.fmod(x, 2.5),
        lambda m, x: x.masked_fill(x > 1, 2.7),
        lambda m, x: x.gather(0, m.tensor([1, 0, 0])),
        lambda m, x: m.tril(m.outer(x, x)),
        lambda m, x: m.diag(x, -1),
        lambda m, x: x.flip(0).roll(1).repeat(2),
    ],
)
@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.float32])
def test_dtypes_of_integer_and_float_inputs_match_pytorch(fn, dtype):
    x, t = _pair([3, 1, 2], dtype)
    # numpy's and PyTorch's vectorised transcendentals (atan2) may differ in the last bit, by the CPU's SIMD kernels
    _same(fn(autograd, x), fn(torch, t), maxulp=1)


def test_sign_matches_pytorch_at_zeros_nan_and_in_every_dtype_and_records_a_zero_gradient():
    for values, dtype in (([-0.0, 0.0, -2.5, 3.0, np.nan, np.inf, -np.inf], np.float32), ([-3, 0, 4], np.int64),
                          ([True, False], np.bool_)):  # fmt: skip
        x, t = _pair(values, dtype)
        _same(x.sign(), t.sign())
    assert not np.signbit(autograd.tensor([-0.0]).sign()._data).any()  # -0.0 gives +0, as in PyTorch
    x = autograd.tensor([-1.5, 0.0, 2.0], requires_grad=True)
    y = autograd.sign(x)
    assert y.requires_grad and type(y.grad_fn).__name__ == "Sign"
    y.backward(autograd.tensor([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(x.grad._data, [0.0, 0.0, 0.0])


SCATTER_INDEX = [[0, 1, 0], [1, 1, 1], [0, 0, 1]]
SCATTER_CASES = {  # ties and zeros, where the gradient follows PyTorch's conventions
    "ties": ([[2.0, 5.0, 1.0], [3.0, 5.0, 0.5]], [[2.0, 5.0, 1.0], [3.0, 5.0, 1.0], [2.0, 2.0, 0.5]]),
    "zeros": ([[0.0, 3.0, 1.0], [2.0, 0.0, 4.0]], [[0.0, 2.0, 0.0], [4.0, 5.0, 0.0], [1.5, 0.0, 3.0]]),
}


@pytest.mark.parametrize("case", sorted(SCATTER_CASES))
@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_matches_pytorch_at_ties_and_zeros(case, reduce, include_self):
    """Values, gradients of x and src (ties share evenly, zero factors get exact products) and, for prod with at
    most one zero src factor per position, the second derivatives."""
    x_values, src_values = SCATTER_CASES[case]

    def program(L):
        x, src = (L.tensor(v, dtype=L.float64, requires_grad=True) for v in (x_values, src_values))
        out = x.scatter_reduce(0, L.tensor(SCATTER_INDEX), src, reduce, include_self=include_self)
        weights = L.tensor(np.arange(1.0, 7.0).reshape(2, 3))
        gx, gsrc = (g.detach().numpy() for g in L.autograd.grad((out * weights).sum(), (x, src)))
        return out.detach().numpy(), gx, gsrc

    for ours, theirs in zip(program(autograd), program(torch)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)


def test_scatter_reduce_prod_second_derivatives_at_single_zeros_match_pytorch():
    def program(L):
        x = L.tensor([[1.0, 0.0, 2.0], [3.0, 4.0, 0.5]], dtype=L.float64, requires_grad=True)
        src = L.tensor([[0.0, 2.0, 3.0], [1.5, 2.5, 0.0]], dtype=L.float64, requires_grad=True)
        out = x.scatter_reduce(1, L.tensor([[0, 0, 1], [2, 1, 2]]), src, "prod")
        gx, gsrc = L.autograd.grad(out.sum(), (x, src), create_graph=True)
        return [g.detach().numpy() for g in L.autograd.grad((gx * gx).sum() + (gsrc * gsrc).sum(), (x, src))]

    for ours, theirs in zip(program(autograd), program(torch)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_scatter_reduce_prod_refuses_second_order_with_two_zeros_at_one_position():
    x = autograd.tensor([1.0, 2.0], requires_grad=True)
    src = autograd.tensor([0.0, 0.0, 3.0], requires_grad=True)
    out = x.scatter_reduce(0, autograd.tensor([0, 0, 1]), src, "prod")
    (g,) = autograd.grad(out.sum(), src, retain_graph=True)  # first order is exact: the product of the other factors
    np.testing.assert_array_equal(g._data, [0.0, 0.0, 2.0])
    with pytest.raises(RuntimeError, match=r"Double backward is unsupported for src when >1 zeros"):
        autograd.grad(out.sum(), src, create_graph=True)


@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.float32, np.bool_])
def test_scatter_reduce_dtypes_and_integer_means_match_pytorch(reduce, dtype):
    x, t = _pair([[-1, 2, 3], [4, -5, 6]], dtype)
    src, tsrc = _pair([[-4, 0, 7], [2, 3, -3], [5, 1, 1]], dtype)
    index, tindex = _pair(SCATTER_INDEX)
    if dtype == np.bool_ and reduce == "mean":
        _raises_like_pytorch(
            lambda m, a: a.scatter_reduce(0, m.tensor(SCATTER_INDEX), m.ones(3, 3, dtype=m.bool), "mean"), x, t, "bool"
        )
        return
    for include_self in (True, False):
        _same(x.scatter_reduce(0, index, src, reduce, include_self=include_self),
              t.scatter_reduce(0, tindex, tsrc, reduce, include_self=include_self))  # fmt: skip


def test_scatter_reduce_on_zero_dim_operands_and_scatter_with_reduce_match_pytorch():
    for shapes_ in (((), (), ()), ((1,), (), ()), ((), (2,), (2,))):
        x, t = _pair(np.full(shapes_[0], 1.5))
        src, tsrc = _pair(np.full(shapes_[2], 2.0))
        index, tindex = _pair(np.zeros(shapes_[1], dtype=np.int64))
        _same(x.scatter_reduce(-1, index, src, "sum"), t.scatter_reduce(-1, tindex, tsrc, "sum"))
    x, t = _pair([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    src, tsrc = _pair([[2.0, 3.0, 4.0], [0.5, 1.5, 2.5], [9.0, 8.0, 7.0]])
    index, tindex = _pair(SCATTER_INDEX)
    with pytest.warns(UserWarning):  # PyTorch's reduce= is deprecated in favour of scatter_reduce
        for reduce in ("add", "multiply"):
            _same(x.scatter(0, index, src, reduce=reduce), t.scatter(0, tindex, tsrc, reduce=reduce))
    for reduce in ("add", "multiply"):
        _same(autograd.scatter(x, 0, index, value=2.0, reduce=reduce), torch.scatter(t, 0, tindex, 2.0, reduce=reduce))
        _same(
            x.clone().scatter_(1, index[:2], 3.0, reduce=reduce), t.clone().scatter_(1, tindex[:2], 3.0, reduce=reduce)
        )


def test_the_modulo_operator_is_remainder():
    x, t = _pair([-3.5, 2.0, 5.25], np.float64)
    _same(x % 2, t % 2)
    _same(7.5 % x, 7.5 % t)
    ints, tints = _pair([-3, 7], np.int64)
    _same(ints % 3, tints % 3)


def test_bool_cumsum_and_prod_count_in_int64():
    x, t = _pair([True, False, True])
    _same(x.cumsum(0), t.cumsum(0))
    _same(x.prod(), t.prod())


def test_round_halves_to_even_as_pytorch():
    x, t = _pair([0.5, 1.5, 2.5, -0.5, -1.5, 0.25, 1.35], np.float64)
    _same(x.round(), t.round())
    _same(x.round(decimals=1), t.round(decimals=1))


def test_views_share_memory_and_copies_do_not():
    x = autograd.arange(24.0).reshape(2, 3, 4)
    views = [x.select(1, -1), x.movedim(0, -1), x.unflatten(2, (2, 2)), *x.unbind(1), x.narrow(2, 1, 2)]
    for view in views:
        assert np.shares_memory(view._data, x._data)
        assert view._version is x._version
    for copy in (x.flip(0), x.roll(1, 2), x.repeat(1, 1, 1), x.tile(2), x.gather(0, autograd.zeros(2, 3, 4).long())):
        assert not np.shares_memory(copy._data, x._data)
    x.select(0, 1)[0, 0] = -1.0
    assert x[1, 0, 0].item() == -1.0


def test_where_method_and_small_tensor_queries():
    x, t = _pair(np.arange(6.0).reshape(2, 3))
    _same(x.where(x > 2, -x), t.where(t > 2, -t))
    assert x.numel() == t.numel() == autograd.numel(x)
    assert x.is_floating_point() and not x.long().is_floating_point()
    transposed = x.T
    assert x.is_contiguous() and not transposed.is_contiguous()
    assert x.contiguous() is x
    assert transposed.contiguous().is_contiguous()
    _same(transposed.contiguous(), t.T.contiguous())


def test_einsum_matches_pytorch_in_the_books_spellings():
    a, ta = _pair(np.arange(6.0).reshape(2, 3))
    b, tb = _pair(np.arange(12.0).reshape(3, 4))
    _same(autograd.einsum("ij,jk->ik", a, b), torch.einsum("ij,jk->ik", ta, tb))
    _same(autograd.einsum("ij,jk", [a, b]), torch.einsum("ij,jk", [ta, tb]))
    _same(autograd.einsum("i j -> j i", a), torch.einsum("i j -> j i", ta))


def _raises_like_pytorch(fn, ours, theirs, match):
    with pytest.raises(Exception) as ref:
        fn(torch, theirs)
    with pytest.raises(type(ref.value), match=match):
        fn(autograd, ours)


@pytest.mark.parametrize(
    ("fn", "match"),
    [
        (lambda m, x: x.gather(2, m.zeros(2, 3).long()), "Dimension out of range"),
        (lambda m, x: x.gather(0, m.zeros(3).long()), "same number of dimensions"),
        (lambda m, x: x.gather(0, m.zeros(2, 4).long()), "Size does not match at dimension 1"),
        (lambda m, x: x.gather(0, m.full((2, 3), 5).long()), "out of bounds"),
        (lambda m, x: x.gather(0, m.zeros(2, 3)), "int"),
        (lambda m, x: x.index_select(0, m.tensor([[0]])), "vector"),
        (lambda m, x: x.index_select(0, m.tensor([2])), "out of range"),
        (lambda m, x: x.index_select(0, m.tensor([0.0])), "int"),
        (lambda m, x: x.masked_fill(m.ones(2, 3).long(), 1.0), "boolean"),
        (lambda m, x: x.masked_fill(m.ones(3).bool(), m.ones(2)), "0-dimensional"),
        (lambda m, x: x.select(0, 2), "out of range"),
        (lambda m, x: x.select(2, 0), "Dimension out of range"),
        (lambda m, x: x.sum().select(0, 0), "0-dim"),
        (lambda m, x: x.flip((0, 0)), "multiple times"),
        (lambda m, x: x.roll((1, 2), 0), "align"),
        (lambda m, x: x.repeat(2), "can not be smaller"),
        (lambda m, x: m.bmm(x, x), "3D"),
        (lambda m, x: m.bmm(x.reshape(1, 2, 3), x.reshape(1, 2, 3)), "first two dimensions"),
        (lambda m, x: m.outer(x, x), "1-D"),
        (lambda m, x: m.tril(x[0]), "at least 2 dimensions"),
        (lambda m, x: m.diag(x.reshape(1, 2, 3)), "1D or 2D"),
        (lambda m, x: x.cumsum(2), "Dimension out of range"),
        (lambda m, x: x.movedim((0, 1), (1,)), "same number of dims"),
        (lambda m, x: x.unflatten(1, (2, -1)), "multiply up"),
        (lambda m, x: x.unflatten(1, ()), "non-empty"),
        (lambda m, x: x.topk(4), "out of range"),
        (lambda m, x: x.scatter(0, m.zeros(2, 3).long(), m.zeros(1, 3)), "no larger"),
        (lambda m, x: x.scatter(0, m.zeros(2, 3).long(), m.zeros(2, 3).double()), "dtype"),
        (lambda m, x: x.scatter_reduce(0, m.zeros(2, 3).long(), x, "max_"), "sum, prod, mean, amax or amin, got max_"),
        (lambda m, x: x.scatter_reduce(0, m.zeros(2, 3).long(), 1.0, "sum"), "must be Tensor"),
        (lambda m, x: x.scatter_reduce(0, m.zeros(2, 3).long(), x.double(), "sum"), "dtype"),
        (lambda m, x: x.scatter_reduce(0, m.full((2, 3), 2).long(), x, "amax"), "out of bounds"),
        (lambda m, x: x.scatter_reduce(2, m.zeros(2, 3).long(), x, "amax"), "Dimension out of range"),
        (lambda m, x: x.scatter_reduce(0, m.zeros(2, 3).long(), x[:1], "mean"), "no larger"),
        (lambda m, x: x.scatter(0, m.zeros(2, 3).long(), x, reduce="sum"), "either add or multiply"),
        (lambda m, x: m.fmod(m.tensor([3]), 0), "ZeroDivisionError"),
        (lambda m, x: m.remainder(m.tensor([3]), m.tensor([0])), "ZeroDivisionError"),
        (lambda m, x: m.addmm(m.zeros(3, 3), x, x.T), "addmm|size"),
    ],
)
def test_bad_arguments_raise_pytorchs_errors(fn, match):
    _raises_like_pytorch(fn, autograd.zeros(2, 3), torch.zeros(2, 3), match)


def test_unsupported_einsum_spellings_say_so():
    x = autograd.ones(2, 2)
    with pytest.raises(NotImplementedError, match="broadcast"):
        autograd.einsum("...i->i", x)
    with pytest.raises(NotImplementedError, match="repeated"):
        autograd.einsum("ii->i", x)
    with pytest.raises(RuntimeError, match="does not match"):
        autograd.einsum("ij,jk->ik", x, autograd.ones(3, 2))


def test_a_refused_call_changes_nothing():
    x = autograd.arange(6.0).reshape(2, 3).requires_grad_()
    before = x._data.copy()
    with pytest.raises(RuntimeError):
        x.scatter(0, autograd.tensor([[5, 0, 0]]), 1.0)
    np.testing.assert_array_equal(x._data, before)
    assert x.grad is None and x._version[0] == 0


INPLACE = {
    "exp_": lambda L, x: x.exp_(),
    "log_": lambda L, x: x.log_(),
    "sqrt_": lambda L, x: x.sqrt_(),
    "abs_": lambda L, x: x.abs_(),
    "neg_": lambda L, x: x.neg_(),
    "sin_": lambda L, x: x.sin_(),
    "cos_": lambda L, x: x.cos_(),
    "tanh_": lambda L, x: x.tanh_(),
    "sigmoid_": lambda L, x: x.sigmoid_(),
    "relu_": lambda L, x: x.relu_(),
    "square_": lambda L, x: x.square_(),
    "floor_": lambda L, x: x.floor_(),
    "ceil_": lambda L, x: x.ceil_(),
    "round_": lambda L, x: x.round_(),
    "sign_": lambda L, x: x.sign_(),
    "erf_": lambda L, x: x.erf_(),
    "erfc_": lambda L, x: x.erfc_(),
    "trunc_": lambda L, x: x.trunc_(),
    "reciprocal_": lambda L, x: x.reciprocal_(),
    "rsqrt_": lambda L, x: x.rsqrt_(),
    "log1p_": lambda L, x: x.log1p_(),
    "expm1_": lambda L, x: x.expm1_(),
    "clamp_": lambda L, x: x.clamp_(min=0.5, max=2.0),
    "clip_": lambda L, x: x.clip_(max=1.5),
    "clamp_tensor": lambda L, x: x.clamp_(min=L.tensor([0.5, 1.0, 0.0], dtype=L.float64)),
    "pow_": lambda L, x: x.pow_(3),
    "pow_tensor": lambda L, x: x.pow_(L.tensor([1.5, 2.0, 0.5], dtype=L.float64)),
    "masked_fill_": lambda L, x: x.masked_fill_(L.tensor([True, False, True]), -1.0),
    "scatter_": lambda L, x: x.scatter_(1, L.tensor([[2, 0], [1, 2]]), L.ones(2, 2, dtype=L.float64) * 7),
    "scatter_value": lambda L, x: x.scatter_(0, L.tensor([[1, 0, 1]]), value=4.0),
    "scatter_add_": lambda L, x: x.scatter_add_(1, L.tensor([[2, 2], [0, 2]]), L.ones(2, 2, dtype=L.float64)),
    "scatter_reduce_": lambda L, x: x.scatter_reduce_(
        1, L.tensor([[2, 2], [0, 2]]), L.tensor([[0.2, 2.5], [3.0, 0.1]], dtype=L.float64), "amax"
    ),
    "scatter_reduce_mean": lambda L, x: x.scatter_reduce_(
        0, L.tensor([[1, 1, 0]]), L.tensor([[1.0, 2.0, 3.0]], dtype=L.float64), "mean", include_self=False
    ),
    "lerp_": lambda L, x: x.lerp_(L.ones(2, 3, dtype=L.float64), 0.25),
    "fmod_": lambda L, x: x.fmod_(0.7),
    "remainder_": lambda L, x: x.remainder_(0.7),
}
INPLACE_X = [[0.3, 0.8, 1.7], [2.6, 1.1, 0.45]]
SIGNED_X = [[-0.9, -0.4, 0.5], [1.4, -0.1, -0.75]]  # for the ops with a kink at 0


@pytest.mark.parametrize("name", sorted(INPLACE))
def test_in_place_variants_match_pytorch_in_values_gradients_and_leaf_errors(name):
    """On a non-leaf: the values, the gradient reaching the leaf through the recorded op, the result being the
    tensor itself with a moved version; on a leaf that requires grad: RuntimeError, nothing changed."""
    update = INPLACE[name]
    values = SIGNED_X if name in ("abs_", "relu_", "sign_") else INPLACE_X

    def program(L):
        leaf = L.tensor(values, dtype=L.float64, requires_grad=True)
        y = leaf * 1
        before = y._version if L is torch else y._version[0]
        out = update(L, y)
        moved = (y._version if L is torch else y._version[0]) != before
        (out * L.tensor(np.arange(1.0, 7.0).reshape(2, 3))).sum().backward()
        with pytest.raises(RuntimeError):
            update(L, L.tensor(values, dtype=L.float64, requires_grad=True))
        plain = L.tensor(values, dtype=L.float64)
        update(L, plain)  # no graph: written over the array
        return out is y, moved, out.detach().numpy(), leaf.grad.numpy(), plain.numpy()

    ours, theirs = program(autograd), program(torch)
    assert ours[:2] == theirs[:2] == (True, True)
    for a, b in zip(ours[2:], theirs[2:]):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_an_in_place_variant_invalidates_what_a_recorded_op_saved():
    for L in (autograd, torch):
        x = L.tensor([0.5, 1.5], requires_grad=True)
        y = x * 1
        z = y * y  # saves y
        y.exp_()
        with pytest.raises(RuntimeError):
            z.sum().backward()


def test_an_in_place_result_that_does_not_fit_the_dtype_raises_and_changes_nothing():
    for L in (autograd, torch):
        i = L.tensor([1, 4])
        with pytest.raises(RuntimeError, match="can't be cast"):
            i.sqrt_()
        assert i.tolist() == [1, 4]
        assert i.abs_().tolist() == [1, 4]


@pytest.mark.parametrize("name", ["exp_", "clamp_tensor", "pow_tensor", "scatter_", "lerp_", "scatter_reduce_mean"])
def test_in_place_variants_carry_forward_mode_tangents_as_pytorch(name):
    from torch.func import jvp as torch_jvp

    from autograd.forward import jvp

    x, tangent = np.array(INPLACE_X), np.linspace(-1.0, 1.0, 6).reshape(2, 3)
    _, ours = jvp(lambda t: INPLACE[name](autograd, t * 1), (autograd.tensor(x),), (autograd.tensor(tangent),))
    _, theirs = torch_jvp(lambda t: INPLACE[name](torch, t * 1), (torch.tensor(x),), (torch.tensor(tangent),))
    np.testing.assert_allclose(ours._data, theirs.numpy(), rtol=1e-12)


@pytest.mark.parametrize(
    "call",
    [
        lambda L: L.norm(L.ones(2, 2, 2), "nuc"),
        lambda L: L.norm(L.ones(2, 2, 2), "nuc", dim=0),
        lambda L: L.norm(L.ones(2, 2, 2), "fro", dim=(0, 1, 2)),
        lambda L: L.norm(L.ones(2, 2), "abc"),
        lambda L: L.norm(L.tensor([1, 2]), 2),
    ],
    ids=["nuc_3d", "nuc_int_dim", "fro_three_dims", "unknown_order", "integer_input"],
)
def test_norm_refuses_what_pytorch_refuses(call):
    for L in (autograd, torch):
        with pytest.raises(RuntimeError):
            call(L)
