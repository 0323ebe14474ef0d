"""`backward` and `grad`: the entry points from tensors into the engine."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .engine import owned, run_backward
from .tensor import Tensor, check_dtype


def _root_grad(output: Tensor, gradient: Any, create_graph: bool) -> Any:
    """The gradient the backward pass starts from: ones for a scalar, else `gradient` (checked).

    Under `create_graph` a tensor `gradient` keeps its own graph, so the result can be differentiated with
    respect to it too (a vector-Jacobian product's derivative in the vector).
    """
    if gradient is None:
        if output._data.size != 1:
            raise RuntimeError(
                f"grad can be implicitly created only for scalar outputs (this output has shape "
                f"{tuple(output.shape)}); pass gradient= with that shape"
            )
        grad = np.array(1, dtype=output._data.dtype).reshape(output._data.shape)  # np.ones_like costs 4 Python calls
        return Tensor(grad) if create_graph else grad
    if not isinstance(gradient, (Tensor, np.ndarray, np.generic, int, float)):
        raise TypeError(f"backward: gradient can be a Tensor or None, but got {type(gradient).__name__}")
    value = gradient._data if isinstance(gradient, Tensor) else np.asarray(gradient)
    check_dtype(value.dtype, "backward: gradient")
    if value.shape != output._data.shape:
        raise RuntimeError(
            f"Mismatch in shape: grad_output has a shape of {value.shape} and output has a shape of "
            f"{output._data.shape}"
        )
    if create_graph and isinstance(gradient, Tensor):
        return gradient if value.dtype == output._data.dtype else gradient.to(output._data.dtype)
    grad = np.array(value, dtype=output._data.dtype)
    return Tensor(grad) if create_graph else grad


def _check_output(output: Any) -> None:
    if not isinstance(output, Tensor):
        raise TypeError(f"backward: expected a Tensor, got {type(output).__name__}")
    if not output.requires_grad:
        raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")


def backward(
    output: Tensor, gradient: Any = None, retain_graph: bool | None = None, create_graph: bool = False
) -> None:
    """Accumulate d(output)/d(leaf) into the `.grad` of every leaf that requires grad."""
    _check_output(output)
    grad = _root_grad(output, gradient, create_graph)
    retain = create_graph if retain_graph is None else retain_graph
    run_backward([output.grad_fn or output], [grad], retain_graph=retain, create_graph=create_graph)


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Tensor | None, ...]:
    """d(outputs)/d(inputs) as a tuple (one per input), leaving every `.grad` untouched.

    >>> import autograd
    >>> x = autograd.tensor(2.0, requires_grad=True)
    >>> (dx,) = autograd.grad(x**3, x, create_graph=True)  # 3x², itself recorded for a second derivative
    >>> dx
    tensor(12., grad_fn=<MulBackward>)
    >>> autograd.grad(dx, x)  # 6x
    (tensor(12.),)
    """
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if grad_outputs is None or isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs] * len(outputs)
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(f"grad: got {len(grad_outputs)} grad_outputs for {len(outputs)} outputs")
    for x in inputs:
        if not isinstance(x, Tensor) or not x.requires_grad:
            raise RuntimeError("grad: one of the differentiated Tensors does not require grad")
    for out in outputs:
        _check_output(out)
    roots = [out.grad_fn or out for out in outputs]
    grads = [_root_grad(out, g, create_graph) for out, g in zip(outputs, grad_outputs)]
    capture = {}
    for i, x in enumerate(inputs):
        capture.setdefault(x.grad_fn or x, i)
    retain = create_graph if retain_graph is None else retain_graph
    captured = run_backward(roots, grads, retain_graph=retain, create_graph=create_graph, capture=capture)
    results: list[Tensor | None] = []
    for x in inputs:
        g = captured[capture[x.grad_fn or x]]
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    "One of the differentiated Tensors appears to not have been used in the graph. "
                    "Set allow_unused=True if this is the desired behavior."
                )
            results.append(None)
        else:
            if g.dtype != x.dtype:  # a wider operand promoted the graph: the gradient has its input's dtype
                g = g.to(x.dtype) if isinstance(g, Tensor) else g.astype(x.dtype)
            results.append(g if isinstance(g, Tensor) else Tensor(g if owned(g) else g.copy()))
    return tuple(results)
