# %% [markdown]
# # Tensors 张量
#
# A tensor is an n-dimensional array of numbers. Everything in this library — data, parameters,
# gradients — is an `autograd.Tensor`, a thin wrapper around a numpy array that can also record how it
# was computed (that part is the next notebook). This notebook follows d2l's "Data Manipulation" and
# "Linear Algebra" sections.

# %%
import matplotlib.pyplot as plt
import numpy as np

import autograd as ag

# %% [markdown]
# ## Creating tensors 创建张量
#
# `arange(n)` gives the integers `0..n-1`. A tensor's `shape` is its length along each axis (轴) and
# `numel()` the number of elements.

# %%
x = ag.arange(12)
assert x.shape == (12,) and x.numel() == 12
x, x.shape, x.numel()

# %% [markdown]
# `reshape` changes the shape without changing the elements; `-1` means "whatever length makes it fit".

# %%
X = x.reshape(3, 4)
X, x.reshape(-1, 6).shape

# %% [markdown]
# Constant and random tensors, and a tensor from a (nested) Python list. Python floats become
# `float32` and Python ints `int64`, as in PyTorch.

# %%
ag.manual_seed(0)
print(ag.zeros((2, 3, 4)).shape)
print(ag.ones((2, 3)))
print(ag.randn(3, 4))  # each element drawn from the standard normal distribution
print(ag.tensor([[2.0, 1, 4, 3], [1, 2, 3, 4], [4, 3, 2, 1]]))
assert ag.tensor([1.5, 2.0]).dtype == ag.float32 and ag.tensor([1, 2]).dtype == ag.int64
ag.tensor([1.5, 2.0]).dtype, ag.tensor([1, 2]).dtype

# %% [markdown]
# ## Element-wise operations 按元素运算
#
# The arithmetic operators act on each pair of elements of two tensors of the same shape.

# %%
x = ag.tensor([1.0, 2, 4, 8])
y = ag.tensor([2.0, 2, 2, 2])
x + y, x - y, x * y, x / y, x**y

# %% [markdown]
# Unary functions such as `exp` too:

# %%
ag.exp(x)

# %% [markdown]
# Concatenation (连结) joins tensors along an existing axis: along rows (`dim=0`) or columns (`dim=1`).

# %%
X = ag.arange(12, dtype=ag.float32).reshape(3, 4)
Y = ag.tensor([[2.0, 1, 4, 3], [1, 2, 3, 4], [4, 3, 2, 1]])
print(ag.cat((X, Y), dim=0).shape, ag.cat((X, Y), dim=1).shape)
assert ag.cat((X, Y), dim=0).shape == (6, 4) and ag.cat((X, Y), dim=1).shape == (3, 8)
ag.cat((X, Y), dim=0)

# %% [markdown]
# ## Comparisons 比较运算
#
# Comparisons are element-wise as well and give boolean tensors; summing counts the `True`s.

# %%
X == Y

# %%
assert (X < Y).sum().item() == 2
X < Y, (X < Y).sum()

# %% [markdown]
# ## Broadcasting 广播机制
#
# When the shapes differ, an operation can still work element-wise: each axis of length 1 is (virtually)
# copied until both shapes agree. A `3×1` column plus a `1×2` row gives a `3×2` matrix.

# %%
a = ag.arange(3).reshape(3, 1)
b = ag.arange(2).reshape(1, 2)
assert (a + b).tolist() == [[0, 1], [1, 2], [2, 3]]
a, b, a + b

# %% [markdown]
# The picture: the light cells are the copies broadcasting makes, virtually — `a` and `b` keep their
# shapes:


# %%
def draw_grid(ax, values, real, title):
    """A matrix as coloured cells: the original entries dark, the broadcast copies light."""
    rows, cols = values.shape
    for i in range(rows):
        for j in range(cols):
            colour = "#4c72b0" if real[i, j] else "#c7d3e8"
            ax.add_patch(plt.Rectangle((j, rows - 1 - i), 0.95, 0.95, color=colour))
            ax.text(j + 0.47, rows - 0.53 - i, str(values[i, j]), ha="center", va="center",
                    color="white" if real[i, j] else "black", fontsize=14)
    ax.set_xlim(-0.1, 2.1)
    ax.set_ylim(-0.1, 3.1)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title)


rows, cols = np.indices((3, 2))
fig, axes = plt.subplots(1, 3, figsize=(8, 3))
draw_grid(axes[0], np.broadcast_to(a.numpy(), (3, 2)), cols == 0, "a: 3×1, copied along columns")
draw_grid(axes[1], np.broadcast_to(b.numpy(), (3, 2)), rows == 0, "b: 1×2, copied along rows")
draw_grid(axes[2], (a + b).numpy(), rows >= 0, "a + b: 3×2")
plt.tight_layout()
print("shapes:", a.shape, b.shape, (a + b).shape)

# %% [markdown]
# Shapes are compared from the right; two lengths are compatible when they are equal or one of them is 1.
# Otherwise the operation fails:

# %%
try:
    ag.ones((3, 2)) + ag.ones((3,))
except Exception as error:
    print(type(error).__name__, error)
else:
    raise AssertionError("shapes (3, 2) and (3,) do not broadcast")

# %% [markdown]
# ## Indexing and slicing 索引和切片
#
# As in numpy: `X[-1]` is the last row, `X[1:3]` rows 1 and 2. Assignment writes into the tensor.

# %%
X[-1], X[1:3]

# %%
X[1, 2] = 9
X[0:2, :] = 12
X

# %% [markdown]
# ## Saving memory 节省内存
#
# `Y = Y + X` makes a new tensor and rebinds the name; `Z[:] = ...` and `+=` write into the existing one.

# %%
before = id(Y)
Y = Y + X
print("Y = Y + X keeps the same object:", id(Y) == before)
assert id(Y) != before
before = id(Y)
Y += X
print("Y += X keeps the same object:   ", id(Y) == before)
assert id(Y) == before

# %% [markdown]
# ## Conversion to numpy and Python numbers 转换为其他Python对象
#
# `numpy()` gives the underlying array (no copy: the two share memory); `tensor(array)` copies.

# %%
A = X.numpy()
B = ag.tensor(A)
print(type(A), type(B))
A[0, 0] = 100
print("after A[0, 0] = 100: X[0, 0] =", X[0, 0].item(), " B[0, 0] =", B[0, 0].item())
assert X[0, 0].item() == 100 and B[0, 0].item() == 12  # A shares X's memory; B is a copy

# %% [markdown]
# A one-element tensor converts to a Python number with `item()`, `float()` or `int()`.

# %%
a = ag.tensor([3.5])
assert a.item() == float(a) == 3.5 and int(a) == 3
a, a.item(), float(a), int(a)

# %% [markdown]
# ## Reductions 降维
#
# `sum` adds all elements, or only along the given axis; `keepdim=True` keeps that axis with length 1,
# which makes the result broadcast back against the original (here: each row divided by its sum).

# %%
A = ag.arange(6, dtype=ag.float32).reshape(2, 3)
print(A.sum(), A.sum(dim=0), A.sum(dim=1))
assert A.sum().item() == 15 and A.sum(dim=0).tolist() == [3, 5, 7]
row_sums = A.sum(dim=1, keepdim=True)
row_sums, A / row_sums

# %% [markdown]
# ## Dot products and matrix products 点积与矩阵乘法
#
# The dot product of two vectors is the sum of their element-wise products.

# %%
x = ag.arange(4, dtype=ag.float32)
y = ag.ones(4, dtype=ag.float32)
assert ag.dot(x, y).item() == (x * y).sum().item() == 6
x, y, ag.dot(x, y), (x * y).sum()

# %% [markdown]
# A matrix times a vector (`mv`) takes the dot product of each row with the vector; a matrix times a
# matrix (`mm`, or the `@` operator) does that for each column of the second.

# %%
A = ag.arange(20, dtype=ag.float32).reshape(5, 4)
B = ag.ones((4, 3))
assert ag.mv(A, x).tolist() == [14, 38, 62, 86, 110] and (A @ B).shape == (5, 3)
ag.mv(A, x), ag.mm(A, B), (A @ B).shape

# %% [markdown]
# ## Norms 范数
#
# A norm measures the size of a vector. The L2 norm is the Euclidean length $\sqrt{\sum_i x_i^2}$;
# the L1 norm is $\sum_i |x_i|$.

# %%
u = ag.tensor([3.0, -4.0])
print("L2:", ag.norm(u), " by hand:", (u**2).sum().sqrt())
print("L1:", ag.norm(u, p=1), " by hand:", ag.abs(u).sum())
assert ag.norm(u).item() == 5 and ag.norm(u, p=1).item() == 7

# %% [markdown]
# The Frobenius norm of a matrix is the L2 norm of all its elements: for a 4×9 matrix of ones,
# $\sqrt{36} = 6$.

# %%
assert ag.norm(ag.ones((4, 9))).item() == 6
ag.norm(ag.ones((4, 9)))

# %% [markdown]
# The unit "circles" of the two norms: the points with norm exactly 1.

# %%
angles = ag.linspace(0, 2 * np.pi, 400)
directions = ag.stack([ag.cos(angles), ag.sin(angles)], dim=1)  # 400 vectors of L2 norm 1
fig, ax = plt.subplots(figsize=(4, 4))
for p, style in [(2, "-"), (1, "--")]:
    unit = directions / ag.norm(directions, p=p, dim=1, keepdim=True)
    ax.plot(unit[:, 0].numpy(), unit[:, 1].numpy(), style, label=f"L{p} norm = 1")
ax.set_aspect("equal")
ax.grid(True, alpha=0.3)
ax.legend(loc="center");
