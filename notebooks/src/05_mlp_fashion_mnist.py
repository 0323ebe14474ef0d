# %% [markdown]
# # A multilayer perceptron on Fashion-MNIST 多层感知机
#
# d2l's recipe for its first real network: 28×28 grey images of clothing flattened to 784 numbers, one
# hidden layer of 256 ReLU units, 10 outputs, softmax cross-entropy, minibatch SGD with learning rate 0.1
# and batch size 256. Then: which optimizer (优化算法) to use, and what a wrong learning rate does.

# %%
import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

import autograd as ag
import nn
import optim
from autograd.data import DataLoader, TensorDataset, load_fashion_mnist, text_labels
from autograd.training import train

# The folder with the four Fashion-MNIST .gz files. None: data/fashion-mnist in the repository, else
# ../shared/data/fashion-mnist beside it. Set DOWNLOAD = True to fetch the files into DATA_DIR instead.
DATA_DIR = None
DOWNLOAD = False

# %% [markdown]
# ## The data 数据集
#
# The library's loader reads the gzipped IDX files into float32 images in [0, 1] of shape (N, 1, 28, 28)
# and int64 labels. When the environment variable `CI` is set (as on the continuous-integration server),
# this notebook trains on a slice of the data for fewer epochs so that it runs in seconds; the outputs
# below say which configuration produced them.

# %%
ROOT = next(p for p in [Path.cwd(), *Path.cwd().parents] if (p / "pyproject.toml").is_file())
CANDIDATES = [ROOT / "data" / "fashion-mnist", ROOT.parent / "shared" / "data" / "fashion-mnist"]
if DATA_DIR is None:
    DATA_DIR = next((d for d in CANDIDATES if (d / "train-images-idx3-ubyte.gz").is_file()), CANDIDATES[0])
try:
    train_images, train_labels = load_fashion_mnist(DATA_DIR, train=True, download=DOWNLOAD)
    test_images, test_labels = load_fashion_mnist(DATA_DIR, train=False, download=DOWNLOAD)
except FileNotFoundError as error:
    raise FileNotFoundError(f"{error}\nIn this notebook: set DOWNLOAD = True in the first cell, "
                            "or DATA_DIR to a folder holding the files.") from None
print("read from", os.path.relpath(DATA_DIR, ROOT), "| train", train_images.shape, "| test", test_images.shape)

CI = os.environ.get("CI", "").lower() not in ("", "0", "false")
N_TRAIN, N_TEST, EPOCHS = (10_000, 2_000, 3) if CI else (60_000, 10_000, 10)
train_images, train_labels = train_images[:N_TRAIN], train_labels[:N_TRAIN]
test_images, test_labels = test_images[:N_TEST], test_labels[:N_TEST]
print(("CI is set: a quick run" if CI else "Full run") +
      f" on {N_TRAIN:,} training and {N_TEST:,} test images, {EPOCHS} epochs")

# %% [markdown]
# Some training images with their labels:

# %%
fig, axes = plt.subplots(2, 9, figsize=(11, 3))
for ax, image, label in zip(axes.flat, train_images, text_labels(train_labels[:18])):
    ax.imshow(image[0], cmap="gray_r")
    ax.set_title(label, fontsize=9)
    ax.axis("off")

# %% [markdown]
# `DataLoader` cuts a dataset into shuffled minibatches (小批量):

# %%
BATCH = 256
train_iter = DataLoader(TensorDataset(train_images, train_labels), batch_size=BATCH, shuffle=True, seed=0)
test_iter = DataLoader(TensorDataset(test_images, test_labels), batch_size=BATCH)
X, y = next(iter(train_iter))
print("one batch:", X.shape, X.dtype, y.shape, y.dtype, "|", len(train_iter), "batches per epoch")

# %% [markdown]
# ## The model 模型
#
# `Flatten` turns each image into a vector of 784; the weights start from a normal distribution with
# standard deviation 0.01 as in d2l.


# %%
def init_weights(module):
    if isinstance(module, nn.Linear):
        nn.init.normal_(module.weight, std=0.01)
        nn.init.zeros_(module.bias)


def make_net():
    net = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
    return net.apply(init_weights)


ag.manual_seed(0)
net = make_net()
print(net)
print(f"{sum(p.numel() for p in net.parameters()):,} parameters")

# %% [markdown]
# ## Training 训练
#
# `train` runs d2l's loop: for each minibatch, forward, loss, `zero_grad`, `backward`, `step`; after each
# epoch it measures the accuracy on the test set.

# %%
loss = nn.CrossEntropyLoss(reduction="none")
history = train(net, train_iter, test_iter, loss, EPOCHS, optim.SGD(net.parameters(), lr=0.1))
assert history.test_acc[-1] > (0.6 if CI else 0.85)

# %%
epochs = np.arange(1, EPOCHS + 1)
fig, ax = plt.subplots(figsize=(5, 3.5))
ax.plot(epochs, history.train_loss, "o-", label="train loss")
ax.plot(epochs, history.train_acc, "s--", label="train acc")
ax.plot(epochs, history.test_acc, "^:", label="test acc")
ax.set_xlabel("epoch")
ax.set_xticks(epochs)
ax.set_ylim(0, max(1.0, max(history.train_loss) * 1.05))
ax.grid(True, alpha=0.3)
ax.legend();

# %% [markdown]
# ## Predictions 预测
#
# The first test images, titled with the true label and the network's prediction (red when wrong):

# %%
images, labels = ag.tensor(test_images[:10]), test_labels[:10]
with ag.no_grad():
    predicted = net(images).argmax(dim=1).numpy()
fig, axes = plt.subplots(1, 10, figsize=(13, 2.2))
for ax, image, true, pred in zip(axes, test_images, text_labels(labels), text_labels(predicted)):
    ax.imshow(image[0], cmap="gray_r")
    ax.set_title(f"{true}\n{pred}", fontsize=9, color="black" if true == pred else "red")
    ax.axis("off")
fig.suptitle("true label (top line) and prediction (bottom line); red where they differ", y=1.08)
print(f"{(predicted == labels).sum()} of 10 right; accuracy on all {N_TEST:,} test images: {history.test_acc[-1]:.3f}")

# %% [markdown]
# ## Comparing optimizers 优化算法的比较
#
# Plain SGD moves each weight by the learning rate times its gradient. Its refinements: momentum (动量)
# keeps a running direction, Nesterov momentum looks ahead along it, AdaGrad and RMSProp give each
# weight its own step size from the history of its squared gradients, and Adam combines momentum with
# RMSProp's scaling. Each trains the same network from the same initial weights on the same batches;
# the learning rates are the usual defaults for each method. To save time this comparison uses a slice
# of the training set and records the loss of every minibatch; the plot smooths each curve with a moving
# average over 10 minibatches.

# %%
N_COMPARE, COMPARE_EPOCHS = (5_000, 2) if CI else (10_000, 5)
compare_data = TensorDataset(train_images[:N_COMPARE], train_labels[:N_COMPARE])
OPTIMIZERS = {
    "SGD (lr 0.1)": lambda p: optim.SGD(p, lr=0.1),
    "momentum (lr 0.1, 0.9)": lambda p: optim.SGD(p, lr=0.1, momentum=0.9),
    "Nesterov (lr 0.1, 0.9)": lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True),
    "AdaGrad (lr 0.01)": lambda p: optim.Adagrad(p, lr=0.01),
    "RMSProp (lr 0.001)": lambda p: optim.RMSprop(p, lr=0.001),
    "Adam (lr 0.001)": lambda p: optim.Adam(p, lr=0.001),
}


def minibatch_losses(make_optimizer):
    """Train a fresh network (same initial weights each time); the loss of every minibatch, and the network."""
    ag.manual_seed(1)
    net = make_net()
    optimizer = make_optimizer(net.parameters())
    data = DataLoader(compare_data, batch_size=BATCH, shuffle=True, seed=1)
    losses = []
    for _ in range(COMPARE_EPOCHS):
        for X, y in data:
            batch_loss = nn.functional.cross_entropy(net(X), y)
            optimizer.zero_grad()
            batch_loss.backward()
            optimizer.step()
            losses.append(batch_loss.item())
    return np.array(losses), net


curves = {name: minibatch_losses(make)[0] for name, make in OPTIMIZERS.items()}
for name, losses in curves.items():
    print(f"{name:>24}: mean loss of the last 10 minibatches {losses[-10:].mean():.3f}")
plain_sgd = curves["SGD (lr 0.1)"][-10:].mean()
assert all(losses[-10:].mean() < plain_sgd for name, losses in curves.items() if name != "SGD (lr 0.1)")

# %%
def smooth(values, width=10):
    return np.convolve(values, np.ones(width) / width, mode="valid")


fig, ax = plt.subplots(figsize=(7, 4))
for name, losses in curves.items():
    adagrad = "AdaGrad" in name  # dashed and on top: it nearly coincides with RMSProp
    ax.plot(np.arange(10, len(losses) + 1), smooth(losses), "--" if adagrad else "-", zorder=3 if adagrad else 2,
            label=name)
ax.set_xlabel("minibatch")
ax.set_ylabel("training loss")
ax.set_ylim(0, 2.5)
ax.grid(True, alpha=0.3)
ax.legend(ncols=2, fontsize=9);

# %% [markdown]
# AdaGrad and RMSProp nearly coincide here, and not by chance. Both divide the gradient by the square root
# of accumulated squared gradients: AdaGrad by their sum, RMSProp by a running average that starts at 1%
# of $g^2$ (its decay is 0.99). So RMSProp with learning rate 0.001 starts out taking nearly the same
# steps as AdaGrad with 0.01 (they differ through the tiny $\epsilon$ each adds to the denominator). Later
# the accumulators drift apart — AdaGrad's sum keeps growing, RMSProp's average forgets — but over this
# short run the two losses stay close:

# %%
gap = np.abs(curves["AdaGrad (lr 0.01)"] - curves["RMSProp (lr 0.001)"])
for step in [2, 10, len(gap) // 2, len(gap)]:
    print(f"minibatch {step:>3}: |AdaGrad loss − RMSProp loss| = {gap[step - 1]:.4f}")

# %% [markdown]
# ## Learning rate too small or too large 学习率过小或过大
#
# The learning rate is the step size. Too small, and SGD barely moves in the same number of steps; too
# large, and each step overshoots, so the loss jumps around or blows up. A loss of $\log 10 \approx 2.303$
# is what guessing uniformly among the 10 classes scores. The last column counts the hidden ReLU units
# that still output something other than 0 for some of 1,000 training images; a unit that is 0 for
# every input gets no gradient and has stopped learning.

# %%
rates = {"lr 0.001 (too small)": 0.001, "lr 0.1": 0.1, "lr 5 (too large)": 5.0}
rate_curves = {}
probe = ag.tensor(train_images[:1000])
for name, lr in rates.items():
    rate_curves[name], trained = minibatch_losses(lambda p, lr=lr: optim.SGD(p, lr=lr))
    with ag.no_grad():
        hidden = trained[:3](probe)  # Flatten, Linear, ReLU
    alive = int((hidden.numpy() > 0).any(axis=0).sum())
    print(f"{name:>20}: loss at the first minibatch {rate_curves[name][0]:.3f}, highest {rate_curves[name].max():8.3f},"
          f" mean of the last 10 {rate_curves[name][-10:].mean():.3f}; live hidden units {alive} of 256")
small, good, large = rate_curves.values()
assert good[-10:].mean() < small[-10:].mean() and large.max() > 10 * large[0]  # too small crawls, too large blows up

fig, ax = plt.subplots(figsize=(7, 3.5))
for name, losses in rate_curves.items():
    ax.plot(np.arange(1, len(losses) + 1), losses, label=name)
ax.set_xlabel("minibatch")
ax.set_ylabel("training loss (log scale)")
ax.set_yscale("log")
ax.grid(True, alpha=0.3)
ax.legend();

# %% [markdown]
# ## Taking a model elsewhere 模型的保存与导出
#
# A network trained here can leave the library two ways. Its weights go to PyTorch as a `.safetensors`
# file: the tensors are stored under the state dict's names (`0.weight`, `3.bias`), so the same
# architecture written with `torch.nn` loads them as they are. The whole computation goes to ONNX, which
# ONNX Runtime (and many other runtimes) can run without Python or this library.
#
# The network is d2l's LeNet (`autograd.demo.lenet()`: two sigmoid convolutions with average pooling, then
# three linear layers, Xavier weights), trained with d2l's recipe (SGD, learning rate 0.9). A few hundred
# steps take it off the plateau at chance (loss 2.30) where its sigmoids hold it at first; with `CI` set it
# trains for only a few dozen, which is enough to compare three implementations of the same function.

# %%
import importlib.util
import tempfile

from autograd.demo import lenet

LENET_STEPS = 40 if CI else 500
ag.manual_seed(0)
lenet_net = lenet()
lenet_optimizer = optim.SGD(lenet_net.parameters(), lr=0.9)
lenet_data = DataLoader(TensorDataset(train_images, train_labels), batch_size=BATCH, shuffle=True, seed=0)
step = 0
while step < LENET_STEPS:
    for X, y in lenet_data:
        batch_loss = nn.functional.cross_entropy(lenet_net(X), y)
        lenet_optimizer.zero_grad()
        batch_loss.backward()
        lenet_optimizer.step()
        step += 1
        if step % (LENET_STEPS // 4) == 0:
            print(f"step {step:>3}: minibatch loss {batch_loss.item():.3f}")
        if step == LENET_STEPS:
            break

lenet_net.eval()
images = test_images[:1000]
with ag.no_grad():
    ours = lenet_net(ag.tensor(images)).numpy()
print(f"accuracy on {len(images):,} test images: {(ours.argmax(axis=1) == test_labels[:1000]).mean():.3f}")

# %% [markdown]
# `ag.save` writes the state dict as safetensors; in PyTorch, `safetensors.torch.load_file` reads it back as
# torch tensors and `load_state_dict` puts them into LeNet written with `torch.nn` (the same layers in the same
# order, so the same names). PyTorch is not a dependency of this library: the cell says so and moves on where
# it is not installed (`pip install torch`).

# %%
folder = Path(tempfile.mkdtemp())
ag.save(lenet_net.state_dict(), folder / "lenet.safetensors")
outputs = {"autograd": ours}

if importlib.util.find_spec("torch") is None:
    print("PyTorch is not installed here (pip install torch): the PyTorch comparison is left out")
else:
    import torch
    from safetensors.torch import load_file

    from torch import nn as tnn

    twin = tnn.Sequential(
        tnn.Conv2d(1, 6, kernel_size=5, padding=2), tnn.Sigmoid(), tnn.AvgPool2d(kernel_size=2, stride=2),
        tnn.Conv2d(6, 16, kernel_size=5), tnn.Sigmoid(), tnn.AvgPool2d(kernel_size=2, stride=2),
        tnn.Flatten(),
        tnn.Linear(16 * 5 * 5, 120), tnn.Sigmoid(),
        tnn.Linear(120, 84), tnn.Sigmoid(),
        tnn.Linear(84, 10),
    )
    print(twin.load_state_dict(load_file(folder / "lenet.safetensors")))
    twin.eval()
    with torch.no_grad():
        outputs["PyTorch"] = twin(torch.from_numpy(images)).numpy()

# %% [markdown]
# `autograd.onnx.export` runs the network once on an example batch and writes the operations it recorded as
# an ONNX graph (Conv, Sigmoid, AveragePool, Flatten, Gemm), the weights as initializers under the same names.
# The batch axis is declared dynamic, so the file runs on 1,000 images though the example had one. It needs
# the optional `onnx` extra, and running it needs ONNX Runtime (`pip install onnx onnxruntime`).

# %%
if importlib.util.find_spec("onnx") is None or importlib.util.find_spec("onnxruntime") is None:
    print("onnx or onnxruntime is not installed here (pip install onnx onnxruntime): the ONNX part is left out")
else:
    import onnxruntime

    from autograd.onnx import export

    graph = export(lenet_net, ag.tensor(images[:1]), folder / "lenet.onnx",
                   dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}}).graph
    print("ONNX nodes:", " ".join(node.op_type for node in graph.node))
    print("initializers:", " ".join(init.name for init in graph.initializer))
    session = onnxruntime.InferenceSession(str(folder / "lenet.onnx"), providers=["CPUExecutionProvider"])
    outputs["ONNX Runtime"] = session.run(None, {"input": images})[0]

# %% [markdown]
# The outputs (logits, 对数几率) side by side for the first test images, then the largest difference from the
# library's over all 1,000 images and 10 classes. Each runtime orders its floating-point sums its own way,
# so they agree to float32 rounding (within 1e-5, which the cell checks), not bit for bit:

# %%
names = list(outputs)
print(f"{'image':>5} {'label':>11} | " + " | ".join(f"{name + ': logits 0-2, class':^34}" for name in names))
for i in range(4):
    cells = [f"{o[i, 0]:7.3f} {o[i, 1]:7.3f} {o[i, 2]:7.3f} {text_labels([o[i].argmax()])[0]:>10}"
             for o in outputs.values()]
    print(f"{i:>5} {text_labels(test_labels[i:i + 1])[0]:>11} | " + " | ".join(cells))
for name in names[1:]:
    gap = np.abs(outputs[name] - ours).max()
    same = (outputs[name].argmax(axis=1) == ours.argmax(axis=1)).sum()
    print(f"max |{name} - autograd| = {gap:.2e}; same predicted class on {same:,} of {len(ours):,} images")
    np.testing.assert_allclose(outputs[name], ours, rtol=1e-5, atol=1e-5, err_msg=f"{name} differs from autograd")
