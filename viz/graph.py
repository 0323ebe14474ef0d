"""The computation graph behind a Tensor or Scalar, as plain value, operation and edge records.

Walking from the output backwards gives one `Value` per tensor, Scalar or constant and one `Op` per
recorded operation; `Edge`s run forward (input value -> op, op -> output value). `fold` keeps the
nodes nearest the output and summarises the rest, so a whole model stays drawable.
"""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any

from autograd.function import Function
from autograd.scalar import Scalar
from autograd.tensor import Tensor

OUTPUT, LEAF, PARAM, INPUT, CONST, INTERMEDIATE = "output", "leaf", "parameter", "input", "constant", "intermediate"


@dataclass(eq=False)
class Value:
    """A value node: a Tensor, a Scalar, or a constant (Python number or array) given to an operation."""

    id: str
    obj: Any
    kind: str
    module: Any = None


@dataclass(eq=False)
class Op:
    """An operation node: `key` is the `Function` (Tensor graphs) or the result `Scalar` (Scalar graphs)."""

    id: str
    key: Any
    name: str
    module: Any = None


@dataclass(eq=False)
class Edge:
    """A forward edge: value -> op (input number `index`) or op -> value (`index` is None)."""

    src: Value | Op
    dst: Value | Op
    index: int | None = None


@dataclass(eq=False)
class Folded:
    """What `fold` left out: counts by kind and by operation name, and where it connects to what was kept."""

    values: Counter = field(default_factory=Counter)
    ops: Counter = field(default_factory=Counter)
    targets: list[Value | Op] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.values.values()) + sum(self.ops.values())


@dataclass(eq=False)
class Graph:
    """Values and ops in forward (inputs first) order, the edges between them, and any folded part."""

    root: Value
    values: list[Value]
    ops: list[Op]
    edges: list[Edge]
    folded: Folded | None = None


@dataclass(frozen=True)
class Freed:
    """An input that a backward let go of: the operation that produced it (None: not on a gradient path), shape."""

    grad_fn: Any
    shape: tuple[int, ...] | None
    name = None
    grad = None
    requires_grad = True


def freed_inputs(fn: Function) -> list[Any]:
    """What is left of a node's inputs once its backward let go of them: leaves (its edges) and `Freed` markers."""
    return [edge if isinstance(edge, Tensor) else Freed(edge, shape) for edge, shape in zip(fn.edges, fn.input_shapes)]


def is_graph_value(obj: Any) -> bool:
    """Whether `obj` can be drawn: a Tensor or a Scalar, or a freed input with a producer."""
    return isinstance(obj, (Tensor, Scalar)) or isinstance(obj, Freed) and obj.grad_fn is not None


def _key(obj: Any) -> int:
    """One key per value: a tensor with a producer by that producer, which a freed input still names."""
    fn = getattr(obj, "grad_fn", None)
    return id(obj) if fn is None else id(fn)


def build(root: Tensor | Scalar) -> Graph:
    """Walk the graph that produced `root` (TypeError for anything that is not a Tensor or Scalar)."""
    if not is_graph_value(root):
        raise TypeError(f"expected an autograd Tensor or Scalar (a graph value), got {type(root).__name__}")
    walker = _Walker()
    top = walker.value(root, OUTPUT)
    stack = [root]
    while stack:
        walker.expand(stack.pop(), stack)
    values, ops, position = walker.forward_order(top)
    _place_leaves(values, walker.edges)
    edges = sorted(walker.edges, key=lambda e: (position[id(e.dst)], e.index or 0))
    return Graph(top, values, ops, edges)


class _Walker:
    """Creates each node once (by object identity) and records the edges between them."""

    def __init__(self) -> None:
        self.values: dict[int, Value] = {}
        self.ops: dict[int, Op] = {}
        self.edges: list[Edge] = []
        self.constants = 0

    def value(self, obj: Any, kind: str | None = None) -> Value:
        key = _key(obj)
        node = self.values.get(key)
        if node is None:
            node = Value(f"v{len(self.values)}", obj, kind or _kind(obj))
            self.values[key] = node
        return node

    def expand(self, obj: Tensor | Scalar, stack: list[Any]) -> None:
        """Add the operation that produced `obj` and its inputs; push inputs that have producers."""
        out = self.values[_key(obj)]
        if not isinstance(obj, Scalar):
            fn = obj.grad_fn
            if fn is None:
                return
            inputs = fn.inputs if fn.inputs is not None else freed_inputs(fn)
            name, module = _op_name(type(fn).__name__), fn.module
        else:
            if not obj.edges:
                return
            fn, inputs, name, module = obj, obj.edges, _SYMBOLS.get(obj._op, obj._op), None
        op = self.ops.get(id(fn))
        new = op is None
        if new:
            op = self.ops[id(fn)] = Op(f"op{len(self.ops)}", fn, name, module)
        out.module = module
        self.edges.append(Edge(op, out))
        if not new:
            return
        for i, x in enumerate(inputs):
            if is_graph_value(x):
                seen = _key(x) in self.values
                node = self.value(x)
                if not seen:
                    stack.append(x)
            else:
                node = Value(f"c{self.constants}", x, CONST, module)
                self.constants += 1
            self.edges.append(Edge(node, op, i))

    def forward_order(self, top: Value) -> tuple[list[Value], list[Op], dict[int, int]]:
        """Nodes ordered inputs first (post-order from the output), numbered in that order, and their positions."""
        inputs: dict[int, list[Value | Op]] = {}
        for edge in self.edges:
            inputs.setdefault(id(edge.dst), []).append(edge.src)
        order: list[Value | Op] = []
        done: set[int] = set()
        stack: list[tuple[Value | Op, bool]] = [(top, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
                continue
            if id(node) in done:
                continue
            done.add(id(node))
            stack.append((node, True))
            stack.extend((src, False) for src in reversed(inputs.get(id(node), [])) if id(src) not in done)
        counts = {"v": 0, "op": 0, "c": 0}
        for node in order:
            prefix = "op" if isinstance(node, Op) else "c" if node.kind == CONST else "v"
            node.id = f"{prefix}{counts[prefix]}"
            counts[prefix] += 1
        position = {id(node): i for i, node in enumerate(order)}
        return [n for n in order if isinstance(n, Value)], [n for n in order if isinstance(n, Op)], position


def _kind(obj: Any) -> str:
    if isinstance(obj, Scalar):
        return INTERMEDIATE if obj.edges else LEAF
    if obj.grad_fn is not None:
        return INTERMEDIATE
    if any(cls.__name__ == "Parameter" for cls in type(obj).__mro__):
        return PARAM
    return LEAF if obj.requires_grad else INPUT


def _place_leaves(values: list[Value], edges: list[Edge]) -> None:
    """A parameter belongs to the module of the operations that use it, when they agree on one."""
    users: dict[int, set[Any]] = {}
    for edge in edges:
        if isinstance(edge.dst, Op):
            users.setdefault(id(edge.src), set()).add(edge.dst.module)
    for value in values:
        if value.kind == PARAM:
            modules = users.get(id(value), set())
            if len(modules) == 1:
                value.module = next(iter(modules))


_SYMBOLS = {"Add": "+", "Sub": "-", "Mul": "×", "*": "×", "Div": "/", "MatMul": "@", "Pow": "**", "Neg": "neg"}


def _op_name(class_name: str) -> str:
    """A short label for a Function class: a symbol for arithmetic, else the snake_case name."""
    if class_name in _SYMBOLS:
        return _SYMBOLS[class_name]
    return "".join("_" + c.lower() if c.isupper() and i else c.lower() for i, c in enumerate(class_name))


def fold(graph: Graph, max_nodes: int) -> Graph:
    """Keep the `max_nodes` nodes nearest the output (breadth-first); count the rest in `Graph.folded`."""
    if len(graph.values) + len(graph.ops) <= max_nodes:
        return graph
    inputs: dict[int, list[Value | Op]] = {}
    for edge in graph.edges:
        inputs.setdefault(id(edge.dst), []).append(edge.src)
    kept: set[int] = {id(graph.root)}
    queue: deque[Value | Op] = deque([graph.root])
    while queue and len(kept) < max_nodes:
        for src in inputs.get(id(queue.popleft()), []):
            if id(src) not in kept and len(kept) < max_nodes:
                kept.add(id(src))
                queue.append(src)
    folded = Folded()
    for value in graph.values:
        if id(value) not in kept:
            folded.values[value.kind] += 1
    for op in graph.ops:
        if id(op) not in kept:
            folded.ops[op.name] += 1
    edges = []
    targets: dict[int, Value | Op] = {}
    for edge in graph.edges:
        if id(edge.dst) not in kept:
            continue
        if id(edge.src) in kept:
            edges.append(edge)
        else:
            targets.setdefault(id(edge.dst), edge.dst)
    folded.targets = list(targets.values())
    values = [v for v in graph.values if id(v) in kept]
    ops = [op for op in graph.ops if id(op) in kept]
    return Graph(graph.root, values, ops, edges, folded)
