"""Convolution: `conv2d` and `conv1d` (cross-correlation, as in PyTorch), with strides, padding, dilation and groups.

Every convolution is one trilinear form T(x, w, y) = <conv(x, w), y>; its three partial maps are the operations
here, and each one's gradient is made of the three again, so derivatives of any order stay in this family:

- `Conv2d(x, w, b)`: y = conv(x, w) + b, the layer's forward;
- `ConvTranspose2d(g, w)`: the adjoint in x, x-shaped (the data gradient, a transposed convolution);
- `ConvWeight2d(x, g)`: the adjoint in w, w-shaped (the weight gradient).

Behind all three is one primitive pair, im2col (windows copied out as columns) and col2im (its adjoint, columns added
back into windows), used in one of three layouts picked per layer shape (`_strategy`); forward and backward, one thread:

- `batch_first`: columns (N, G, C/G*kh*kw, OH*OW), one matmul per sample; best with one input channel per group
  (LeNet's first layer: about 4x faster than the batch-last layout), where the batch-last layout would only add
  transposes around a small product;
- `batch_last`: the input as (C, H, W, N), columns (G, C/G*kh*kw, OH*OW*N): each window copy moves long contiguous
  rows (OW*N elements) and one product per group does the rest; best from about 6 channels on small maps (LeNet's
  second layer: about 2x faster than batch-first; 64 channels on 7x7 maps: 1.8x);
- `shifted`: no columns at all, for stride 1 on large maps: the padded input as (G, C/G, Hp*Wp*N), each kernel offset
  (i, j) is a contiguous slice shifted by (i*Wp + j)*N, so the convolution is kh*kw products accumulated over the
  full padded width, the columns past OW dropped at the end (56x56 maps: 2.5x faster than columns, and no buffer kh*kw
  times the input).
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..function import CONSTANT, Function, add_tangents
from ..tensor import Tensor, as_array


@dataclass(frozen=True)
class ConvGeometry:
    """Shapes of one 2-d convolution: input size (H, W), kernel, stride, padding ((top, bottom), (left, right)),
    dilation and groups; `out` is the output size (OH, OW)."""

    size: tuple[int, int]
    kernel: tuple[int, int]
    stride: tuple[int, int]
    padding: tuple[tuple[int, int], tuple[int, int]]
    dilation: tuple[int, int]
    groups: int

    @property
    def padded(self) -> tuple[int, int]:
        return tuple(n + p0 + p1 for n, (p0, p1) in zip(self.size, self.padding))

    @property
    def out(self) -> tuple[int, int]:
        return tuple(
            (n - d * (k - 1) - 1) // s + 1 for n, k, s, d in zip(self.padded, self.kernel, self.stride, self.dilation)
        )

    def window(self, i: int, j: int, lead: int) -> tuple[slice, ...]:
        """The index of the input elements that kernel offset (i, j) meets, spatial axes after `lead` axes."""
        (oh, ow), (sh, sw), (dh, dw) = self.out, self.stride, self.dilation
        rows = slice(i * dh, i * dh + sh * (oh - 1) + 1, sh)
        cols = slice(j * dw, j * dw + sw * (ow - 1) + 1, sw)
        return (slice(None),) * lead + (rows, cols)

    def inner(self, lead: int) -> tuple[slice, ...]:
        """The index of the unpadded input inside the padded one."""
        (top, _), (left, _) = self.padding
        return (slice(None),) * lead + (slice(top, top + self.size[0]), slice(left, left + self.size[1]))


# ---- the primitive pair --------------------------------------------------------------------------------------
def im2col(xp: np.ndarray, geom: ConvGeometry, lead: int) -> np.ndarray:
    """Windows of the padded input `xp` (spatial axes after `lead` axes) as columns: the axes (kh, kw, OH, OW)
    replace (Hp, Wp), so a (N, C, Hp, Wp) input gives (N, C, kh, kw, OH, OW) and (C, Hp, Wp, N) gives
    (C, kh, kw, OH, OW, N)."""
    kh, kw = geom.kernel
    shape = xp.shape[:lead] + (kh, kw) + geom.out + xp.shape[lead + 2 :]
    cols = np.empty(shape, dtype=xp.dtype)
    at = (slice(None),) * lead
    for i in range(kh):
        for j in range(kw):
            cols[(*at, i, j)] = xp[geom.window(i, j, lead)]
    return cols


def col2im(cols: np.ndarray, geom: ConvGeometry, lead: int) -> np.ndarray:
    """The adjoint of `im2col`: each column added back into its window of a zero padded input."""
    kh, kw = geom.kernel
    shape = cols.shape[:lead] + geom.padded + cols.shape[lead + 4 :]
    xp = np.zeros(shape, dtype=cols.dtype)
    at = (slice(None),) * lead
    for i in range(kh):
        for j in range(kw):
            xp[geom.window(i, j, lead)] += cols[(*at, i, j)]
    return xp


def _pad_batch_last(x: np.ndarray, geom: ConvGeometry, extra_rows: int = 0) -> np.ndarray:
    """x (N, C, H, W) as a zero padded (C, Hp + extra_rows, Wp, N) array: one copy transposes and pads."""
    hp, wp = geom.padded
    out = np.zeros((x.shape[1], hp + extra_rows, wp, x.shape[0]), dtype=x.dtype)
    out[geom.inner(1)] = x.transpose(1, 2, 3, 0)
    return out


def _pad_batch_first(x: np.ndarray, geom: ConvGeometry) -> np.ndarray:
    (top, bottom), (left, right) = geom.padding
    if not (top or bottom or left or right):
        return x
    return np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)))


def _strategy(geom: ConvGeometry, in_channels: int) -> str:
    """The fastest layout for this layer shape (measurements in the module docstring)."""
    if in_channels // geom.groups == 1:
        return "batch_first"
    oh, ow = geom.out
    if geom.stride == (1, 1) and oh * ow >= _SHIFTED_FROM:
        return "shifted"
    return "batch_last"


_SHIFTED_FROM = 24 * 24  # output maps at least this large: kh*kw shifted products beat copying columns


def _grouped(w: np.ndarray, groups: int) -> np.ndarray:
    """Weight (O, C/G, kh, kw) as (G, O/G, C/G*kh*kw)."""
    return w.reshape(groups, w.shape[0] // groups, -1)


def _conv(x: np.ndarray, w: np.ndarray, geom: ConvGeometry, cols: np.ndarray | None = None) -> np.ndarray:
    """conv(x, w): x (N, C, H, W), w (O, C/G, kh, kw) -> (N, O, OH, OW) (possibly a transposed view)."""
    n, c = x.shape[:2]
    o, g = w.shape[0], geom.groups
    (oh, ow), kind = geom.out, _strategy(geom, c)
    if kind == "batch_first":
        cols = im2col(_pad_batch_first(x, geom), geom, 2) if cols is None else cols
        y = np.matmul(_grouped(w, g), cols.reshape(n, g, -1, oh * ow))
        return y.reshape(n, o, oh, ow)
    if kind == "batch_last":
        cols = im2col(_pad_batch_last(x, geom), geom, 1) if cols is None else cols
        y = np.matmul(_grouped(w, g), cols.reshape(g, -1, oh * ow * n))
        return y.reshape(o, oh, ow, n).transpose(3, 0, 1, 2)
    xflat, offsets, m = _shifted_input(x, geom)
    wp = geom.padded[1]
    y = np.zeros((g, o // g, m), dtype=np.result_type(x, w))
    wg = w.reshape(g, o // g, c // g, *geom.kernel)
    for (i, j), off in offsets:
        y += np.matmul(wg[..., i, j], xflat[..., off : off + m])
    return y.reshape(o, oh, wp, n)[:, :, :ow].transpose(3, 0, 1, 2)


def _shifted_input(x: np.ndarray, geom: ConvGeometry):
    """The padded input as (G, C/G, (Hp+1)*Wp*N), each kernel offset's flat start, and the product width OH*Wp*N.

    The extra zero row lets the last offsets' slices run past the padded rows."""
    n, c = x.shape[:2]
    (kh, kw), (dh, dw), wp = geom.kernel, geom.dilation, geom.padded[1]
    xflat = _pad_batch_last(x, geom, extra_rows=1).reshape(geom.groups, c // geom.groups, -1)
    offsets = [((i, j), (i * dh * wp + j * dw) * n) for i in range(kh) for j in range(kw)]
    return xflat, offsets, geom.out[0] * wp * n


def _shifted_grad(g: np.ndarray, geom: ConvGeometry) -> np.ndarray:
    """g (N, O, OH, OW) as (G, O/G, OH*Wp*N), zero in the columns past OW (the layout of `shifted` products)."""
    n, o, oh, ow = g.shape
    full = np.zeros((o, oh, geom.padded[1], n), dtype=g.dtype)
    full[:, :, :ow] = g.transpose(1, 2, 3, 0)
    return full.reshape(geom.groups, o // geom.groups, -1)


def _conv_transpose(g: np.ndarray, w: np.ndarray, geom: ConvGeometry, channels: int) -> np.ndarray:
    """The adjoint of conv in x: g (N, O, OH, OW), w (O, C/G, kh, kw) -> (N, C, H, W)."""
    n, o, oh, ow = g.shape
    groups, kind = geom.groups, _strategy(geom, channels)
    (kh, kw), c = geom.kernel, channels
    wt = _grouped(w, groups).transpose(0, 2, 1)  # (G, C/G*kh*kw, O/G)
    if kind == "batch_first":
        cols = np.matmul(wt, g.reshape(n, groups, o // groups, oh * ow))
        return col2im(cols.reshape(n, c, kh, kw, oh, ow), geom, 2)[geom.inner(2)]
    if kind == "batch_last":
        gt = g.transpose(1, 2, 3, 0).reshape(groups, o // groups, -1)
        cols = np.matmul(wt, gt).reshape(c, kh, kw, oh, ow, n)
        return col2im(cols, geom, 1)[geom.inner(1)].transpose(3, 0, 1, 2)
    gfull = _shifted_grad(g, geom)
    hp, wp = geom.padded
    m = gfull.shape[-1]
    xflat = np.zeros((groups, c // groups, (hp + 1) * wp * n), dtype=np.result_type(g, w))
    wg = w.reshape(groups, o // groups, c // groups, kh, kw).transpose(0, 2, 1, 3, 4)  # (G, C/G, O/G, kh, kw)
    for i in range(kh):
        for j in range(kw):
            off = (i * geom.dilation[0] * wp + j * geom.dilation[1]) * n
            xflat[..., off : off + m] += np.matmul(wg[..., i, j], gfull)
    return xflat.reshape(c, hp + 1, wp, n)[geom.inner(1)].transpose(3, 0, 1, 2)


def _conv_weight(x: np.ndarray, g: np.ndarray, geom: ConvGeometry, cols: np.ndarray | None = None) -> np.ndarray:
    """The adjoint of conv in w: x (N, C, H, W), g (N, O, OH, OW) -> (O, C/G, kh, kw)."""
    n, c = x.shape[:2]
    o, groups = g.shape[1], geom.groups
    kind = _strategy(geom, c)
    shape = (o, c // groups, *geom.kernel)
    if kind == "batch_first":
        cols = im2col(_pad_batch_first(x, geom), geom, 2) if cols is None else cols
        length = geom.out[0] * geom.out[1]
        # a product per sample, then the sum over the batch (4x faster than one product over copied operands)
        per_sample = np.matmul(
            g.reshape(n, groups, o // groups, length), cols.reshape(n, groups, -1, length).transpose(0, 1, 3, 2)
        )
        return np.add.reduce(per_sample, axis=0).reshape(shape)
    if kind == "batch_last":
        cols = im2col(_pad_batch_last(x, geom), geom, 1) if cols is None else cols
        gt = g.transpose(1, 2, 3, 0).reshape(groups, o // groups, -1)
        return np.matmul(gt, cols.reshape(groups, -1, gt.shape[-1]).transpose(0, 2, 1)).reshape(shape)
    xflat, offsets, m = _shifted_input(x, geom)
    gfull = _shifted_grad(g, geom)
    gw = np.empty((groups, o // groups, c // groups, *geom.kernel), dtype=np.result_type(x, g))
    for (i, j), off in offsets:
        gw[..., i, j] = np.matmul(gfull, xflat[..., off : off + m].transpose(0, 2, 1))
    return gw.reshape(shape)


# ---- the three operations ------------------------------------------------------------------------------------
class Conv2d(Function):
    """y = conv(x, w) (+ b): x (N, C, H, W), w (O, C/G, kh, kw), b (O,) -> (N, O, OH, OW)."""

    saves = (0, 1, CONSTANT)  # x, w, and the im2col columns (None where the layout makes none)

    def forward(self, x, w, b=None, geom=None):
        self.geom, self.has_bias = geom, b is not None
        kind = _strategy(geom, x.shape[1])
        # the columns are kept for the weight gradient where a layout makes them (not `shifted`: no large buffer)
        cols = None
        if kind != "shifted":
            cols = im2col(
                _pad_batch_first(x, geom) if kind == "batch_first" else _pad_batch_last(x, geom),
                geom,
                2 if kind == "batch_first" else 1,
            )
        self.saved = (x, w, cols)
        y = _conv(x, w, geom, cols)
        if b is not None:
            y += b.reshape(-1, 1, 1)
        return y

    def backward(self, g):
        x, w, cols = self.saved
        cols = cols if isinstance(x, np.ndarray) else None  # recorded again under create_graph
        gx = ConvTranspose2d.apply_or_run(g, w, geom=self.geom, channels=x.shape[1]) if self.needs_grad(0) else None
        gw = ConvWeight2d.apply_or_run(x, g, geom=self.geom, cols=cols) if self.needs_grad(1) else None
        if not self.has_bias:
            return gx, gw
        return gx, gw, (g.sum(axis=(0, 2, 3)) if self.needs_grad(2) else None)

    def jvp(self, tx, tw, tb=None):
        x, w, _ = self.saved
        return add_tangents(
            Conv2d.apply_or_run(tx, w, geom=self.geom) if tx is not None else None,
            Conv2d.apply_or_run(x, tw, geom=self.geom) if tw is not None else None,
            tb.reshape(-1, 1, 1) if tb is not None else None,
        )


class ConvTranspose2d(Function):
    """The adjoint of `Conv2d` in its input: g (N, O, OH, OW), w (O, C/G, kh, kw) -> (N, C, H, W)."""

    saves = (0, 1)

    def forward(self, g, w, geom, channels):
        self.geom, self.channels = geom, channels
        self.saved = (g, w)
        return _conv_transpose(g, w, geom, channels)

    def backward(self, gg):
        g, w = self.saved
        dg = Conv2d.apply_or_run(gg, w, geom=self.geom) if self.needs_grad(0) else None
        dw = ConvWeight2d.apply_or_run(gg, g, geom=self.geom) if self.needs_grad(1) else None
        return dg, dw

    def jvp(self, tg, tw):
        g, w = self.saved
        return add_tangents(
            ConvTranspose2d.apply_or_run(tg, w, geom=self.geom, channels=self.channels) if tg is not None else None,
            ConvTranspose2d.apply_or_run(g, tw, geom=self.geom, channels=self.channels) if tw is not None else None,
        )


class ConvWeight2d(Function):
    """The adjoint of `Conv2d` in its weight: x (N, C, H, W), g (N, O, OH, OW) -> (O, C/G, kh, kw)."""

    saves = (0, 1)

    def forward(self, x, g, geom, cols=None):
        self.geom = geom
        self.saved = (x, g)
        return _conv_weight(x, g, geom, cols)

    def backward(self, gw):
        x, g = self.saved
        dx = ConvTranspose2d.apply_or_run(g, gw, geom=self.geom, channels=x.shape[1]) if self.needs_grad(0) else None
        dg = Conv2d.apply_or_run(x, gw, geom=self.geom) if self.needs_grad(1) else None
        return dx, dg

    def jvp(self, tx, tg):
        x, g = self.saved
        return add_tangents(
            ConvWeight2d.apply_or_run(tx, g, geom=self.geom) if tx is not None else None,
            ConvWeight2d.apply_or_run(x, tg, geom=self.geom) if tg is not None else None,
        )


# ---- argument checks and the public functions ----------------------------------------------------------------
def ntuple(value: Any, n: int, name: str, op: str, minimum: int = 1) -> tuple[int, ...]:
    """An int or a sequence of n ints as a tuple of n ints, each at least `minimum` (RuntimeError otherwise)."""
    items = tuple(value) if isinstance(value, (tuple, list)) else (value,) * n
    if len(items) != n or any(isinstance(v, bool) or not isinstance(v, numbers.Integral) for v in items):
        raise TypeError(f"{op}: {name} must be an int or a tuple of {n} ints, got {value!r}")
    if any(v < minimum for v in items):
        what = "non-positive" if minimum == 1 else "negative"
        raise RuntimeError(f"{op}: {what} {name} is not supported, got {value!r}")
    return tuple(int(v) for v in items)


def _geometry(x, w, stride, padding, dilation, groups, op: str) -> ConvGeometry:
    """Check a conv2d call's shapes and settings (PyTorch's messages) and work out its geometry."""
    xs, ws = as_array(x).shape, as_array(w).shape
    if len(ws) != 4:
        raise RuntimeError(f"{op}: expected a 4-d weight (out_channels, in_channels/groups, kh, kw), got {ws}")
    if len(xs) != 4:
        raise RuntimeError(f"{op}: expected a 3-d (unbatched) or 4-d (batched) input, got shape {xs}")
    if isinstance(groups, bool) or not isinstance(groups, numbers.Integral) or groups < 1:
        raise RuntimeError(f"{op}: non-positive groups is not supported, got {groups!r}")
    if xs[1] != ws[1] * groups:
        raise RuntimeError(
            f"{op}: Given groups={groups}, weight of size {list(ws)}, expected input{list(xs)} to have "
            f"{ws[1] * groups} channels, but got {xs[1]} channels instead"
        )
    if ws[0] % groups:
        raise RuntimeError(f"{op}: out_channels {ws[0]} of weight {list(ws)} is not divisible by groups={groups}")
    stride, dilation = ntuple(stride, 2, "stride", op), ntuple(dilation, 2, "dilation", op)
    kernel = ws[2:]
    if isinstance(padding, str):
        if padding == "valid":
            pads = ((0, 0), (0, 0))
        elif padding == "same":
            if stride != (1, 1):
                raise RuntimeError(f"{op}: padding='same' is not supported for strided convolutions")
            totals = [d * (k - 1) for d, k in zip(dilation, kernel)]
            pads = tuple((t // 2, t - t // 2) for t in totals)  # the odd one out goes after, as in PyTorch
        else:
            raise RuntimeError(f"{op}: Invalid padding string {padding!r}, should be one of 'valid', 'same'")
    else:
        pads = tuple((p, p) for p in ntuple(padding, 2, "padding", op, minimum=0))
    geom = ConvGeometry(xs[2:], kernel, stride, pads, dilation, int(groups))
    reach = tuple(d * (k - 1) + 1 for d, k in zip(dilation, kernel))
    if any(p < r for p, r in zip(geom.padded, reach)):
        raise RuntimeError(
            f"{op}: Calculated padded input size per channel: ({' x '.join(map(str, geom.padded))}). Kernel size: "
            f"({' x '.join(map(str, reach))}). Kernel size can't be greater than actual input size"
        )
    return geom


def _check_bias(bias, w, op: str) -> None:
    if bias is not None and as_array(bias).shape != (as_array(w).shape[0],):
        raise RuntimeError(f"{op}: expected bias of shape ({as_array(w).shape[0]},), got {as_array(bias).shape}")


def conv2d(
    input: Tensor,  # noqa: A002 (PyTorch's name)
    weight: Tensor,
    bias: Tensor | None = None,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] | str = 0,
    dilation: int | tuple[int, int] = 1,
    groups: int = 1,
) -> Tensor:
    """2-d cross-correlation: input (N, C, H, W) or (C, H, W), weight (O, C/groups, kh, kw), bias (O,)
    -> (N, O, OH, OW), OH = (H + 2 padding - dilation (kh - 1) - 1) // stride + 1. `padding` is an int, a pair,
    'valid' (none) or 'same' (output as large as the input, stride 1)."""
    unbatched = as_array(input).ndim == 3
    if unbatched:
        input = input.unsqueeze(0)
    geom = _geometry(input, weight, stride, padding, dilation, groups, "conv2d")
    _check_bias(bias, weight, "conv2d")
    args = (input, weight) if bias is None else (input, weight, bias)
    out = Conv2d.apply(*args, geom=geom)
    return out.squeeze(0) if unbatched else out


def conv1d(
    input: Tensor,  # noqa: A002 (PyTorch's name)
    weight: Tensor,
    bias: Tensor | None = None,
    stride: int | tuple[int] = 1,
    padding: int | tuple[int] | str = 0,
    dilation: int | tuple[int] = 1,
    groups: int = 1,
) -> Tensor:
    """1-d cross-correlation: input (N, C, L) or (C, L), weight (O, C/groups, k), bias (O,) -> (N, O, OL);
    computed as a conv2d over a height of 1."""
    if as_array(weight).ndim != 3:
        raise RuntimeError(f"conv1d: expected a 3-d weight (out_channels, in_channels/groups, k), got {weight.shape}")
    if as_array(input).ndim not in (2, 3):
        raise RuntimeError(f"conv1d: expected a 2-d (unbatched) or 3-d (batched) input, got shape {input.shape}")
    unbatched = as_array(input).ndim == 2
    if unbatched:
        input = input.unsqueeze(0)

    def widen(v, name):
        return v if isinstance(v, str) else (1 if name != "padding" else 0, *ntuple(v, 1, name, "conv1d", 0))

    out = conv2d(
        input.unsqueeze(2),
        weight.unsqueeze(2),
        bias,
        widen(stride, "stride"),
        widen(padding, "padding"),
        widen(dilation, "dilation"),
        groups,
    ).squeeze(2)
    return out.squeeze(0) if unbatched else out
