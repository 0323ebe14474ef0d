# %% [markdown]
# # Convolutional neural networks 卷积神经网络
#
# d2l's chapters 6 and 7 in this library: the cross-correlation 互相关运算 behind a convolutional layer, written by
# hand and checked against `nn.functional.conv2d`; edge detection 边缘检测 and a kernel learned back from its output;
# padding 填充 and stride 步幅; multiple input and output channels 多输入多输出通道 and the 1×1 convolution; pooling
# 汇聚层; LeNet trained on Fashion-MNIST, with its curves and what its first layer sees; then NiN and ResNet, shrunk to
# run here in a minute or two, and what their full-size runs would cost. Each cell asserts what it shows, so running
# the notebook checks it.
#
# With the environment variable `CI` set (as on the continuous-integration server) the networks train on slices of
# the data for fewer steps so that the whole notebook runs in about a minute; the outputs below say which
# configuration produced them.

# %%
import inspect
import os
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

import autograd as ag
import nn
import optim
import viz
from autograd.data import DataLoader, TensorDataset, load_fashion_mnist, text_labels
from autograd.data.transforms import Resize
from autograd.demo import lenet
from autograd.training import train

F = nn.functional
CI = os.environ.get("CI", "").lower() not in ("", "0", "false")
print("CI is set: short runs on slices of the data" if CI else "Full run")

# The folder with the four Fashion-MNIST .gz files. None: data/fashion-mnist in the repository, else
# ../shared/data/fashion-mnist beside it. Set DOWNLOAD = True to fetch the files into DATA_DIR instead.
DATA_DIR = None
DOWNLOAD = False

# %% [markdown]
# ## Cross-correlation 互相关运算
#
# A "convolutional" layer computes a cross-correlation: the kernel 卷积核 slides over the input, and each output
# element is the sum of the window under it times the kernel. An input of $n_h \times n_w$ and a kernel of
# $k_h \times k_w$ give an output of $(n_h - k_h + 1) \times (n_w - k_w + 1)$. Written out as in d2l:


# %%
def corr2d(X, K):
    """2-D cross-correlation of the matrix X with the kernel K (no padding, stride 1)."""
    h, w = K.shape
    Y = ag.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i : i + h, j : j + w] * K).sum()
    return Y


X = ag.tensor([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]])
K = ag.tensor([[0.0, 1.0], [2.0, 3.0]])
print(corr2d(X, K))
assert corr2d(X, K).tolist() == [[19.0, 25.0], [37.0, 43.0]]  # 0·0 + 1·1 + 3·2 + 4·3 = 19, ...

# %% [markdown]
# `nn.functional.conv2d` computes the same thing on 4-d tensors, (batch, channels, height, width) for the input and
# (output channels, input channels, height, width) for the weight. On a random 7×9 input and 3×4 kernel the two agree
# to float32 rounding (they add the products in different orders):

# %%
ag.manual_seed(0)
X, K = ag.randn(7, 9), ag.randn(3, 4)
by_hand = corr2d(X, K)
library = F.conv2d(X.reshape(1, 1, 7, 9), K.reshape(1, 1, 3, 4))[0, 0]
print("shape", tuple(library.shape), "| largest difference", float((by_hand - library).abs().max()))
np.testing.assert_allclose(by_hand.numpy(), library.numpy(), rtol=1e-5, atol=1e-5)

# %% [markdown]
# ## Edge detection 图像中目标的边缘检测
#
# A 6×8 black-and-white image: white (1) on the left and right, black (0) in the middle. The kernel $[1, -1]$ subtracts
# each pixel's right neighbour from it, so the output is 0 where the colour stays the same, 1 at the edge from white to
# black and −1 at the edge from black to white.

# %%
X = ag.ones((6, 8))
X[:, 2:6] = 0
K = ag.tensor([[1.0, -1.0]])
Y = corr2d(X, K)
print(Y)
expected = np.zeros((6, 7), dtype=np.float32)
expected[:, 1], expected[:, 5] = 1, -1
assert np.array_equal(Y.numpy(), expected)
assert not corr2d(X.t(), K).numpy().any()  # on the transposed image the edges are horizontal: this kernel misses them

fig, axes = plt.subplots(1, 2, figsize=(6, 1.8))
for ax, image, title in zip(axes, [X, Y], ["image", "X ⋆ [1, -1]"]):
    ax.imshow(image.numpy(), cmap="gray", vmin=-1, vmax=1)
    ax.set_title(title, fontsize=9)
    ax.axis("off")

# %% [markdown]
# The same kernel on a Fashion-MNIST picture finds its vertical edges; its transpose $[1, -1]^\top$ finds the
# horizontal ones. The library's loader reads the images as float32 in [0, 1], shape (N, 1, 28, 28):

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

picture = ag.tensor(train_images[:1])
edges = {"vertical edges, [1, -1]": K.reshape(1, 1, 1, 2), "horizontal edges, [1, -1]ᵀ": K.reshape(1, 1, 2, 1)}
fig, axes = plt.subplots(1, 3, figsize=(7, 2.5))
axes[0].imshow(picture[0, 0].numpy(), cmap="gray_r")
axes[0].set_title(text_labels(train_labels[:1])[0], fontsize=9)
for ax, (title, kernel) in zip(axes[1:], edges.items()):
    ax.imshow(F.conv2d(picture, kernel)[0, 0].numpy(), cmap="RdBu", vmin=-1, vmax=1)
    ax.set_title(title, fontsize=9)
for ax in axes:
    ax.axis("off")

# %% [markdown]
# ## Learning a kernel 学习卷积核
#
# Given only X and the edge map Y, gradient descent recovers the kernel: a `Conv2d` with one input and one output
# channel, a 1×2 kernel and no bias, trained on the squared error with learning rate 0.03, updating the weight by
# hand as d2l does.

# %%
ag.manual_seed(0)
conv2d = nn.Conv2d(1, 1, kernel_size=(1, 2), bias=False)
X, Y = X.reshape((1, 1, 6, 8)), Y.reshape((1, 1, 6, 7))
lr = 3e-2
for i in range(20):
    Y_hat = conv2d(X)
    loss = ((Y_hat - Y) ** 2).sum()
    conv2d.zero_grad()
    loss.backward()
    conv2d.weight.data[:] -= lr * conv2d.weight.grad
    if (i + 1) % 4 == 0:
        print(f"step {i + 1:>2}: loss {loss.item():.4f}")
learned = conv2d.weight.data.reshape((1, 2))
print("learned kernel:", learned)
np.testing.assert_allclose(learned.numpy(), [[1.0, -1.0]], atol=0.02)

# %% [markdown]
# ## Padding and stride 填充和步幅
#
# Padding adds $p_h$ rows at the top and at the bottom (and $p_w$ columns at each side); a stride of $s_h$ moves the
# window $s_h$ rows at a time. The output height is then
#
# $$\left\lfloor \frac{n_h - k_h + 2 p_h + s_h}{s_h} \right\rfloor$$
#
# and the width likewise. (d2l writes $p_h$ for the total padding of both sides; `nn.Conv2d`'s `padding` is the
# padding of each side.) d2l's examples, on an 8×8 input: a 3×3 kernel with padding 1 keeps the size, so does 5×3
# with padding (2, 1), and stride 2 halves it.


# %%
def out_size(n, k, p, s):
    """Output length of a convolution over length n with kernel k, padding p on each side and stride s."""
    return (n - k + 2 * p + s) // s


def conv_shape(n, **kwargs):
    """The (height, width) of what a 1-channel Conv2d with these settings makes of an n x n input."""
    return tuple(nn.Conv2d(1, 1, **kwargs)(ag.zeros((1, 1, n, n))).shape[2:])


settings = [
    {"kernel_size": 3, "padding": 1},
    {"kernel_size": (5, 3), "padding": (2, 1)},
    {"kernel_size": 3, "padding": 1, "stride": 2},
    {"kernel_size": (3, 5), "padding": (0, 1), "stride": (3, 4)},
]
for kwargs in settings:
    print(f"8x8 input, {kwargs}: {conv_shape(8, **kwargs)}")
assert [conv_shape(8, **kwargs) for kwargs in settings] == [(8, 8), (8, 8), (4, 4), (2, 2)]

checked = 0
for n in (5, 8, 11, 28):
    for k in (1, 2, 3, 5):
        for p in (0, 1, 2):
            for s in (1, 2, 3):
                if n + 2 * p >= k:
                    assert conv_shape(n, kernel_size=k, padding=p, stride=s) == (out_size(n, k, p, s),) * 2
                    checked += 1
print(f"the formula gives Conv2d's output size in all {checked} settings tried")

# %% [markdown]
# ## Multiple input and output channels 多输入多输出通道
#
# With several input channels the kernel has one 2-d slice per channel, and the channels' cross-correlations are
# summed; for several output channels there is one such kernel per output channel, and their results are stacked.


# %%
def corr2d_multi_in(X, K):
    """Cross-correlate each input channel of X (c_i, h, w) with its slice of K (c_i, k_h, k_w), summed."""
    return sum(corr2d(x, k) for x, k in zip(X, K))


def corr2d_multi_in_out(X, K):
    """One output channel for each kernel in K (c_o, c_i, k_h, k_w)."""
    return ag.stack([corr2d_multi_in(X, k) for k in K], 0)


X = ag.tensor([[[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]],
               [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]])
K = ag.tensor([[[0.0, 1.0], [2.0, 3.0]], [[1.0, 2.0], [3.0, 4.0]]])
print(corr2d_multi_in(X, K))
assert corr2d_multi_in(X, K).tolist() == [[56.0, 72.0], [104.0, 120.0]]
K = ag.stack((K, K + 1, K + 2), 0)  # 3 output channels, 2 input channels
print("kernel", tuple(K.shape), "-> output", tuple(corr2d_multi_in_out(X, K).shape))
np.testing.assert_allclose(corr2d_multi_in_out(X, K).numpy(), F.conv2d(X[None], K)[0].numpy())

# %% [markdown]
# A 1×1 convolution looks at one pixel at a time: at each position it mixes the channels with the same $c_o \times
# c_i$ matrix, so it is a fully connected layer applied at every pixel, one matrix product over all pixels at once.


# %%
def corr2d_multi_in_out_1x1(X, K):
    """A 1x1 convolution of X (c_i, h, w) with K (c_o, c_i, 1, 1) as one matrix product."""
    c_i, h, w = X.shape
    c_o = K.shape[0]
    return (K.reshape((c_o, c_i)) @ X.reshape((c_i, h * w))).reshape((c_o, h, w))


X, K = ag.normal(0, 1, (3, 3, 3)), ag.normal(0, 1, (2, 3, 1, 1))
Y1, Y2 = corr2d_multi_in_out_1x1(X, K), corr2d_multi_in_out(X, K)
print("largest difference between the matrix product and the cross-correlation:", float((Y1 - Y2).abs().max()))
np.testing.assert_allclose(Y1.numpy(), Y2.numpy(), rtol=1e-5, atol=1e-6)
np.testing.assert_allclose(Y1.numpy(), F.conv2d(X[None], K)[0].numpy(), rtol=1e-5, atol=1e-6)

# %% [markdown]
# ## Pooling 汇聚层
#
# A pooling window slides like a kernel but has no weights: it takes the maximum (max pooling 最大汇聚) or the mean
# (average pooling 平均汇聚) of what it covers, which makes the output less sensitive to exactly where a feature is.


# %%
def pool2d(X, pool_size, mode="max"):
    """Max or average pooling of the matrix X with a pool_size window, stride 1."""
    p_h, p_w = pool_size
    Y = ag.zeros((X.shape[0] - p_h + 1, X.shape[1] - p_w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            window = X[i : i + p_h, j : j + p_w]
            Y[i, j] = window.max() if mode == "max" else window.mean()
    return Y


X = ag.arange(9, dtype=ag.float32).reshape((3, 3))
print(pool2d(X, (2, 2)), pool2d(X, (2, 2), "avg"), sep="\n")
assert pool2d(X, (2, 2)).tolist() == [[4.0, 5.0], [7.0, 8.0]]
assert pool2d(X, (2, 2), "avg").tolist() == [[2.0, 3.0], [5.0, 6.0]]
X4 = X.reshape((1, 1, 3, 3))
assert F.max_pool2d(X4, 2, stride=1)[0, 0].tolist() == pool2d(X, (2, 2)).tolist()
assert F.avg_pool2d(X4, 2, stride=1)[0, 0].tolist() == pool2d(X, (2, 2), "avg").tolist()

# %% [markdown]
# Pooling layers take padding and a stride too; in `nn.MaxPool2d` the stride defaults to the window size, so windows
# do not overlap. On several channels pooling works on each channel by itself: as many channels come out as go in.

# %%
X = ag.arange(16, dtype=ag.float32).reshape((1, 1, 4, 4))
print(nn.MaxPool2d(3)(X), nn.MaxPool2d(3, padding=1, stride=2)(X), sep="\n")
assert nn.MaxPool2d(3)(X).tolist() == [[[[10.0]]]]
assert nn.MaxPool2d(3, padding=1, stride=2)(X).tolist() == [[[[5.0, 7.0], [13.0, 15.0]]]]
X = ag.cat((X, X + 1), 1)
print("two channels:", tuple(nn.MaxPool2d(3, padding=1, stride=2)(X).shape))
assert nn.MaxPool2d(3, padding=1, stride=2)(X)[0, 1].tolist() == [[6.0, 8.0], [14.0, 16.0]]

# %% [markdown]
# ## LeNet
#
# LeNet-5 (LeCun et al., 1998), as d2l writes it for 28×28 images: two convolutional blocks (a 5×5 convolution, a
# sigmoid, 2×2 average pooling) and three fully connected layers. The library has it as `autograd.demo.lenet`, with
# Xavier-uniform weights as d2l's `train_ch6` initialises them; its code:

# %%
print(inspect.getsource(lenet))

# %% [markdown]
# Each layer's output shape, for one image:

# %%
ag.manual_seed(0)
net = lenet()
X = ag.rand(size=(1, 1, 28, 28))
shapes = []
for layer in net:
    X = layer(X)
    shapes.append(tuple(X.shape))
    print(f"{type(layer).__name__:>10} output shape: {shapes[-1]}")
assert shapes[2] == (1, 6, 14, 14) and shapes[5] == (1, 16, 5, 5) and shapes[-1] == (1, 10)
print(f"{sum(p.numel() for p in net.parameters()):,} parameters")

# %% [markdown]
# ### Training 训练
#
# d2l trains LeNet with SGD at learning rate 0.9 on batches of 256 for 10 epochs, which is what the full run here
# does. With sigmoids everywhere the loss first sits on a plateau at chance, $\log 10 \approx 2.30$: in a trial run
# on these images the recipe took about 280 steps (more than an epoch of 235) to leave it. That is more steps than
# the short CI run can afford, so with `CI` set LeNet trains with Adam at learning rate 0.01 instead, which left the
# plateau within about 40 steps in the same trial, for 6 epochs over 6,400 images (150 steps). Test accuracy is
# measured on 2,000 test images in CI and on all 10,000 otherwise. In a notebook `train` draws the loss and accuracy
# curves epoch by epoch, as d2l's `train_ch6` does.

# %%
BATCH = 256
if CI:
    n_train, n_test, epochs = 6_400, 2_000, 6
    trainer = optim.Adam(net.parameters(), lr=0.01)
else:
    n_train, n_test, epochs = 60_000, 10_000, 10
    trainer = optim.SGD(net.parameters(), lr=0.9)
print(f"{trainer.__class__.__name__}, {n_train:,} training images, {epochs} epochs, batch {BATCH}")
train_iter = DataLoader(TensorDataset(train_images[:n_train], train_labels[:n_train]), BATCH, shuffle=True, seed=0)
test_iter = DataLoader(TensorDataset(test_images[:n_test], test_labels[:n_test]), BATCH)
history = train(net, train_iter, test_iter, nn.CrossEntropyLoss(), epochs, trainer)
print(f"{sum(history.epoch_seconds) / epochs / len(train_iter) * 1000:.0f} ms per training step")
assert history.test_acc[-1] > 0.5  # chance is 0.1
assert history.train_loss[-1] < 0.8 * history.train_loss[0]

# %% [markdown]
# ### What the first layer sees 特征图
#
# The first convolution has six 5×5 kernels; each turns the image into one feature map 特征图 of 28×28 (padding 2
# keeps the size), shown here after its sigmoid. Light and dark are each map's own scale: some kernels respond to
# the outline, some to the inside of the garment or to the background.

# %%
images = ag.tensor(test_images[:3])
with ag.no_grad():
    maps = net[:2](images).numpy()  # Conv2d, Sigmoid
kernels = net[0].weight.detach().numpy()
assert maps.shape == (3, 6, 28, 28) and kernels.shape == (6, 1, 5, 5)
fig, axes = plt.subplots(4, 7, figsize=(9, 5.5))
for ax, kernel in zip(axes[0, 1:], kernels):
    ax.imshow(kernel[0], cmap="RdBu")
axes[0, 1].set_title("the six kernels", fontsize=9, loc="left")
for row, image, fmap, label in zip(axes[1:], test_images, maps, text_labels(test_labels[:3])):
    row[0].imshow(image[0], cmap="gray_r")
    row[0].set_title(label, fontsize=9)
    for ax, channel in zip(row[1:], fmap):
        ax.imshow(channel, cmap="gray")
for ax in axes.flat:
    ax.axis("off")

# %% [markdown]
# ### LeNet's graph 计算图
#
# `viz.draw(loss, model=net)` draws the computation graph of a loss with one cluster per module of the network,
# named by its index in the `Sequential`, and the parameters by their `state_dict` names (`0.weight`, `0.bias`, ...).
# Boxes are values (shape, mean and standard deviation), circles operations, and in red each parameter's gradient;
# `backward(retain_graph=True)` keeps the values the graph saved, so that the drawing can show them. Here on a batch
# of two images, drawn top to bottom:

# %%
X, y = ag.tensor(train_images[:2]), ag.tensor(train_labels[:2])
loss = F.cross_entropy(net(X), y)
loss.backward(retain_graph=True)
drawing = viz.draw(loss, model=net, rankdir="TB")
assert all(f'"{name}' in drawing.source for name, _ in net.named_parameters())
drawing

# %% [markdown]
# ## Network in network (NiN) 网络中的网络
#
# NiN replaces the fully connected layers at the end by blocks of a convolution followed by two 1×1 convolutions (a
# small MLP at every pixel), and ends with global average pooling over a last block of 10 channels, one per class.
# d2l's code, with two arguments added to shrink it: `widths` (96, 256, 384 in the book) and the first block's kernel,
# stride and padding (11, 4, 0 in the book, for 224×224 inputs).


# %%
def init_xavier(module):
    """Xavier-uniform weights for Linear and Conv2d layers, as d2l's train_ch6 sets them."""
    if type(module) in (nn.Linear, nn.Conv2d):
        nn.init.xavier_uniform_(module.weight)


def nin_block(in_channels, out_channels, kernel_size, strides, padding):
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size, strides, padding), nn.ReLU(),
        nn.Conv2d(out_channels, out_channels, kernel_size=1), nn.ReLU(),
        nn.Conv2d(out_channels, out_channels, kernel_size=1), nn.ReLU())  # fmt: skip


def nin(widths=(96, 256, 384), first=(11, 4, 0)):
    c1, c2, c3 = widths
    return nn.Sequential(
        nin_block(1, c1, kernel_size=first[0], strides=first[1], padding=first[2]),
        nn.MaxPool2d(3, stride=2),
        nin_block(c1, c2, kernel_size=5, strides=1, padding=2),
        nn.MaxPool2d(3, stride=2),
        nin_block(c2, c3, kernel_size=3, strides=1, padding=1),
        nn.MaxPool2d(3, stride=2),
        nn.Dropout(0.5),
        nin_block(c3, 10, kernel_size=3, strides=1, padding=1),
        nn.AdaptiveAvgPool2d((1, 1)),
        nn.Flatten()).apply(init_xavier)  # fmt: skip


# %% [markdown]
# ## Residual networks (ResNet) 残差网络
#
# A residual block adds its input to the output of two 3×3 convolutions with batch normalization 批量规范化, so
# that it only has to learn a correction to the identity; a 1×1 convolution matches the shapes where the block
# halves the size and changes the number of channels. ResNet-18, as d2l writes it, with `width` (64 in the book)
# scaling every stage:


# %%
class Residual(nn.Module):
    def __init__(self, input_channels, num_channels, use_1x1conv=False, strides=1):
        super().__init__()
        self.conv1 = nn.Conv2d(input_channels, num_channels, kernel_size=3, padding=1, stride=strides)
        self.conv2 = nn.Conv2d(num_channels, num_channels, kernel_size=3, padding=1)
        self.conv3 = nn.Conv2d(input_channels, num_channels, kernel_size=1, stride=strides) if use_1x1conv else None
        self.bn1 = nn.BatchNorm2d(num_channels)
        self.bn2 = nn.BatchNorm2d(num_channels)

    def forward(self, X):
        Y = F.relu(self.bn1(self.conv1(X)))
        Y = self.bn2(self.conv2(Y))
        if self.conv3:
            X = self.conv3(X)
        return F.relu(Y + X)


def resnet_block(input_channels, num_channels, num_residuals, first_block=False):
    return [Residual(input_channels, num_channels, use_1x1conv=True, strides=2) if i == 0 and not first_block
            else Residual(num_channels, num_channels) for i in range(num_residuals)]


def resnet18(width=64):
    b1 = nn.Sequential(nn.Conv2d(1, width, kernel_size=7, stride=2, padding=3),
                       nn.BatchNorm2d(width), nn.ReLU(),
                       nn.MaxPool2d(kernel_size=3, stride=2, padding=1))  # fmt: skip
    b2 = nn.Sequential(*resnet_block(width, width, 2, first_block=True))
    b3 = nn.Sequential(*resnet_block(width, 2 * width, 2))
    b4 = nn.Sequential(*resnet_block(2 * width, 4 * width, 2))
    b5 = nn.Sequential(*resnet_block(4 * width, 8 * width, 2))
    net = nn.Sequential(b1, b2, b3, b4, b5, nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(), nn.Linear(8 * width, 10))
    return net.apply(init_xavier)


X = ag.rand(size=(1, 1, 96, 96))
for block in resnet18():
    X = block(X)
    print(f"{type(block).__name__:>17} output shape: {tuple(X.shape)}")
assert tuple(X.shape) == (1, 10)

# %% [markdown]
# ### What the full-size runs would take here 完整规模的代价
#
# d2l trains NiN on 224×224 images (batch 128, 10 epochs) and ResNet-18 on 96×96 (batch 256, 10 epochs). One SGD
# step of each at full size, on a small batch of images enlarged with `transforms.Resize` (bilinear, as d2l's
# loader does), gives the time per image; the cost of a step grows about in proportion to the batch, so times
# 60,000 images and 10 epochs it estimates the book's training runs on this machine (the test-set passes not
# counted):

# %%
def seconds_per_step(net, images, labels, lr):
    """Wall-clock seconds of one SGD step of `net` on a batch."""
    trainer = optim.SGD(net.parameters(), lr=lr)
    start = time.perf_counter()
    batch_loss = F.cross_entropy(net(images), labels)
    trainer.zero_grad()
    batch_loss.backward()
    trainer.step()
    return time.perf_counter() - start


SMALL_BATCH = 4 if CI else 16
labels = ag.tensor(train_labels[:SMALL_BATCH])
ag.manual_seed(0)
full_size = {"NiN, 224x224": (nin(), 224, 0.1), "ResNet-18, 96x96": (resnet18(), 96, 0.05)}
for name, (model, size, lr) in full_size.items():
    images = Resize(size)(ag.tensor(train_images[:SMALL_BATCH]))
    assert tuple(images.shape) == (SMALL_BATCH, 1, size, size)
    per_image = seconds_per_step(model, images, labels, lr) / SMALL_BATCH
    print(f"{name}: {per_image * 1000:.0f} ms per image in a batch of {SMALL_BATCH}; "
          f"10 epochs of 60,000 images ≈ {per_image * 600_000 / 3600:.0f} hours")

# %% [markdown]
# Many hours of a shared two-core machine each, so here both networks are shrunk to run in a minute or two: they
# take the 28×28 images as they are, NiN with widths (8, 16, 32) and a first block of 3×3 convolutions at stride 1
# (28 → 13 → 6 → 2 after its pooling layers), ResNet-18 with width 16 (16 to 128 channels, 28 → 14 → 7 → 4 → 2 → 1).
# Batches of 128. ResNet uses d2l's SGD at learning rate 0.05. This NiN with d2l's SGD at 0.1 stayed at chance (loss
# 2.30) for its first 60 steps in a trial run, so in these short runs it trains with Adam at learning rate 0.005,
# and still starts slowly. With `CI` set: one pass over 15,360 images for NiN and 5,120 for ResNet;
# otherwise one epoch over all 60,000 for each. Test accuracy on 2,000 (CI) or 10,000 test images.

# %%
small = {
    "NiN": (lambda: nin(widths=(8, 16, 32), first=(3, 1, 1)), lambda p: optim.Adam(p, lr=0.005), 15_360),
    "ResNet-18": (lambda: resnet18(width=16), lambda p: optim.SGD(p, lr=0.05), 5_120),
}
results = {}
for name, (make, make_trainer, n_ci) in small.items():
    n_train = n_ci if CI else 60_000
    ag.manual_seed(0)
    model = make()
    data = DataLoader(TensorDataset(train_images[:n_train], train_labels[:n_train]), 128, shuffle=True, seed=0)
    test_data = DataLoader(TensorDataset(test_images[:n_test], test_labels[:n_test]), 256)
    print(f"{name}: {sum(p.numel() for p in model.parameters()):,} parameters, {len(data)} steps")
    trainer = make_trainer(model.parameters())
    results[name] = train(model, data, test_data, nn.CrossEntropyLoss(), 1, trainer, plot=False)  # one epoch: no curve
for name, result in results.items():
    print(f"{name}: test accuracy {result.test_acc[-1]:.3f} after {result.epoch_seconds[-1]:.0f} s of training")
    assert result.test_acc[-1] > 0.3  # chance is 0.1
