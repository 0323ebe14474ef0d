"""Tensor construction, dtype rules, factories, conversions, comparisons and autograd attributes."""

import operator

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import DTYPES, arrays, shapes

import autograd

# ---- construction and dtypes ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data, dtype",
    [
        (1.5, np.float32),
        ([1.5, 2], np.float32),
        ([[1.0], [2.0]], np.float32),
        (3, np.int64),
        ([[1, 2], [3, 4]], np.int64),
        ([True, False], np.bool_),
        (np.ones(2), np.float64),
        (np.ones(2, dtype=np.float32), np.float32),
        (np.ones(2, dtype=np.int32), np.int32),
        (np.ones(2, dtype=np.float16), np.float16),
        (np.arange(3), np.int64),
    ],
)
def test_construction_dtype_rules(data, dtype):
    t = autograd.tensor(data)
    assert t.dtype == dtype
    np.testing.assert_array_equal(t._data, np.asarray(data))
    assert t.shape == np.shape(data)


@pytest.mark.parametrize("dtype", [autograd.float32, autograd.float64, autograd.int64, float, int, bool])
def test_explicit_dtype(dtype):
    t = autograd.tensor([1, 0, 2], dtype=dtype)
    expected = {float: np.float32, int: np.int64, bool: np.bool_}.get(dtype, dtype)
    assert t.dtype == expected


def test_tensor_copies_and_from_numpy_shares():
    array = np.array([1.0, 2.0])
    copied = autograd.tensor(array)
    shared = autograd.from_numpy(array)
    array[0] = 9.0
    assert copied._data[0] == 1.0
    assert shared._data[0] == 9.0


def test_tensor_of_tensors():
    t = autograd.tensor([autograd.tensor(1.0), autograd.tensor(2.0)])
    np.testing.assert_array_equal(t._data, [1.0, 2.0])


@pytest.mark.parametrize("tensor_dtype", [np.float32, np.float64, np.int64, np.int32])
@pytest.mark.parametrize("scalar", [2, 3, -1, True])
@pytest.mark.parametrize(
    "op", [operator.add, operator.sub, operator.mul, lambda a, b: b + a, lambda a, b: b * a, lambda a, b: b - a]
)
def test_python_int_in_an_op_keeps_the_tensor_dtype(tensor_dtype, scalar, op):
    t = autograd.tensor(np.array([1, 2, 3], dtype=tensor_dtype))
    assert op(t, scalar).dtype == tensor_dtype


@pytest.mark.parametrize("tensor_dtype", [np.float32, np.float64])
@pytest.mark.parametrize("scalar", [2.5, 2, np.float64(0.5), np.int64(3), np.float32(1.5)])
@pytest.mark.parametrize(
    "op",
    [
        operator.add,
        operator.sub,
        operator.mul,
        operator.truediv,
        operator.pow,
        lambda a, b: b + a,
        lambda a, b: b - a,
        lambda a, b: b * a,
        lambda a, b: b / a,
        lambda a, b: b**a,
        lambda a, b: autograd.maximum(a, b),
        lambda a, b: autograd.where(a > 1, a, b),
    ],
)
def test_scalar_in_an_op_keeps_a_float_tensor_dtype(tensor_dtype, scalar, op):
    t = autograd.tensor(np.array([1.0, 2.0, 3.0], dtype=tensor_dtype), requires_grad=True)
    out = op(t, scalar)
    assert out.dtype == tensor_dtype
    out.sum().backward()
    assert t.grad.dtype == tensor_dtype


@pytest.mark.parametrize("data", [[1, 2], [True, False], np.arange(3, dtype=np.int32)])
def test_integer_and_bool_tensors_cannot_require_grad(data):
    with pytest.raises(RuntimeError, match="floating point"):
        autograd.tensor(data, requires_grad=True)
    t = autograd.tensor(data)
    with pytest.raises(RuntimeError, match="floating point"):
        t.requires_grad_()
    assert not t.requires_grad
    with pytest.raises(RuntimeError, match="floating point"):
        autograd.zeros(2, dtype=autograd.int64, requires_grad=True)


# ---- factories -----------------------------------------------------------------------------------------------


def test_zeros_ones_full():
    for factory, value in [(autograd.zeros, 0.0), (autograd.ones, 1.0)]:
        for t in (factory(2, 3), factory((2, 3)), factory([2, 3])):
            assert t.shape == (2, 3) and t.dtype == np.float32
            assert np.all(t._data == value)
        assert factory(2, dtype=autograd.float64).dtype == np.float64
        assert factory(0).shape == (0,)
        assert factory(2, requires_grad=True).requires_grad
    full = autograd.full((2, 2), 1.5)
    assert full.dtype == np.float32 and np.all(full._data == 1.5)
    assert autograd.full((2,), 7).dtype == np.int64
    with pytest.raises(RuntimeError, match="negative"):
        autograd.zeros(2, -1)


def test_arange():
    np.testing.assert_array_equal(autograd.arange(5)._data, np.arange(5))
    assert autograd.arange(5).dtype == np.int64
    t = autograd.arange(1, 2, 0.25)
    assert t.dtype == np.float32
    np.testing.assert_allclose(t._data, [1.0, 1.25, 1.5, 1.75])
    np.testing.assert_array_equal(autograd.arange(10, 0, -3)._data, [10, 7, 4, 1])
    assert autograd.arange(3, dtype=autograd.float64).dtype == np.float64


def test_linspace_and_eye():
    t = autograd.linspace(-1, 1, 5)
    assert t.dtype == np.float32
    np.testing.assert_allclose(t._data, np.linspace(-1, 1, 5))
    assert autograd.linspace(0, 1, 1)._data.tolist() == [0.0]
    np.testing.assert_array_equal(autograd.eye(3)._data, np.eye(3))
    np.testing.assert_array_equal(autograd.eye(2, 3)._data, np.eye(2, 3))
    assert autograd.eye(2).dtype == np.float32


@given(shapes(max_dims=3, max_side=4), DTYPES)
def test_like_factories_take_shape_and_dtype(shape, dtype):
    x = autograd.tensor(np.zeros(shape, dtype=dtype))
    for factory, value in [(autograd.zeros_like, 0), (autograd.ones_like, 1)]:
        t = factory(x)
        assert t.shape == shape and t.dtype == dtype and np.all(t._data == value)
        assert t._data is not x._data
    assert autograd.zeros_like(x, dtype=autograd.int64).dtype == np.int64


def test_rand_and_randn():
    u = autograd.rand(1000)
    assert u.dtype == np.float32 and u.shape == (1000,)
    assert np.all((u._data >= 0) & (u._data < 1))
    n = autograd.randn(100, 50)
    assert n.shape == (100, 50) and n.dtype == np.float32
    assert abs(n._data.mean()) < 0.05 and abs(n._data.std() - 1) < 0.05
    assert autograd.randn(3, dtype=autograd.float64).dtype == np.float64
    assert autograd.randn(2, requires_grad=True).requires_grad


@given(st.integers(0, 2**32 - 1))
def test_manual_seed_repeats_every_factory(seed):
    def draw():
        return [autograd.rand(3)._data, autograd.randn(2, 2)._data, autograd.randint(0, 10, (4,))._data]

    autograd.manual_seed(seed)
    first = draw()
    autograd.manual_seed(seed)
    second = draw()
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(draw()[1], second[1])


# ---- conversions ----------------------------------------------------------------------------------------------


def test_dtype_conversions():
    t = autograd.tensor([1.7, -1.7, 0.0])
    assert t.to(autograd.float64).dtype == np.float64
    assert t.to(dtype=autograd.float64).dtype == np.float64
    assert t.to("cpu") is t
    assert t.to("cpu", autograd.float64).dtype == np.float64
    assert t.to(None) is t
    assert t.type(autograd.float64).dtype == np.float64
    assert t.type() == "autograd.FloatTensor"
    assert t.double().dtype == np.float64
    assert t.double().float().dtype == np.float32
    np.testing.assert_array_equal(t.long()._data, [1, -1, 0])
    assert t.long().dtype == np.int64
    np.testing.assert_array_equal(t.bool()._data, [True, True, False])
    assert t.float() is t, "a conversion to the same dtype is a no-op"


def test_conversion_to_integer_is_detached():
    x = autograd.tensor([1.5, 2.5], requires_grad=True)
    assert not x.long().requires_grad
    assert x.double().requires_grad


def test_numpy_item_tolist():
    t = autograd.tensor([[1.0, 2.0]])
    assert isinstance(t.numpy(), np.ndarray)
    np.testing.assert_array_equal(t.numpy(), [[1.0, 2.0]])
    assert t.tolist() == [[1.0, 2.0]]
    assert autograd.tensor([[2.5]]).item() == 2.5
    assert isinstance(autograd.tensor(3).item(), int)
    with pytest.raises(RuntimeError, match="2 elements"):
        t.item()
    y = autograd.tensor([1.0], requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="detach"):
        y.numpy()
    np.testing.assert_array_equal(y.detach().numpy(), [2.0])


def test_python_number_conversions_of_one_element_tensors():
    assert float(autograd.tensor([2.5])) == 2.5
    assert int(autograd.tensor(3.7)) == 3
    assert bool(autograd.tensor([0.0])) is False
    assert bool(autograd.tensor([[1]])) is True
    for convert in (float, int, bool):
        with pytest.raises(RuntimeError):
            convert(autograd.tensor([1.0, 2.0]))


def test_array_protocol_and_len():
    t = autograd.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    array = np.asarray(t)
    assert isinstance(array, np.ndarray) and array.shape == (3, 2)
    assert np.asarray(t, dtype=np.float64).dtype == np.float64
    assert len(t) == 3
    with pytest.raises(TypeError):
        len(autograd.tensor(1.0))
    assert [row.tolist() for row in t] == [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]


def test_repr_shows_values_dtype_grad_fn_and_requires_grad():
    assert repr(autograd.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert repr(autograd.tensor([1.0], requires_grad=True)) == "tensor([1.], requires_grad=True)"
    assert "dtype=autograd.float64" in repr(autograd.tensor(np.array([1.0])))
    y = autograd.tensor([1.0], requires_grad=True) * 2
    assert "grad_fn=<MulBackward>" in repr(y)
    assert "requires_grad" not in repr(y.detach())


# ---- comparisons, logic, argmax ------------------------------------------------------------------------------


@given(st.data())
def test_comparisons_return_bool_tensors_without_grad(data):
    shape = data.draw(shapes(max_dims=2))
    a = autograd.tensor(data.draw(arrays(shape)), requires_grad=True)
    b = data.draw(arrays(shape))
    for op in (operator.eq, operator.ne, operator.lt, operator.le, operator.gt, operator.ge):
        for result, expected in [(op(a, b), op(a._data, b)), (op(a, autograd.tensor(b)), op(a._data, b))]:
            assert result.dtype == np.bool_
            assert not result.requires_grad and result.grad_fn is None
            np.testing.assert_array_equal(result._data, expected)
    np.testing.assert_array_equal((a > 0.5)._data, a._data > 0.5)
    np.testing.assert_array_equal((~(a > 0))._data, ~(a._data > 0))
    np.testing.assert_array_equal(((a > 0) & (a < 1))._data, (a._data > 0) & (a._data < 1))
    np.testing.assert_array_equal(((a > 1) | (a < -1))._data, (a._data > 1) | (a._data < -1))


def test_all_and_any():
    t = autograd.tensor([[0.0, 2.0], [0.0, 0.0]])
    assert not t.all().item() and t.any().item()
    np.testing.assert_array_equal(t.any(dim=1)._data, [True, False])
    np.testing.assert_array_equal(t.all(dim=0, keepdim=True)._data, [[False, False]])
    assert (t >= 0).all().item()


@given(st.data())
def test_argmax_argmin_match_numpy(data):
    shape = data.draw(shapes(min_dims=1, min_side=1))
    x = data.draw(arrays(shape))
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    keepdim = data.draw(st.booleans())
    t = autograd.tensor(x)
    for method, reference in [("argmax", np.argmax), ("argmin", np.argmin)]:
        result = getattr(t, method)(dim=dim, keepdim=keepdim)
        assert result.dtype == np.int64
        np.testing.assert_array_equal(result._data, reference(x, axis=dim, keepdims=keepdim))
        assert getattr(t, method)().item() == reference(x)


# ---- autograd attributes -------------------------------------------------------------------------------------


def test_detach_shares_data_and_leaves_the_graph():
    x = autograd.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    d = y.detach()
    assert not d.requires_grad and d.grad_fn is None and d.is_leaf
    assert np.shares_memory(d._data, y._data)
    (d * x).sum().backward()
    np.testing.assert_array_equal(x.grad._data, y._data)  # d is a constant


def test_is_leaf_and_requires_grad_():
    x = autograd.tensor([1.0, 2.0])
    assert x.is_leaf and not x.requires_grad
    assert x.requires_grad_() is x and x.requires_grad
    y = x * 2
    assert not y.is_leaf and y.requires_grad
    with autograd.no_grad():
        z = x * 2
    assert z.is_leaf and not z.requires_grad
    assert (autograd.tensor([1.0]) * 2).is_leaf
    with pytest.raises(RuntimeError, match="leaf"):
        y.requires_grad_(False)
    x.requires_grad_(False)
    assert not x.requires_grad


def test_requires_grad_propagates_through_ops():
    a = autograd.tensor([1.0], requires_grad=True)
    b = autograd.tensor([2.0])
    assert (a + b).requires_grad and (b + a).requires_grad
    assert not (b + b).requires_grad
    assert a.grad is None


@given(st.data())
def test_max_and_min_with_dim_return_values_and_indices(data):
    shape = data.draw(shapes(min_dims=1, min_side=1))
    x = data.draw(arrays(shape))
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    keepdim = data.draw(st.booleans())
    t = autograd.tensor(x)
    for method, values, indices in [("max", np.max, np.argmax), ("min", np.min, np.argmin)]:
        result = getattr(t, method)(dim=dim, keepdim=keepdim)
        value_part, index_part = result
        assert result.values is value_part and result.indices is index_part
        np.testing.assert_array_equal(value_part._data, values(x, axis=dim, keepdims=keepdim))
        np.testing.assert_array_equal(index_part._data, indices(x, axis=dim, keepdims=keepdim))
        assert index_part.dtype == np.int64
        assert getattr(t, method)().item() == values(x)


def test_zero_dim_results_are_arrays_that_update_in_place():
    x = autograd.tensor(2.0)
    y = x * 1.5
    assert isinstance(y._data, np.ndarray)
    y += 1
    assert y.item() == 4.0
