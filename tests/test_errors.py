"""Error paths: messages that name the operation, the shapes and the valid range, and failures that change nothing."""

import operator
import re

import numpy as np
import pytest

import autograd


def leaf(*shape):
    return autograd.ones(*shape, dtype=autograd.float64, requires_grad=True)


# ---- shape mismatches ------------------------------------------------------------------------------------------

A, B = (2, 3), (4, 5)

SHAPE_MISMATCHES = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": lambda a, b: a**b,
    "maximum": autograd.maximum,
    "minimum": autograd.minimum,
    "where": lambda a, b: autograd.where(autograd.ones(*A) > 0, a, b),
    "matmul": lambda a, b: a @ b,
    "mm": autograd.mm,
    "cat": lambda a, b: autograd.cat([a, b]),
    "stack": lambda a, b: autograd.stack([a, b]),
    "lt": lambda a, b: a < b,
    "eq": lambda a, b: a == b,
    "logical_and": lambda a, b: (a > 0) & (b > 0),
}


@pytest.mark.parametrize("name", sorted(SHAPE_MISMATCHES))
def test_shape_mismatch_names_the_operation_and_both_shapes(name):
    a, b = leaf(*A), autograd.ones(*B)
    with pytest.raises((ValueError, RuntimeError)) as info:
        SHAPE_MISMATCHES[name](a, b)
    message = str(info.value)
    op = "(mm|matmul)" if name == "mm" else name
    assert re.search(op, message), message
    assert str(A) in message and str(B) in message, message


def test_shape_mismatch_with_a_numpy_array_on_the_left():
    with pytest.raises(ValueError, match=r"add.*\(4, 5\).*\(2, 3\)"):
        np.ones(B) + leaf(*A)


def test_batched_matmul_mismatch_names_both_shapes():
    with pytest.raises((ValueError, RuntimeError), match=r"matmul.*\(2, 3, 4\).*\(3, 4, 5\)"):
        autograd.ones(2, 3, 4) @ autograd.ones(3, 4, 5)


@pytest.mark.parametrize(
    "call, pattern",
    [
        (lambda: autograd.dot(autograd.ones(2), autograd.ones(3)), r"dot.*\(2,\).*\(3,\)"),
        (lambda: autograd.ones(2, 3).reshape(4, 2), r"reshape.*\[4, 2\].*6"),
        (lambda: autograd.ones(2, 3).view(7), r"7.*6"),
        (lambda: autograd.ones(2, 3).expand(4, 5), r"expand.*\(2, 3\).*\(4, 5\)"),
        (lambda: autograd.ones(2, 3).split([1, 1], dim=1), r"split.*\[1, 1\].*3"),
        (lambda: autograd.ones(2, 3).permute(0, 0), r"permute"),
        (lambda: autograd.ones(2, 3) @ autograd.ones(()), r"matmul.*0D"),
        (lambda: autograd.ones(2)[autograd.tensor([True, False, True])], r"\(2,\)"),
        (lambda: autograd.ones(2, 3)[5], r"5.*\(2, 3\)"),
        (lambda: autograd.ones(2, 3)[[0, 7]], r"7.*\(2, 3\)"),
        (lambda: autograd.pad(autograd.ones(2), [1, 1, 1, 1]), r"pad"),
    ],
)
def test_other_shape_errors_are_explained(call, pattern):
    with pytest.raises((ValueError, RuntimeError, IndexError), match=pattern):
        call()


def test_in_place_shape_mismatch():
    t = autograd.ones(2, 3)
    with pytest.raises(RuntimeError, match=r"add_.*\(2, 3\).*\(4, 5\)"):
        t += autograd.ones(4, 5)
    with pytest.raises(RuntimeError, match=r"mul_.*\(2, 3\).*\(2, 1, 3\)"):
        t *= autograd.ones(2, 1, 3)  # broadcasts, but to a larger shape than t
    with pytest.raises(ValueError, match=r"__setitem__.*\(4,\).*\(2, 3\)"):
        t[0] = autograd.ones(4)


def test_backward_on_a_non_scalar_needs_a_gradient():
    y = leaf(2, 3) * 2
    with pytest.raises(RuntimeError, match=r"scalar outputs.*\(2, 3\)"):
        y.backward()
    with pytest.raises(RuntimeError, match=r"scalar outputs"):
        autograd.grad(y, y)
    with pytest.raises(RuntimeError, match=r"\(3,\).*\(2, 3\)"):
        y.backward(autograd.ones(3))


def test_backward_on_a_tensor_without_grad():
    with pytest.raises(RuntimeError, match="does not require grad"):
        autograd.ones(2).sum().backward()
    with pytest.raises(RuntimeError, match="does not require grad"):
        autograd.grad(leaf(2).sum(), autograd.ones(2))


def test_hook_returning_a_wrong_shape():
    x = leaf(2)
    x.register_hook(lambda g: autograd.ones(3))
    with pytest.raises(RuntimeError, match=r"hook.*\(3,\).*\(2,\)"):
        (x * 2).sum().backward()


# ---- unsupported operands ----------------------------------------------------------------------------------------

UNSUPPORTED = ["text", ["a", "b"], {"a": 1}, {}, None, object(), {1.0}]

BINARY = {
    "add": operator.add,
    "sub": operator.sub,
    "mul": operator.mul,
    "truediv": operator.truediv,
    "pow": operator.pow,
    "matmul": operator.matmul,
    "lt": operator.lt,
    "ge": operator.ge,
    "radd": lambda t, x: x + t,
    "rsub": lambda t, x: x - t,
    "rmul": lambda t, x: x * t,
    "rtruediv": lambda t, x: x / t,
    "rpow": lambda t, x: x**t,
    "rmatmul": lambda t, x: x @ t,
    "iadd": operator.iadd,
    "isub": operator.isub,
    "imul": operator.imul,
    "itruediv": operator.itruediv,
    "add_": lambda t, x: t.add_(x),
    "sub_": lambda t, x: t.sub_(x),
    "mul_": lambda t, x: t.mul_(x),
    "div_": lambda t, x: t.div_(x),
    "copy_": lambda t, x: t.copy_(x),
    "fill_": lambda t, x: t.fill_(x),
    "setitem": lambda t, x: t.__setitem__(0, x),
    "autograd.add": autograd.add,
    "autograd.sub": autograd.sub,
    "autograd.mul": autograd.mul,
    "autograd.div": autograd.div,
    "autograd.pow": autograd.pow,
    "autograd.maximum": autograd.maximum,
    "autograd.minimum": autograd.minimum,
    "autograd.matmul": autograd.matmul,
    "autograd.dot": autograd.dot,
    "autograd.where": lambda t, x: autograd.where(t > 0, t, x),
    "autograd.cat": lambda t, x: autograd.cat([t, x]),
    "autograd.stack": lambda t, x: autograd.stack([t, x]),
}


@pytest.mark.parametrize("other", UNSUPPORTED, ids=lambda x: type(x).__name__ + repr(x)[:8])
@pytest.mark.parametrize("name", sorted(BINARY))
def test_mixing_a_tensor_with_an_unsupported_object_raises_type_error(name, other):
    t = autograd.ones(2)
    with autograd.no_grad():
        with pytest.raises(TypeError):
            BINARY[name](t, other)
    np.testing.assert_array_equal(t._data, [1.0, 1.0])


@pytest.mark.parametrize("data", ["text", ["a", "b"], [["a"]], {"a": 1}, None, object(), [1.0, "a"]])
def test_tensor_of_unsupported_data_raises_type_error(data):
    with pytest.raises(TypeError):
        autograd.tensor(data)


# ---- dimensions out of range ----------------------------------------------------------------------------------------

DIM_CALLS = {
    "sum": lambda x, d: x.sum(dim=d),
    "sum_tuple": lambda x, d: x.sum(dim=(0, d)),
    "mean": lambda x, d: x.mean(dim=d),
    "sum_axis": lambda x, d: x.sum(axis=d),
    "max": lambda x, d: x.max(dim=d),
    "min": lambda x, d: x.min(dim=d),
    "amax": lambda x, d: x.amax(dim=d),
    "amin": lambda x, d: x.amin(dim=d),
    "argmax": lambda x, d: x.argmax(dim=d),
    "argmin": lambda x, d: x.argmin(dim=d),
    "var": lambda x, d: x.var(dim=d),
    "std": lambda x, d: x.std(dim=d),
    "norm": lambda x, d: x.norm(dim=d),
    "logsumexp": lambda x, d: x.logsumexp(dim=d),
    "softmax": lambda x, d: x.softmax(dim=d),
    "log_softmax": lambda x, d: x.log_softmax(dim=d),
    "transpose": lambda x, d: x.transpose(0, d),
    "permute": lambda x, d: x.permute(0, d),
    "flatten": lambda x, d: x.flatten(0, d),
    "squeeze": lambda x, d: x.squeeze(d),
    "split": lambda x, d: x.split(1, dim=d),
    "chunk": lambda x, d: x.chunk(2, dim=d),
    "cat": lambda x, d: autograd.cat([x, x], dim=d),
    "all": lambda x, d: x.all(dim=d),
    "any": lambda x, d: x.any(dim=d),
}


@pytest.mark.parametrize("dim", [2, 5, -3, -7])
@pytest.mark.parametrize("name", sorted(DIM_CALLS))
def test_dimension_out_of_range_names_the_range(name, dim):
    x = leaf(2, 3)
    with pytest.raises(IndexError, match=re.escape("[-2, 1]") + f".*{dim}"):
        DIM_CALLS[name](x, dim)


@pytest.mark.parametrize(
    "call",
    [
        lambda x: x.unsqueeze(3),
        lambda x: x.unsqueeze(-4),
        lambda x: autograd.stack([x, x], dim=3),
    ],
)
def test_dimension_out_of_range_for_a_new_dim(call):
    with pytest.raises(IndexError, match=re.escape("[-3, 2]")):
        call(leaf(2, 3))


def test_flatten_start_after_end_is_rejected():
    x = leaf(2, 3, 4)
    with pytest.raises(RuntimeError, match=r"start_dim cannot come after end_dim \(2 > 1\)"):
        x.flatten(2, 1)
    assert x.flatten(1, -2) is x


def test_repeated_dims_are_rejected():
    with pytest.raises(RuntimeError, match="multiple times"):
        leaf(2, 3).sum(dim=(1, -1))


# ---- a failed operation changes nothing ------------------------------------------------------------------------------


def _state(t):
    grad_values = None if t.grad is None else t.grad._data.copy()
    return t._data.copy(), t._data, t._version[0], t.grad_fn, t.requires_grad, t.grad, grad_values


def _assert_unchanged(t, before):
    values, buffer, version, grad_fn, requires_grad, grad, grad_values = before
    np.testing.assert_array_equal(t._data, values)
    assert t._data is buffer
    assert t._version[0] == version
    assert t.grad_fn is grad_fn and t.requires_grad == requires_grad
    assert t.grad is grad
    if grad is not None:
        np.testing.assert_array_equal(t.grad._data, grad_values)


FAILING_UPDATES = {
    "iadd_shape": lambda t: t.__iadd__(autograd.ones(4, 5)),
    "imul_larger": lambda t: t.__imul__(autograd.ones(2, 2, 3)),
    "isub_type": lambda t: t.sub_("a"),
    "idiv_type": lambda t: t.div_({}),
    "copy_shape": lambda t: t.copy_(autograd.ones(3, 2)),
    "setitem_value_shape": lambda t: t.__setitem__(0, autograd.ones(4)),
    "setitem_index": lambda t: t.__setitem__(7, 1.0),
    "setitem_mask": lambda t: t.__setitem__(autograd.tensor([True, False, True]), 1.0),
    "setitem_type": lambda t: t.__setitem__(0, "a"),
    "fill_type": lambda t: t.fill_(None),
}


def _leaf_with_grad():
    t = leaf(2, 3)
    (t * t).sum().backward()
    return t


@pytest.mark.parametrize("name", sorted(FAILING_UPDATES))
def test_failed_in_place_update_of_a_leaf_changes_nothing(name):
    t = _leaf_with_grad()
    before = _state(t)
    with autograd.no_grad():
        with pytest.raises((TypeError, ValueError, RuntimeError, IndexError)):
            FAILING_UPDATES[name](t)
    _assert_unchanged(t, before)


@pytest.mark.parametrize("name", sorted(FAILING_UPDATES))
def test_failed_in_place_update_of_a_non_leaf_changes_nothing(name):
    x = leaf(2, 3)
    t = x * 2
    t.retain_grad()
    before = _state(t)
    with pytest.raises((TypeError, ValueError, RuntimeError, IndexError)):
        FAILING_UPDATES[name](t)
    _assert_unchanged(t, before)
    t.sum().backward()  # the graph is intact
    np.testing.assert_array_equal(x.grad._data, np.full((2, 3), 2.0))


def test_in_place_cast_failure_changes_nothing():
    t = autograd.tensor([1, 2, 3])
    before = _state(t)
    with pytest.raises(RuntimeError, match="div_"):
        t /= 2
    _assert_unchanged(t, before)


def test_failed_in_place_update_of_a_leaf_requiring_grad_changes_nothing():
    t = _leaf_with_grad()
    before = _state(t)
    with pytest.raises(RuntimeError, match="leaf"):
        t += 1
    _assert_unchanged(t, before)


@pytest.mark.parametrize(
    "op",
    [
        lambda a, b: a + b,
        lambda a, b: a @ b,
        lambda a, b: autograd.cat([a, b], dim=1),
        lambda a, b: a.reshape(5),
        lambda a, b: a.sum(dim=4),
    ],
)
def test_failed_operation_changes_its_inputs_nothing(op):
    a, b = _leaf_with_grad(), leaf(4, 5)
    before_a, before_b = _state(a), _state(b)
    with pytest.raises((ValueError, RuntimeError, IndexError)):
        op(a, b)
    _assert_unchanged(a, before_a)
    _assert_unchanged(b, before_b)


def test_failed_backward_changes_no_gradient():
    x = _leaf_with_grad()
    before = _state(x)
    y = x * 3
    calls = [lambda: y.backward(), lambda: y.backward(autograd.ones(5)), lambda: autograd.grad(y.sum(), [x, leaf(1)])]
    for call in calls:
        with pytest.raises(RuntimeError):
            call()
        _assert_unchanged(x, before)
