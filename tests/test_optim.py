"""Tests of optim: each update rule against an independent step-by-step computation and against PyTorch,
parameter groups, zero_grad, state dicts, and the learning-rate schedules."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd
import nn
import optim
from optim import lr_scheduler

STEPS = 50
RNG = np.random.default_rng(0)
A, B = RNG.normal(size=(20, 6)), RNG.normal(size=20)
W0 = RNG.normal(size=6)


def gradient(w):
    """The gradient of the least-squares loss 0.5 * mean((A w - B)^2), by hand."""
    return A.T @ (A @ w - B) / len(B)


def run_ours(name, options, steps=STEPS):
    w = nn.Parameter(W0.copy())
    opt = getattr(optim, name)([w], **options)
    for _ in range(steps):
        opt.zero_grad()
        residual = autograd.tensor(A) @ w - autograd.tensor(B)
        (0.5 * (residual * residual).mean()).backward()
        opt.step()
    return w._data


# ---- independent step-by-step computations, following the algorithms as PyTorch documents them ----------
def reference_sgd(lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False, steps=STEPS):
    w, buf = W0.copy(), None
    for _ in range(steps):
        g = gradient(w) + weight_decay * w
        if momentum:
            buf = g.copy() if buf is None else momentum * buf + (1 - dampening) * g
            g = g + momentum * buf if nesterov else buf
        w = w - lr * g
    return w


def reference_adagrad(lr=1e-2, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0, eps=1e-10, steps=STEPS):
    w, total = W0.copy(), np.full(6, initial_accumulator_value)
    for t in range(1, steps + 1):
        g = gradient(w) + weight_decay * w
        total = total + g * g
        w = w - lr / (1 + (t - 1) * lr_decay) * g / (np.sqrt(total) + eps)
    return w


def reference_rmsprop(lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False, steps=STEPS):
    w, v, mean, buf = W0.copy(), np.zeros(6), np.zeros(6), np.zeros(6)
    for _ in range(steps):
        g = gradient(w) + weight_decay * w
        v = alpha * v + (1 - alpha) * g * g
        denominator = v
        if centered:
            mean = alpha * mean + (1 - alpha) * g
            denominator = v - mean * mean
        step = g / (np.sqrt(denominator) + eps)
        if momentum > 0:
            buf = momentum * buf + step
            step = buf
        w = w - lr * step
    return w


def reference_adam(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False, decoupled=False,
                   steps=STEPS):  # fmt: skip
    w, m, v, v_max = W0.copy(), np.zeros(6), np.zeros(6), np.zeros(6)
    for t in range(1, steps + 1):
        g = gradient(w)
        if decoupled:
            w = w * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * w
        m = betas[0] * m + (1 - betas[0]) * g
        v = betas[1] * v + (1 - betas[1]) * g * g
        v_max = np.maximum(v_max, v)
        v_hat = (v_max if amsgrad else v) / (1 - betas[1] ** t)
        w = w - lr * (m / (1 - betas[0] ** t)) / (np.sqrt(v_hat) + eps)
    return w


def reference(name, options):
    if name == "AdamW":
        return reference_adam(**{"weight_decay": 1e-2, **options}, decoupled=True)
    return {"SGD": reference_sgd, "Adagrad": reference_adagrad, "RMSprop": reference_rmsprop, "Adam": reference_adam}[
        name
    ](**options)


CASES = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.05, "momentum": 0.9}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.3, "weight_decay": 0.1}),
    ("SGD", {"lr": 0.05, "momentum": 0.8, "nesterov": True, "weight_decay": 0.01}),
    ("Adagrad", {"lr": 0.1}),
    ("Adagrad", {"lr": 0.3, "lr_decay": 0.05, "weight_decay": 0.1, "initial_accumulator_value": 0.5, "eps": 1e-6}),
    ("RMSprop", {"lr": 0.01}),
    ("RMSprop", {"lr": 0.01, "alpha": 0.9, "momentum": 0.5, "weight_decay": 0.1}),
    ("RMSprop", {"lr": 0.005, "alpha": 0.95, "centered": True, "momentum": 0.3}),
    ("Adam", {"lr": 0.05}),
    ("Adam", {"lr": 0.05, "betas": (0.8, 0.99), "weight_decay": 0.1, "eps": 1e-6}),
    ("Adam", {"lr": 0.05, "amsgrad": True}),
    ("AdamW", {"lr": 0.05}),
    ("AdamW", {"lr": 0.05, "weight_decay": 0.3, "amsgrad": True}),
]


@pytest.mark.parametrize(("name", "options"), CASES)
def test_update_rule_matches_the_step_by_step_computation(name, options):
    np.testing.assert_allclose(run_ours(name, options), reference(name, options), rtol=0, atol=1e-10)


@pytest.mark.parametrize(("name", "options"), CASES)
def test_update_rule_matches_pytorch_after_50_steps(name, options):
    torch = pytest.importorskip("torch")
    w = torch.tensor(W0.copy(), requires_grad=True)
    opt = getattr(torch.optim, name)([w], **options)
    a, b = torch.tensor(A), torch.tensor(B)
    for _ in range(STEPS):
        opt.zero_grad()
        (0.5 * ((a @ w - b) ** 2).mean()).backward()
        opt.step()
    np.testing.assert_allclose(run_ours(name, options), w.detach().numpy(), rtol=0, atol=1e-10)


@given(
    lr=st.floats(1e-4, 0.2),
    momentum=st.sampled_from([0.0, 0.5, 0.9]),
    weight_decay=st.sampled_from([0.0, 1e-3, 0.1]),
    beta1=st.floats(0.0, 0.95),
    beta2=st.floats(0.5, 0.999),
    flag=st.booleans(),
)
def test_every_rule_matches_the_reference_for_random_options(lr, momentum, weight_decay, beta1, beta2, flag):
    cases = [
        ("SGD", {"lr": lr, "momentum": momentum, "weight_decay": weight_decay, "nesterov": flag and momentum > 0}),
        ("Adagrad", {"lr": lr, "weight_decay": weight_decay, "lr_decay": 0.01 if flag else 0.0}),
        ("RMSprop", {"lr": lr / 10, "alpha": beta2, "momentum": momentum, "centered": flag}),
        ("Adam", {"lr": lr, "betas": (beta1, beta2), "weight_decay": weight_decay, "amsgrad": flag}),
        ("AdamW", {"lr": lr, "betas": (beta1, beta2), "weight_decay": weight_decay, "amsgrad": flag}),
    ]
    for name, options in cases:
        ours, expected = run_ours(name, options, steps=20), reference(name, {**options, "steps": 20})
        np.testing.assert_allclose(ours, expected, rtol=1e-9, atol=1e-9, err_msg=f"{name} {options}")


def test_training_a_model_matches_pytorch_step_for_step():
    torch = pytest.importorskip("torch")
    net = nn.MLP(4, [8], 3, activation=nn.Tanh).double()
    ref = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3)).double()
    ref.load_state_dict({k: torch.tensor(v._data.copy()) for k, v in zip(ref.state_dict(), net.state_dict().values())})
    x, y = RNG.normal(size=(16, 4)), RNG.integers(0, 3, size=16)
    ours = optim.Adam(net.parameters(), lr=0.01, weight_decay=1e-3)
    theirs = torch.optim.Adam(ref.parameters(), lr=0.01, weight_decay=1e-3)
    for _ in range(STEPS):
        ours.zero_grad()
        nn.functional.cross_entropy(net(autograd.tensor(x)), autograd.tensor(y)).backward()
        ours.step()
        theirs.zero_grad()
        torch.nn.functional.cross_entropy(ref(torch.tensor(x)), torch.tensor(y)).backward()
        theirs.step()
    for p, q in zip(net.parameters(), ref.parameters()):
        np.testing.assert_allclose(p._data, q.detach().numpy(), rtol=0, atol=1e-10)


# ---- the Optimizer base ---------------------------------------------------------------------------------
def test_parameter_groups_have_their_own_options():
    a, b = nn.Parameter(np.ones(2)), nn.Parameter(np.ones(2))
    opt = optim.SGD([{"params": [a]}, {"params": b, "lr": 0.5, "tag": "head"}], lr=0.1, momentum=0.0)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5] and opt.param_groups[1]["tag"] == "head"
    a.grad, b.grad = autograd.tensor(np.ones(2)), autograd.tensor(np.ones(2))
    opt.step()
    np.testing.assert_allclose(a._data, [0.9, 0.9])
    np.testing.assert_allclose(b._data, [0.5, 0.5])
    c = nn.Parameter(np.ones(1))
    opt.add_param_group({"params": [c], "momentum": 0.9})
    assert opt.param_groups[2]["lr"] == 0.1 and opt.param_groups[2]["momentum"] == 0.9
    assert "Parameter Group 2" in repr(opt)


@pytest.mark.parametrize(
    ("params", "error", "message"),
    [
        ([], ValueError, "empty parameter list"),
        (nn.Parameter(np.ones(1)), TypeError, "iterable of Tensors or dicts"),
        ([np.ones(1)], TypeError, "can only optimize Tensors"),
        ([autograd.ones(1, requires_grad=True) * 2], ValueError, "non-leaf"),
    ],
)
def test_bad_parameter_lists(params, error, message):
    with pytest.raises(error, match=message):
        optim.SGD(params, lr=0.1)


def test_a_parameter_may_appear_only_once():
    p = nn.Parameter(np.ones(1))
    with pytest.raises(ValueError, match="duplicate parameters"):
        optim.SGD([p, p], lr=0.1)
    opt = optim.SGD([p], lr=0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [p]})


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: optim.SGD(p, lr=-0.1), "Invalid learning rate: -0.1"),
        (lambda p: optim.SGD(p, lr=0.1, momentum=-1), "Invalid momentum value: -1"),
        (lambda p: optim.SGD(p, lr=0.1, nesterov=True), "Nesterov momentum requires a momentum and zero dampening"),
        (lambda p: optim.Adam(p, betas=(1.0, 0.9)), "Invalid beta parameter at index 0: 1.0"),
        (lambda p: optim.AdamW(p, eps=-1e-8), "Invalid epsilon value"),
        (lambda p: optim.RMSprop(p, alpha=-0.5), "Invalid alpha value"),
        (lambda p: optim.Adagrad(p, lr_decay=-1), "Invalid lr_decay value"),
        (lambda p: optim.Adam(p, weight_decay=-1), "Invalid weight_decay value"),
    ],
)
def test_options_are_validated(make, message):
    with pytest.raises(ValueError, match=message):
        make([nn.Parameter(np.ones(1))])


def test_zero_grad_and_parameters_without_gradients():
    a, b = nn.Parameter(np.ones(2)), nn.Parameter(np.ones(2))
    opt = optim.Adam([a, b], lr=0.1)
    a.grad = autograd.tensor(np.ones(2))
    opt.step()
    assert b._data.tolist() == [1.0, 1.0] and b not in opt.state
    grad = a.grad
    opt.zero_grad(set_to_none=False)
    assert a.grad is grad and not grad._data.any()
    opt.zero_grad()
    assert a.grad is None


def test_step_with_closure_returns_the_loss():
    w = nn.Parameter(np.array([2.0]))
    opt = optim.SGD([w], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    with autograd.no_grad():
        loss = opt.step(closure)
    assert loss.item() == 4.0 and w._data.tolist() == [1.0]


def test_step_between_forward_and_backward_is_detected():
    w = nn.Parameter(np.array([2.0, 3.0]))
    opt = optim.SGD([w], lr=0.1)
    loss = (w * w).sum()
    w.grad = autograd.tensor([1.0, 1.0], dtype=autograd.float64)
    opt.step()
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        loss.backward()


@pytest.mark.parametrize("name", ["SGD", "Adagrad", "RMSprop", "Adam", "AdamW"])
def test_float32_parameters_stay_float32(name):
    layer = nn.Linear(3, 2)
    options = {"lr": np.float64(0.1)} | ({"momentum": np.float64(0.9)} if name in ("SGD", "RMSprop") else {})
    opt = getattr(optim, name)(layer.parameters(), **options)
    for _ in range(2):
        opt.zero_grad()
        layer(autograd.ones(4, 3)).sum().backward()
        opt.step()
    for p in layer.parameters():
        assert p.dtype == np.float32
        assert all(v.dtype == np.float32 for v in opt.state[p].values() if isinstance(v, autograd.Tensor))


# ---- state dicts ----------------------------------------------------------------------------------------
def _train(opt, w, steps):
    for _ in range(steps):
        opt.zero_grad()
        residual = autograd.tensor(A) @ w - autograd.tensor(B)
        (0.5 * (residual * residual).mean()).backward()
        opt.step()


@pytest.mark.parametrize(("name", "options"), [c for c in CASES if c[0] != "SGD" or "momentum" in c[1]])
def test_resuming_from_a_state_dict_continues_the_same_trajectory(name, options, tmp_path):
    straight = nn.Parameter(W0.copy())
    _train(getattr(optim, name)([straight], **options), straight, 20)
    first = nn.Parameter(W0.copy())
    opt = getattr(optim, name)([first], **options)
    _train(opt, first, 10)
    autograd.save(opt.state_dict(), tmp_path / "opt.npz")
    resumed = nn.Parameter(first._data.copy())
    fresh = getattr(optim, name)([resumed], lr=123.0)
    fresh.load_state_dict(autograd.load(tmp_path / "opt.npz"))
    assert fresh.param_groups[0]["lr"] == options["lr"]
    _train(fresh, resumed, 10)
    np.testing.assert_allclose(resumed._data, straight._data, rtol=0, atol=1e-12)


def test_loaded_state_is_a_private_copy():
    w = nn.Parameter(np.ones(3, dtype=np.float32))
    opt = optim.SGD([w], lr=0.1, momentum=0.9)
    w.grad = autograd.ones(3)
    opt.step()
    state = opt.state_dict()
    other = optim.SGD([w], lr=0.1, momentum=0.9)
    other.load_state_dict(state)
    state["state"][0]["momentum_buffer"]._data[...] = 100
    assert other.state[w]["momentum_buffer"]._data.tolist() == [1.0, 1.0, 1.0]


def test_mismatched_state_dicts_change_nothing():
    a, b = nn.Parameter(np.ones(2)), nn.Parameter(np.ones(3))
    opt = optim.Adam([a, b], lr=0.1)
    saved = optim.Adam([nn.Parameter(np.ones(2))], lr=0.5).state_dict()
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
        opt.load_state_dict(saved)
    with pytest.raises(ValueError, match="2 parameter groups"):
        opt.load_state_dict({"state": {}, "param_groups": [saved["param_groups"][0]] * 2})
    other = optim.Adam([nn.Parameter(np.ones(5)), nn.Parameter(np.ones(3))], lr=0.5)
    for p in other.param_groups[0]["params"]:
        p.grad = autograd.ones(*p.shape, dtype=autograd.float64)
    other.step()
    with pytest.raises(ValueError, match="has shape"):
        opt.load_state_dict(other.state_dict())
    assert opt.param_groups[0]["lr"] == 0.1 and opt.state == {}


# ---- learning-rate schedules ----------------------------------------------------------------------------
SCHEDULES = [
    ("StepLR", {"step_size": 3, "gamma": 0.5}),
    ("ExponentialLR", {"gamma": 0.9}),
    ("CosineAnnealingLR", {"T_max": 7, "eta_min": 0.01}),
    ("LambdaLR", {"lr_lambda": lambda epoch: 1 / (epoch + 1)}),
]


def _lrs(scheduler_class, optimizer, options, epochs=20):
    scheduler = scheduler_class(optimizer, **options)
    seen = [scheduler.get_last_lr()]
    for _ in range(epochs):
        optimizer.step()
        scheduler.step()
        seen.append(scheduler.get_last_lr())
        assert seen[-1] == [g["lr"] for g in optimizer.param_groups]
    return seen


@pytest.mark.parametrize(("name", "options"), SCHEDULES)
def test_schedules_match_pytorch(name, options):
    torch = pytest.importorskip("torch")
    ours = _lrs(getattr(lr_scheduler, name), optim.SGD([{"params": [nn.Parameter(np.ones(1))]},
                                                        {"params": [nn.Parameter(np.ones(1))], "lr": 0.3}], lr=0.1),
                options)  # fmt: skip
    groups = [
        {"params": [torch.zeros(1, requires_grad=True)]},
        {"params": [torch.zeros(1, requires_grad=True)], "lr": 0.3},
    ]
    theirs = _lrs(getattr(torch.optim.lr_scheduler, name), torch.optim.SGD(groups, lr=0.1), options)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_schedule_formulas():
    opt = optim.SGD([nn.Parameter(np.ones(1))], lr=1.0)
    assert [lr for (lr,) in _lrs(lr_scheduler.StepLR, opt, {"step_size": 2, "gamma": 0.1}, 5)] == pytest.approx(
        [1.0, 1.0, 0.1, 0.1, 0.01, 0.01]
    )
    opt = optim.SGD([nn.Parameter(np.ones(1))], lr=1.0)
    cosine = _lrs(lr_scheduler.CosineAnnealingLR, opt, {"T_max": 10, "eta_min": 0.1}, 10)
    closed_form = [0.1 + 0.9 * (1 + math.cos(math.pi * t / 10)) / 2 for t in range(11)]
    np.testing.assert_allclose([lr for (lr,) in cosine], closed_form, rtol=1e-12)
    opt = optim.SGD([nn.Parameter(np.ones(1))], lr=2.0)
    assert lr_scheduler.LambdaLR(opt, lambda epoch: 0.5).get_last_lr() == [1.0]


def test_scheduler_state_dict_resumes():
    def make():
        return optim.SGD([nn.Parameter(np.ones(1))], lr=1.0)

    first_opt = make()
    first = lr_scheduler.ExponentialLR(first_opt, gamma=0.5)
    for _ in range(3):
        first.step()
    second_opt = make()
    second_opt.load_state_dict(first_opt.state_dict())
    second = lr_scheduler.ExponentialLR(second_opt, gamma=0.9, last_epoch=first.last_epoch)
    second.load_state_dict(first.state_dict())
    second.step()
    assert second.get_last_lr() == [0.0625] and second.last_epoch == 4


def test_scheduler_errors():
    opt = optim.SGD([nn.Parameter(np.ones(1))], lr=1.0)
    with pytest.raises(TypeError, match="is not an Optimizer"):
        lr_scheduler.StepLR("sgd", step_size=1)
    with pytest.raises(KeyError, match="initial_lr"):
        lr_scheduler.ExponentialLR(opt, gamma=0.5, last_epoch=3)
    with pytest.raises(ValueError, match="step_size must be a positive int"):
        lr_scheduler.StepLR(opt, step_size=0)
    with pytest.raises(ValueError, match="Expected 1 lr_lambdas, but got 2"):
        lr_scheduler.LambdaLR(opt, [lambda e: 1.0, lambda e: 1.0])
