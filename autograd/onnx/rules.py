"""How each recorded operation becomes ONNX nodes: one rule per `Function` class, keyed by its name.

A rule gets the `Graph`, the recorded node `fn` (its `inputs` and the attributes its forward kept: `axis`,
`shape`, `axes`...), the output Tensor `out` and the ONNX name that output must have; it adds the nodes that
compute it from `graph.value(input)`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ..ops.pool import NCHW
from ..tensor import Tensor, data_of
from .graph import Graph, UnsupportedOperatorError

Rule = Callable[[Graph, Any, Any, str], None]
RULES: dict[str, Rule] = {}


def rule(*names: str) -> Callable[[Rule], Rule]:
    def register(function: Rule) -> Rule:
        for name in names:
            RULES[name] = function
        return function

    return register


def _shape(x: Any) -> tuple[int, ...]:
    return np.shape(data_of(x))


# ---- elementwise -------------------------------------------------------------------------------------------

_BINARY = {"Add": "Add", "Sub": "Sub", "Mul": "Mul", "Div": "Div", "Pow": "Pow", "Maximum": "Max", "Minimum": "Min"}
_UNARY = {
    "Neg": "Neg",
    "Exp": "Exp",
    "Log": "Log",
    "Sqrt": "Sqrt",
    "Abs": "Abs",
    "Sin": "Sin",
    "Cos": "Cos",
    "Tanh": "Tanh",
    "Sigmoid": "Sigmoid",
    "Relu": "Relu",
}


@rule(*_BINARY)
def _binary(g: Graph, fn: Any, out: Any, name: str) -> None:
    a, b = (g.value(x, out.dtype) for x in fn.inputs)
    g.node(_BINARY[type(fn).__name__], [a, b], name)


@rule(*_UNARY)
def _unary(g: Graph, fn: Any, out: Any, name: str) -> None:
    g.node(_UNARY[type(fn).__name__], [g.value(fn.inputs[0], out.dtype)], name)


@rule("LeakyRelu")
def _leaky_relu(g: Graph, fn: Any, out: Any, name: str) -> None:
    # forward keeps the slope of each element (1 where x > 0), not negative_slope itself
    slope = getattr(fn.module, "negative_slope", None)
    if slope is None:
        negative = np.unique(fn.slope[fn.slope != 1])
        if len(negative) != 1:
            raise UnsupportedOperatorError(
                "onnx.export: cannot tell the negative slope of leaky_relu from this input (no element is "
                "negative); use nn.LeakyReLU, or trace with an input that has negative values"
            )
        slope = float(negative[0])
    g.node("LeakyRelu", [g.value(fn.inputs[0])], name, alpha=float(slope))


@rule("Where")
def _where(g: Graph, fn: Any, out: Any, name: str) -> None:
    a, b = (g.value(x, out.dtype) for x in fn.inputs)
    g.node("Where", [g.value(fn.condition), a, b], name)


@rule("Cast")
def _cast(g: Graph, fn: Any, out: Any, name: str) -> None:
    g.node("Cast", [g.value(fn.inputs[0])], name, to=g.onnx.helper.np_dtype_to_tensor_dtype(out.dtype))


# ---- products ----------------------------------------------------------------------------------------------


@rule("MatMul")
def _matmul(g: Graph, fn: Any, out: Any, name: str) -> None:
    g.node("MatMul", [g.value(x, out.dtype) for x in fn.inputs], name)


@rule("Linear")
def _linear(g: Graph, fn: Any, out: Any, name: str) -> None:
    x, weight, *bias = (g.value(v, out.dtype) for v in fn.inputs)
    if len(_shape(fn.inputs[0])) == 2:
        g.node("Gemm", [x, weight, *bias], name, transB=1)
        return
    product = g.node("MatMul", [x, g.node("Transpose", [weight], perm=[1, 0])], None if bias else name)
    if bias:
        g.node("Add", [product, bias[0]], name)


# ---- softmax and reductions --------------------------------------------------------------------------------


@rule("Softmax", "LogSoftmax")
def _softmax(g: Graph, fn: Any, out: Any, name: str) -> None:
    g.node(type(fn).__name__, [g.value(fn.inputs[0])], name, axis=int(fn.axis))


_REDUCTIONS = {"Sum": "ReduceSum", "Mean": "ReduceMean", "LogSumExp": "ReduceLogSumExp"}


@rule(*_REDUCTIONS)
def _reduce(g: Graph, fn: Any, out: Any, name: str) -> None:
    op = _REDUCTIONS[type(fn).__name__]
    ndim = len(_shape(fn.inputs[0]))
    axes = list(range(ndim)) if fn.axes is None else [int(a) for a in fn.axes]
    x = g.value(fn.inputs[0])
    if not axes:  # nothing to reduce (a 0-d input): ONNX would reduce every axis instead
        g.node("Identity", [x], name)
    elif op == "ReduceMean" and fn.keepdims and ndim >= 3 and axes == list(range(2, ndim)):
        g.node("GlobalAveragePool", [x], name)  # the mean over every spatial dim of (N, C, ...)
    elif op == "ReduceSum" or g.opset >= 18:  # axes became an input in opset 13 for ReduceSum, 18 for the others
        g.node(op, [x, g.ints(axes)], name, keepdims=int(fn.keepdims))
    else:
        g.node(op, [x], name, axes=axes, keepdims=int(fn.keepdims))


# ---- shapes ------------------------------------------------------------------------------------------------


@rule("Reshape")
def _reshape(g: Graph, fn: Any, out: Any, name: str) -> None:
    x = g.value(fn.inputs[0])
    before, after = _shape(fn.inputs[0]), out.shape
    if len(before) >= 2 and len(after) == 2 and after == (before[0], math.prod(before[1:])):
        g.node("Flatten", [x], name, axis=1)  # what nn.Flatten does: also keeps a dynamic batch axis
        return
    target = list(fn.shape)
    for i, (old, new) in enumerate(zip(before, target)):  # leading sizes kept: "copy the input's" (0), which
        if old != new:  # keeps a dynamic batch axis dynamic
            break
        target[i] = 0
    g.node("Reshape", [x, g.ints(target)], name)


@rule("Permute")
def _permute(g: Graph, fn: Any, out: Any, name: str) -> None:
    g.node("Transpose", [g.value(fn.inputs[0])], name, perm=[int(a) for a in fn.axes])


@rule("Expand")
def _expand(g: Graph, fn: Any, out: Any, name: str) -> None:
    g.node("Expand", [g.value(fn.inputs[0]), g.ints(fn.shape)], name)


@rule("Cat")
def _cat(g: Graph, fn: Any, out: Any, name: str) -> None:
    g.node("Concat", [g.value(x, out.dtype) for x in fn.inputs], name, axis=int(fn.axis))


@rule("Stack")
def _stack(g: Graph, fn: Any, out: Any, name: str) -> None:
    axes = g.ints([fn.axis])
    parts = [g.node("Unsqueeze", [g.value(x, out.dtype), axes]) for x in fn.inputs]
    g.node("Concat", parts, name, axis=int(fn.axis))


@rule("Pad")
def _pad(g: Graph, fn: Any, out: Any, name: str) -> None:
    widths = [(int(a), int(b)) for a, b in fn.widths]
    pads = [a for a, _ in widths] + [b for _, b in widths]
    padded = [i for i, (a, b) in enumerate(widths) if a or b]
    if not padded:
        g.node("Identity", [g.value(fn.inputs[0])], name)
        return
    # forward keeps the widths, not the fill value: read it from a padded element of the output
    axis = padded[0]
    corner = tuple(0 if i != axis else (0 if widths[i][0] else out.shape[i] - 1) for i in range(out.ndim))
    value = np.asarray(out._data[corner], dtype=out.dtype)
    g.node("Pad", [g.value(fn.inputs[0]), g.ints(pads), g.initializer(value)], name, mode="constant")


@rule("GetItem")
def _getitem(g: Graph, fn: Any, out: Any, name: str) -> None:
    x, index, shape = g.value(fn.inputs[0]), fn.index, _shape(fn.inputs[0])
    if isinstance(index, np.ndarray) and index.dtype.kind in "iu":  # x[indices]: rows picked along dim 0
        g.node("Gather", [x, g.value(index, np.dtype(np.int64))], name, axis=0)
        return
    items = index if isinstance(index, tuple) else (index,)
    if not all(isinstance(i, (int, np.integer, slice)) for i in items) or len(items) > len(shape):
        raise UnsupportedOperatorError(
            f"onnx.export: indexing with {index!r} has no ONNX form here (ints, slices with steps, and an "
            "integer array on dim 0 do)"
        )
    starts, ends, axes, steps, drop = [], [], [], [], []
    for axis, item in enumerate(items):
        if isinstance(item, slice):
            start, stop, step = item.indices(shape[axis])
            if (start, stop, step) == (0, shape[axis], 1):
                continue
            if step < 0 and stop < 0:  # slice.indices gives -1 for "through the first element"
                stop = -(2**63)
            starts, ends, axes, steps = [*starts, start], [*ends, stop], [*axes, axis], [*steps, step]
        else:
            position = int(item) % shape[axis]
            starts, ends, axes, steps = [*starts, position], [*ends, position + 1], [*axes, axis], [*steps, 1]
            drop.append(axis)
    sliced = x
    if axes:
        inputs = [x, g.ints(starts), g.ints(ends), g.ints(axes), g.ints(steps)]
        sliced = g.node("Slice", inputs, None if drop else name)
    if drop:
        g.node("Squeeze", [sliced, g.ints(drop)], name)
    elif not axes:
        g.node("Identity", [x], name)


# ---- layers of other modules -------------------------------------------------------------------------------


@rule("Embedding")
def _embedding(g: Graph, fn: Any, out: Any, name: str) -> None:
    weight, indices = fn.inputs[0], fn.inputs[1]
    g.node("Gather", [g.value(weight), g.value(indices, np.dtype(np.int64))], name, axis=0)


# ---- convolution, pooling and normalisation ----------------------------------------------------------------


def _pads(geom: Any) -> list[int]:
    """ONNX's pads (begin of each spatial axis, then end) from a ConvGeometry's ((top, bottom), (left, right))."""
    return [int(p[0]) for p in geom.padding] + [int(p[1]) for p in geom.padding]


@rule("Conv2d")
def _conv(g: Graph, fn: Any, out: Any, name: str) -> None:
    geom = fn.geom
    g.node(
        "Conv",
        [g.value(v, out.dtype) for v in fn.inputs],
        name,
        kernel_shape=list(geom.kernel),
        strides=list(geom.stride),
        pads=_pads(geom),
        dilations=list(geom.dilation),
        group=int(geom.groups),
    )


@rule("MaxPool2d")
def _max_pool(g: Graph, fn: Any, out: Any, name: str) -> None:
    # the padding ceil_mode adds after the input is in geom.padding: ONNX's explicit pads give the same windows
    geom = fn.geom
    attributes = {"kernel_shape": list(geom.kernel), "strides": list(geom.stride), "pads": _pads(geom)}
    g.node("MaxPool", [g.value(fn.inputs[0])], name, dilations=list(geom.dilation), **attributes)


@rule("WindowGather")
def _avg_pool(g: Graph, fn: Any, out: Any, name: str) -> None:
    geom = fn.geom
    if fn.masks is not None or fn.layout != NCHW or geom.dilation != (1, 1):
        raise UnsupportedOperatorError("onnx.export: this window gather (not an average pooling) has no ONNX form")
    # zero padding then a plain AveragePool gives each window's sum / (kh kw); the divisor avg_pool2d chose (which
    # may vary by window) is then one constant factor
    x = g.value(fn.inputs[0])
    if any(_pads(geom)):
        (top, bottom), (left, right) = geom.padding
        pads = g.ints([0, 0, top, left, 0, 0, bottom, right])
        x = g.node("Pad", [x, pads, g.value(0, out.dtype)], mode="constant")
    area = math.prod(geom.kernel)
    factor = np.asarray(1.0 if fn.scale is None else fn.scale, dtype=out.dtype) * area
    exact = bool(np.all(factor == 1))  # the divisor is the window's area: AveragePool alone
    kernel = {"kernel_shape": list(geom.kernel), "strides": list(geom.stride)}
    pooled = g.node("AveragePool", [x], name if exact else None, **kernel)
    if not exact:
        g.node("Mul", [pooled, g.initializer(factor)], name)


@rule("Separable")
def _adaptive_avg_pool(g: Graph, fn: Any, out: Any, name: str) -> None:
    x = g.value(fn.inputs[0])
    rows = g.node("MatMul", [g.initializer(fn.rows), x])
    g.node("MatMul", [rows, g.initializer(np.ascontiguousarray(fn.cols.T))], name)


@rule("Normalize")
def _normalize(g: Graph, fn: Any, out: Any, name: str) -> None:
    x, weight, bias = fn.inputs[:3]
    shape = _shape(x)
    lead = len(shape) - len(fn.axes)
    if fn.batch_stats and fn.axes == tuple(range(lead, len(shape))):  # layer_norm: over the trailing axes
        if g.opset < 17:
            raise UnsupportedOperatorError("onnx.export: layer_norm needs opset_version 17 or newer")
        scale = np.ones(shape[lead:], dtype=out.dtype)
        inputs = [g.value(x), g.value(scale if weight is None else weight, out.dtype)]
        if bias is not None:
            inputs.append(g.value(bias, out.dtype))
        g.node("LayerNormalization", inputs, name, axis=lead, epsilon=float(fn.eps))
        return
    if fn.batch_stats:
        raise UnsupportedOperatorError(
            "onnx.export: batch_norm with batch statistics (a BatchNorm without running statistics) has no ONNX "
            "form; export a model whose normalisation layers track running statistics"
        )
    channels = shape[1]
    module = fn.module
    stats = [getattr(module, s, None) for s in ("running_mean", "running_var")] if module is not None else []
    if len(stats) != 2 or any(s is None or s.shape != (channels,) for s in stats):
        stats = [fn.mean.reshape(channels), fn.var.reshape(channels)]
    ones, zeros = np.ones(channels, dtype=out.dtype), np.zeros(channels, dtype=out.dtype)
    inputs = [g.value(v, out.dtype) for v in (x, ones if weight is None else weight, zeros if bias is None else bias)]
    g.node("BatchNormalization", [*inputs, *(g.value(s, out.dtype) for s in stats)], name, epsilon=float(fn.eps))


# ---- recurrent layers --------------------------------------------------------------------------------------

# PyTorch's gate blocks (the rows of weight_ih, weight_hh and the biases) in ONNX's order: LSTM i f g o -> i o f c,
# GRU r z n -> z r h (with linear_before_reset, PyTorch's n = tanh(W_in x + b_in + r (W_hn h + b_hn)))
_GATES = {"LSTM": [0, 3, 1, 2], "GRU": [1, 0, 2], "RNN_TANH": [0], "RNN_RELU": [0]}


def _start_state(g: Graph, fn: Any, state: Any, x: str, dtype: np.dtype) -> str:
    """The ONNX initial_h (or initial_c) of a layer, (1, B, H), from its start state (B, H); "" for ONNX's default.

    A state the graph computes (from an input of the model: `model(x, h0)`) is that value. A constant made inside
    the model (`zeros(L, x.shape[1], H)`) is left out when it is zeros, and otherwise, when its batch rows are
    alike, one row expanded to the batch of `x` as it runs (torch.onnx's Shape/Expand), so the batch axis can stay
    dynamic; a constant whose rows differ only fits the example's batch.
    """
    if id(state) in g.names or id(state) in g.state:
        return g.node("Unsqueeze", [g.value(state, dtype), g.ints([0])])
    array = _array(state)
    if not np.any(array):
        return ""
    batch, hidden = array.shape
    if np.all(array == array[:1]):
        row = g.initializer(array[:1][None].astype(dtype))
        size = g.node("Slice", [g.node("Shape", [x]), g.ints([1]), g.ints([2])])  # x is (T, B, I)
        return g.node("Expand", [row, g.node("Concat", [g.ints([1]), size, g.ints([hidden])], axis=0)])
    if g.dynamic:
        raise UnsupportedOperatorError(
            f"onnx.export: the start state of the {fn.mode} layer in '{g.scope.strip('/') or 'the model'}' is a "
            f"constant made inside the model whose {batch} batch rows differ, so the exported graph could only run "
            "at the example's batch size while dynamic_axes asks for others; pass the state as an argument of "
            "the model (export(model, (x, h0)), (x, (h0, c0)) for an LSTM), or export without dynamic_axes"
        )
    return g.node("Unsqueeze", [g.value(state, dtype), g.ints([0])])


def _array(x: Any) -> np.ndarray:
    return x._data if isinstance(x, Tensor) else np.asarray(x)


@rule("RNNLayer")
def _rnn_layer(g: Graph, fn: Any, out: Any, name: str) -> None:
    x, h0, c0, w_ih, w_hh, b_ih, b_hh = fn.inputs
    mode, hidden = fn.mode, _shape(w_hh)[1]
    if isinstance(x, Tensor) and x.grad_fn is None and id(x) not in g.names:
        x = x._data
    blocks = np.concatenate([np.arange(k * hidden, (k + 1) * hidden) for k in _GATES[mode]])
    order = g.initializer(blocks.astype(np.int64))
    first = g.ints([0])

    def gates(weight: Any) -> str:  # rows in ONNX's gate order, with the leading num_directions axis of 1
        return g.node("Unsqueeze", [g.node("Gather", [g.value(weight, out.dtype), order], axis=0), first])

    inputs = [g.value(x, out.dtype), gates(w_ih), gates(w_hh)]
    sequence = inputs[0]
    if b_ih is not None or b_hh is not None:
        zeros = np.zeros(_shape(w_hh)[0], dtype=out.dtype)
        biases = [
            g.node("Gather", [g.value(zeros if b is None else b, out.dtype), order], axis=0) for b in (b_ih, b_hh)
        ]
        inputs.append(g.node("Unsqueeze", [g.node("Concat", biases, axis=0), first]))
    else:
        inputs.append("")
    inputs.append("")  # sequence_lens: every sequence is T steps
    for state in (h0, c0) if mode == "LSTM" else (h0,):
        inputs.append(_start_state(g, fn, state, sequence, out.dtype))
    while inputs[-1] == "":
        inputs.pop()
    attributes: dict[str, Any] = {"hidden_size": int(hidden), "direction": "reverse" if fn.reverse else "forward"}
    if mode == "GRU":
        attributes["linear_before_reset"] = 1
    if mode.startswith("RNN"):
        attributes["activations"] = ["Relu" if mode == "RNN_RELU" else "Tanh"]
    op = {"LSTM": "LSTM", "GRU": "GRU"}.get(mode, "RNN")
    outputs = g.node_outputs(op, inputs, [None, "", None] if mode == "LSTM" else [None], **attributes)
    if mode != "LSTM":  # Y (T, 1, B, H) -> (T, B, H)
        g.node("Squeeze", [outputs[0], g.ints([1])], name)
        return
    steps = g.node("Squeeze", [outputs[0], g.ints([1])])
    g.node("Concat", [steps, outputs[2]], name, axis=0)  # the library's LSTM output ends with c_T
