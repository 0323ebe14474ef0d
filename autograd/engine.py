"""The backward pass shared by `Tensor` and `Scalar`: dependency counting and one chain-rule loop.

A graph node has `edges` (one entry per input: the node that produced that input, or None when no
gradient flows there) and `_backprop(grad, retain_graph)`, which returns one gradient per edge. A leaf
is a node with no edges whose `_backprop` stores the gradient. Nodes are visited in topological order
(Kahn's algorithm, iterative: depth is limited by memory, not by Python's recursion limit).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .grad_mode import state


def _count_dependencies(roots: Iterable[Any]) -> dict[Any, int]:
    """For every node reachable from `roots`, how many edges point at it."""
    deps: dict[Any, int] = dict.fromkeys(roots, 0)
    stack = list(deps)
    while stack:
        for edge in stack.pop().edges:
            if edge is None:
                continue
            if edge in deps:
                deps[edge] += 1
            else:
                deps[edge] = 1
                stack.append(edge)
    return deps


def run_backward(
    roots: list[Any],
    grads: list[Any],
    *,
    retain_graph: bool,
    create_graph: bool,
    capture: dict[Any, int] | None = None,
) -> list[Any] | None:
    """Propagate `grads` from `roots` to every leaf; leaves accumulate unless `capture` is given.

    With `capture` (node -> slot), the gradient reaching each captured node is returned in its slot
    instead, and no leaf is touched: this is `autograd.grad`.
    """
    deps = _count_dependencies(roots)
    pending: dict[Any, Any] = {}
    for node, grad in zip(roots, grads):
        pending[node] = pending[node] + grad if node in pending else grad
    captured: list[Any] | None = None if capture is None else [None] * len(capture)
    ready = [node for node in pending if deps[node] == 0]
    previous, state.enabled = state.enabled, create_graph  # backward's own operations record only for create_graph
    try:
        while ready:
            node = ready.pop()
            grad = pending.pop(node, None)
            edges = node.edges
            if capture is not None and grad is not None and node in capture:
                if not edges and getattr(node, "_hooks", None):  # a leaf's hooks run for grad() too, as in PyTorch
                    from .function import _run_hooks

                    grad = _run_hooks(node._hooks, grad)
                captured[capture[node]] = grad
            if not edges:  # a leaf: it accumulates its gradient, except in grad(), which touches no leaf
                if grad is not None and capture is None:
                    node._backprop(grad, retain_graph)
                continue
            edge_grads = [None] * len(edges) if grad is None else node._backprop(grad, retain_graph)
            for edge, edge_grad in zip(edges, edge_grads):
                if edge is None:
                    continue
                if edge_grad is not None:
                    pending[edge] = pending[edge] + edge_grad if edge in pending else edge_grad
                remaining = deps[edge] - 1
                deps[edge] = remaining
                if remaining == 0:
                    ready.append(edge)
    finally:
        state.enabled = previous
    return captured
