"""`draw`: the computation graph of a Tensor or Scalar as a Graphviz drawing, from the book's apple to an MLP.

Values are boxes (name, value, gradient), operations are circles, edges run forward from left to right.
Leaves, parameters, inputs and the output each have their own colour. Options:

- `values`, `grads`: write each value, and its gradient, in its node. The gradient is `.grad` as
  backward stored it (leaves, tensors that called `retain_grad()`, every Scalar), or with `flow=True`
  d(root)/d(value) computed for the drawing, so intermediate values show theirs too.
- `flow`: write on each input edge, in red, the gradient of `root` flowing back along it, as the book
  writes it under its arrows. Tensor graphs need their saved values for this: draw before backward, or
  after `backward(retain_graph=True)`.
- `model`: the nn.Module that ran, to name parameters ("layers.0.weight") and nest clusters by path.
- `clusters`: group nodes by the nn module that recorded them.
- `max_nodes`: keep that many nodes nearest the output and summarise the rest in one note (None: all).
- `color_by_grad`: fill values by mean |gradient| on a log scale over `grad_range`: blue where
  gradients vanish, white, red where they explode.
"""

from __future__ import annotations

import html
from collections import Counter
from typing import Any

import numpy as np

from autograd.scalar import Scalar
from autograd.tensor import Tensor

from .clusters import Clusters
from .colors import DEFAULT_RANGE, grad_color, scale_position
from .drawing import Drawing
from .flow import Flow, backward_flow, magnitude, stored_grad
from .graph import CONST, INPUT, INTERMEDIATE, LEAF, OUTPUT, PARAM, Folded, Freed, Graph, Op, Value, build, fold
from .labels import GRAD_COLOR, array_lines, dot_text, flow_text, grad_lines, html_label, meta, number

KIND_STYLES = {
    OUTPUT: {"color": "#6d28d9", "fillcolor": "#ede9fe", "penwidth": "2.5"},
    LEAF: {"color": "#1d4ed8", "fillcolor": "#dbeafe", "penwidth": "1.5"},
    PARAM: {"color": "#b45309", "fillcolor": "#fef3c7", "penwidth": "1.5"},
    INPUT: {"color": "#6b7280", "fillcolor": "#f3f4f6", "style": "rounded,filled,dashed"},
    INTERMEDIATE: {"color": "#374151", "fillcolor": "#ffffff"},
}
CLUSTER_FILLS = ("#f8fafc", "#eef2f7", "#e2e8f0")


def draw(
    root: Tensor | Scalar,
    *,
    values: bool = True,
    grads: bool = True,
    flow: bool = False,
    model: Any = None,
    clusters: bool = True,
    max_nodes: int | None = 200,
    color_by_grad: bool = False,
    grad_range: tuple[float, float] = DEFAULT_RANGE,
    legend: bool = True,
    digits: int = 4,
    rankdir: str = "LR",
) -> Drawing:
    """Draw the graph that computed `root`: one node per value and per operation, edges forward."""
    graph = build(root)
    if max_nodes is not None and max_nodes < 1:
        raise ValueError(f"max_nodes must be at least 1 (or None for no limit), got {max_nodes}")
    if color_by_grad:
        scale_position(1.0, *grad_range)  # checks the range
    flows = backward_flow(graph) if flow else None
    groups = Clusters(graph, model) if clusters or model is not None else None
    if max_nodes is not None:
        graph = fold(graph, max_nodes)
    painter = _Painter(flows, values, grads, color_by_grad, grad_range, digits, groups)
    dot = Drawing(
        graph_attr={
            "rankdir": rankdir,
            "fontname": "Helvetica",
            "fontsize": "11",
            "nodesep": "0.25",
            "ranksep": "0.35",
            "labelloc": "b",
            "labeljust": "l",
            "ordering": "in",
        },
        node_attr={
            "fontname": "Helvetica",
            "fontsize": "12",
            "shape": "box",
            "style": "rounded,filled",
            "margin": "0.18,0.06",
        },
        edge_attr={"fontname": "Helvetica", "fontsize": "11", "color": "#4b5563", "arrowsize": "0.7"},
    )
    subgraphs: dict[tuple[Any, ...], Any] = {}
    for node in _interleave(graph):
        target = dot
        if clusters and groups is not None:
            target = _cluster_for(dot, subgraphs, groups, groups.path(node.module))
        target.node(node.id, **(painter.value(node) if isinstance(node, Value) else painter.op(node)))
    for path in sorted(subgraphs, key=len, reverse=True):
        parent = subgraphs.get(path[:-1], dot) if len(path) > 1 else dot
        parent.subgraph(subgraphs[path])
    for edge in graph.edges:
        attrs = {}
        if flows is not None and edge.index is not None and id(edge) in flows.edges:
            attrs = {"label": flow_text(flows.edges[id(edge)], digits), "fontcolor": GRAD_COLOR}
        dot.edge(edge.src.id, edge.dst.id, **attrs)
    if graph.folded is not None:
        _draw_folded(dot, graph.folded)
    if legend:
        dot.attr(
            label=_legend(graph, _title(root) or "the output", flows is not None, grads, color_by_grad, grad_range)
        )
    return dot


class _Painter:
    """The label and style of each node, from the drawing's options."""

    def __init__(
        self,
        flows: Flow | None,
        values: bool,
        grads: bool,
        color_by_grad: bool,
        grad_range: tuple[float, float],
        digits: int,
        groups: Clusters | None,
    ) -> None:
        self.flows = flows
        self.values = values
        self.grads = grads
        self.color_by_grad = color_by_grad
        self.grad_range = grad_range
        self.digits = digits
        self.groups = groups

    def grad(self, value: Value) -> Any:
        """The gradient drawn for a value: computed with the flow, else the stored `.grad` (None: none)."""
        if value.kind == CONST:
            return None
        if self.flows is not None:
            return self.flows.values.get(id(value))
        return stored_grad(value)

    def value(self, value: Value) -> dict[str, str]:
        obj = value.obj
        if value.kind == CONST:
            return {
                "label": _constant_text(obj, self.digits),
                "shape": "plaintext",
                "style": "",
                "fontcolor": "#374151",
                "fontsize": "11",
                "tooltip": "constant",
            }
        title = _title(obj)
        if title is None and self.groups is not None:
            title = self.groups.parameter_name(obj)
        if isinstance(obj, Freed):  # backward let go of it: where it came from is known, its values are gone
            description = f"[{', '.join(str(n) for n in obj.shape)}]"
            lines = ["(freed by backward)"] if self.values else []
        else:
            data = obj._data if isinstance(obj, Tensor) else obj.data
            description = None if isinstance(obj, Scalar) else meta(data)
            lines = array_lines(data, self.digits) if self.values else []
        small = [description] if description and not (self.values or title) else []
        grad = self.grad(value)
        grad_text = grad_lines(grad, self.digits) if self.grads and grad is not None else []
        attrs = dict(KIND_STYLES[value.kind])
        if self.color_by_grad and grad is not None:
            attrs["fillcolor"] = grad_color(magnitude(grad), *self.grad_range)
        kind = f"{value.kind}, {description}" if description else value.kind
        attrs["label"] = html_label(title, lines, grad_text, small, "#111827" if self.color_by_grad else GRAD_COLOR)
        attrs["tooltip"] = dot_text(f"{title}: {kind}" if title else kind)
        return attrs

    def op(self, op: Op) -> dict[str, str]:
        short = len(op.name) <= 2
        where = f" in {self.groups.module_label(op.module)}" if self.groups is not None and op.module else ""
        what = op.name if isinstance(op.key, Scalar) else type(op.key).__name__
        return {
            "label": dot_text(op.name),
            "shape": "circle" if short else "ellipse",
            "style": "filled",
            "fillcolor": "#fffbeb",
            "color": "#92400e",
            "fontsize": "16" if short else "12",
            "margin": "0.02" if short else "0.06,0.02",
            "tooltip": dot_text(f"{what}{where}"),
        }


def _title(obj: Any) -> str | None:
    """A value's own name, as text: `Tensor.name` or `Scalar.label` (None when it has none)."""
    name = obj.label if isinstance(obj, Scalar) else obj.name
    return None if name is None or name == "" else str(name)


def _interleave(graph: Graph) -> list[Value | Op]:
    """All nodes in forward order (each op just before the value it produces), for a left-to-right layout."""
    producer = {id(e.dst): e.src for e in graph.edges if isinstance(e.src, Op)}
    placed: set[int] = set()
    order: list[Value | Op] = []
    for value in graph.values:
        op = producer.get(id(value))
        if op is not None and id(op) not in placed:
            placed.add(id(op))
            order.append(op)
        order.append(value)
    order.extend(op for op in graph.ops if id(op) not in placed)
    return order


def _cluster_for(dot: Drawing, subgraphs: dict[tuple[Any, ...], Any], groups: Clusters, path: tuple[Any, ...]) -> Any:
    """The (nested) cluster subgraph for a module path, created on first use; `dot` for no module."""
    if not path:
        return dot
    for depth in range(1, len(path) + 1):
        key = path[:depth]
        if key not in subgraphs:
            subgraphs[key] = Drawing(
                name=f"cluster_{len(subgraphs)}",
                graph_attr={
                    "label": dot_text(groups.label(key[-1])),
                    "style": "rounded,filled",
                    "color": "#94a3b8",
                    "fillcolor": CLUSTER_FILLS[min(depth - 1, len(CLUSTER_FILLS) - 1)],
                    "fontsize": "12",
                    "labeljust": "l",
                    "margin": "10",
                    "labelloc": "t",
                },
            )
    return subgraphs[path]


def _constant_text(obj: Any, digits: int) -> str:
    if isinstance(obj, Freed):
        return "(freed)"
    array = np.asarray(obj) if isinstance(obj, (int, float, np.ndarray, np.generic)) else None
    if array is None or array.dtype.kind not in "biuf":
        text = repr(obj)
        return dot_text(text if len(text) <= 30 else text[:29] + "…")
    return dot_text("\n".join(array_lines(array, digits)))


def _draw_folded(dot: Drawing, folded: Folded) -> None:
    """One note for everything `max_nodes` left out, with dashed edges to where it joins the drawing."""
    lines = [f"{sum(folded.values.values())} values: " + _counts(folded.values)]
    if folded.ops:
        lines.append(f"{sum(folded.ops.values())} operations: " + _counts(folded.ops))
    lines.append("draw(..., max_nodes=None) shows them all")
    label = html_label(f"{folded.total} more nodes folded", [], [], lines)
    dot.node("folded", label=label, shape="note", style="filled,dashed", fillcolor="#f3f4f6", color="#6b7280")
    for target in folded.targets:
        dot.edge("folded", target.id, style="dashed", color="#9ca3af")


def _counts(counter: Counter, most: int = 6) -> str:
    items = [f"{name} {n}" for name, n in counter.most_common(most)]
    if len(counter) > most:
        items.append("…")
    return ", ".join(items)


def _legend(
    graph: Graph, output: str, flow: bool, grads: bool, color_by_grad: bool, grad_range: tuple[float, float]
) -> str:
    """The key under the drawing: the colour of each kind of value present, what red means, the colour scale."""
    kinds = [k for k in (OUTPUT, LEAF, PARAM, INPUT, INTERMEDIATE) if any(v.kind == k for v in graph.values)]
    cells = []
    for kind in kinds:
        style = KIND_STYLES[kind]
        fill = "#ffffff" if color_by_grad else style["fillcolor"]
        cells.append(f'<td bgcolor="{fill}" color="{style["color"]}">{kind}</td>')
    if flow:
        cells.append(
            f'<td border="0"><font color="{GRAD_COLOR}">red: gradient of {html.escape(output)}; '
            "on an edge, the part flowing back along it</font></td>"
        )
    elif grads and not color_by_grad:
        cells.append(f'<td border="0"><font color="{GRAD_COLOR}">red: .grad, as backward stored it</font></td>')
    if color_by_grad:
        low, high = grad_range
        cells.append('<td border="0">fill: mean |grad|, blue vanishing, red exploding</td>')
        ticks = np.logspace(np.log10(low), np.log10(high), 5)
        cells.extend(f'<td bgcolor="{grad_color(t, low, high)}">{number(t, 2)}</td>' for t in ticks)
    return f'<<table border="0" cellborder="1" cellspacing="6" cellpadding="4"><tr>{"".join(cells)}</tr></table>>'
