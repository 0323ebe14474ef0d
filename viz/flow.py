"""The backward pass of a drawn graph: the gradient of the output along every edge, as the book writes it.

`backward_flow(graph)` runs each operation's backward rule from the output (gradient 1) to the inputs and returns
the gradient reaching every value (the sum over its uses) and the part that flows along each
value -> op edge. No `.grad` is read or written, and hooks are not run: the drawing shows d(output)/d(x)
for the output being drawn.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from autograd.engine import borrowed
from autograd.function import sum_to_shape
from autograd.grad_mode import no_grad
from autograd.scalar import Scalar
from autograd.tensor import Tensor

from .graph import CONST, Edge, Graph, Op, Value

FREED = (
    "drawing the backward flow needs the graph's saved values, and backward() has freed them: draw "
    "before calling backward(), or call backward(retain_graph=True)"
)


@dataclass
class Flow:
    """Gradients of the output: `values[id(Value)]` in total, `edges[id(Edge)]` along each input edge."""

    values: dict[int, Any]
    edges: dict[int, Any]


def backward_flow(graph: Graph) -> Flow:
    """d(output)/d(value) for every value and along every value -> op edge of `graph` (not folded)."""
    produced_by: dict[int, Op] = {}
    inputs: dict[int, list[Edge]] = {}
    for edge in graph.edges:
        if isinstance(edge.src, Op):
            produced_by[id(edge.dst)] = edge.src
        else:
            inputs.setdefault(id(edge.dst), []).append(edge)
    root = graph.root.obj
    grads: dict[int, Any] = {id(graph.root): np.ones_like(root._data) if isinstance(root, Tensor) else 1.0}
    along: dict[int, Any] = {}
    outputs = {id(op): value for value in graph.values if (op := produced_by.get(id(value))) is not None}
    with no_grad():
        for op in reversed(graph.ops):
            out = outputs.get(id(op))
            grad = None if out is None else grads.get(id(out))
            if grad is None:
                continue
            local = _backward(op, grad)
            for edge in inputs.get(id(op), []):
                g = local[edge.index]
                if g is None or edge.src.kind == CONST:
                    continue
                along[id(edge)] = g
                key = id(edge.src)
                grads[key] = grads[key] + g if key in grads else g
    return Flow(grads, along)


def _backward(op: Op, grad: Any) -> list[Any]:
    """The gradient of each input of `op`, given the gradient of its output."""
    if isinstance(op.key, Scalar):
        return [d * grad for d in op.key.local]
    fn = op.key
    if fn.saved is None:
        raise RuntimeError(FREED)
    result = []
    shapes = fn.input_shapes if fn.inputs is None else [getattr(x, "shape", None) for x in fn.inputs]
    for shape, edge, g in zip(shapes, fn.edges, fn.backward(borrowed(grad))):  # the drawing keeps `grad`
        if edge is None or g is None:
            result.append(None)
            continue
        g = np.array(g._data if isinstance(g, Tensor) else g)
        result.append(sum_to_shape(g, shape) if g.shape != shape else g)
    return result


def magnitude(grad: Any) -> float:
    """How large a gradient is: |g| for a number, the mean of |g| for an array."""
    return float(np.mean(np.abs(grad)))


def stored_grad(value: Value) -> Any:
    """The gradient that backward stored on a value (`.grad`), as a number or array; None when there is none."""
    grad = getattr(value.obj, "grad", None)
    if isinstance(grad, Tensor):
        return grad._data
    return grad
