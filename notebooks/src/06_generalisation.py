# %% [markdown]
# # Generalisation 泛化
#
# A network is useful when it does well on data it has not seen. With few training examples and many
# parameters it can instead memorise the training set — overfitting (过拟合). This notebook provokes
# overfitting on purpose, as chapter 6 of "Deep Learning from Scratch" does (300 training images, a deep
# network), then tries the two classic cures, weight decay and dropout, and uses K-fold
# cross-validation to choose how strong a cure to apply.

# %%
import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

import autograd as ag
import nn
import optim
from autograd.data import DataLoader, TensorDataset, load_fashion_mnist

# The folder with the four Fashion-MNIST .gz files. None: data/fashion-mnist in the repository, else
# ../shared/data/fashion-mnist beside it. Set DOWNLOAD = True to fetch the files into DATA_DIR instead.
DATA_DIR = None
DOWNLOAD = False

# %% [markdown]
# ## A small training set 训练集与验证集
#
# 300 training images, and 2,000 others as a validation set (验证集) that training never sees. When the
# environment variable `CI` is set, every run below is shorter (fewer epochs, fewer folds) so that the
# notebook runs in seconds; the outputs say which configuration produced them.

# %%
ROOT = next(p for p in [Path.cwd(), *Path.cwd().parents] if (p / "pyproject.toml").is_file())
CANDIDATES = [ROOT / "data" / "fashion-mnist", ROOT.parent / "shared" / "data" / "fashion-mnist"]
if DATA_DIR is None:
    DATA_DIR = next((d for d in CANDIDATES if (d / "train-images-idx3-ubyte.gz").is_file()), CANDIDATES[0])
try:
    images, labels = load_fashion_mnist(DATA_DIR, train=True, download=DOWNLOAD)
except FileNotFoundError as error:
    raise FileNotFoundError(f"{error}\nIn this notebook: set DOWNLOAD = True in the first cell, "
                            "or DATA_DIR to a folder holding the files.") from None

CI = os.environ.get("CI", "").lower() not in ("", "0", "false")
EPOCHS, K, LAMBDAS, KFOLD_EPOCHS = (60, 3, [0.0, 0.03], 30) if CI else (200, 5, [0.0, 0.01, 0.03, 0.1], 100)
train_x, train_y = images[:300], labels[:300]
val_x, val_y = images[-2000:], labels[-2000:]
print("read from", os.path.relpath(DATA_DIR, ROOT))
print(("CI is set: a quick run" if CI else "Full run") + f": {EPOCHS} epochs; K-fold with K = {K}, "
      f"weight decays {LAMBDAS}, {KFOLD_EPOCHS} epochs per fold")
print("training images per class:", np.bincount(train_y, minlength=10))

# %% [markdown]
# The network: six hidden layers of 100 ReLU units, about 130,000 parameters for 300 images. Weights
# start with He initialisation (`kaiming_normal_`), which keeps the signal's size steady through ReLU layers.


# %%
def make_net(dropout=0.0):
    ag.manual_seed(0)  # the same initial weights for every experiment
    net = nn.Sequential(nn.Flatten(), nn.MLP(784, [100] * 6, 10, dropout=dropout))
    for module in net.modules():
        if isinstance(module, nn.Linear):
            nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
            nn.init.zeros_(module.bias)
    return net


def evaluate(net, x, y):
    """(mean cross-entropy loss, accuracy) on all of x, in evaluation mode (dropout off)."""
    net.eval()
    with ag.no_grad():
        scores = net(ag.tensor(x))
        return nn.functional.cross_entropy(scores, ag.tensor(y)).item(), float((scores.argmax(dim=1).numpy() == y).mean())


def fit(x, y, epochs, weight_decay=0.0, dropout=0.0, val=None):
    """Train with SGD (lr 0.05, batch 100); per epoch, (train loss, train acc, val loss, val acc) when val is given."""
    net = make_net(dropout)
    optimizer = optim.SGD(net.parameters(), lr=0.05, weight_decay=weight_decay)
    loader = DataLoader(TensorDataset(x, y), batch_size=100, shuffle=True, seed=0)
    history = []
    for _ in range(epochs):
        net.train()
        for X, Y in loader:
            loss = nn.functional.cross_entropy(net(X), Y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        if val is not None:
            history.append(evaluate(net, x, y) + evaluate(net, *val))
    return net, np.array(history)


print(f"{sum(p.numel() for p in make_net().parameters()):,} parameters")

# %% [markdown]
# ## Overfitting 过拟合
#
# Training loss and validation loss, epoch by epoch:

# %%
_, plain = fit(train_x, train_y, EPOCHS, val=(val_x, val_y))
best = plain[:, 2].argmin()
print(f"training loss: {plain[0, 0]:.3f} after epoch 1, {plain[-1, 0]:.4f} at the end")
print(f"validation loss: lowest {plain[best, 2]:.3f} after epoch {best + 1}, {plain[-1, 2]:.3f} at the end")
print(f"accuracy at the end: training {plain[-1, 1]:.3f}, validation {plain[-1, 3]:.3f}")
assert plain[-1, 1] > 0.95 and plain[-1, 1] - plain[-1, 3] > 0.15  # it fits the training set, not the validation set

epochs = np.arange(1, EPOCHS + 1)
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(epochs, plain[:, 0], label="training loss")
ax.plot(epochs, plain[:, 2], label="validation loss")
ax.axvline(best + 1, color="grey", ls=":", label=f"lowest validation loss (epoch {best + 1})")
ax.set_xlabel("epoch")
ax.set_ylabel("cross-entropy")
ax.grid(True, alpha=0.3)
ax.legend();

# %% [markdown]
# The training loss keeps falling towards 0 — the network is memorising its 300 images — while the
# validation loss, after its low point, climbs again: the network grows ever more confident on the
# training images, also where that confidence is wrong on new ones.
#
# ## Weight decay 权重衰减
#
# Weight decay adds $\frac{\lambda}{2}\lVert \mathbf{w} \rVert^2$ to the loss, so every step also shrinks
# each weight by $\eta\lambda w$: large weights, which a network needs to fit noise exactly, cost
# something. `optim.SGD(..., weight_decay=λ)` does it.
#
# ## Dropout 暂退法
#
# Dropout sets a random fraction $p$ of the hidden units to zero at every training step (and scales the
# rest by $\frac{1}{1-p}$), so no unit can rely on particular others; in evaluation mode it does nothing.
# `nn.MLP(..., dropout=p)` puts an `nn.Dropout` after every hidden activation:

# %%
print(make_net(dropout=0.2)[1][:3])

# %% [markdown]
# Training and validation accuracy with each cure, against no cure:

# %%
runs = {"no regularisation": plain}
_, runs["weight decay λ = 0.03"] = fit(train_x, train_y, EPOCHS, weight_decay=0.03, val=(val_x, val_y))
_, runs["dropout p = 0.2"] = fit(train_x, train_y, EPOCHS, dropout=0.2, val=(val_x, val_y))

fig, axes = plt.subplots(1, 3, figsize=(13, 3.5), sharey=True)
for ax, (name, h) in zip(axes, runs.items()):
    ax.plot(epochs, h[:, 1], label="training accuracy")
    ax.plot(epochs, h[:, 3], label="validation accuracy")
    ax.set_title(name)
    ax.set_xlabel("epoch")
    ax.grid(True, alpha=0.3)
axes[0].legend(loc="lower right")
plt.tight_layout()

print(f"{'':>22} {'train acc':>9} {'val acc':>8} {'gap':>6} {'val loss':>9}")
for name, h in runs.items():
    print(f"{name:>22} {h[-1, 1]:9.3f} {h[-1, 3]:8.3f} {h[-1, 1] - h[-1, 3]:6.3f} {h[-1, 2]:9.3f}")
assert all(h[-1, 1] - h[-1, 3] < plain[-1, 1] - plain[-1, 3] for h in runs.values() if h is not plain)

# %% [markdown]
# Both cures narrow the gap between training and validation accuracy, and with weight decay the
# validation loss ends far lower. Neither turns 300 images into a much better classifier: the validation
# accuracy stays in the same range. And their strength matters: the K-fold results below show what too
# much weight decay does. How to choose it without peeking at the validation set?
#
# ## K-fold cross-validation K折交叉验证
#
# Split the training set into $K$ folds; train $K$ times, each time holding out one fold for validation
# and training on the other $K - 1$; average the $K$ validation scores. Every training image is used for
# validation exactly once, and the real validation set stays untouched. Here it scores each candidate
# weight decay by its mean held-out loss.


# %%
def k_fold(k, x, y, weight_decay):
    """The held-out (loss, accuracy) of each of the k folds."""
    folds = np.array_split(np.arange(len(x)), k)
    scores = []
    for held_out in folds:
        keep = np.setdiff1d(np.arange(len(x)), held_out)
        net, _ = fit(x[keep], y[keep], KFOLD_EPOCHS, weight_decay=weight_decay)
        scores.append(evaluate(net, x[held_out], y[held_out]))
    return np.array(scores)


results = {}
for lam in LAMBDAS:
    results[lam] = scores = k_fold(K, train_x, train_y, lam)
    print(f"λ = {lam:<5}: held-out loss per fold {np.round(scores[:, 0], 3)}, mean {scores[:, 0].mean():.3f};"
          f" mean accuracy {scores[:, 1].mean():.3f}")
chosen = min(results, key=lambda lam: results[lam][:, 0].mean())
print("chosen by K-fold: λ =", chosen)

# %% [markdown]
# Finally the chosen weight decay, trained on all 300 images, meets the validation set for the first time:

# %%
net, _ = fit(train_x, train_y, KFOLD_EPOCHS, weight_decay=chosen)
without, _ = fit(train_x, train_y, KFOLD_EPOCHS)
for name, model in [(f"λ = {chosen} (chosen)", net), ("λ = 0", without)]:
    loss, acc = evaluate(model, val_x, val_y)
    print(f"{name:>15}: validation loss {loss:.3f}, accuracy {acc:.3f}")

# %% [markdown]
# ## Summary 小结
#
# - With few examples a large network memorises: training loss goes to 0 while validation loss rises.
# - Weight decay penalises large weights; dropout trains with random units switched off. Both narrow
#   the gap between training and validation.
# - K-fold cross-validation chooses such settings from the training data alone, keeping the validation
#   set for the final check.
