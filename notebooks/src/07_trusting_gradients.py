# %% [markdown]
# # Trusting gradients 检验梯度
#
# Backpropagation is fast but easy to get subtly wrong, and a wrong gradient rarely crashes: training
# just goes worse. This notebook shows three ways to earn trust in gradients — comparing them with
# numerical differentiation (gradient check 梯度确认), testing properties on many random inputs, and
# computing softmax and cross-entropy so that they cannot overflow.

# %%
import warnings

import matplotlib.pyplot as plt
import numpy as np
from hypothesis import Phase, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays, mutually_broadcastable_shapes

import autograd as ag
import nn
from autograd import Function

# %% [markdown]
# ## Numerical differentiation 数值微分
#
# The derivative is a limit, $f'(x) = \lim_{h \to 0} \frac{f(x + h) - f(x)}{h}$. With a small but
# finite $h$ we get an estimate; the central difference $\frac{f(x + h) - f(x - h)}{2h}$ is more accurate.
# How small should $h$ be? Below, the error of both estimates of $\sin'(1) = \cos 1$ in float64:

# %%
hs = np.logspace(-16, -1, 61)
x0 = 1.0
forward = (np.sin(x0 + hs) - np.sin(x0)) / hs
central = (np.sin(x0 + hs) - np.sin(x0 - hs)) / (2 * hs)
forward_error = np.abs(forward - np.cos(x0)) + 1e-20  # + tiny: log scale shows exact hits
central_error = np.abs(central - np.cos(x0)) + 1e-20

fig, ax = plt.subplots(figsize=(6, 3.5))
ax.loglog(hs, forward_error, "o-", ms=3, label="forward difference")
ax.loglog(hs, central_error, "s-", ms=3, label="central difference")
ax.set_xlabel("step h")
ax.set_ylabel("|estimate − cos(1)|")
ax.grid(True, which="major", alpha=0.3)
ax.legend()
print(f"best h, forward: {hs[forward_error.argmin()]:.0e} (error {forward_error.min():.1e})")
print(f"best h, central: {hs[central_error.argmin()]:.0e} (error {central_error.min():.1e})")
assert central_error.min() < 1e-10 < forward_error.min()  # central differences are far more accurate

# %% [markdown]
# To the right the error falls with $h$ (truncation error: $\propto h$ forward, $\propto h^2$ central); to
# the left it rises again, because $f(x + h) - f(x)$ cancels almost all significant digits (rounding
# error). Even at the best $h$ the error printed above is far above float64's precision of about
# 1e-16. That is why numerical differentiation serves to *check* gradients, not to train with: it is
# inexact, and it needs two evaluations of $f$ per input element.
#
# ## Gradient check 梯度确认
#
# A two-layer network on a small batch: 3 inputs, 4 hidden units, 2 classes. Its loss is a function of
# the four parameters; we compare backpropagation's gradient of each with the central difference,
# element by element, as "Deep Learning from Scratch" does.

# %%
rng = np.random.default_rng(0)
features, labels = rng.standard_normal((5, 3)), np.array([0, 1, 1, 0, 1])
params = {
    "W1": ag.tensor(rng.standard_normal((3, 4)), requires_grad=True),
    "b1": ag.tensor(rng.standard_normal(4), requires_grad=True),
    "W2": ag.tensor(rng.standard_normal((4, 2)), requires_grad=True),
    "b2": ag.tensor(rng.standard_normal(2), requires_grad=True),
}


def loss_fn(W1, b1, W2, b2):
    hidden = ag.sigmoid(ag.tensor(features) @ W1 + b1)
    log_probs = ag.log_softmax(hidden @ W2 + b2, dim=1)
    return -log_probs[np.arange(5), labels].mean()


def numerical_gradient(f, x, h=1e-6):
    """d f / d x by central differences, one element of x at a time."""
    grad = np.zeros_like(x.data)
    for idx in np.ndindex(x.shape):
        original = x.data[idx]
        x.data[idx] = original + h
        plus = f().item()
        x.data[idx] = original - h
        minus = f().item()
        x.data[idx] = original
        grad[idx] = (plus - minus) / (2 * h)
    return grad


loss = loss_fn(**params)
loss.backward()
for name, p in params.items():
    numeric = numerical_gradient(lambda: loss_fn(**params), p)
    print(f"{name}: max |backprop − numerical| = {np.abs(p.grad.numpy() - numeric).max():.1e}")
    assert np.allclose(p.grad.numpy(), numeric, atol=1e-8)

# %% [markdown]
# The differences are at the level of the numerical estimate's own error (≈1e-10, see the plot above),
# so backpropagation agrees. `autograd.gradcheck` does this comparison for every element of every input,
# in float64, and raises on the first mismatch:

# %%
ag.gradcheck(loss_fn, list(params.values()))

# %% [markdown]
# It earns its keep on code we write ourselves. Here is a custom operation, softplus
# $\log(1 + e^x)$, written to be stable for large $|x|$ — with a bug in its backward: for $x \le 0$ it
# returns $e^x$ instead of $\frac{e^x}{1 + e^x}$. The two agree when $x$ is very negative, so a quick
# check at one point may miss it.


# %%
class BuggySoftplus(Function):
    def forward(self, x):
        self.saved = (x,)
        return np.where(x > 0, x + np.log1p(np.exp(-np.abs(x))), np.log1p(np.exp(-np.abs(x))))

    def backward(self, g):
        (x,) = self.saved
        return (g * np.where(x > 0, 1 / (1 + np.exp(-x)), np.exp(x)),)  # bug: x <= 0 should be e^x / (1 + e^x)


def softplus_sum(x):
    return BuggySoftplus.apply(x).sum()


print("checked at x = [2, 3, -20]:", ag.gradcheck(softplus_sum, ag.tensor([2.0, 3.0, -20.0], requires_grad=True)))
try:
    ag.gradcheck(softplus_sum, ag.tensor([2.0, -1.0], requires_grad=True))
except ag.GradcheckError as error:
    print("checked at x = [2, -1]:", error)
else:
    raise AssertionError("gradcheck missed the bug at x = -1")

# %% [markdown]
# ## Property-based testing 基于性质的测试
#
# Which inputs should we check? A property test states what must hold for *every* input and lets
# [Hypothesis](https://hypothesis.readthedocs.io) generate many, including awkward ones. Here the property
# is "gradcheck passes for every vector with entries in [−10, 10]". When it finds a failing input,
# Hypothesis shrinks it to a simplest one that still fails.

# %%
vectors = arrays(np.float64, st.integers(1, 4), elements=st.floats(-10, 10))
PHASES = [Phase.generate, Phase.shrink]  # reproducible: no example database, no replay


@settings(max_examples=200, deadline=None, database=None, derandomize=True, phases=PHASES)
@given(vectors)
def test_softplus_gradient(x):
    ag.gradcheck(softplus_sum, ag.tensor(x, requires_grad=True))


try:
    test_softplus_gradient()
except ag.GradcheckError as error:
    print(*getattr(error, "__notes__", []), sep="\n")
    print(error)
else:
    raise AssertionError("Hypothesis found no input that shows the bug")

# %% [markdown]
# A fixed version, and the same property again: now it holds for every input Hypothesis tries
# (we count them).


# %%
class Softplus(BuggySoftplus):
    def backward(self, g):
        (x,) = self.saved
        return (g / (1 + np.exp(-x)),)  # the sigmoid, for every x


tried = []


@settings(max_examples=200, deadline=None, database=None, derandomize=True, phases=PHASES)
@given(vectors)
def test_softplus_gradient_fixed(x):
    tried.append(x)
    ag.gradcheck(lambda t: Softplus.apply(t).sum(), ag.tensor(x, requires_grad=True))


test_softplus_gradient_fixed()
print(f"gradcheck passed on all {len(tried)} generated inputs, e.g. {tried[-1]}")

# %% [markdown]
# The same idea tests the library itself. Broadcasting is a classic source of gradient bugs: the backward
# pass must sum the gradient over every axis that was broadcast. The property: for any two shapes that
# broadcast together, the gradients of $\sum (a \cdot b + e^{a})$ pass gradcheck.

# %%
shapes_tried = []


@settings(max_examples=100, deadline=None, database=None, derandomize=True, phases=PHASES)
@given(mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3), st.integers(0, 2**32 - 1))
def test_broadcast_gradients(shapes, seed):
    shape_a, shape_b = shapes.input_shapes
    shapes_tried.append((shape_a, shape_b))
    r = np.random.default_rng(seed)
    a = ag.tensor(r.standard_normal(shape_a), requires_grad=True)
    b = ag.tensor(r.standard_normal(shape_b), requires_grad=True)
    ag.gradcheck(lambda a, b: (a * b + ag.exp(a)).sum(), [a, b])


test_broadcast_gradients()
distinct = sorted(set(shapes_tried), key=lambda pair: (len(pair[0]) + len(pair[1]), pair))
print(f"passed for all {len(shapes_tried)} examples ({len(distinct)} distinct shape pairs), among them:")
print(*distinct[:: max(len(distinct) // 8, 1)], sep="\n")

# %% [markdown]
# ## Stable softmax and cross-entropy 数值稳定的 softmax 与交叉熵
#
# Softmax turns scores (logits) into probabilities, $\mathrm{softmax}(x)_i = e^{x_i} / \sum_j e^{x_j}$.
# Written exactly so, it breaks on large logits: in float32 $e^{x}$ overflows to `inf` once $x > 88.7$,
# and `inf / inf` is `nan`.

# %%
def naive_softmax(x):
    e = ag.exp(x)
    return e / e.sum()


logits = ag.tensor([1000.0, 1010.0, 990.0])
with warnings.catch_warnings(record=True) as caught:  # collect numpy's warnings to show them below
    warnings.simplefilter("always")
    print("largest float32:", np.finfo(np.float32).max)
    print("exp(88) =", ag.exp(ag.tensor(88.0)).item(), "  exp(89) =", ag.exp(ag.tensor(89.0)).item())
    naive = naive_softmax(logits)
    print("naive:", naive)
print("numpy warned:", *sorted({str(w.message) for w in caught}), sep="\n  ")
print("ours: ", ag.softmax(logits, dim=0))
assert np.isnan(naive.numpy()).all() and np.isclose(ag.softmax(logits, dim=0).sum().item(), 1)

# %% [markdown]
# The cure: subtracting any constant $c$ from every logit leaves softmax unchanged
# ($e^{x_i - c} / \sum_j e^{x_j - c}$ — the $e^{-c}$ cancels), so subtract the largest. Then every
# exponent is $\le 0$, the largest term is exactly $e^0 = 1$, and nothing overflows:

# %%
shifted = logits - logits.max()
shifted, naive_softmax(shifted)

# %% [markdown]
# Cross-entropy has the mirror problem. The loss for the true class $y$ is $-\log \mathrm{softmax}(x)_y$;
# if that probability rounds to 0 (below: because $e^m$ overflows) the loss becomes $-\log 0 = \infty$
# and its gradient `nan`, and a single such example ruins a whole training step. Computed as a
# log-softmax, $-\log \mathrm{softmax}(x)_y = \log \sum_j e^{x_j} - x_y$ with the same shift inside the
# log-sum-exp, it stays finite; that is how `nn.functional.cross_entropy` (and `nn.CrossEntropyLoss`)
# computes it. Two classes, the true class scored 0 and the wrong one scored $m$: the right loss is
# about $m$ for large $m$.

# %%
margins = np.arange(0.0, 201.0, 1.0)
naive_losses, stable_losses = [], []
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # the naive version's overflow warnings
    for m in margins:
        x = ag.tensor([0.0, m])
        naive_losses.append(-ag.log(naive_softmax(x)[0]).item())
        stable_losses.append(nn.functional.cross_entropy(x.reshape(1, 2), ag.tensor([0])).item())
naive_losses, stable_losses = np.array(naive_losses), np.array(stable_losses)
print("naive loss is inf or nan from margin", margins[~np.isfinite(naive_losses)].min(),
      "; ours is finite everywhere:", np.isfinite(stable_losses).all())

fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(margins, stable_losses, label="ours: nn.functional.cross_entropy", lw=3, alpha=0.5)
ax.plot(margins, np.where(np.isfinite(naive_losses), naive_losses, np.nan), "--", label="naive: −log(softmax)")
broken = margins[~np.isfinite(naive_losses)].min()
assert np.isfinite(stable_losses).all() and broken == 89  # exp(89) overflows float32
ax.axvline(broken, color="red", lw=1)
ax.text(broken + 3, 150, f"naive loss = inf\nfrom m = {broken:.0f}", color="red")
ax.set_xlabel("margin m of the wrong class's logit")
ax.set_ylabel("cross-entropy loss (float32)")
ax.legend(loc="upper left");

# %% [markdown]
# The gradients, at a margin of 120:

# %%
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    x = ag.tensor([0.0, 120.0], requires_grad=True)
    (-ag.log(naive_softmax(x)[0])).backward()
    print("naive gradient:", x.grad)
x = ag.tensor([[0.0, 120.0]], requires_grad=True)
nn.functional.cross_entropy(x, ag.tensor([0])).backward()
print("our gradient:  ", x.grad)
print("softmax(x) − one_hot(y):", ag.softmax(x.detach(), dim=1) - ag.tensor([[1.0, 0.0]]))
assert np.array_equal(x.grad.numpy(), [[-1.0, 1.0]])

# %% [markdown]
# ## Summary 小结
#
# - Numerical differentiation is inexact (even at the best step, far from float64's 1e-16) and slow, but
#   independent of backpropagation: agreement between the two is strong evidence both are right.
# - `gradcheck` compares every element; a property test runs it on many generated inputs and finds the
#   ones a hand-picked test misses, shrunk to a simple case.
# - Softmax and cross-entropy are computed from shifted logits (log-sum-exp), which cannot overflow.
