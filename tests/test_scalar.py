"""Scalar: micrograd's Value API on the shared engine, against the Tensor engine and central differences."""

import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import autograd
from autograd import Scalar

# ---- random expressions -----------------------------------------------------------------------------------------
#
# An expression is a nested tuple over variables 0..N_VARS-1; `evaluate` runs it on Scalars or on 0-d tensors,
# whose operators and methods have the same names. Denominators and logarithm arguments go through
# `positive(e) = e * e + 0.5`, so every expression is defined everywhere.

N_VARS = 3
UNARY = ["neg", "exp", "tanh", "relu", "sigmoid", "log", "square", "cube", "sqrt", "inverse"]
BINARY = ["add", "sub", "mul", "div"]
CONSTANT_OPS = ["radd", "rsub", "rmul", "rdiv", "add_c", "sub_c", "mul_c", "div_c", "rpow"]
CONSTANTS = st.sampled_from([-1.5, -1, 0.5, 2, 3.0])

leaves = st.integers(0, N_VARS - 1).map(lambda i: ("var", i))
expressions = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.tuples(st.sampled_from(UNARY), inner),
        st.tuples(st.sampled_from(BINARY), inner, inner),
        st.tuples(st.sampled_from(CONSTANT_OPS), CONSTANTS, inner),
    ),
    max_leaves=8,
)


def positive(v):
    return v * v + 0.5


def evaluate(expr, xs, kinks=None):
    """The value of `expr` with variables `xs` (Scalars or tensors); relu arguments are appended to `kinks`."""
    op = expr[0]
    if op == "var":
        return xs[expr[1]]
    if op in BINARY:
        a, b = evaluate(expr[1], xs, kinks), evaluate(expr[2], xs, kinks)
        return {"add": lambda: a + b, "sub": lambda: a - b, "mul": lambda: a * b, "div": lambda: a / positive(b)}[op]()
    if op in CONSTANT_OPS:
        c, a = expr[1], evaluate(expr[2], xs, kinks)
        return {
            "radd": lambda: c + a,
            "rsub": lambda: c - a,
            "rmul": lambda: c * a,
            "rdiv": lambda: c / positive(a),
            "add_c": lambda: a + c,
            "sub_c": lambda: a - c,
            "mul_c": lambda: a * c,
            "div_c": lambda: a / c,
            "rpow": lambda: 2.0 ** a.tanh(),
        }[op]()
    a = evaluate(expr[1], xs, kinks)
    if op == "relu" and kinks is not None:
        kinks.append(float(a.data))
    return {
        "neg": lambda: -a,
        "exp": lambda: a.tanh().exp(),  # bounded: no overflow however deep the expression
        "tanh": lambda: a.tanh(),
        "relu": lambda: a.relu(),
        "sigmoid": lambda: a.sigmoid(),
        "log": lambda: positive(a).log(),
        "square": lambda: a**2,
        "cube": lambda: a**3,
        "sqrt": lambda: positive(a) ** 0.5,
        "inverse": lambda: positive(a) ** -1,
    }[op]()


def scalar_gradients(expr, values):
    xs = [Scalar(v) for v in values]
    out = evaluate(expr, xs)
    out.backward()
    return out.data, [x.grad for x in xs]


def tensor_gradients(expr, values):
    xs = [autograd.tensor(np.float64(v), requires_grad=True) for v in values]
    out = evaluate(expr, xs)
    grads = autograd.grad(out, xs, allow_unused=True)
    return out.item(), [0.0 if g is None else g.item() for g in grads]


def scalar_value(expr, values):
    return evaluate(expr, [Scalar(v) for v in values]).data


inputs = st.lists(st.floats(-2, 2, allow_subnormal=False), min_size=N_VARS, max_size=N_VARS)


@given(expressions, inputs)
def test_scalar_agrees_with_the_tensor_engine(expr, values):
    value, grads = scalar_gradients(expr, values)
    assume(math.isfinite(value) and abs(value) < 1e6)
    tensor_value, tensor_grads = tensor_gradients(expr, values)
    assert value == pytest.approx(tensor_value, rel=1e-9, abs=1e-12)
    np.testing.assert_allclose(grads, tensor_grads, rtol=1e-9, atol=1e-12)


@given(expressions, inputs)
def test_scalar_gradients_match_central_differences(expr, values):
    kinks = []
    evaluate(expr, [Scalar(v) for v in values], kinks)
    assume(all(abs(k) > 1e-3 for k in kinks))  # relu is not differentiable at 0
    value, grads = scalar_gradients(expr, values)
    assume(abs(value) < 1e6)
    eps = 1e-6
    for i in range(N_VARS):
        plus, minus = list(values), list(values)
        plus[i] += eps
        minus[i] -= eps
        numeric = (scalar_value(expr, plus) - scalar_value(expr, minus)) / (2 * eps)
        assert grads[i] == pytest.approx(numeric, rel=1e-5, abs=1e-5)


# ---- micrograd's Value API ----------------------------------------------------------------------------------------


def test_apple_price_example():
    apple, num, tax = Scalar(100.0, label="apple"), Scalar(2.0, label="num"), Scalar(1.1, label="tax")
    price = apple * num * tax
    assert price.data == pytest.approx(220.0)
    price.backward()
    assert apple.grad == pytest.approx(2.2)
    assert num.grad == pytest.approx(110.0)
    assert tax.grad == pytest.approx(200.0)
    assert price.grad == 1.0


def test_value_attributes():
    a, b = Scalar(2.0, label="a"), Scalar(-3.0)
    c = a * b
    assert (a.data, a.grad, a.label) == (2.0, 0.0, "a")
    assert b.label == c.label == ""
    assert c._prev == {a, b} and c._op == "*"
    assert (a + b)._op == "+"
    assert a._prev == set() and a._op == ""
    assert "data=2.0" in repr(a) and "grad=0.0" in repr(a)
    d = a + 1
    assert d._prev == {a}


@pytest.mark.parametrize(
    "fn, derivative",
    [
        (lambda x: x + 3, lambda v: 1.0),
        (lambda x: 3 + x, lambda v: 1.0),
        (lambda x: x - 3, lambda v: 1.0),
        (lambda x: 3 - x, lambda v: -1.0),
        (lambda x: x * 3, lambda v: 3.0),
        (lambda x: 3 * x, lambda v: 3.0),
        (lambda x: x / 4, lambda v: 0.25),
        (lambda x: 4 / x, lambda v: -4 / v**2),
        (lambda x: x**3, lambda v: 3 * v**2),
        (lambda x: x**-0.5, lambda v: -0.5 * v**-1.5),
        (lambda x: 2**x, lambda v: 2**v * math.log(2)),
        (lambda x: -x, lambda v: -1.0),
        (lambda x: x.exp(), math.exp),
        (lambda x: x.log(), lambda v: 1 / v),
        (lambda x: x.tanh(), lambda v: 1 - math.tanh(v) ** 2),
        (lambda x: x.sigmoid(), lambda v: math.exp(-v) / (1 + math.exp(-v)) ** 2),
        (lambda x: x.relu(), lambda v: float(v > 0)),
        (lambda x: x * x, lambda v: 2 * v),
        (lambda x: x / x, lambda v: 0.0),
    ],
)
@pytest.mark.parametrize("value", [0.7, 1.9])
def test_each_operation_and_its_local_derivative(fn, derivative, value):
    x = Scalar(value)
    y = fn(x)
    y.backward()
    assert x.grad == pytest.approx(derivative(value), rel=1e-12, abs=1e-12)


def test_relu_at_and_below_zero():
    for value in (0.0, -1.0):
        x = Scalar(value)
        y = x.relu()
        y.backward()
        assert y.data == 0 and x.grad == 0.0


def test_grads_accumulate_across_backward_calls():
    x = Scalar(3.0)
    y = x * x
    y.backward()
    y.backward()
    assert x.grad == pytest.approx(12.0)


def test_unsupported_operands():
    x = Scalar(2.0)
    with pytest.raises(TypeError):
        Scalar("2")
    with pytest.raises(TypeError):
        Scalar(x)
    for other in ("a", [1.0], None):
        with pytest.raises(TypeError):
            x + other
        with pytest.raises(TypeError):
            other * x
    with pytest.raises(TypeError):
        x ** Scalar(2.0)
    with pytest.raises(ValueError, match="log"):
        Scalar(-1.0).log()


def test_long_chain_has_no_recursion_limit():
    x = Scalar(0.5)
    y = x
    for _ in range(100_000):
        y = y * 1.0 + 0.0
    y.backward()
    assert x.grad == pytest.approx(1.0)
    assert y.data == pytest.approx(0.5)


def test_neuron_example_against_tensors():
    # micrograd's neuron: o = tanh(x1 w1 + x2 w2 + b)
    values = {"x1": 2.0, "x2": 0.0, "w1": -3.0, "w2": 1.0, "b": 6.8813735870195432}
    s = {k: Scalar(v, label=k) for k, v in values.items()}
    o = (s["x1"] * s["w1"] + s["x2"] * s["w2"] + s["b"]).tanh()
    o.backward()
    t = {k: autograd.tensor(np.float64(v), requires_grad=True) for k, v in values.items()}
    (t["x1"] * t["w1"] + t["x2"] * t["w2"] + t["b"]).tanh().backward()
    for k in values:
        assert s[k].grad == pytest.approx(t[k].grad.item(), rel=1e-12, abs=1e-15)
    assert o.data == pytest.approx(math.sqrt(0.5), rel=1e-9)
