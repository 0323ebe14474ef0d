# %% [markdown]
# # Forward mode versus reverse mode 前向模式与反向模式
#
# The chain rule can be applied in two orders. Forward mode (前向模式) carries derivatives along with the
# values, from the inputs to the outputs, in the same pass that computes the function. Reverse mode
# (反向模式, backpropagation) first computes the values, then sends derivatives back from the outputs to
# the inputs. They give the same numbers at very different costs, and which is cheaper depends on the
# shape of the function.

# %%
import os
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

import autograd as ag
from autograd import Scalar, math
from autograd.forward import Dual, derivative, hessian, jacfwd, jacrev, jvp, vjp

# %% [markdown]
# ## Dual numbers by hand 对偶数
#
# A dual number is $a + b\varepsilon$ with the rule $\varepsilon^2 = 0$. Then
# $(a + a'\varepsilon)(b + b'\varepsilon) = ab + (a'b + ab')\varepsilon$ — the product rule appears by
# itself — and in general $f(a + a'\varepsilon) = f(a) + f'(a)\,a'\varepsilon$. Evaluating $f$ at
# $x + 1\varepsilon$ gives its value and its derivative at once. A complete implementation for `+`, `*`
# and `sin` is a few lines:


# %%
class D:
    """a + b·ε with ε² = 0."""

    def __init__(self, a, b=0.0):
        self.a, self.b = a, b

    def __add__(self, other):
        other = other if isinstance(other, D) else D(other)
        return D(self.a + other.a, self.b + other.b)

    def __mul__(self, other):
        other = other if isinstance(other, D) else D(other)
        return D(self.a * other.a, self.b * other.a + self.a * other.b)  # the ε² term is dropped

    __radd__, __rmul__ = __add__, __mul__

    def sin(self):
        return D(np.sin(self.a), np.cos(self.a) * self.b)  # the chain rule, one step

    def __repr__(self):
        return f"{self.a:.6f} + {self.b:.6f}ε"


def f(x):
    return x * x * x.sin() + 3 * x


print("f(2 + 1ε) =", f(D(2.0, 1.0)))
print(f"by hand:  f(2) = 4 sin 2 + 6 = {4 * np.sin(2) + 6:.6f}")
print(f"          f'(2) = 2·2 sin 2 + 2² cos 2 + 3 = {4 * np.sin(2) + 4 * np.cos(2) + 3:.6f}")
y = f(D(2.0, 1.0))
assert np.isclose(y.a, 4 * np.sin(2) + 6) and np.isclose(y.b, 4 * np.sin(2) + 4 * np.cos(2) + 3)

# %% [markdown]
# The library's `Dual` does the same for every elementary function. With `autograd.math`, one function
# runs on plain floats, on `Dual` (forward mode) and on `Scalar` (reverse mode), and both modes agree:


# %%
def g(x):
    return x * x * math.sin(x) + 3 * x


print("float: ", g(2.0))
print("Dual:  ", g(Dual(2.0, 1.0)), "  derivative(g, 2.0) =", derivative(g, 2.0))
x = Scalar(2.0)
g(x).backward()
print("Scalar: value", g(Scalar(2.0)).data, ", reverse-mode gradient", x.grad)
assert np.isclose(derivative(g, 2.0), 4 * np.sin(2) + 4 * np.cos(2) + 3) and np.isclose(x.grad, derivative(g, 2.0))

# %% [markdown]
# ## Jacobian-vector and vector-Jacobian products 雅可比向量积
#
# For $f: \mathbb{R}^n \to \mathbb{R}^m$ the derivative is the $m \times n$ Jacobian $J$ (雅可比矩阵).
# Neither mode builds $J$. One forward pass, seeded with a direction $v$ of the inputs, gives the
# Jacobian-vector product $Jv$ (`jvp`); one reverse pass, seeded with a weighting $u$ of the outputs,
# gives the vector-Jacobian product $u^\top J$ (`vjp`). An example with $n = 3$, $m = 2$:


# %%
def h(x):
    return ag.stack([x[0] * x[1], ag.sin(x[2]) + x[0] ** 2])


x = ag.tensor([1.0, 2.0, 3.0], dtype=ag.float64)
J = np.array([[2.0, 1.0, 0.0], [2.0, 0.0, np.cos(3.0)]])  # worked out by hand
print("J by hand:\n", J)

v = ag.tensor([1.0, 0.0, 0.0], dtype=ag.float64)
_, Jv = jvp(h, x, v)
print("jvp with v = e_1 (first column of J):", Jv)

_, vjp_fn = vjp(h, x)
u = ag.tensor([0.0, 1.0], dtype=ag.float64)
print("vjp with u = e_2 (second row of J):  ", vjp_fn(u)[0])
assert np.allclose(Jv.numpy(), J[:, 0]) and np.allclose(vjp_fn(u)[0].numpy(), J[1])

# %% [markdown]
# A full Jacobian therefore takes $n$ forward passes, one per column (`jacfwd`), or $m$ reverse passes,
# one per row (`jacrev`). The results agree:

# %%
print("jacfwd:\n", jacfwd(h)(x))
print("jacrev:\n", jacrev(h)(x))
print("equal:", np.allclose(jacfwd(h)(x).numpy(), jacrev(h)(x).numpy()))
assert np.allclose(jacfwd(h)(x).numpy(), jacrev(h)(x).numpy()) and np.allclose(jacrev(h)(x).numpy(), J)

# %% [markdown]
# ## Which mode is cheaper? 计算成本
#
# Training computes the gradient of one loss with respect to many parameters: $m = 1$, $n$ large. Reverse
# mode needs one backward pass, forward mode $n$ passes. For a function with one input and many outputs it
# is the other way round. The project's benchmark `bench/forward_vs_reverse.py` times both modes on both
# kinds of function — a loss $f: \mathbb{R}^n \to \mathbb{R}$ and a curve
# $g: \mathbb{R} \to \mathbb{R}^m$ — as $n$ and $m$ grow. (With `CI` set it measures fewer sizes, once each.)

# %%
ROOT = next(p for p in [Path.cwd(), *Path.cwd().parents] if (p / "pyproject.toml").is_file())
sys.path.insert(0, str(ROOT))  # bench/ lives in the repository, it is not an installed package
from bench.forward_vs_reverse import measure, table  # noqa: E402

CI = os.environ.get("CI", "").lower() not in ("", "0", "false")
rows = measure(sizes=(1, 10, 100, 300), repeats=1) if CI else measure(sizes=(1, 3, 10, 30, 100, 300, 1000), repeats=3)
print(table(rows))
largest = max(r["size"] for r in rows)
cost = {r["function"]: r["forward_s"] / r["reverse_s"] for r in rows if r["size"] == largest}
assert cost["f: R^n -> R"] > 1 > cost["g: R -> R^m"]  # reverse mode wins on a loss, forward mode on a curve

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
for ax, function, size_name in [(axes[0], "f: R^n -> R", "n inputs"), (axes[1], "g: R -> R^m", "m outputs")]:
    sub = [r for r in rows if r["function"] == function]
    sizes = [r["size"] for r in sub]
    ax.loglog(sizes, [r["forward_s"] * 1e3 for r in sub], "o-", label="forward mode (jacfwd)")
    ax.loglog(sizes, [r["reverse_s"] * 1e3 for r in sub], "s-", label="reverse mode (jacrev)")
    ax.set_xlabel(size_name)
    ax.set_ylabel("time for the full Jacobian (ms)")
    ax.set_title(function.replace("R^n", "Rⁿ").replace("R^m", "Rᵐ").replace("->", "→"))
    ax.grid(True, which="major", alpha=0.3)
    ax.legend()
plt.tight_layout()

# %% [markdown]
# For the loss, forward mode's time grows with the number of inputs — one pass per input, each pass
# carrying all $n$ of them — while reverse mode's single backward pass stays flat; for the curve it is
# the mirror image. This is why deep learning uses reverse mode: a network has millions of inputs (its
# parameters) and one output (the loss).
#
# ## Second derivatives: forward over reverse 二阶导数
#
# The modes combine. `hessian` runs forward mode over the reverse-mode gradient: each forward pass
# gives one column of the Hessian (黑塞矩阵), the Jacobian of the gradient. For
# $f(\mathbf{x}) = \sum_i x_i^3$ the Hessian is $\mathrm{diag}(6x_i)$:

# %%
x = ag.tensor([1.0, 2.0, 3.0], dtype=ag.float64)
H = hessian(lambda t: (t**3).sum())(x)
assert np.allclose(H.numpy(), np.diag(6 * x.numpy()))
H

# %% [markdown]
# ## Summary 小结
#
# - Forward mode pushes a tangent along with the values (dual numbers): one pass gives $Jv$.
# - Reverse mode pulls a weighting back from the outputs: one pass gives $u^\top J$.
# - A full Jacobian costs $n$ forward or $m$ reverse passes; for a loss ($m = 1$) reverse mode wins.
