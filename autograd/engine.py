"""The backward pass shared by `Tensor` and `Scalar`: one chain-rule loop in reverse creation order.

A graph node has `edges` (one entry per input: the node that produced that input, or None when no
gradient flows there) and `_backprop(grad, retain_graph)`, which returns one gradient per edge. A leaf
is a node with no edges whose `_backprop` stores the gradient. Every other node carries `seq`, the
order in which it was created: a node is created after every node it depends on, so visiting nodes
from the highest `seq` down (a heap of the nodes a gradient has reached) finishes each node's
consumers before the node itself, with no separate pass over the graph to count dependencies (as
PyTorch orders its ready queue by sequence number). Iterative: depth is limited by memory, not by
Python's recursion limit.

Gradient arrays the engine passes around belong to it unless marked: a node's backward may overwrite the
gradient it receives when `owned` says so. Whatever someone else may hold reaches a node `borrowed` (a view):
a gradient that a node returns for more than one input, one that hooks or autograd.grad have seen, and read-only
constants. A leaf likewise keeps an owned gradient as its `.grad` without copying it.
"""

from __future__ import annotations

from heapq import heappop, heappush
from itertools import count
from typing import Any

import numpy as np

from .grad_mode import this_thread

sequence = count()  # next(sequence) numbers each new graph node: its `seq`
wanted: list[Any] = [None]  # during autograd.grad: the nodes whose gradient is needed (None: every node's)


def owned(grad: Any) -> bool:
    """Whether a backward may overwrite `grad` in place: an array that nothing outside the engine refers to."""
    return isinstance(grad, np.ndarray) and grad.base is None and grad.flags.writeable


def borrowed(grad: Any) -> Any:
    """`grad` marked as held elsewhere too (a view of it), so that no backward overwrites it."""
    return grad.view() if isinstance(grad, np.ndarray) else grad


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
    needed = None if capture is None else _on_paths(roots, capture)
    pending: dict[Any, Any] = {}  # node -> the sum of the gradients that have reached it so far
    heap: list[tuple[int, Any]] = []  # (-seq, node) of the non-leaf nodes in `pending`
    leaves: list[Any] = []  # the leaves in `pending`, handled once every other node is done
    captured: list[Any] | None = None if capture is None else [None] * len(capture)
    state = this_thread.state
    previous, state.enabled = state.enabled, create_graph  # backward's own operations record only for create_graph
    previous_wanted, wanted[0] = wanted[0], needed
    try:
        arriving = zip(roots, grads)  # (node, gradient) pairs: the roots', then each visited node's edges'
        while True:
            for edge, edge_grad in arriving:
                if edge is None or edge_grad is None or needed is not None and edge not in needed:
                    continue
                if edge in pending:
                    pending[edge] = pending[edge] + edge_grad
                    continue
                pending[edge] = edge_grad
                if edge.edges:
                    heappush(heap, (-edge.seq, edge))
                else:
                    leaves.append(edge)
            if not heap:
                break
            node = heappop(heap)[1]
            grad = pending.pop(node)
            if capture is not None and node in capture:
                captured[capture[node]] = grad
                if not any(edge in needed for edge in node.edges):
                    arriving = ()
                    continue
                grad = borrowed(grad)
            arriving = zip(node.edges, node._backprop(grad, retain_graph))
        for leaf in leaves:
            grad = pending.pop(leaf)
            if capture is None:
                leaf._backprop(grad, retain_graph)  # a leaf accumulates its gradient, except in grad()
            elif leaf in capture:
                captured[capture[leaf]] = leaf._hooked(grad)  # a leaf's hooks run for grad() too, as in PyTorch
    finally:
        state.enabled = previous
        wanted[0] = previous_wanted
    return captured


def _on_paths(roots: list[Any], targets: dict[Any, int]) -> set[Any]:
    """The nodes on some path from `roots` to a node in `targets` (the targets included): the only ones
    autograd.grad runs, as PyTorch's engine runs only what the requested inputs depend on."""
    reaches: dict[Any, bool] = {}
    stack = [(root, False) for root in roots if root is not None]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            reaches[node] = node in targets or any(reaches.get(edge, False) for edge in node.edges if edge is not None)
        elif node not in reaches:
            reaches[node] = False  # visiting: a finished value replaces this
            stack.append((node, True))
            stack.extend((edge, False) for edge in node.edges if edge is not None and edge not in reaches)
    return {node for node, reach in reaches.items() if reach}
