"""Pooling, each one fused graph node: max, average and adaptive pooling in 2-d, and their 1-d forms.

Pooling windows are those of a convolution (`ConvGeometry`); the operations share one linear pair:

- `WindowGather`: y = scale * sum over kernel offsets k of mask_k * x[window k] (average pooling; with 0/1 masks,
  max pooling's gradient in forward mode);
- `WindowScatter`: its adjoint, g spread back into the windows (the gradient of both poolings).

Each is the other's gradient, so pooling has derivatives of every order. Layouts, measured on 256 x 6 x 28 x 28:
average pooling adds the strided windows of the (N, C, H, W) array (for 2x2 about 12x faster than a sum over
the axes of a reshaped view); max pooling takes np.maximum over windows of the input moved to (H, W, N, C), where
every window is a run of contiguous N*C blocks (about 10x faster than in the (N, C, H, W) layout).
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from ..function import CONSTANT, Function
from ..tensor import Tensor, as_array
from .conv import ConvGeometry, ntuple

NCHW, HWNC = 2, 0  # where the spatial axes sit in a working array: after (N, C), or first (then N, C)


def _to_layout(x: np.ndarray, geom: ConvGeometry, layout: int, fill: float) -> np.ndarray:
    """x (N, C, H, W) padded with `fill`, in the working layout (always a new array for HWNC)."""
    n, c = x.shape[:2]
    if layout == NCHW:
        if geom.padded == geom.size:
            return x
        out = np.full((n, c, *geom.padded), fill, dtype=x.dtype)
        out[geom.inner(2)] = x
        return out
    out = np.full((*geom.padded, n, c), fill, dtype=x.dtype)
    out[geom.inner(0)] = x.transpose(2, 3, 0, 1)
    return out


def _from_layout(xp: np.ndarray, geom: ConvGeometry, layout: int) -> np.ndarray:
    """The inverse of `_to_layout`: the unpadded (N, C, H, W) view."""
    inner = xp[geom.inner(layout)]
    return inner if layout == NCHW else inner.transpose(2, 3, 0, 1)


def _out_layout(y: np.ndarray, layout: int) -> np.ndarray:
    """An output in the working layout as (N, C, OH, OW)."""
    return y if layout == NCHW else y.transpose(2, 3, 0, 1)


def _in_layout(g: np.ndarray, layout: int) -> np.ndarray:
    """An (N, C, OH, OW) gradient in the working layout."""
    return g if layout == NCHW else g.transpose(2, 3, 0, 1)


def _offsets(geom: ConvGeometry) -> list[tuple[int, int]]:
    return [(i, j) for i in range(geom.kernel[0]) for j in range(geom.kernel[1])]


def _tiles(geom: ConvGeometry) -> bool:
    """Whether the windows tile the padded input exactly: no overlap (stride = kernel, no dilation) and no gap."""
    return geom.dilation == (1, 1) and all(
        s == k and o * s == p for s, k, o, p in zip(geom.stride, geom.kernel, geom.out, geom.padded)
    )


class WindowGather(Function):
    """y = scale * sum_k mask_k * x[window k]: x (N, C, H, W) -> (N, C, OH, OW); masks None (all ones) or one
    array per kernel offset, scale None or an array broadcasting against the output (in the working layout)."""

    def forward(self, x, geom, layout, masks=None, scale=None):
        self.geom, self.layout, self.masks, self.scale = geom, layout, masks, scale
        xp = _to_layout(x, geom, layout, 0.0)
        windows = [xp[geom.window(i, j, layout)] for i, j in _offsets(geom)]
        if masks is None:  # the first two windows added into a new array: one pass fewer than copying the first
            total = windows[0] + windows[1] if len(windows) > 1 else windows[0].copy()
            for window in windows[2:]:
                total += window
        else:
            total = windows[0] * masks[0]
            for window, mask in zip(windows[1:], masks[1:]):
                total += window * mask
        if scale is not None:
            total *= scale
        return _out_layout(total, layout)

    def backward(self, g):
        return (WindowScatter.apply_or_run(g, geom=self.geom, layout=self.layout, masks=self.masks, scale=self.scale),)

    def jvp(self, t):
        return WindowGather.apply_or_run(t, geom=self.geom, layout=self.layout, masks=self.masks, scale=self.scale)


class WindowScatter(Function):
    """The adjoint of `WindowGather`: g (N, C, OH, OW) spread into the windows of a zero input (N, C, H, W)."""

    def forward(self, g, geom, layout, masks=None, scale=None):
        self.geom, self.layout, self.masks, self.scale = geom, layout, masks, scale
        gl = _in_layout(g, layout)
        if scale is not None:
            gl = gl * scale
        n, c = g.shape[:2]
        shape = (n, c, *geom.padded) if layout == NCHW else (*geom.padded, n, c)
        if _tiles(geom):  # each input element in one window: written once, no zeroing (2x2 on 28x28: about 4x faster)
            gx = np.empty(shape, dtype=g.dtype)
            for k, (i, j) in enumerate(_offsets(geom)):
                if masks is None:
                    gx[geom.window(i, j, layout)] = gl
                else:
                    np.multiply(gl, masks[k], out=gx[geom.window(i, j, layout)])
            return _from_layout(gx, geom, layout)
        gx = np.zeros(shape, dtype=g.dtype)
        for k, (i, j) in enumerate(_offsets(geom)):
            gx[geom.window(i, j, layout)] += gl if masks is None else gl * masks[k]
        return _from_layout(gx, geom, layout)

    def backward(self, gg):
        return (WindowGather.apply_or_run(gg, geom=self.geom, layout=self.layout, masks=self.masks, scale=self.scale),)

    def jvp(self, t):
        return WindowScatter.apply_or_run(t, geom=self.geom, layout=self.layout, masks=self.masks, scale=self.scale)


class MaxPool2d(Function):
    """The maximum over each window: x (N, C, H, W) -> (N, C, OH, OW); padding counts as -inf, and of tied
    elements the first in the window (row by row) takes the gradient, as in PyTorch."""

    # the padded input and the maxima (HWNC), then, once backward first needs them, the argmax masks in their place;
    # all freed by a backward that does not retain the graph
    saves = (CONSTANT, CONSTANT)

    def forward(self, x, geom):
        self.geom = geom
        xp = _to_layout(x, geom, HWNC, -np.inf)
        windows = [xp[geom.window(i, j, HWNC)] for i, j in _offsets(geom)]
        out = windows[0].copy()
        for window in windows[1:]:
            np.maximum(out, window, out=out)
        self.saved = (xp, out)
        return _out_layout(out, HWNC)

    def masks(self) -> list[np.ndarray]:
        """For each kernel offset, where it holds the window's first maximum (computed once, when first needed)."""
        xp, out = self.saved
        if isinstance(xp, list):
            return xp
        taken = np.zeros(out.shape, dtype=bool)
        masks = []
        for i, j in _offsets(self.geom):
            mask = xp[self.geom.window(i, j, HWNC)] == out
            mask &= ~taken
            taken |= mask
            masks.append(mask)
        self.saved = (masks, out)  # the padded input is no longer needed
        return masks

    def indices(self) -> np.ndarray:
        """PyTorch's indices: the flat position in (H, W) of each maximum, int64 (N, C, OH, OW)."""
        geom = self.geom
        (oh, ow), (sh, sw), (dh, dw) = geom.out, geom.stride, geom.dilation
        (top, _), (left, _) = geom.padding
        rows, cols = np.arange(oh)[:, None, None, None] * sh - top, np.arange(ow)[None, :, None, None] * sw - left
        index = np.zeros(self.saved[1].shape, dtype=np.int64)
        for mask, (i, j) in zip(self.masks(), _offsets(geom)):
            index += mask * ((rows + i * dh) * geom.size[1] + cols + j * dw)
        return _out_layout(index, HWNC)

    def backward(self, g):
        return (WindowScatter.apply_or_run(g, geom=self.geom, layout=HWNC, masks=self.masks()),)

    def jvp(self, t):
        return WindowGather.apply_or_run(t, geom=self.geom, layout=HWNC, masks=self.masks())


class Separable(Function):
    """y = rows @ x @ cols.T over the last two axes: x (..., H, W), rows (OH, H), cols (OW, W) -> (..., OH, OW).
    Adaptive average pooling, with averaging matrices; its adjoint is the same product with the transposes."""

    def forward(self, x, rows, cols):
        self.rows, self.cols = rows, cols
        return np.matmul(np.matmul(rows, x), cols.T)

    def backward(self, g):
        return (Separable.apply_or_run(g, rows=self.rows.T, cols=self.cols.T),)

    def jvp(self, t):
        return Separable.apply_or_run(t, rows=self.rows, cols=self.cols)


class TakeSpatial(Function):
    """x (N, C, H, W) at flat spatial positions `index` (N, C, OH, OW): adaptive max pooling on uneven windows."""

    def forward(self, x, index):
        self.index, self.size = index, x.shape[2:]
        flat = x.reshape(*x.shape[:2], -1)
        return np.take_along_axis(flat, index.reshape(*index.shape[:2], -1), axis=2).reshape(index.shape)

    def backward(self, g):
        return (PutSpatial.apply_or_run(g, index=self.index, size=self.size),)

    def jvp(self, t):
        return TakeSpatial.apply_or_run(t, index=self.index)


class PutSpatial(Function):
    """The adjoint of `TakeSpatial`: g (N, C, OH, OW) added at flat positions `index` of zeros (N, C, *size)."""

    def forward(self, g, index, size):
        self.index, self.size = index, size
        n, c = g.shape[:2]
        out = np.zeros((n * c, size[0] * size[1]), dtype=g.dtype)
        rows = np.arange(n * c)[:, None]
        np.add.at(out, (rows, index.reshape(n * c, -1)), g.reshape(n * c, -1))
        return out.reshape(n, c, *size)

    def backward(self, gg):
        return (TakeSpatial.apply_or_run(gg, index=self.index),)

    def jvp(self, t):
        return PutSpatial.apply_or_run(t, index=self.index, size=self.size)


# ---- argument checks and geometry ----------------------------------------------------------------------------
def _check_input(x: Any, op: str, dims: int = 2) -> None:
    shape = as_array(x).shape
    if len(shape) not in (dims + 1, dims + 2) or any(n == 0 for n in shape[-dims:]):
        raise RuntimeError(
            f"{op}: expected a {dims + 1}-d (unbatched) or {dims + 2}-d (batched) input with non-zero spatial "
            f"sizes, got shape {shape}"
        )
    if as_array(x).dtype.kind != "f":
        raise RuntimeError(f"{op}: expected a floating point input, got {as_array(x).dtype}")


def _pool_geometry(size, kernel, stride, padding, dilation, ceil_mode, op: str) -> ConvGeometry:
    """The windows of a pooling layer over a (H, W) input, with the extra padding after that ceil_mode needs."""
    kernel = ntuple(kernel, 2, "kernel_size", op)
    stride = kernel if stride is None or stride == [] or stride == () else ntuple(stride, 2, "stride", op)
    padding = ntuple(padding, 2, "padding", op, minimum=0)
    dilation = ntuple(dilation, 2, "dilation", op)
    pads, out = [], []
    for n, k, s, p, d in zip(size, kernel, stride, padding, dilation):
        reach = d * (k - 1) + 1
        if p > reach // 2:
            raise RuntimeError(
                f"{op}: pad should be at most half of effective kernel size, but got pad={p}, kernel_size={k} and "
                f"dilation={d}"
            )
        span = n + 2 * p - reach
        count = (-(-span // s) if ceil_mode else span // s) + 1
        if ceil_mode and (count - 1) * s >= n + p:  # the last window must start inside the input or left padding
            count -= 1
        if count < 1:
            raise RuntimeError(f"{op}: output size is too small for input size {tuple(size)} (kernel {kernel})")
        extra = max(0, (count - 1) * s + reach - (n + 2 * p))
        pads.append((p, p + extra))
        out.append(count)
    return ConvGeometry(tuple(size), kernel, stride, tuple(pads), dilation, 1)


def _batched(x: Tensor, op: str, dims: int = 2):
    """(x as a batched tensor, whether it was unbatched)."""
    _check_input(x, op, dims)
    if as_array(x).ndim == dims + 1:
        return x.unsqueeze(0), True
    return x, False


def max_pool2d(
    input: Tensor,  # noqa: A002 (PyTorch's name)
    kernel_size: int | tuple[int, int],
    stride: int | tuple[int, int] | None = None,
    padding: int | tuple[int, int] = 0,
    dilation: int | tuple[int, int] = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Tensor | tuple[Tensor, Tensor]:
    """The maximum of each window: input (N, C, H, W) or (C, H, W) -> (N, C, OH, OW); `stride` defaults to
    `kernel_size`; with `return_indices`, also the flat (H*W) position of each maximum, int64."""
    x, unbatched = _batched(input, "max_pool2d")
    geom = _pool_geometry(x.shape[2:], kernel_size, stride, padding, dilation, ceil_mode, "max_pool2d")
    out = MaxPool2d.apply(x, geom=geom)
    if not return_indices:
        return out.squeeze(0) if unbatched else out
    node = out.grad_fn if out.grad_fn is not None else _forward_only(x, geom)
    indices = Tensor(node.indices())
    return (out.squeeze(0), indices.squeeze(0)) if unbatched else (out, indices)


def _forward_only(x: Tensor, geom: ConvGeometry) -> MaxPool2d:
    """A MaxPool2d node run outside the graph (no input needs a gradient), for its indices."""
    node = MaxPool2d()
    node.forward(as_array(x), geom)
    return node


def _counts(n: int, k: int, s: int, p: int, out: int, include_pad: bool) -> np.ndarray:
    """PyTorch's divisor along one axis: the window's length inside the padded input (or the input itself)."""
    start = np.arange(out) * s - p
    end = np.minimum(start + k, n + p)
    if include_pad:
        return end - start
    return np.minimum(end, n) - np.maximum(start, 0)


def avg_pool2d(
    input: Tensor,  # noqa: A002 (PyTorch's name)
    kernel_size: int | tuple[int, int],
    stride: int | tuple[int, int] | None = None,
    padding: int | tuple[int, int] = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """The mean of each window: input (N, C, H, W) or (C, H, W) -> (N, C, OH, OW). The divisor counts the zero
    padding when `count_include_pad` (never the extra windows of `ceil_mode`), or is `divisor_override`."""
    x, unbatched = _batched(input, "avg_pool2d")
    geom = _pool_geometry(x.shape[2:], kernel_size, stride, padding, 1, ceil_mode, "avg_pool2d")
    if divisor_override is not None:
        if isinstance(divisor_override, bool) or not isinstance(divisor_override, numbers.Integral):
            raise TypeError(f"avg_pool2d: divisor_override must be an int, got {divisor_override!r}")
        if divisor_override == 0:
            raise RuntimeError("avg_pool2d: divisor must be not zero")
        scale = np.asarray(1.0 / divisor_override, dtype=x.dtype)
    else:
        axes = [
            _counts(n, k, s, pads[0], o, count_include_pad)
            for n, k, s, pads, o in zip(geom.size, geom.kernel, geom.stride, geom.padding, geom.out)
        ]
        counts = axes[0][:, None] * axes[1][None, :]
        if np.all(counts == counts.flat[0]):
            scale = np.asarray(1.0 / counts.flat[0], dtype=x.dtype)
        else:
            scale = (1.0 / counts).astype(x.dtype)
    out = WindowGather.apply(x, geom=geom, layout=NCHW, scale=scale)
    return out.squeeze(0) if unbatched else out


def _adaptive_size(output_size: Any, size: tuple[int, int], op: str) -> tuple[int, int]:
    items = tuple(output_size) if isinstance(output_size, (tuple, list)) else (output_size,) * 2
    if len(items) != 2:
        raise TypeError(f"{op}: output_size must be an int or a pair, got {output_size!r}")
    result = tuple(n if o is None else o for o, n in zip(items, size))  # None keeps the input's size
    return ntuple(result, 2, "output_size", op)


def _bounds(n: int, out: int) -> list[tuple[int, int]]:
    """PyTorch's adaptive windows along one axis: [floor(i n / out), ceil((i + 1) n / out))."""
    return [((i * n) // out, -(-((i + 1) * n) // out)) for i in range(out)]


def _averaging(n: int, out: int, dtype: np.dtype) -> np.ndarray:
    """The (out, n) matrix whose rows average the adaptive windows."""
    matrix = np.zeros((out, n), dtype=dtype)
    for i, (start, end) in enumerate(_bounds(n, out)):
        matrix[i, start:end] = 1.0 / (end - start)
    return matrix


def adaptive_avg_pool2d(input: Tensor, output_size: int | tuple[int | None, int | None]) -> Tensor:  # noqa: A002
    """The mean over adaptive windows, giving an output of `output_size` (OH, OW) whatever the input's size."""
    x, unbatched = _batched(input, "adaptive_avg_pool2d")
    size = x.shape[2:]
    out_size = _adaptive_size(output_size, size, "adaptive_avg_pool2d")
    if out_size == (1, 1):  # global pooling: the mean over the map, read in whatever memory order x has
        out = x.mean(dim=(2, 3), keepdim=True)
    else:
        rows, cols = (_averaging(n, o, x.dtype) for n, o in zip(size, out_size))
        out = Separable.apply(x, rows=rows, cols=cols)
    return out.squeeze(0) if unbatched else out


def adaptive_max_pool2d(
    input: Tensor,  # noqa: A002 (PyTorch's name)
    output_size: int | tuple[int | None, int | None],
    return_indices: bool = False,
) -> Tensor | tuple[Tensor, Tensor]:
    """The maximum over adaptive windows (of `output_size`); with `return_indices`, also their flat positions."""
    x, unbatched = _batched(input, "adaptive_max_pool2d")
    size = x.shape[2:]
    out_size = _adaptive_size(output_size, size, "adaptive_max_pool2d")
    if all(n % o == 0 for n, o in zip(size, out_size)):  # even windows: an ordinary max pooling
        kernel = tuple(n // o for n, o in zip(size, out_size))
        return max_pool2d(input, kernel, kernel, return_indices=return_indices)
    array = as_array(x)
    index = np.empty((*array.shape[:2], *out_size), dtype=np.int64)
    for i, (r0, r1) in enumerate(_bounds(size[0], out_size[0])):
        for j, (c0, c1) in enumerate(_bounds(size[1], out_size[1])):
            window = array[:, :, r0:r1, c0:c1].reshape(*array.shape[:2], -1)
            local = np.argmax(window, axis=2)
            index[:, :, i, j] = (r0 + local // (c1 - c0)) * size[1] + c0 + local % (c1 - c0)
    out = TakeSpatial.apply(x, index=index)
    if unbatched:
        out, index = out.squeeze(0), index[0]
    return (out, Tensor(index)) if return_indices else out


# ---- 1-d forms: the 2-d ones over a height of 1 --------------------------------------------------------------
def _one(value: Any, name: str, op: str, minimum: int = 1) -> int:
    return ntuple(value, 1, name, op, minimum)[0]


def _pool1d(fn, input: Tensor, op: str, *args: Any, **kwargs: Any) -> Any:  # noqa: A002
    _check_input(input, op, dims=1)
    result = fn(input.unsqueeze(-2), *args, **kwargs)
    if isinstance(result, tuple):
        return tuple(r.squeeze(-2) for r in result)
    return result.squeeze(-2)


def max_pool1d(
    input: Tensor,  # noqa: A002 (PyTorch's name)
    kernel_size: int,
    stride: int | None = None,
    padding: int = 0,
    dilation: int = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Tensor | tuple[Tensor, Tensor]:
    """The maximum of each window: input (N, C, L) or (C, L) -> (N, C, OL)."""
    op = "max_pool1d"
    k = _one(kernel_size, "kernel_size", op)
    s = k if stride is None else _one(stride, "stride", op)
    pad, dilation = (0, _one(padding, "padding", op, 0)), (1, _one(dilation, "dilation", op))
    return _pool1d(max_pool2d, input, op, (1, k), (1, s), pad, dilation, ceil_mode, return_indices)


def avg_pool1d(
    input: Tensor,  # noqa: A002 (PyTorch's name)
    kernel_size: int,
    stride: int | None = None,
    padding: int = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Tensor:
    """The mean of each window: input (N, C, L) or (C, L) -> (N, C, OL)."""
    op = "avg_pool1d"
    k = _one(kernel_size, "kernel_size", op)
    s = k if stride is None else _one(stride, "stride", op)
    return _pool1d(
        avg_pool2d, input, op, (1, k), (1, s), (0, _one(padding, "padding", op, 0)), ceil_mode, count_include_pad
    )


def adaptive_avg_pool1d(input: Tensor, output_size: int) -> Tensor:  # noqa: A002
    """The mean over adaptive windows: input (N, C, L) or (C, L) -> (N, C, output_size)."""
    return _pool1d(adaptive_avg_pool2d, input, "adaptive_avg_pool1d", (1, _one(output_size, "output_size", "pool")))


def adaptive_max_pool1d(input: Tensor, output_size: int, return_indices: bool = False) -> Any:  # noqa: A002
    """The maximum over adaptive windows: input (N, C, L) or (C, L) -> (N, C, output_size)."""
    size = _one(output_size, "output_size", "adaptive_max_pool1d")
    return _pool1d(adaptive_max_pool2d, input, "adaptive_max_pool1d", (1, size), return_indices)
