"""The backward engine: higher derivatives, autograd.grad, accumulation, deep graphs, freeing, grad modes,
hooks, retain_grad and in-place updates (version counters)."""

import gc
import time
import weakref
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import arrays, floats, shapes

import autograd
from autograd import Function
from autograd.ops import elementwise


def leaf(values, dtype=np.float64):
    return autograd.tensor(np.asarray(values, dtype=dtype), requires_grad=True)


def numeric_gradient(f, x, eps=1e-6):
    """Central differences of a scalar function of one float64 array."""
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[idx] = eps
        grad[idx] = (f(x + step) - f(x - step)) / (2 * eps)
    return grad


# ---- second derivatives -----------------------------------------------------------------------------------


@given(st.floats(-3, 3, allow_subnormal=False))
def test_second_derivative_of_cube_is_6x(value):
    x = leaf(value)
    (dx,) = autograd.grad(x**3, x, create_graph=True)
    assert dx.requires_grad
    np.testing.assert_allclose(dx._data, 3 * value**2, rtol=1e-12, atol=1e-12)
    (dxx,) = autograd.grad(dx, x, create_graph=True)
    np.testing.assert_allclose(dxx._data, 6 * value, rtol=1e-12, atol=1e-12)
    (dxxx,) = autograd.grad(dxx, x)
    np.testing.assert_allclose(dxxx._data, 6.0)


def test_second_derivative_through_backward_create_graph():
    x = leaf([0.5, -1.0, 2.0])
    (x**3).sum().backward(create_graph=True)
    first = x.grad
    assert first.requires_grad
    x.grad = None
    first.sum().backward()
    np.testing.assert_allclose(x.grad._data, 6 * x._data)


def _hvp_function(x, matrix):
    return (x.sin() * x**2).sum() + x @ autograd.tensor(matrix) @ x + (x * x).sum().sqrt()


@given(st.data())
def test_hessian_vector_product_matches_finite_differences_of_the_gradient(data):
    n = data.draw(st.integers(1, 4))
    x0 = data.draw(arrays((n,), floats(0.2, 2)))
    v = data.draw(arrays((n,), floats(-1, 1)))
    matrix = data.draw(arrays((n, n)))

    def gradient(values):
        x = leaf(values)
        (g,) = autograd.grad(_hvp_function(x, matrix), x)
        return g._data

    x = leaf(x0)
    (g,) = autograd.grad(_hvp_function(x, matrix), x, create_graph=True)
    (hvp,) = autograd.grad((g * autograd.tensor(v)).sum(), x)
    eps = 1e-5
    expected = (gradient(x0 + eps * v) - gradient(x0 - eps * v)) / (2 * eps)
    np.testing.assert_allclose(hvp._data, expected, rtol=1e-6, atol=1e-7)


COMPOSITIONS = {
    "mlp": (lambda x, w: (x @ w).tanh().sum(dim=1), [(3, 4), (4, 2)]),
    "cross_entropy": (lambda z, w: -(z.log_softmax(dim=1) * w.softmax(dim=1)).sum(), [(2, 3), (2, 3)]),
    "normalise": (lambda x: (x - x.mean(dim=0)) / x.std(dim=0), [(4, 2)]),
    "product_rule": (lambda a, b: a * b.exp() / (1 + a * a), [(3,), (3,)]),
    "reuse": (lambda x: x * x * x + x.sigmoid() * x, [(2, 2)]),
    "attention": (lambda q, k: ((q @ k.mT) / 2.0).softmax(dim=-1) @ k, [(2, 3, 2), (2, 4, 2)]),
    "norm_and_logsumexp": (lambda x: x.norm(dim=1) + x.logsumexp(dim=1), [(2, 3)]),
}


@pytest.mark.parametrize("name", sorted(COMPOSITIONS))
def test_gradgradcheck_on_compositions(name):
    fn, input_shapes = COMPOSITIONS[name]
    rng = np.random.default_rng(0)
    inputs = [leaf(rng.uniform(0.5, 1.5, shape) * rng.choice([-1, 1], shape)) for shape in input_shapes]
    assert autograd.gradcheck(fn, inputs)
    assert autograd.gradgradcheck(fn, inputs)


def test_gradcheck_detects_a_wrong_backward():
    class WrongSquare(Function):
        def forward(self, x):
            self.saved = (x,)
            return x * x

        def backward(self, g):
            (x,) = self.saved
            return (g * x,)  # should be 2 * g * x

    x = leaf([0.5, 1.5])
    with pytest.raises(autograd.GradcheckError, match="numerical"):
        autograd.gradcheck(WrongSquare.apply, [x])
    assert autograd.gradcheck(WrongSquare.apply, [x], raise_exception=False) is False
    assert not autograd.gradcheck(WrongSquare.apply, [x], fast_mode=True, raise_exception=False)


def test_gradcheck_with_a_non_differentiable_output_first():
    x = leaf([[0.3, 1.2], [2.0, -0.5]])
    assert autograd.gradcheck(lambda x: (x.argmax(dim=1), x.exp().T), [x])
    assert autograd.gradcheck(lambda x: tuple(x.max(dim=0))[::-1], [x])


# ---- autograd.grad ------------------------------------------------------------------------------------------


def test_grad_with_grad_outputs():
    x = leaf([1.0, 2.0, 3.0])
    weights = np.array([1.0, -2.0, 0.5])
    (g,) = autograd.grad(x**2, x, grad_outputs=autograd.tensor(weights))
    np.testing.assert_allclose(g._data, 2 * x._data * weights)
    (g,) = autograd.grad([x**2], [x], grad_outputs=[autograd.tensor(weights)])
    np.testing.assert_allclose(g._data, 2 * x._data * weights)


def test_grad_of_several_outputs_sums_their_contributions():
    x = leaf([1.0, 2.0])
    (g,) = autograd.grad([(x**2).sum(), (3 * x).sum()], x)
    np.testing.assert_allclose(g._data, 2 * x._data + 3)


def test_grad_allow_unused():
    x, unused = leaf([1.0, 2.0]), leaf([3.0])
    with pytest.raises(RuntimeError, match="allow_unused=True"):
        autograd.grad((x * 2).sum(), [x, unused])
    gx, gu = autograd.grad((x * 2).sum(), [x, unused], allow_unused=True)
    np.testing.assert_allclose(gx._data, [2.0, 2.0])
    assert gu is None


def test_grad_with_respect_to_a_non_leaf():
    x = leaf([1.0, -2.0])
    y = x * 3
    z = (y**2).sum()
    gy, gx = autograd.grad(z, [y, x])
    np.testing.assert_allclose(gy._data, 2 * y._data)
    np.testing.assert_allclose(gx._data, 6 * y._data)


def test_grad_leaves_every_grad_attribute_untouched():
    x = leaf([1.0, 2.0])
    w = leaf([0.5, 0.5])
    w.grad = autograd.tensor(np.array([7.0, 7.0]))
    y = x * w
    (gx,) = autograd.grad((y * y).sum(), [x])
    np.testing.assert_allclose(gx._data, 2 * y._data * w._data)
    assert x.grad is None
    np.testing.assert_array_equal(w.grad._data, [7.0, 7.0])


def test_grad_result_is_not_aliased_with_the_graph():
    x = leaf([1.0, 2.0])
    y = x * 1
    out = y + y.detach()
    g1, g2 = autograd.grad(out.sum(), [x, y], retain_graph=True)
    g1._data[...] = 100
    np.testing.assert_array_equal(g2._data, [1.0, 1.0])


# ---- accumulation ---------------------------------------------------------------------------------------------


def test_gradients_accumulate_across_backward_calls():
    x = leaf([1.0, 2.0])
    (x * x).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad._data, 4 * x._data)
    y = (3 * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad._data, 4 * x._data + 6)


def test_a_node_used_many_times_accumulates_every_use():
    x = leaf([1.0, -2.0])
    total = x
    for _ in range(99):
        total = total + x
    (total * x).sum().backward()  # d/dx 100 x^2
    np.testing.assert_allclose(x.grad._data, 200 * x._data)


def test_diamond_graph_gradient():
    x = leaf(0.7)
    a = x.sin()
    b = a * a  # a used twice
    c = a.exp()
    (b + c).backward()
    expected = (2 * np.sin(0.7) + np.exp(np.sin(0.7))) * np.cos(0.7)
    np.testing.assert_allclose(x.grad._data, expected)


DAG_OPS = {"add": lambda a, b: a + b, "mul": lambda a, b: a * b, "sin": lambda a, b: a.sin()}


def dag(leaves, plan, ops=DAG_OPS):
    """Each step of `plan` (op, i, j) combines two earlier values (leaves or results); returns every value."""
    values = list(leaves)
    for op, i, j in plan:
        values.append(ops[op](values[i % len(values)], values[j % len(values)]))
    return values


def dag_output(values):
    """A sum that uses every value, the last one twice: nodes reach the output by one path or several."""
    return values[-1] + sum(values[1:], values[0])


DAG_PLANS = st.lists(st.tuples(st.sampled_from(sorted(DAG_OPS)), st.integers(0, 99), st.integers(0, 99)), max_size=12)


@given(plan=DAG_PLANS, data=st.lists(floats(-2, 2), min_size=3, max_size=3))
def test_random_dag_visits_each_node_once_after_all_its_uses(plan, data):
    leaves = [leaf(v) for v in data]
    values = dag(leaves, plan)
    seen = {}
    for k, v in enumerate(values[3:], 3):
        v.register_hook(lambda g, k=k: seen.setdefault(k, []).append(g.item()))
    dag_output(values).backward()
    assert all(len(grads) == 1 for grads in seen.values()), "a node ran backward before all its uses were summed"
    for i in range(3):

        def f(value, i=i):
            xs = [float(value) if k == i else d for k, d in enumerate(data)]
            vals = dag([autograd.tensor(x, dtype=np.float64) for x in xs], plan)
            return dag_output(vals).item()

        expected = numeric_gradient(f, np.float64(data[i]))
        np.testing.assert_allclose(leaves[i].grad.item(), expected, rtol=1e-5, atol=1e-6)


@given(plan=DAG_PLANS, data=st.lists(floats(-2, 2), min_size=3, max_size=3))
def test_random_dag_on_scalars_matches_tensors(plan, data):
    tensors = [leaf(v) for v in data]
    scalars = [autograd.Scalar(float(v)) for v in data]
    t_values, s_values = dag(tensors, plan), dag(scalars, plan)
    dag_output(t_values).backward()
    dag_output(s_values).backward()
    for t, s in zip(tensors, scalars):
        np.testing.assert_allclose(s.grad, t.grad.item(), rtol=1e-12, atol=1e-12)


# ---- gradients a backward overwrites in place (autograd.engine.owned) ---------------------------------------

OWNING_OPS = {"add": DAG_OPS["add"], "mul": DAG_OPS["mul"], "relu": lambda a, b: a.relu(), "sub": lambda a, b: a - b}
OWNING_PLANS = st.lists(
    st.tuples(st.sampled_from(sorted(OWNING_OPS)), st.integers(0, 99), st.integers(0, 99)), max_size=12
)


@settings(max_examples=200)  # the aliasing it looks for needs two ReLUs fed by one node: a few % of plans
@given(plan=OWNING_PLANS, data=arrays((3, 4)))
def test_gradients_overwritten_in_place_equal_copied_ones(plan, data):
    """ReLU masks the gradient it owns in place; on any DAG that must give what masking a copy gives."""

    def leaf_grads():
        leaves = [leaf(row) for row in data]
        # only the last value, times weights so that its node receives an array of its own: many nodes have one use
        (dag(leaves, plan, OWNING_OPS)[-1] * autograd.tensor(np.arange(1.0, 5.0))).sum().backward()
        return [np.zeros(4) if x.grad is None else x.grad._data for x in leaves]  # an unused leaf has no .grad

    in_place = leaf_grads()
    with mock.patch.object(elementwise, "owned", lambda g: False):
        copied = leaf_grads()
    for a, b in zip(in_place, copied, strict=True):
        np.testing.assert_array_equal(a, b)


def relu_graph():
    """x, relu(x) and the loss sum(relu(x) * w): the gradient reaching relu is w, an array the engine owns."""
    x = leaf([-1.0, 2.0, 3.0])
    out = x.relu()
    return x, out, (out * autograd.tensor([4.0, 5.0, 6.0])).sum()


def test_a_hook_keeps_the_gradient_it_was_shown():
    x, out, loss = relu_graph()
    seen = []
    out.register_hook(seen.append)
    loss.backward()
    np.testing.assert_array_equal(seen[0]._data, [4.0, 5.0, 6.0])
    np.testing.assert_array_equal(x.grad._data, [0.0, 5.0, 6.0])


def test_retain_grad_keeps_the_gradient_before_the_mask():
    x, out, loss = relu_graph()
    out.retain_grad()
    loss.backward()
    np.testing.assert_array_equal(out.grad._data, [4.0, 5.0, 6.0])
    np.testing.assert_array_equal(x.grad._data, [0.0, 5.0, 6.0])


def test_grad_returns_the_gradient_before_the_mask():
    x, out, loss = relu_graph()
    g_out, g_x = autograd.grad(loss, [out, x])
    np.testing.assert_array_equal(g_out._data, [4.0, 5.0, 6.0])
    np.testing.assert_array_equal(g_x._data, [0.0, 5.0, 6.0])


@settings(deadline=None)
@given(
    dtype=st.sampled_from([np.float16, np.float32, np.float64]),
    rows=st.integers(1, 90),
    cols=st.integers(1, 90),
    layout=st.sampled_from(["C", "transposed", "strided"]),
    mask_rows=st.booleans(),
    in_place=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_masked_is_np_where_bit_for_bit(dtype, rows, cols, layout, mask_rows, in_place, seed):
    """masked selects, never multiplies: g where the mask holds and +0 elsewhere, whatever g holds there (inf, nan,
    -0), in g's dtype and shape, new or in place, below and above the size where it stops using np.where."""
    rng = np.random.default_rng(seed)
    g = rng.standard_normal((rows, cols)).astype(dtype)
    specials = rng.integers(0, g.size, size=min(6, g.size))
    g.reshape(-1)[specials] = rng.choice([np.inf, -np.inf, np.nan, -0.0, 0.0], size=len(specials))
    g = {"C": g, "transposed": g.T, "strided": g[:, ::2]}[layout]
    mask = rng.random((1, g.shape[1]) if mask_rows else g.shape) < 0.5
    expected = np.where(mask, g, 0)
    got = elementwise.masked(g, mask, out=g if in_place and not mask_rows else None)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    np.testing.assert_array_equal(got.view(f"u{got.itemsize}"), expected.view(f"u{expected.itemsize}"))


def test_million_op_chain_backward():
    x = leaf(0.5)
    y = x
    start = time.process_time()
    for _ in range(1_000_000):
        y = y + 1.0
    y.backward()
    elapsed = time.process_time() - start
    assert x.grad.item() == 1.0
    assert y.item() == pytest.approx(1_000_000.5)
    assert elapsed < 30, f"1,000,000-op chain took {elapsed:.1f} s of CPU"


# ---- retain_graph and freeing -----------------------------------------------------------------------------------


@pytest.mark.parametrize("op", [lambda x: x * x, lambda x: x.exp(), lambda x: x @ x, lambda x: x.softmax(0)])
def test_second_backward_without_retain_graph_raises(op):
    x = leaf([0.5, 1.5])
    y = op(x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()


def test_second_backward_with_retain_graph_accumulates():
    x = leaf([0.5, 1.5])
    y = (x * x.exp()).sum()
    y.backward(retain_graph=True)
    first = x.grad._data.copy()
    y.backward()
    np.testing.assert_allclose(x.grad._data, 2 * first)


class Tracked(np.ndarray):
    """An ndarray that can be weakly referenced (ufuncs keep the subclass, so intermediates are Tracked too)."""


def test_graph_is_freed_by_reference_counting_after_backward():
    gc.disable()  # no cycle collector: everything must go by reference counting alone
    try:
        x = autograd.Tensor(np.linspace(0.1, 1, 6).view(Tracked).reshape(2, 3), requires_grad=True)
        h = x * 2
        k = h.exp()
        m = k @ x.T
        out = m.sum()
        intermediates = [h, k, m]
        assert all(isinstance(t._data, Tracked) for t in intermediates)
        refs = [weakref.ref(t) for t in intermediates] + [weakref.ref(t._data) for t in intermediates]
        refs += [weakref.ref(t.grad_fn) for t in [*intermediates, out]]
        out.backward()
        del h, k, m, out, intermediates
        alive = [r for r in refs if r() is not None]
        assert not alive, f"{len(alive)} graph objects still alive: {[r() for r in alive][:3]}"
        assert x.grad is not None
    finally:
        gc.enable()


def _create_graph(x):
    y = (x * 2).exp().sin()
    (g,) = autograd.grad(y.sum(), x, create_graph=True)
    autograd.grad(g.sum(), x)
    return [y, g]


def _retain_grad(x):
    y = x.exp()
    y.retain_grad()
    (y * y).sum().backward()
    return [y]


def _in_place(x):
    y = x * 1
    y += 1
    y *= x
    y.sum().backward()
    return [y]


def _hook(x):
    y = x * 3
    y.register_hook(lambda g: g * 2)
    z = y.tanh()
    z.sum().backward()
    return [y, z]


def _retain_graph(x):
    y = x.sigmoid() * x
    out = y.sum()
    out.backward(retain_graph=True)
    out.backward()
    return [y, out]


@pytest.mark.parametrize("build", [_create_graph, _retain_grad, _in_place, _hook, _retain_graph])
def test_graph_is_freed_by_reference_counting_in_every_mode(build):
    gc.disable()
    try:
        x = autograd.Tensor(np.array([0.5, 1.0]).view(Tracked), requires_grad=True)
        tensors = build(x)
        refs = [weakref.ref(t) for t in tensors] + [weakref.ref(t.grad_fn) for t in tensors]
        refs += [weakref.ref(t._data) for t in tensors if isinstance(t._data, Tracked)]
        del tensors
        assert all(r() is None for r in refs)
    finally:
        gc.enable()


def test_graph_is_freed_when_the_output_is_dropped_without_backward():
    gc.disable()
    try:
        x = autograd.Tensor(np.ones(3).view(Tracked), requires_grad=True)
        out = (x * 2).exp().sum()
        refs = [weakref.ref(out.grad_fn), weakref.ref(out.grad_fn.edges[0])]
        del out
        assert all(r() is None for r in refs)
    finally:
        gc.enable()


def test_backward_frees_saved_values_unless_retained():
    x = leaf([1.0, 2.0])
    y = x.exp()
    z = y.sum()
    z.backward()
    assert y.grad_fn.saved is None
    y2 = x.exp()
    y2.sum().backward(retain_graph=True)
    assert y2.grad_fn.saved


# ---- grad modes -------------------------------------------------------------------------------------------------


def test_no_grad_records_nothing():
    x = leaf([1.0, 2.0])
    with autograd.no_grad():
        assert not autograd.is_grad_enabled()
        y = (x * 2).exp().sum()
    assert autograd.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None and y.is_leaf
    with pytest.raises(RuntimeError):
        y.backward()


def test_enable_grad_inside_no_grad():
    x = leaf([1.0])
    with autograd.no_grad():
        with autograd.enable_grad():
            assert (x * 2).requires_grad
        assert not (x * 2).requires_grad


@pytest.mark.parametrize("mode", [True, False])
def test_set_grad_enabled_as_context_manager_and_decorator(mode):
    x = leaf([1.0])
    with autograd.set_grad_enabled(mode):
        assert (x * 2).requires_grad is mode

    @autograd.set_grad_enabled(mode)
    def double(t):
        return t * 2

    assert double(x).requires_grad is mode
    assert autograd.is_grad_enabled()


def test_grad_mode_decorators():
    x = leaf([1.0])

    @autograd.no_grad()
    def no_graph(t):
        assert not autograd.is_grad_enabled()
        return t * 2

    @autograd.enable_grad()
    def with_graph(t):
        return t * 2

    assert not no_graph(x).requires_grad
    with autograd.no_grad():
        assert with_graph(x).requires_grad
    assert no_graph.__name__ == "no_graph"


def test_no_grad_as_a_bare_decorator():
    @autograd.no_grad
    def no_graph(t):
        return t * 2

    assert not no_graph(leaf([1.0])).requires_grad
    assert autograd.is_grad_enabled()


def test_grad_mode_is_restored_after_an_exception():
    with pytest.raises(ValueError):
        with autograd.no_grad():
            raise ValueError("boom")
    assert autograd.is_grad_enabled()

    @autograd.no_grad()
    def fails():
        raise ValueError("boom")

    with pytest.raises(ValueError):
        fails()
    assert autograd.is_grad_enabled()


# ---- hooks and retain_grad -----------------------------------------------------------------------------------------


def test_leaf_hook_reads_the_total_gradient_once():
    x = leaf([1.0, 2.0])
    seen = []
    x.register_hook(lambda g: seen.append(g._data.copy()))
    (x * 2 + x * 3).sum().backward()
    assert len(seen) == 1
    np.testing.assert_allclose(seen[0], [5.0, 5.0])
    np.testing.assert_allclose(x.grad._data, [5.0, 5.0])


def test_a_leaf_hook_keeps_the_gradient_it_was_shown():
    x = leaf([1.0, 2.0])
    seen = []
    x.register_hook(seen.append)
    (x * 3).sum().backward()
    (x * 3).sum().backward()  # accumulates into x.grad, which must not be the array the hook kept
    np.testing.assert_array_equal(seen[0]._data, [3.0, 3.0])
    np.testing.assert_array_equal(x.grad._data, [6.0, 6.0])


def test_hook_replaces_the_gradient():
    x = leaf([1.0, 2.0])
    x.register_hook(lambda g: g * 10)
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad._data, 20 * x._data)


def test_non_leaf_hook_changes_what_flows_upstream():
    x = leaf([1.0, 2.0])
    y = x * 3
    seen = []
    y.register_hook(lambda g: seen.append(g._data.copy()) or g * 0.5)
    (y * y).sum().backward()
    np.testing.assert_allclose(seen[0], 2 * y._data)
    np.testing.assert_allclose(x.grad._data, 0.5 * 2 * y._data * 3)


def test_hook_removal_handle():
    x = leaf([1.0, 2.0])
    calls = []
    remove = x.register_hook(lambda g: calls.append(1) or g * 100)
    (x * 1).sum().backward()
    remove()
    x.grad = None
    (x * 1).sum().backward()
    assert calls == [1]
    np.testing.assert_allclose(x.grad._data, [1.0, 1.0])


def test_hooks_run_in_registration_order():
    x = leaf([1.0])
    x.register_hook(lambda g: g + 1)
    x.register_hook(lambda g: g * 10)
    (x * 1).sum().backward()
    np.testing.assert_allclose(x.grad._data, [20.0])


def test_hooks_apply_to_autograd_grad_like_pytorch():
    x = leaf([1.0, 2.0])
    x.register_hook(lambda g: g * 10)
    y = x * 3
    y.register_hook(lambda g: g * 100)
    gx, gy = autograd.grad((y * y).sum(), [x, y])
    np.testing.assert_allclose(gy._data, 2 * y._data)  # a non-leaf input: the gradient reaching it, before its hooks
    np.testing.assert_allclose(gx._data, 2 * y._data * 100 * 3 * 10)  # a leaf: after its own hooks
    assert x.grad is None


def test_retain_grad_keeps_a_non_leaf_gradient():
    x = leaf([1.0, 2.0])
    y = x * 3
    z = x * 4
    y.retain_grad()
    out = (y * y + z).sum()
    out.backward(retain_graph=True)
    np.testing.assert_allclose(y.grad._data, 2 * y._data)
    assert z.grad is None
    out.backward()
    np.testing.assert_allclose(y.grad._data, 4 * y._data)
    x.retain_grad()  # a leaf already keeps its gradient
    np.testing.assert_allclose(x.grad._data, 2 * (2 * y._data * 3 + 4))


# ---- in-place updates ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "update, expected",
    [
        (lambda p: p.__iadd__(2.0), lambda v: v + 2),
        (lambda p: p.__isub__(autograd.tensor(np.array([1.0, 2.0, 3.0]))), lambda v: v - [1, 2, 3]),
        (lambda p: p.__imul__(np.array([2.0, 3.0, 4.0])), lambda v: v * [2, 3, 4]),
        (lambda p: p.__itruediv__(4), lambda v: v / 4),
        (lambda p: p.add_(1.0, alpha=3), lambda v: v + 3),
        (lambda p: p.zero_(), lambda v: 0 * v),
        (lambda p: p.fill_(1.5), lambda v: 0 * v + 1.5),
        (lambda p: p.copy_(autograd.tensor(np.array([7.0, 8.0, 9.0]))), lambda v: np.array([7.0, 8.0, 9.0])),
        (lambda p: p.__setitem__(slice(0, 2), 0.0) or p, lambda v: np.array([0.0, 0.0, v[2]])),
        (lambda p: p.__setitem__(np.array([True, False, True]), -1.0) or p, lambda v: np.array([-1.0, v[1], -1.0])),
    ],
)
def test_in_place_update_of_a_leaf_under_no_grad(update, expected):
    values = np.array([1.0, 2.0, 3.0])
    p = leaf(values)
    data = p._data
    with autograd.no_grad():
        result = update(p)
    assert result is p
    assert p.is_leaf and p.requires_grad and p.grad_fn is None
    assert p._data is data, "updated in place, in the same buffer"
    np.testing.assert_allclose(p._data, expected(values))


def test_in_place_python_operators_keep_the_tensor_object():
    p = leaf([1.0, 2.0])
    before = p
    with autograd.no_grad():
        p += 1
        p -= 0.5
        p *= 2
        p /= 3
    assert p is before
    np.testing.assert_allclose(p._data, (np.array([1.0, 2.0]) + 1 - 0.5) * 2 / 3)


@pytest.mark.parametrize(
    "update",
    [
        lambda p: p.__iadd__(1),
        lambda p: p.__isub__(1),
        lambda p: p.__imul__(2),
        lambda p: p.__itruediv__(2),
        lambda p: p.zero_(),
        lambda p: p.fill_(3.0),
        lambda p: p.copy_(autograd.ones(2)),
        lambda p: p.__setitem__(0, 5.0),
    ],
)
def test_in_place_update_of_a_leaf_requiring_grad_raises_outside_no_grad(update):
    p = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="leaf"):
        update(p)
    np.testing.assert_array_equal(p._data, [1.0, 2.0])


def test_d2l_hand_written_sgd_matches_numpy():
    rng = np.random.default_rng(0)
    features = rng.standard_normal((20, 2))
    labels = features @ np.array([2.0, -3.4]) + 4.2 + 0.01 * rng.standard_normal(20)
    w = autograd.tensor(rng.normal(0, 0.01, (2, 1)), requires_grad=True)
    b = autograd.zeros(1, dtype=autograd.float64, requires_grad=True)
    w_np, b_np = w._data.copy(), b._data.copy()
    lr, batch_size = 0.03, 10
    w_buffer = w._data
    for _epoch in range(3):
        for start in range(0, 20, batch_size):
            x, y = features[start : start + batch_size], labels[start : start + batch_size].reshape(-1, 1)
            loss = ((autograd.tensor(x) @ w + b - autograd.tensor(y)) ** 2 / 2).sum()
            loss.backward()
            with autograd.no_grad():
                for param in (w, b):
                    param -= lr * param.grad / batch_size
                    param.grad.zero_()
            residual = x @ w_np + b_np - y
            w_np = w_np - lr * (x.T @ residual) / batch_size
            b_np = b_np - lr * residual.sum(axis=0) / batch_size
            np.testing.assert_allclose(w._data, w_np, rtol=1e-12)
            np.testing.assert_allclose(b._data, b_np, rtol=1e-12)
            assert not np.any(w.grad._data) and not np.any(b.grad._data)
    assert w._data is w_buffer and w.is_leaf


def test_in_place_on_a_non_leaf_is_recorded():
    def f(x):
        y = x * 2
        y += x**2
        y *= x
        y -= 1.0
        y /= x.exp()
        y[0] = 3 * x[1]
        return y

    x = leaf([0.5, 1.5, -0.7])
    assert autograd.gradcheck(f, [x])
    assert autograd.gradgradcheck(f, [x])
    y = x * 1
    version = y._version[0]
    y += 1
    assert y._version[0] != version
    assert not y.is_leaf


@pytest.mark.parametrize(
    "use",
    [
        lambda t: t * t,  # Mul saves its inputs
        lambda t: t / 2.0,
        lambda t: t.log(),
        lambda t: t**3,
        lambda t: t @ t,
        lambda t: t.sin(),
    ],
)
@pytest.mark.parametrize(
    "modify",
    [
        lambda t: t.__iadd__(1.0),
        lambda t: t.__imul__(2.0),
        lambda t: t.fill_(1.0),
        lambda t: t.__setitem__(0, 9.0),
    ],
)
def test_modifying_a_saved_tensor_makes_backward_raise(use, modify):
    x = leaf([1.5, 2.5])
    h = x * 1  # a non-leaf, saved by `use`
    out = use(h).sum()
    modify(h)
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        out.backward()


@pytest.mark.parametrize(
    "f",
    [
        lambda x: x * 2,
        lambda x: (x * 2).__imul__(x).__iadd__(1),
        lambda x: (x * 2).__imul__(x).__imul__(x),
        lambda x: (x * 2).__imul__(x * 3).__itruediv__(x.exp()),
    ],
)
def test_successive_in_place_updates_of_a_non_leaf(f):
    def g(x):
        y = f(x)
        y *= y  # the tensor itself as the operand
        y[1:] = y[:-1].clone() * x[1:]  # (y[:-1] * x[1:] would save a view of y, which this update changes)
        return y

    x = leaf([0.5, 1.5, -0.7])
    assert autograd.gradcheck(g, [x])
    assert autograd.gradgradcheck(g, [x])


def test_modifying_a_saved_leaf_under_no_grad_makes_backward_raise():
    w = leaf([1.5, 2.5])
    out = (w * w).sum()
    with autograd.no_grad():
        w -= 0.1
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        out.backward()


@pytest.mark.parametrize("op", ["exp", "tanh", "sigmoid", "relu"])
def test_modifying_a_saved_output_makes_backward_raise(op):
    x = leaf([0.5, 1.0])
    y = getattr(x, op)()  # these save their output, as in PyTorch
    out = y.sum()
    with autograd.no_grad():
        y.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        out.backward()


def test_modifying_a_view_of_a_saved_tensor_makes_backward_raise():
    w = leaf([1.0, 2.0, 3.0])
    out = (w * w).sum()
    view = w.detach()[1:]
    view[0] = 10.0  # writes into w's buffer
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        out.backward()


def test_view_shares_memory_or_raises_as_in_pytorch():
    x = leaf(np.arange(6.0).reshape(2, 3))
    with autograd.no_grad():
        x.view(3, 2)[0, 0] = 7.0  # a view writes through to its base
    assert x._data[0, 0] == 7.0
    assert x.view_as(leaf(np.zeros(6))).shape == (6,)
    with pytest.raises(RuntimeError, match=r"view size is not compatible .*Use \.reshape"):
        x.T.view(-1)
    with pytest.raises(RuntimeError, match="view size is not compatible"):
        x.T.view_as(leaf(np.zeros(6)))
    np.testing.assert_array_equal(x.T.reshape(-1)._data, x._data.T.reshape(-1))  # reshape copies instead


def test_an_in_place_update_of_a_reshaped_copy_leaves_its_input_alone():
    x = leaf([[1.0, 2.0], [3.0, 4.0]])
    h = x * 1
    out = (h * h).sum()  # saves h
    copy = h.T.reshape(-1)  # not contiguous: a copy, with its own version counter
    copy += 1
    out.backward()
    np.testing.assert_allclose(x.grad._data, 2 * x._data)
    assert h._data[0, 1] == 2.0


OPS_TO_MODIFY_AROUND = {
    "exp": lambda h: h.exp(),
    "log": lambda h: h.log(),
    "sqrt": lambda h: h.sqrt(),
    "sin": lambda h: h.sin(),
    "tanh": lambda h: h.tanh(),
    "sigmoid": lambda h: h.sigmoid(),
    "relu": lambda h: h.relu(),
    "abs": lambda h: h.abs(),
    "square": lambda h: h * h,
    "scale": lambda h: h * 2,
    "shift": lambda h: h + 1,
    "reciprocal": lambda h: 1 / h,
    "pow": lambda h: h**3,
    "softmax": lambda h: h.softmax(dim=0),
    "norm": lambda h: h.norm(),
    "std": lambda h: h.std() * h,
    "slice": lambda h: h[1:] * h[:-1],
    "reshape": lambda h: h.reshape(2, 2) @ h.reshape(2, 2),
    "expand": lambda h: h.expand(2, 4) * h,
    "max": lambda h: h.max() * h,
    "cat": lambda h: autograd.cat([h, h * h]),
}


def _modify(kind, x, h, y):
    if kind == "leaf_sgd_step":
        with autograd.no_grad():
            x -= 0.1
    elif kind == "input_no_grad":
        with autograd.no_grad():
            h += 1
    elif kind == "input_recorded":
        h *= 2
    elif kind == "input_setitem":
        with autograd.no_grad():
            h[0] = 5.0
    elif kind == "input_through_detached_view":
        h.detach()[1:3].fill_(3.0)
    elif kind == "output_no_grad":
        with autograd.no_grad():
            y.mul_(2)
    elif kind == "output_recorded":
        y += 1
    elif kind == "output_zero":
        with autograd.no_grad():
            y.zero_()


@settings(max_examples=200)
@given(
    st.sampled_from(sorted(OPS_TO_MODIFY_AROUND)),
    st.sampled_from(
        [
            "leaf_sgd_step",
            "input_no_grad",
            "input_recorded",
            "input_setitem",
            "input_through_detached_view",
            "output_no_grad",
            "output_recorded",
            "output_zero",
        ]
    ),
    arrays((4,), st.floats(0.2, 2.0)),
)
def test_in_place_modification_never_gives_a_wrong_gradient(name, kind, values):
    op = OPS_TO_MODIFY_AROUND[name]

    def backward(out):  # out = y + 0 saves nothing itself: only y's own node can object to a change
        out.backward(autograd.tensor(np.linspace(-1.0, 2.0, out.numel()).reshape(out.shape)))

    reference = leaf(values)
    backward(op(reference * 1.5) + 0.0)

    x = leaf(values)
    h = x * 1.5
    y = op(h)
    out = y + 0.0
    _modify(kind, x, h, y)
    try:
        backward(out)
    except RuntimeError as err:
        assert "modified by an in-place operation" in str(err)
        return
    np.testing.assert_allclose(x.grad._data, reference.grad._data, rtol=1e-12, atol=1e-12)


def test_modifying_a_tensor_not_saved_by_the_graph_is_fine():
    x = leaf([1.0, 2.0])
    h = x * 1
    out = (h + 1).sum()  # Add saves nothing
    with autograd.no_grad():
        h += 5
    out.backward()
    np.testing.assert_allclose(x.grad._data, [1.0, 1.0])


def test_view_of_a_non_leaf_sees_an_in_place_update_of_its_base():
    x = leaf([1.0, 2.0, 3.0])
    y = x * 1
    view = y[:2]
    y *= 2
    np.testing.assert_allclose(view._data, [2.0, 4.0])
    view.sum().backward()  # the view's history is replayed from its base's new one
    np.testing.assert_allclose(x.grad._data, [2.0, 2.0, 0.0])


# ---- .grad buffers are private -----------------------------------------------------------------------------------


GRAPHS = {
    "add": lambda a, b: a + b,
    "add_reshape": lambda a, b: (a.reshape(2, 1) + b.reshape(2, 1)).reshape(2),
    "sub": lambda a, b: a - b,
    "expand": lambda a, b: a.expand(3, 2) + b,
    "cat": lambda a, b: autograd.cat([a, b]),
    "stack": lambda a, b: autograd.stack([a, b]),
    "index": lambda a, b: a[:] + b[...],
    "where": lambda a, b: autograd.where(autograd.tensor([True, False]), a, b),
    "same_leaf_twice": lambda a, b: a + a + b,
    "permute": lambda a, b: (a.reshape(1, 2).T + b.reshape(1, 2).T).sum(),
}


@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_grad_buffers_are_not_aliased_between_leaves(name):
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    out = GRAPHS[name](a, b)
    gradient = autograd.tensor(np.ones(out.shape))
    out.backward(gradient)
    b_grad = b.grad._data.copy()
    a.grad.zero_()
    np.testing.assert_array_equal(b.grad._data, b_grad)
    a.grad._data += 5
    np.testing.assert_array_equal(b.grad._data, b_grad)
    np.testing.assert_array_equal(gradient._data, np.ones(out.shape))
    b.grad.zero_()
    assert np.all(a.grad._data >= 5)


def test_grad_buffer_is_not_the_gradient_passed_to_backward():
    x = leaf([1.0, 2.0])
    gradient = autograd.tensor(np.array([1.0, 1.0]))
    (x * 1).backward(gradient)
    x.grad.zero_()
    np.testing.assert_array_equal(gradient._data, [1.0, 1.0])
    x.grad = None
    x.backward(gradient)
    x.grad._data[0] = 50
    np.testing.assert_array_equal(gradient._data, [1.0, 1.0])


@given(st.data())
def test_grad_has_the_shape_and_dtype_of_its_leaf(data):
    shape_a, shape_b = data.draw(shapes(max_dims=2)), data.draw(shapes(max_dims=2))
    dtype = data.draw(st.sampled_from([np.float32, np.float64]))
    a = autograd.tensor(data.draw(arrays(shape_a)).astype(dtype), requires_grad=True)
    b = autograd.tensor(data.draw(arrays(shape_b)).astype(dtype), requires_grad=True)
    (a.sum() * b.sum()).backward()
    assert a.grad.shape == a.shape and a.grad.dtype == dtype
    assert b.grad.shape == b.shape and b.grad.dtype == dtype


def test_gradients_have_their_inputs_dtype_in_a_mixed_precision_graph():
    x = autograd.tensor([1.0, 2.0], requires_grad=True)  # float32
    h = x.exp()
    y = h * np.array([0.5, 2.0])  # a float64 operand promotes the rest of the graph
    assert y.dtype == np.float64
    gx, gh = autograd.grad((y**2).sum(), [x, h], retain_graph=True)
    assert gx.dtype == np.float32 and gh.dtype == np.float32
    np.testing.assert_allclose(gh._data, 2 * h._data * np.array([0.25, 4.0]), rtol=1e-6)
    (y**2).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad._data, gx._data)


class _KeepsItsGradient(Function):
    """A user-defined identity whose backward returns an array it keeps (allowed: it is the Function's own)."""

    def forward(self, x):
        self.kept = np.ones_like(x)
        return x.copy()

    def backward(self, g):
        self.kept[...] = g
        return (self.kept,)


def test_a_user_function_s_gradient_is_never_reused_in_place():
    x = leaf([-1.0, 2.0, -3.0])
    y = _KeepsItsGradient.apply(x)
    node = y.grad_fn
    (y * 3).sum().backward()
    np.testing.assert_array_equal(x.grad._data, [3.0, 3.0, 3.0])
    x.grad.zero_()  # the leaf's .grad is a copy: the Function's array is untouched
    np.testing.assert_array_equal(node.kept, [3.0, 3.0, 3.0])
    z = leaf([-1.0, 2.0, -3.0])
    w = _KeepsItsGradient.apply(z * 1.0)
    keeper = w.grad_fn
    (w * 3).sum().backward()  # Mul's backward of the kept array must not overwrite it
    np.testing.assert_array_equal(keeper.kept, [3.0, 3.0, 3.0])
    np.testing.assert_array_equal(z.grad._data, [3.0, 3.0, 3.0])


def test_built_in_operations_give_their_gradients_away_and_user_ones_can_opt_in():
    assert autograd.ops.arithmetic.Mul.fresh_gradients
    assert not _KeepsItsGradient.fresh_gradients

    class Fresh(Function):
        fresh_gradients = True

    assert Fresh.fresh_gradients
