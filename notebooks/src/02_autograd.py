# %% [markdown]
# # Automatic differentiation 自动微分
#
# Training a network means following the gradient of a loss. Working gradients out by hand is tedious
# and error-prone; instead, the library records every operation on tensors that require gradients in a
# computation graph, and one call, `backward()`, walks that graph from the output back to the inputs
# applying the chain rule. This is reverse-mode automatic differentiation, known in deep learning as
# backpropagation. The notebook follows d2l's "Automatic Differentiation" and the backpropagation
# chapter of "Deep Learning from Scratch".

# %%
import matplotlib.pyplot as plt
import numpy as np

import autograd as ag
import viz

# %% [markdown]
# ## A first example 一个简单的例子
#
# We differentiate $y = 2\mathbf{x}^\top\mathbf{x}$ with respect to the column vector $\mathbf{x}$.
# Asking for gradients is a flag on the input; until `backward` runs, `x.grad` is `None`.

# %%
x = ag.arange(4.0, requires_grad=True)
x, x.grad

# %% [markdown]
# Computing `y` records how it was made: its `grad_fn` is the last operation.

# %%
y = 2 * ag.dot(x, x)
y

# %% [markdown]
# `backward()` fills `x.grad` with $\partial y / \partial \mathbf{x}$. By hand the gradient is
# $4\mathbf{x}$; the two agree:

# %%
y.backward()
assert (x.grad == 4 * x).all()
x.grad, x.grad == 4 * x

# %% [markdown]
# ## The computation graph 计算图
#
# `viz.draw` shows the graph behind a result. Here is the same function written as
# $2 \sum_i x_i \cdot x_i$. Boxes are values (the value, and in red its gradient); circles are operations;
# the red numbers on the edges are the gradient flowing back along each edge (`flow=True`, which needs
# the graph kept with `retain_graph=True`). `x` enters the multiplication twice, and its gradient is the
# sum of what flows back along both edges: $2 \cdot [0, 2, 4, 6] = 4\mathbf{x}$.

# %%
x = ag.arange(4.0, requires_grad=True)
x.name = "x"  # names label the drawing
y = 2 * (x * x).sum()
y.name = "y"
y.backward(retain_graph=True)
viz.draw(y, flow=True)

# %% [markdown]
# ## Backpropagation by hand 反向传播: buying apples
#
# "Deep Learning from Scratch" explains backpropagation with a shopping bill: 2 apples at 100 yen each,
# plus 10% consumption tax. The forward pass computes the price; the backward pass tells how much the
# price changes per unit change of each input.

# %%
def named(tensor, name):
    tensor.name = name
    return tensor


apple = named(ag.tensor(100.0, requires_grad=True), "apple")
apple_num = named(ag.tensor(2.0, requires_grad=True), "apple_num")
tax = named(ag.tensor(1.1, requires_grad=True), "tax")

apple_price = named(apple * apple_num, "apple_price")
apple_price.retain_grad()  # keep the gradient of this intermediate value too
price = named(apple_price * tax, "price")
price.backward(retain_graph=True)

print(f"forward:  price = {price.item():.0f}")
print(f"backward: d price / d apple_price = {apple_price.grad.item():.1f}")
print(f"          d price / d apple = {apple.grad.item():.1f}, d price / d apple_num = {apple_num.grad.item():.0f}, "
      f"d price / d tax = {tax.grad.item():.0f}")
assert np.allclose([price.item(), apple_price.grad.item(), apple.grad.item(), apple_num.grad.item(), tax.grad.item()],
                   [220, 1.1, 2.2, 110, 200])
viz.draw(price, flow=True)

# %% [markdown]
# Each multiplication node passes back the incoming gradient times the *other* input: the tax node sends
# $1 \times 1.1$ to `apple_price` and $1 \times 200$ to `tax`; the apple node then sends $1.1 \times 2$
# to `apple` and $1.1 \times 100$ to `apple_num`. An addition node passes the gradient back unchanged,
# as the next graph shows: 2 apples at 100 and 3 oranges at 150, plus tax.

# %%
apple = named(ag.tensor(100.0, requires_grad=True), "apple")
apple_num = named(ag.tensor(2.0, requires_grad=True), "apple_num")
orange = named(ag.tensor(150.0, requires_grad=True), "orange")
orange_num = named(ag.tensor(3.0, requires_grad=True), "orange_num")
tax = named(ag.tensor(1.1, requires_grad=True), "tax")

apple_price = named(apple * apple_num, "apple_price")
orange_price = named(orange * orange_num, "orange_price")
total = named(apple_price + orange_price, "total")
for t in (apple_price, orange_price, total):
    t.retain_grad()
price = named(total * tax, "price")
price.backward(retain_graph=True)

print(f"price = {price.item():.0f}; d price / d apple = {apple.grad.item():.1f}, "
      f"d price / d orange = {orange.grad.item():.1f}, d price / d tax = {tax.grad.item():.0f}")
assert np.allclose([price.item(), apple.grad.item(), orange.grad.item(), total.grad.item(), tax.grad.item()],
                   [715, 2.2, 3.3, 1.1, 650])  # the addition passes total's gradient 1.1 on unchanged
viz.draw(price, flow=True)

# %% [markdown]
# ## The chain rule 链式法则
#
# For $z = (x + y)^2$, write $t = x + y$ and $z = t^2$. The chain rule multiplies the local derivatives
# along the path: $\frac{\partial z}{\partial x} = \frac{\partial z}{\partial t}\frac{\partial t}{\partial x}
# = 2t \cdot 1 = 2(x + y)$. At $x = 1, y = 2$ that is 6, and the same for $y$:

# %%
x = named(ag.tensor(1.0, requires_grad=True), "x")
y = named(ag.tensor(2.0, requires_grad=True), "y")
t = named(x + y, "t")
t.retain_grad()
z = named(t**2, "z")
z.backward(retain_graph=True)
print("dz/dt =", t.grad.item(), "  dz/dx =", x.grad.item(), "  dz/dy =", y.grad.item(), "  2(x + y) =", 2 * (1 + 2))
assert t.grad.item() == x.grad.item() == y.grad.item() == 6
viz.draw(z, flow=True)

# %% [markdown]
# ## Gradients accumulate 梯度累积
#
# `backward` *adds* to `.grad` rather than overwriting it. Running the first example's backward twice
# gives $8\mathbf{x}$, not $4\mathbf{x}$:

# %%
x = ag.arange(4.0, requires_grad=True)
(2 * ag.dot(x, x)).backward()
print("after one backward:", x.grad)
(2 * ag.dot(x, x)).backward()
print("after two:         ", x.grad)
assert (x.grad == 8 * x).all()

# %% [markdown]
# That is what we want when one parameter is used in several places, or when a big batch is processed in
# pieces. Between independent computations, reset the gradient (optimizers do this with `zero_grad()`):

# %%
x.grad.zero_()
x.sum().backward()  # the gradient of a sum is all ones
assert (x.grad == 1).all()
x.grad

# %% [markdown]
# ## Non-scalar outputs 非标量变量的反向传播
#
# `backward` on a vector needs to be told how to weigh its elements; usually we want the gradient of the
# sum, which for $y_i = x_i^2$ is $2x_i$:

# %%
x.grad.zero_()
y = x * x
y.sum().backward()  # the same as y.backward(gradient=ag.ones_like(y))
assert (x.grad == 2 * x).all()
x.grad

# %% [markdown]
# ## Detaching and switching recording off 分离计算与 no_grad
#
# `detach()` returns the same values as a constant: gradients do not flow through it. With
# `u = (x * x).detach()` and `z = u * x`, the gradient of $z$ treats $u$ as fixed, so it is $u$ itself,
# not $3x^2$:

# %%
x.grad.zero_()
y = x * x
u = y.detach()
z = u * x
z.sum().backward()
assert (x.grad == u).all()
x.grad, x.grad == u

# %% [markdown]
# Inside `with ag.no_grad():` nothing is recorded at all — the way to update parameters, or to evaluate a
# model without paying for a graph:

# %%
with ag.no_grad():
    w = x * 2
print("inside no_grad: requires_grad =", w.requires_grad, ", grad_fn =", w.grad_fn)
assert not w.requires_grad and w.grad_fn is None
w = x * 2
print("outside:        requires_grad =", w.requires_grad, ", grad_fn =", w.grad_fn)
assert w.requires_grad and w.grad_fn is not None

# %% [markdown]
# ## Python control flow 控制流的梯度计算
#
# The graph is recorded as the code runs, so loops and branches need nothing special. This function
# doubles `a` until its norm passes 1000, then keeps it or scales it by 100 depending on the sign of the
# sum. Whatever path it takes, the result is linear in `a`, $f(a) = k \cdot a$, so the gradient must be
# $f(a) / a$:


# %%
def f(a):
    b = a * 2
    while ag.norm(b) < 1000:
        b = b * 2
    c = b if b.sum() > 0 else 100 * b
    return c


ag.manual_seed(0)
a = ag.randn((), requires_grad=True)
d = f(a)
d.backward()
assert np.isclose(a.grad.item(), (d / a).item())
a.grad, d / a

# %% [markdown]
# ## Higher derivatives 高阶导数
#
# The backward pass is itself made of differentiable operations. With `create_graph=True` it is
# recorded as a graph too, and can be differentiated again. For $y = x^3$ at $x = 3$:
# $y' = 3x^2 = 27$ and $y'' = 6x = 18$.

# %%
x = ag.tensor(3.0, requires_grad=True)
y = x**3
(dy,) = ag.grad(y, x, create_graph=True)
(d2y,) = ag.grad(dy, x)
assert (dy.item(), d2y.item()) == (27, 18)
dy, d2y

# %% [markdown]
# The same for every element of a vector at once: tanh and its first two derivatives, all computed by
# autograd (the dotted curve is the formula $1 - \tanh^2 x$ for comparison).

# %%
x = ag.linspace(-4, 4, 200, requires_grad=True)
y = ag.tanh(x)
(dy,) = ag.grad(y, x, grad_outputs=ag.ones_like(y), create_graph=True)
(d2y,) = ag.grad(dy, x, grad_outputs=ag.ones_like(dy))

xs = x.detach().numpy()
assert np.allclose(dy.detach().numpy(), 1 - np.tanh(xs) ** 2, atol=1e-5)
assert np.allclose(d2y.numpy(), -2 * np.tanh(xs) * (1 - np.tanh(xs) ** 2), atol=1e-5)
fig, ax = plt.subplots(figsize=(8, 3.5))
ax.plot(xs, y.detach().numpy(), label="tanh(x)")
ax.plot(xs, dy.detach().numpy(), lw=4, alpha=0.5, label="first derivative (autograd)")
ax.plot(xs, (1 - ag.tanh(x.detach()) ** 2).numpy(), "k:", label="1 − tanh²(x)")
ax.plot(xs, d2y.numpy(), label="second derivative (autograd)")
ax.axhline(0, color="grey", lw=0.5)
ax.set_xlabel("x")
ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1));

# %% [markdown]
# ## Summary 小结
#
# - Set `requires_grad=True` on the inputs, compute, call `backward()`, read `.grad`.
# - `backward()` applies the chain rule node by node from the output back: a multiplication passes back
#   the gradient times the other input, an addition passes it on unchanged.
# - Gradients accumulate in `.grad`; zero them between steps.
# - `detach()` and `no_grad()` stop recording; `create_graph=True` records the backward pass for
#   higher derivatives.
