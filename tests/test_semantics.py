"""The engine's semantics as PyTorch defines them: saved tensors, higher order, views and in-place updates.

Each test is a small program written against a library `L` and run with `L = autograd`; where torch is installed
it also runs with `L = torch`, and both must give the same values (and the same graph/no-graph answers).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from strategies import arrays, away_from_zero

import autograd

HAVE_TORCH = importlib.util.find_spec("torch") is not None


def values(result: Any) -> Any:
    """A program's result as plain Python/numpy values, comparable across the two libraries."""
    if isinstance(result, (tuple, list)):
        return [values(r) for r in result]
    if result is None or isinstance(result, (bool, str, int, float)):
        return result
    if hasattr(result, "detach"):
        return np.asarray(result.detach().numpy(), dtype=np.float64)
    return result


def same_as_torch(program: Callable[[Any], Any]) -> Any:
    """Run `program(autograd)`, and `program(torch)` when torch is present: their results must agree."""
    ours = values(program(autograd))
    if HAVE_TORCH:
        import torch

        theirs = values(program(torch))
        _assert_same(ours, theirs)
    return ours


def _assert_same(ours: Any, theirs: Any) -> None:
    if isinstance(theirs, list):
        assert isinstance(ours, list) and len(ours) == len(theirs), (ours, theirs)
        for a, b in zip(ours, theirs):
            _assert_same(a, b)
    elif isinstance(theirs, np.ndarray):
        np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-6)
    else:
        assert ours == theirs, (ours, theirs)


# ---- saved values are found by position ---------------------------------------------------------------------------
def test_second_derivative_sees_only_the_attached_factor():
    def program(L):
        x = L.tensor(2.0, requires_grad=True)
        (g,) = L.autograd.grad(x.detach() * x * x, [x], create_graph=True)
        return g, L.autograd.grad(g, [x])[0]

    g, gg = same_as_torch(program)
    np.testing.assert_allclose(gg, 2 * 2.0)  # d/dx (2 x0 x) = 2 x0: the detached factor is a constant


def test_gradient_through_a_detached_factor_has_no_graph():
    def program(L):
        x = L.tensor(2.0, requires_grad=True)
        (g,) = L.autograd.grad(x.detach() * x, [x], create_graph=True)
        return g, g.requires_grad, g.grad_fn is None

    g, requires_grad, no_fn = same_as_torch(program)
    assert not requires_grad and no_fn


def test_a_function_that_declares_no_saves_cannot_be_differentiated_twice():
    class Square(autograd.Function):
        def forward(self, x):
            self.saved = (x,)
            return x * x

        def backward(self, g):
            (x,) = self.saved
            return (2 * g * x,)

    x = autograd.tensor(3.0, requires_grad=True)
    y = Square.apply(x)
    y.backward(retain_graph=True)  # first order works: the engine checks every input's version
    assert x.grad.item() == 6.0
    with pytest.raises(RuntimeError, match="Square.saves"):
        autograd.grad(y, [x], create_graph=True)


def test_saves_names_the_output():
    class Cube(autograd.Function):
        saves = (0, autograd.function.OUTPUT)

        def forward(self, x):
            out = x * x * x
            self.saved = (x, out)
            return out

        def backward(self, g):
            x, out = self.saved
            return (3 * g * out / x,)

    x = autograd.tensor(2.0, requires_grad=True, dtype=autograd.float64)
    (g,) = autograd.grad(Cube.apply(x), [x], create_graph=True)
    (gg,) = autograd.grad(g, [x])
    np.testing.assert_allclose(g.item(), 3 * 2.0**2)
    np.testing.assert_allclose(gg.item(), 6 * 2.0)


# ---- create_graph -------------------------------------------------------------------------------------------------
def test_grad_outputs_keep_their_graph_under_create_graph():
    def program(L):
        x = L.tensor([1.0, 2.0], requires_grad=True)
        v = L.tensor([3.0, 4.0], requires_grad=True)
        (g,) = L.autograd.grad(x * x, x, v, create_graph=True)
        return g, L.autograd.grad(g.sum(), v)

    g, (gv,) = same_as_torch(program)
    np.testing.assert_allclose(gv, 2 * np.array([1.0, 2.0]))


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True")
def test_each_leaf_has_its_own_grad_after_create_graph():
    def program(L):
        x = L.tensor(1.0, requires_grad=True)
        y = L.tensor(1.0, requires_grad=True)
        (x + y).backward(create_graph=True)
        shared = x.grad is y.grad
        (x + y).backward()
        return x.grad, y.grad, shared

    gx, gy, shared = same_as_torch(program)
    assert gx == gy == 2.0 and not shared


@pytest.mark.parametrize(
    "reduce",
    [lambda t: t.sum(), lambda t: t.mean(), lambda t: t[0].expand(3).sum(), lambda t: t.expand(2, 2).sum()],
    ids=["sum", "mean", "expand_index", "expand"],
)
@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True")
def test_backward_after_a_create_graph_backward(reduce):
    def program(L):
        x = L.tensor([1.0, 2.0], requires_grad=True)
        reduce(x).backward(create_graph=True)
        reduce(x * 2).backward()
        return x.grad

    same_as_torch(program)


def test_second_backward_through_a_graph_that_saved_nothing():
    def program(L):
        x = L.tensor([1.0, 2.0], requires_grad=True)
        y = (x + 1).sum()
        y.backward()
        y.backward()
        return x.grad

    np.testing.assert_allclose(same_as_torch(program), [2.0, 2.0])


def test_second_backward_through_saved_values_still_raises():
    x = autograd.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()


# ---- autograd.grad runs only what the requested inputs need ---------------------------------------------------------
def test_grad_runs_only_the_nodes_between_outputs_and_inputs():
    calls = []

    class Spy(autograd.Function):
        """The identity, recording each input's gradient it was asked for."""

        def forward(self, x, name):
            self.name = name
            return x

        def backward(self, g):
            calls.append((self.name, self.needs_grad(0)))
            return (g,)

    rng = np.random.default_rng(0)
    x = autograd.tensor(rng.normal(size=(4, 3)))
    w1 = autograd.tensor(rng.normal(size=(3, 5)), requires_grad=True)
    w2 = autograd.tensor(rng.normal(size=(5, 2)), requires_grad=True)
    h = (x @ Spy.apply(w1, name="w1")).relu()
    loss = (h @ Spy.apply(w2, name="w2")).sum()
    (gh,) = autograd.grad(loss, [h], retain_graph=True)
    assert calls == []  # neither weight's gradient was computed: only the path loss -> h ran
    np.testing.assert_allclose(gh._data, np.broadcast_to(w2._data.sum(axis=1), (4, 5)))
    gw1, gh2 = autograd.grad(loss, [w1, h])
    assert calls == [("w1", True)]
    np.testing.assert_allclose(gh2._data, gh._data)
    assert w1.grad is None and w2.grad is None


# ---- errors inside forward ----------------------------------------------------------------------------------------
def test_a_shape_error_in_forward_names_the_operation_and_chains_numpy_s():
    with pytest.raises(ValueError, match=r"add: invalid input shapes \(2,\) and \(3,\)") as info:
        autograd.tensor([1.0, 2.0], requires_grad=True) + autograd.tensor([1.0, 2.0, 3.0])
    assert isinstance(info.value.__cause__, ValueError)


def test_other_value_errors_in_forward_pass_through_unchanged():
    class Picky(autograd.Function):
        def forward(self, x):
            raise ValueError("x must be sorted")

    with pytest.raises(ValueError, match="^x must be sorted$"):
        Picky.apply(autograd.tensor([2.0, 1.0]))


# ---- advanced indexing copies ------------------------------------------------------------------------------------


@pytest.mark.parametrize("index", [[0, 1], np.array([True, False, True])], ids=["integers", "mask"])
def test_advanced_indexing_is_a_copy_so_a_later_update_of_the_base_is_fine(index):
    def program(L):
        y = L.tensor([1.0, 2.0, 3.0], requires_grad=True)
        h = y * 1.0
        z = h[L.tensor(index)] if isinstance(index, np.ndarray) else h[index]
        w = (z * z).sum()
        with L.no_grad():
            h += 10
        w.backward()
        return z, y.grad

    same_as_torch(program)


def test_basic_indexing_is_a_view_so_a_later_update_of_the_base_raises():
    def program(L):
        y = L.tensor([1.0, 2.0, 3.0], requires_grad=True)
        h = y * 1.0
        w = (h[0:2] * h[0:2]).sum()
        with L.no_grad():
            h += 10
        with pytest.raises(RuntimeError, match="modified by an in-?place operation"):
            w.backward()
        return True

    same_as_torch(program)


def test_view_of_an_advanced_index_result_works():
    same_as_torch(lambda L: L.arange(6.0).reshape(2, 3)[[1, 0]].view(3, 2) * 2)


# ---- memory after backward -----------------------------------------------------------------------------------------


def _mlp_step(net, loss_fn, x, y):
    loss = loss_fn(net(x), y)
    net.zero_grad()
    loss.backward()
    return loss


def test_a_freeing_backward_lets_go_of_every_array_it_used():
    import weakref

    import nn

    net = nn.Sequential(nn.Linear(20, 8), nn.ReLU(), nn.Dropout(0.5), nn.Linear(8, 3))
    x = autograd.randn(16, 20)
    batch = weakref.ref(x._data)
    hidden = net[0](x)
    activation = weakref.ref(hidden._data)
    loss = nn.CrossEntropyLoss()(net[3](net[2](net[1](hidden))), autograd.tensor(np.arange(16) % 3))
    loss.backward()
    del x, hidden
    assert batch() is None and activation() is None  # the kept loss's nodes hold neither
    assert loss.grad_fn is not None  # the structure stays, for viz


def test_keeping_every_loss_costs_a_small_bounded_amount_per_step():
    import gc
    import tracemalloc

    import nn

    net = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Dropout(0.5), nn.Linear(256, 10))
    loss_fn, losses = nn.CrossEntropyLoss(), []
    x, y = autograd.randn(256, 784), autograd.tensor(np.arange(256) % 10)
    for _ in range(3):
        losses.append(_mlp_step(net, loss_fn, x, y))
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(20):
            losses.append(_mlp_step(net, loss_fn, x, y))
        gc.collect()
        per_step = (tracemalloc.get_traced_memory()[0] - before) / 20
    finally:
        tracemalloc.stop()
    hidden_bytes = 256 * 256 * 4  # one hidden activation; each node's inputs and masks kept several
    assert per_step < hidden_bytes / 2, per_step


def test_dropout_frees_its_mask_so_a_second_backward_raises_as_in_pytorch():
    import nn.functional as F

    x = autograd.ones(4, requires_grad=True)
    y = (F.dropout(x, 0.5) * 1.0).sum()
    y.backward(retain_graph=True)
    y.backward()  # retained: runs again
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


# ---- narrow and unbind are views -----------------------------------------------------------------------------------


def test_narrow_and_unbind_share_memory_and_see_an_update_of_their_base():
    def program(L):
        base = L.arange(6.0).reshape(2, 3)
        narrowed, (row, _) = base.narrow(1, -2, 2), base.unbind(0)
        base.add_(10.0)
        return narrowed, row

    same_as_torch(program)


@pytest.mark.parametrize(
    "call",
    [lambda x: x.narrow(1, 3, 2), lambda x: x.narrow(1, 1, -1), lambda x: x.narrow(5, 0, 1), lambda x: x.unbind(2)],
    ids=["past_the_end", "negative_length", "bad_dim", "unbind_bad_dim"],
)
def test_narrow_and_unbind_refuse_what_pytorch_refuses(call):
    with pytest.raises((RuntimeError, IndexError)) as ours:
        call(autograd.ones(3, 4))
    if HAVE_TORCH:
        import torch

        with pytest.raises(type(ours.value)):
            call(torch.ones(3, 4))


# ---- an in-place update of a view writes through to its base, in values and gradients (CopySlices) ----------------
def test_in_place_update_of_a_view_reaches_the_base_and_its_gradient():
    def program(L):
        x = L.tensor([1.0, 2.0, 3.0], requires_grad=True)
        h = x * 1.0
        h[0:2].mul_(10.0)
        h.sum().backward()
        return h, x.grad

    same_as_torch(program)


def test_views_see_an_in_place_update_of_their_base_and_differentiate_through_it():
    def program(L):
        x = L.tensor([1.0, 2.0, 3.0], requires_grad=True)
        h = x * 1.0
        v = h[0:2]
        h += 1
        h.mul_(x)
        (v * L.tensor([1.0, 10.0])).sum().backward()
        return v, x.grad

    same_as_torch(program)


def test_updating_a_view_of_a_tensor_without_grad_makes_the_base_require_grad():
    def program(L):
        x = L.tensor([1.0, 2.0, 3.0], requires_grad=True)
        t = L.zeros(3)
        sibling = t[1:3]
        v = t[0:2]
        v += x[0:2]
        (t.sum() + 10 * sibling.sum()).backward()
        return t, t.requires_grad, sibling.requires_grad, x.grad

    same_as_torch(program)


def test_update_through_a_chain_of_views():
    def program(L):
        x = L.tensor([1.0, 2.0], requires_grad=True)
        w = L.zeros(2, 3)
        column = w.t()[1]
        column.add_(x)
        column.mul_(x)
        (w * L.arange(6.0).reshape(2, 3)).sum().backward()
        return w, x.grad

    same_as_torch(program)


def test_a_detached_alias_sees_the_update():
    def program(L):
        x = L.tensor([1.0, 2.0, 3.0], requires_grad=True)
        h = x * 1.0
        alias = h.detach()
        h.mul_(2.0)
        return alias

    same_as_torch(program)


@pytest.mark.parametrize(
    ("program", "message"),
    [
        (lambda L: L.tensor([1.0, 2.0], requires_grad=True)[0:1].mul_(2.0), "a view of a leaf Variable"),
        (lambda L: (L.tensor([1.0, 2.0], requires_grad=True) * 1).expand(3, 2).add_(1.0), "more than one element"),
        (lambda L: L.zeros(2).expand(3, 2).add_(1.0), "more than one element"),
    ],
    ids=["view_of_a_leaf", "expanded", "expanded_without_grad"],
)
def test_in_place_updates_pytorch_refuses(program, message):
    with pytest.raises(RuntimeError, match=message):
        program(autograd)
    if HAVE_TORCH:
        import torch

        with pytest.raises(RuntimeError, match=message):
            program(torch)


def test_a_view_made_under_no_grad_cannot_be_updated_with_grad_mode_on():
    x = autograd.tensor([1.0, 2.0, 3.0], requires_grad=True)
    t = autograd.zeros(3)
    with autograd.no_grad():
        v = t[0:2]
    with pytest.raises(RuntimeError, match="created in no_grad mode"):
        v += x[0:2]
    np.testing.assert_array_equal(t._data, [0.0, 0.0, 0.0])  # refused: nothing written


def test_a_view_made_under_no_grad_refuses_backward_after_its_base_changed():
    x = autograd.tensor([1.0, 2.0, 3.0], requires_grad=True)
    h = x * 1.0
    with autograd.no_grad():
        v = h[0:2]
    h.mul_(2.0)
    np.testing.assert_array_equal(v._data, [2.0, 4.0])
    with pytest.raises(RuntimeError, match="created in no_grad mode"):
        v.sum().backward()


def _view_chains():
    """(base shape, [view steps]): basic slices, integer selects, transposes and unsqueezes, as PyTorch has them."""

    @st.composite
    def chain(draw):
        shape = draw(st.lists(st.integers(1, 4), min_size=1, max_size=3))
        steps, current = [], list(shape)
        for _ in range(draw(st.integers(1, 3))):
            kinds = ["slice", "unsqueeze"] + (["select", "t"] if len(current) > 1 else [])
            kind = draw(st.sampled_from(kinds))
            if kind == "slice":
                d = draw(st.integers(0, len(current) - 1))
                start = draw(st.integers(0, current[d] - 1))
                stop = draw(st.integers(start + 1, current[d]))
                step = draw(st.integers(1, 2))
                steps.append(("slice", d, start, stop, step))
                current[d] = len(range(start, stop, step))
            elif kind == "select":
                d = draw(st.integers(0, len(current) - 1))
                steps.append(("select", d, draw(st.integers(0, current[d] - 1))))
                del current[d]
            elif kind == "t":
                a, b = draw(st.permutations(range(len(current))))[:2]
                steps.append(("t", a, b))
                current[a], current[b] = current[b], current[a]
            else:
                d = draw(st.integers(0, len(current)))
                steps.append(("unsqueeze", d))
                current.insert(d, 1)
        return tuple(shape), steps, tuple(current)

    return chain()


def _apply_steps(x, steps):
    for step in steps:
        if step[0] == "slice":
            _, d, start, stop, by = step
            x = x[(slice(None),) * d + (slice(start, stop, by),)]
        elif step[0] == "select":
            x = x.select(step[1], step[2])
        elif step[0] == "t":
            x = x.transpose(step[1], step[2])
        else:
            x = x.unsqueeze(step[1])
    return x


IN_PLACE = {
    "add_": (lambda v, y: v.add_(y), lambda v, y: v + y),
    "sub_": (lambda v, y: v.sub_(y), lambda v, y: v - y),
    "mul_": (lambda v, y: v.mul_(y), lambda v, y: v * y),
    "div_": (lambda v, y: v.div_(y), lambda v, y: v / y),
    "copy_": (lambda v, y: v.copy_(y), lambda v, y: y + 0 * v),
    "setitem": (lambda v, y: v.__setitem__(..., y), lambda v, y: y + 0 * v),
    "scalar_mul_": (lambda v, y: v.mul_(3.0), lambda v, y: v * 3.0),
}


@settings(deadline=None)
@given(chain=_view_chains(), op=st.sampled_from(sorted(IN_PLACE)), base_grad=st.booleans(), data=st.data())
def test_any_in_place_update_of_any_view_equals_the_out_of_place_computation(chain, op, base_grad, data):
    """Values and gradients of `view.op_(y)` equal those of the base rebuilt out of place (index_put of op(view, y)
    at the view's elements), and PyTorch's float64 where it is installed."""
    shape, steps, view_shape = chain
    assume(base_grad or op != "scalar_mul_")  # else nothing requires grad
    x0 = data.draw(arrays(shape, elements=away_from_zero()))
    y0 = data.draw(arrays(view_shape, elements=away_from_zero()))
    w0 = data.draw(arrays(shape))
    in_place, out_of_place = IN_PLACE[op]

    def program(L):
        x = L.tensor(x0, requires_grad=True)
        y = L.tensor(y0, requires_grad=True)
        base = x * 1.0 if base_grad else L.tensor(x0)
        view = _apply_steps(base, steps)
        in_place(view, y)
        (base * L.tensor(w0)).sum().backward()
        return base, view, x.grad if base_grad else None, y.grad

    ours = same_as_torch(program)
    x = autograd.tensor(x0, requires_grad=True)
    y = autograd.tensor(y0, requires_grad=True)
    start = x * 1.0 if base_grad else autograd.tensor(x0)
    where = _apply_steps(autograd.arange(x0.size).reshape(shape), steps)._data.reshape(-1)  # the view's elements
    flat = start.reshape(-1)
    updated = out_of_place(flat[where].reshape(view_shape), y)
    rebuilt = autograd.ops.index_put(flat, (where,), updated.reshape(-1)).reshape(shape)
    (rebuilt * autograd.tensor(w0)).sum().backward()
    np.testing.assert_allclose(ours[0], rebuilt._data, rtol=1e-12)
    np.testing.assert_allclose(ours[1], updated._data, rtol=1e-12)
    if base_grad:
        np.testing.assert_allclose(ours[2], x.grad._data, rtol=1e-12)
    if y.grad is None:
        assert ours[3] is None
    else:
        np.testing.assert_allclose(ours[3], y.grad._data, rtol=1e-12)


def _forward_ad(L):
    """The forward-mode module of `L`: torch's forward_ad, or autograd.forward (same names)."""
    if L is autograd:
        import autograd.forward as fw

        return fw
    import torch.autograd.forward_ad as fw

    return fw


@settings(deadline=None)
@given(
    chain=_view_chains(),
    op=st.sampled_from(sorted(IN_PLACE)),
    base_tangent=st.booleans(),
    recorded=st.booleans(),
    data=st.data(),
)
def test_tangents_of_a_base_and_all_its_views_follow_an_in_place_update_of_one_view(
    chain, op, base_tangent, recorded, data
):
    """Forward mode: after `view.op_(y)`, the base's tangent has the update's tangent in the view's region, and a
    sibling view (the whole base, made before the update) sees it too, as in PyTorch, whether or not a graph is
    recorded; the tangents equal those of the base rebuilt out of place."""
    shape, steps, view_shape = chain
    assume(base_tangent or op != "scalar_mul_")  # else no tangent anywhere
    x0, tx = data.draw(arrays(shape, elements=away_from_zero())), data.draw(arrays(shape))
    y0, ty = data.draw(arrays(view_shape, elements=away_from_zero())), data.draw(arrays(view_shape))
    in_place, out_of_place = IN_PLACE[op]

    def program(L):
        fw = _forward_ad(L)
        with fw.dual_level():
            x = fw.make_dual(L.tensor(x0, requires_grad=recorded), L.tensor(tx))
            y = fw.make_dual(L.tensor(y0), L.tensor(ty))
            base = x * 1.0 if base_tangent else L.tensor(x0)
            sibling = base.unsqueeze(0)
            view = _apply_steps(base, steps)
            in_place(view, y)
            return [fw.unpack_dual(t).tangent for t in (base, view, sibling)]

    ours = same_as_torch(program)
    with autograd.forward.dual_level():
        x = autograd.forward.make_dual(autograd.tensor(x0), autograd.tensor(tx))
        y = autograd.forward.make_dual(autograd.tensor(y0), autograd.tensor(ty))
        flat = (x * 1.0 if base_tangent else autograd.tensor(x0)).reshape(-1)
        where = _apply_steps(autograd.arange(x0.size).reshape(shape), steps)._data.reshape(-1)
        updated = out_of_place(flat[where].reshape(view_shape), y)
        rebuilt = autograd.ops.index_put(flat, (where,), updated.reshape(-1)).reshape(shape)
        expected = autograd.forward.unpack_dual(rebuilt).tangent._data
    np.testing.assert_allclose(ours[0], expected, rtol=1e-12)
    np.testing.assert_allclose(ours[2], expected[None], rtol=1e-12)
