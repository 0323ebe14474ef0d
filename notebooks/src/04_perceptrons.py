# %% [markdown]
# # Perceptrons 感知机
#
# A perceptron takes inputs $x_1, x_2$, weighs them, adds a bias and fires when the sum is positive:
# $y = 1$ if $w_1 x_1 + w_2 x_2 + b > 0$, else $0$. This notebook follows chapter 2 of "Deep Learning
# from Scratch" (logic gates, and why XOR needs layers) and d2l's section on activation functions.

# %%
import matplotlib.pyplot as plt
import numpy as np

import autograd as ag
import nn
import optim
from autograd.data import logic_gate, make_xor

# %% [markdown]
# ## Logic gates with fixed weights 用感知机实现逻辑电路
#
# With well-chosen weights and biases one perceptron computes AND, NAND or OR. The inputs and the
# expected outputs come from `logic_gate`:

# %%
GATES = {  # (w1, w2), b
    "and": ((0.5, 0.5), -0.7),
    "nand": ((-0.5, -0.5), 0.7),
    "or": ((0.5, 0.5), -0.2),
}


def perceptron(x, w, b):
    """1 where w·x + b > 0, else 0, for each row of x."""
    return (x @ ag.tensor(w) + b > 0).long()


X = ag.tensor(logic_gate("and")[0])
for name, (w, b) in GATES.items():
    expected = ag.tensor(logic_gate(name)[1])
    out = perceptron(X, w, b)
    print(f"{name.upper():>4}: inputs {X.long().tolist()} -> {out.tolist()}  correct: {bool((out == expected).all())}")
    assert (out == expected).all()

# %% [markdown]
# Geometrically, a perceptron splits the plane with the straight line $w_1 x_1 + w_2 x_2 + b = 0$:
# on one side it outputs 1 (filled circles), on the other 0 (open circles).


# %%
def draw_gate(ax, name, w=None, b=None):
    """The truth table of a gate as points, and the line w·x + b = 0 with its positive side shaded."""
    x, y = logic_gate(name)
    if w is not None:
        grid = np.linspace(-0.5, 1.5, 201)
        g1, g2 = np.meshgrid(grid, grid)
        ax.contourf(g1, g2, (w[0] * g1 + w[1] * g2 + b > 0).astype(float), levels=[-0.5, 0.5, 1.5],
                    colors=["white", "#dbe6f4"])
        ax.plot(grid, -(w[0] * grid + b) / w[1], color="#4c72b0")
    ax.scatter(*x[y == 1].T, s=120, color="#4c72b0", edgecolors="k", label="output 1", zorder=3)
    ax.scatter(*x[y == 0].T, s=120, facecolors="white", edgecolors="k", label="output 0", zorder=3)
    ax.set_xlim(-0.5, 1.5)
    ax.set_ylim(-0.5, 1.5)
    ax.set_aspect("equal")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_title(name.upper())


fig, axes = plt.subplots(1, 3, figsize=(10, 3.4))
for ax, (name, (w, b)) in zip(axes, GATES.items()):
    draw_gate(ax, name, w, b)
axes[0].legend(loc="upper left", fontsize=8)
plt.tight_layout()

# %% [markdown]
# ## The limit of one line: XOR 感知机的局限性
#
# XOR outputs 1 when exactly one input is 1. Its two 1s sit on one diagonal and its two 0s on the other,
# so no straight line can put the 1s on one side and the 0s on the other. To see it without a proof, try
# 200,000 random lines on every gate and keep the best:

# %%
rng = np.random.default_rng(0)
W = rng.uniform(-1, 1, (200_000, 2))
B = rng.uniform(-1, 1, 200_000)
for name in ["and", "nand", "or", "xor"]:
    x, y = logic_gate(name)
    correct = ((x @ W.T + B > 0) == y[:, None]).sum(axis=0)  # points right, for each line
    best = correct.argmax()
    print(f"{name.upper():>4}: best line gets {correct[best]} of 4 points right")
    assert correct[best] == (3 if name == "xor" else 4)
    if name == "xor":
        xor_line = W[best], B[best]

# %% [markdown]
# The best line for XOR, and its mistake:

# %%
fig, ax = plt.subplots(figsize=(3.6, 3.4))
draw_gate(ax, "xor", *xor_line)
ax.set_title("XOR: the best line gets 3 of 4");

# %% [markdown]
# ## XOR from gates 已有门电路的组合
#
# Layers remove the limit: XOR is AND(NAND, OR). The first layer computes NAND and OR, the second ANDs
# them — a two-layer perceptron.


# %%
def xor(x):
    s1 = perceptron(x, *GATES["nand"])
    s2 = perceptron(x, *GATES["or"])
    return perceptron(ag.stack([s1, s2], dim=1).float(), *GATES["and"])


x, y = logic_gate("xor")
print("inputs", x.astype(int).tolist(), "-> XOR", xor(ag.tensor(x)).tolist(), " expected", y.tolist())
assert xor(ag.tensor(x)).tolist() == y.tolist()

# %% [markdown]
# In the input plane the two lines of the first layer cut out a band; the second layer keeps the part of
# the plane that is on the positive side of both:

# %%
grid = np.linspace(-0.5, 1.5, 201)
g1, g2 = np.meshgrid(grid, grid)
points = ag.tensor(np.stack([g1.ravel(), g2.ravel()], axis=1).astype(np.float32))
fig, ax = plt.subplots(figsize=(5.2, 3.4))
draw_gate(ax, "xor")
ax.contourf(g1, g2, xor(points).numpy().reshape(g1.shape), levels=[0.5, 1.5], colors=["#dbe6f4"])
for name, style in [("nand", "--"), ("or", ":")]:
    (w1, w2), b = GATES[name]
    ax.plot(grid, -(w1 * grid + b) / w2, style, color="#4c72b0", label=name.upper())
ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1), fontsize=8)
ax.set_title("XOR = AND(NAND, OR)");

# %% [markdown]
# ## Learning XOR: a 2-2-1 network 用多层感知机学习异或
#
# The same shape of network can *learn* XOR instead of being wired by hand: 2 inputs, 2 hidden units,
# 1 output. Training needs gradients, so the step function gives way to the sigmoid (see the activation
# functions below), and the output is a score whose sign decides the class; `BCEWithLogitsLoss` turns the
# score into a probability and measures the binary cross-entropy. The four points of the truth table are
# the whole training set; SGD with momentum takes 1,000 full-batch steps.

# %%
x_xor, y_xor = make_xor()
inputs = ag.tensor(x_xor)
targets = ag.tensor(y_xor.astype(np.float32)).reshape(-1, 1)


def train_xor(seed, steps=1000):
    ag.manual_seed(seed)
    net = nn.MLP(2, [2], 1, activation=nn.Sigmoid)
    optimizer = optim.SGD(net.parameters(), lr=0.5, momentum=0.9)
    loss_fn = nn.BCEWithLogitsLoss()
    losses = []
    for _ in range(steps):
        loss = loss_fn(net(inputs), targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return net, losses


net, losses = train_xor(seed=0)
print(net)
with ag.no_grad():
    scores = net(inputs).reshape(-1)
print("scores:", scores, "-> classes", (scores > 0).long().tolist(), " expected", y_xor.tolist())
print(f"loss: {losses[0]:.3f} at the start, {losses[-1]:.4f} after {len(losses)} steps")
assert (scores > 0).long().tolist() == y_xor.tolist() and losses[-1] < 0.01  # XOR solved

# %% [markdown]
# The learned decision boundary (决策边界): the shaded region is where the network answers 1. The dashed
# lines are where each hidden unit's weighted sum is 0 — like NAND and OR above, the first layer cuts
# the plane with two lines, and the output unit combines the two sides.

# %%
fig, axes = plt.subplots(1, 2, figsize=(9, 3.4), gridspec_kw={"width_ratios": [1.3, 1]})
with ag.no_grad():
    region = net(points).reshape(g1.shape).numpy() > 0
draw_gate(axes[0], "xor")
axes[0].contourf(g1, g2, region.astype(float), levels=[0.5, 1.5], colors=["#dbe6f4"])
hidden = net[0]  # the first Linear layer: weight (2, 2), bias (2,)
for i, style in enumerate(["--", ":"]):
    (w1, w2), b = hidden.weight[i].tolist(), hidden.bias[i].item()
    axes[0].plot(grid, -(w1 * grid + b) / w2, style, color="#c44e52", label=f"hidden unit {i + 1}")
axes[0].set_ylim(-0.5, 1.5)
axes[0].legend(loc="upper left", bbox_to_anchor=(1.02, 1), fontsize=8)
axes[0].set_title("trained 2-2-1 network")
axes[1].plot(losses)
axes[1].set_xlabel("step")
axes[1].set_ylabel("training loss")
axes[1].set_yscale("log")
axes[1].grid(True, alpha=0.3)
plt.tight_layout()

# %% [markdown]
# Two hidden units are the bare minimum, and gradient descent does not always find a solution from a
# random start. Ten different initialisations:

# %%
for seed in range(10):
    net_s, losses_s = train_xor(seed)
    with ag.no_grad():
        solved = bool(((net_s(inputs).reshape(-1) > 0).long().numpy() == y_xor).all())
    print(f"seed {seed}: final loss {losses_s[-1]:.3f}, {'solves XOR' if solved else 'stuck'}")

# %% [markdown]
# ## Activation functions 激活函数
#
# The perceptron's "fire when positive" is the step function (阶跃函数). Its derivative is 0 wherever it
# exists, so a gradient says nothing about which way to move the weights; networks trained by gradient
# descent replace it with smooth or piecewise-linear activations. Autograd sees the same thing: a
# comparison records no graph, so there is nothing to differentiate.

# %%
x = ag.linspace(-4, 4, 400, requires_grad=True)
step = (x > 0).float()
print("step(x).requires_grad =", step.requires_grad)
assert not step.requires_grad

# %% [markdown]
# The others, each with its derivative computed by autograd (`backward` with a gradient of ones gives
# $f'(x_i)$ for every element at once):

# %%
ACTIVATIONS = {
    "sigmoid": ag.sigmoid,
    "tanh": ag.tanh,
    "ReLU": ag.relu,
    "LeakyReLU (slope 0.1)": lambda t: ag.leaky_relu(t, 0.1),
}
xs = x.detach().numpy()
fig, axes = plt.subplots(2, 5, figsize=(14, 5), sharex=True)
axes[0, 0].plot(xs, step.numpy())
axes[0, 0].set_title("step")
axes[1, 0].text(0.5, 0.5, "no gradient:\nx > 0 records\nno graph", ha="center", va="center",
                transform=axes[1, 0].transAxes)
for column, (name, fn) in enumerate(ACTIVATIONS.items(), start=1):
    x.grad = None
    y = fn(x)
    y.backward(ag.ones_like(y))
    axes[0, column].plot(xs, y.detach().numpy())
    axes[0, column].set_title(name)
    axes[1, column].plot(xs, x.grad.numpy(), color="C1")
axes[0, 0].set_ylabel("f(x)")
axes[1, 0].set_ylabel("f'(x), by autograd")
for ax in axes.flat:
    ax.grid(True, alpha=0.3)
for ax in axes[1]:
    ax.set_xlabel("x")
plt.tight_layout()

# %% [markdown]
# Sigmoid's derivative is at most 0.25 and tanh's at most 1, both vanishing for large $|x|$; ReLU's is
# exactly 1 for every positive input and 0 for negative ones, and LeakyReLU keeps a small slope there so
# that a unit never stops learning entirely:

# %%
for name, fn in ACTIVATIONS.items():
    x.grad = None
    fn(x).sum().backward()
    print(f"{name:>22}: largest derivative {x.grad.max().item():.3f}, at x = -4: {x.grad[0].item():.3f}")
