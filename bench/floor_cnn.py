"""The numpy floor of the convolutional benchmarks: LeNet and a stack of ResNet blocks, forward and backward by hand.

Every layer takes and returns (N, C, H, W) arrays, as the engines' modules do, and uses the fastest numpy strategy
for its shape (fwd+bwd, one thread):

- a convolution with one input channel: im2col per sample, (N, kh*kw, OH*OW) columns, one batched matmul;
- from a few input channels: the input moved to (C, H, W, N) and im2col with the batch as the innermost axis (each
  window copy moves OW*N contiguous elements), one GEMM for the whole batch; its output (O, OH, OW, N) is handed on
  as an (N, O, OH, OW) view, and the next layers' elementwise work runs in that memory order;
- 2x2 average pooling as strided adds; batch norm with the batch's statistics and its backward in three passes.

Parameters are dicts in PyTorch's names and layouts (Linear weights (out, in), conv weights (O, C, kh, kw)).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Params = dict[str, np.ndarray]
Cache = tuple


def _windows(xp: np.ndarray, k: int, out: tuple[int, int], lead: int) -> np.ndarray:
    """im2col: the k*k windows of the padded xp (spatial axes after `lead` axes) copied to axes (k, k, OH, OW)."""
    oh, ow = out
    cols = np.empty(xp.shape[:lead] + (k, k, oh, ow) + xp.shape[lead + 2 :], dtype=xp.dtype)
    at = (slice(None),) * lead
    for i in range(k):
        for j in range(k):
            cols[(*at, i, j)] = xp[(*at, slice(i, i + oh), slice(j, j + ow))]
    return cols


def conv_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray, pad: int) -> tuple[np.ndarray, Cache]:
    """y = conv2d(x, w) + b, stride 1: x (N, C, H, W), w (O, C, k, k) -> (N, O, OH, OW), and what backward needs."""
    n, c, h, wd = x.shape
    o, _, k, _ = w.shape
    out = (h + 2 * pad - k + 1, wd + 2 * pad - k + 1)
    if c == 1:  # per sample
        xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad))) if pad else x
        cols = _windows(xp, k, out, 2).reshape(n, c * k * k, -1)
        y = np.matmul(w.reshape(o, -1), cols)
        y += b[:, None]
        return y.reshape(n, o, *out), (cols, w, x.shape, pad)
    xt = np.zeros((c, h + 2 * pad, wd + 2 * pad, n), dtype=x.dtype)
    xt[:, pad : pad + h, pad : pad + wd] = x.transpose(1, 2, 3, 0)
    cols = _windows(xt, k, out, 1).reshape(c * k * k, -1)
    y = w.reshape(o, -1) @ cols
    y += b[:, None]
    return y.reshape(o, *out, n).transpose(3, 0, 1, 2), (cols, w, x.shape, pad)


def conv_backward(
    g: np.ndarray, cache: Cache, input_grad: bool = True
) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
    """The gradients (x, w, b) of conv_forward from the output gradient g (N, O, OH, OW); x's only if asked."""
    cols, w, (n, c, h, wd), pad = cache
    o, _, k, _ = w.shape
    oh, ow = g.shape[2:]
    if c == 1:
        g3 = g.reshape(n, o, -1)
        gw = np.add.reduce(np.matmul(g3, cols.transpose(0, 2, 1)), axis=0).reshape(w.shape)
        gb = g3.sum(axis=(0, 2))
        gx = None
        if input_grad:
            gcols = np.matmul(w.reshape(o, -1).T, g3).reshape(n, c, k, k, oh, ow)
            gxp = np.zeros((n, c, h + 2 * pad, wd + 2 * pad), dtype=g.dtype)
            for i in range(k):
                for j in range(k):
                    gxp[:, :, i : i + oh, j : j + ow] += gcols[:, :, i, j]
            gx = gxp[:, :, pad : pad + h, pad : pad + wd]
        return gx, gw, gb
    gt = g.transpose(1, 2, 3, 0).reshape(o, -1)  # free when g is itself an (O, OH, OW, N) array seen as NCHW
    gw = (gt @ cols.T).reshape(w.shape)
    gb = gt.sum(axis=1)
    gx = None
    if input_grad:
        gcols = (w.reshape(o, -1).T @ gt).reshape(c, k, k, oh, ow, n)
        gxt = np.zeros((c, h + 2 * pad, wd + 2 * pad, n), dtype=g.dtype)
        for i in range(k):
            for j in range(k):
                gxt[:, i : i + oh, j : j + ow] += gcols[:, i, j]
        gx = gxt[:, pad : pad + h, pad : pad + wd].transpose(3, 0, 1, 2)
    return gx, gw, gb


def conv2d(pad: int) -> Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray], dict[str, np.ndarray]]:
    """step(x, w, b, g): conv_forward, then conv_backward of the output gradient g; the output and the x, w and b
    gradients."""

    def step(x: np.ndarray, w: np.ndarray, b: np.ndarray, g: np.ndarray) -> dict[str, np.ndarray]:
        y, cache = conv_forward(x, w, b, pad)
        gx, gw, gb = conv_backward(g, cache)
        return {"y": y, "x": gx, "w": gw, "b": gb}

    return step


def sigmoid(x: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-x)) in one buffer, four passes (exp overflows to inf below -88.7, which gives 0)."""
    s = np.negative(x)
    with np.errstate(over="ignore"):
        np.exp(s, out=s)
    s += 1
    return np.reciprocal(s, out=s)


def avg_pool2_forward(x: np.ndarray) -> np.ndarray:
    """2x2 average pooling, stride 2, as three strided adds."""
    y = x[:, :, 0::2, 0::2] + x[:, :, 0::2, 1::2]
    y += x[:, :, 1::2, 0::2]
    y += x[:, :, 1::2, 1::2]
    y *= 0.25
    return y


def avg_pool2_backward(g: np.ndarray) -> np.ndarray:
    """The gradient of avg_pool2_forward: g / 4 written into each of the four strided positions."""
    n, c, oh, ow = g.shape
    quarter = g * 0.25
    gx = np.empty((n, c, 2 * oh, 2 * ow), dtype=g.dtype)
    for i in range(2):
        for j in range(2):
            gx[:, :, i::2, j::2] = quarter
    return gx


def cross_entropy(logits: np.ndarray, y: np.ndarray) -> tuple[np.floating, np.ndarray]:
    """Mean softmax cross-entropy of logits (N, C) against class indices y (N,), and its gradient (N, C)."""
    rows = np.arange(len(y))
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    total = exp.sum(axis=1, keepdims=True)
    loss = np.mean(np.log(total[:, 0]) - shifted[rows, y])
    g = exp / total
    g[rows, y] -= 1
    g /= len(y)
    return loss, g


def sgd(params: Params, grads: Params, lr: float) -> None:
    """p -= lr * d for each parameter, in place."""
    for name, d in grads.items():
        params[name] -= lr * d


# ---- LeNet ---------------------------------------------------------------------------------------------------
def lenet_grads(p: Params, x: np.ndarray, y: np.ndarray) -> tuple[float, Params]:
    """Loss and gradients of d2l's LeNet (sigmoids, 2x2 average pooling) on x (N, 1, 28, 28), labels y (N,)."""
    c1, k1 = conv_forward(x, p["0.weight"], p["0.bias"], 2)
    s1 = sigmoid(c1)
    p1 = avg_pool2_forward(s1)
    c2, k2 = conv_forward(p1, p["3.weight"], p["3.bias"], 0)
    s2 = sigmoid(c2)
    p2 = avg_pool2_forward(s2)
    h0 = p2.reshape(len(x), -1)
    h1 = sigmoid(h0 @ p["7.weight"].T + p["7.bias"])
    h2 = sigmoid(h1 @ p["9.weight"].T + p["9.bias"])
    logits = h2 @ p["11.weight"].T + p["11.bias"]
    loss, g = cross_entropy(logits, y)
    grads = {"11.weight": g.T @ h2, "11.bias": g.sum(0)}
    g = g @ p["11.weight"]
    g *= h2 * (1 - h2)
    grads["9.weight"], grads["9.bias"] = g.T @ h1, g.sum(0)
    g = g @ p["9.weight"]
    g *= h1 * (1 - h1)
    grads["7.weight"], grads["7.bias"] = g.T @ h0, g.sum(0)
    g = avg_pool2_backward((g @ p["7.weight"]).reshape(p2.shape))
    g *= s2 * (1 - s2)
    g, grads["3.weight"], grads["3.bias"] = conv_backward(g, k2)
    g = avg_pool2_backward(g)
    g *= s1 * (1 - s1)
    _, grads["0.weight"], grads["0.bias"] = conv_backward(g, k1, input_grad=False)
    return loss, grads


# ---- ResNet blocks -------------------------------------------------------------------------------------------
EPS, MOMENTUM = 1e-5, 0.1


def bn_forward(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, running: Params, name: str):
    """Batch norm in training over (N, H, W) per channel; updates running[name + '.running_mean'/'_var']."""
    axes, count = (0, 2, 3), x.size // x.shape[1]
    mean = x.mean(axis=axes, keepdims=True)
    xhat = x - mean
    var = np.square(xhat).mean(axis=axes, keepdims=True)
    inv_std = 1 / np.sqrt(var + EPS)
    xhat *= inv_std
    out = xhat * gamma.reshape(1, -1, 1, 1)
    out += beta.reshape(1, -1, 1, 1)
    rm, rv = running[name + ".running_mean"], running[name + ".running_var"]
    rm *= 1 - MOMENTUM
    rm += MOMENTUM * mean.reshape(-1)
    rv *= 1 - MOMENTUM
    rv += MOMENTUM * count / (count - 1) * var.reshape(-1)
    return out, (xhat, inv_std, gamma)


def bn_backward(g: np.ndarray, cache: Cache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients (x, gamma, beta) of bn_forward: gx = gamma / std * (g - mean(g) - xhat * mean(g * xhat))."""
    xhat, inv_std, gamma = cache
    axes, count = (0, 2, 3), g.size // g.shape[1]
    gbeta = g.sum(axis=axes)
    ggamma = (g * xhat).sum(axis=axes)
    gx = xhat * (ggamma / count).reshape(1, -1, 1, 1)
    np.subtract(g, gx, out=gx)
    gx -= (gbeta / count).reshape(1, -1, 1, 1)
    gx *= gamma.reshape(1, -1, 1, 1) * inv_std
    return gx, ggamma, gbeta


def resnet_grads(p: Params, running: Params, blocks: int, x: np.ndarray, y: np.ndarray) -> tuple[float, Params]:
    """Loss and gradients of `blocks` d2l Residual blocks (conv-BN-ReLU-conv-BN, + x, ReLU), global average
    pooling and a Linear head, on x (N, C, H, W) and labels y (N,)."""
    caches, h = [], x
    for i in range(blocks):
        pre = f"{i}."
        c1, kc1 = conv_forward(h, p[pre + "conv1.weight"], p[pre + "conv1.bias"], 1)
        b1, kb1 = bn_forward(c1, p[pre + "bn1.weight"], p[pre + "bn1.bias"], running, pre + "bn1")
        r1 = np.maximum(b1, 0)
        c2, kc2 = conv_forward(r1, p[pre + "conv2.weight"], p[pre + "conv2.bias"], 1)
        b2, kb2 = bn_forward(c2, p[pre + "bn2.weight"], p[pre + "bn2.bias"], running, pre + "bn2")
        b2 += h
        h = np.maximum(b2, 0)
        caches.append((kc1, kb1, r1, kc2, kb2, h))
    pooled = h.mean(axis=(2, 3))
    head = f"{blocks + 2}."
    logits = pooled @ p[head + "weight"].T + p[head + "bias"]
    loss, g = cross_entropy(logits, y)
    grads = {head + "weight": g.T @ pooled, head + "bias": g.sum(0)}
    g = g @ p[head + "weight"]
    hw = h.shape[2] * h.shape[3]
    g = np.broadcast_to((g / hw)[:, :, None, None], h.shape)
    for i in reversed(range(blocks)):
        pre = f"{i}."
        kc1, kb1, r1, kc2, kb2, out = caches[i]
        g = g * (out > 0)
        gc2, grads[pre + "bn2.weight"], grads[pre + "bn2.bias"] = bn_backward(g, kb2)
        gr1, grads[pre + "conv2.weight"], grads[pre + "conv2.bias"] = conv_backward(gc2, kc2)
        gr1 *= r1 > 0
        gc1, grads[pre + "bn1.weight"], grads[pre + "bn1.bias"] = bn_backward(gr1, kb1)
        gx, grads[pre + "conv1.weight"], grads[pre + "conv1.bias"] = conv_backward(gc1, kc1, input_grad=i > 0)
        if i > 0:
            gx += g
            g = gx
    return loss, grads


def lenet(params: Params, lr: float) -> Callable[[np.ndarray, np.ndarray], float]:
    """SGD step of LeNet; returns the loss."""
    params = {k: v.copy() for k, v in params.items()}

    def step(x: np.ndarray, y: np.ndarray) -> float:
        loss, grads = lenet_grads(params, x, y)
        sgd(params, grads, lr)
        return loss

    return step


def resnet(params: Params, blocks: int, lr: float) -> Callable[[np.ndarray, np.ndarray], float]:
    """SGD step of the ResNet stack (batch norm's running statistics updated as in training); returns the loss."""
    params = {k: v.copy() for k, v in params.items()}
    running = {}
    for name in params:
        if ".bn" in name and name.endswith(".weight"):
            bn = name.removesuffix(".weight")
            running[bn + ".running_mean"] = np.zeros_like(params[name])
            running[bn + ".running_var"] = np.ones_like(params[name])

    def step(x: np.ndarray, y: np.ndarray) -> float:
        loss, grads = resnet_grads(params, running, blocks, x, y)
        sgd(params, grads, lr)
        return loss

    return step
