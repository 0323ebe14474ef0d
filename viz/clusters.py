"""Module clusters: which nn module each node belongs to, nested by attribute path, and the clusters' names.

Every operation records the innermost module running when it was recorded (`Function.module`). Given the
model, clusters nest along its `named_modules()` paths ("layers" > "layers.0") and parameters take their
`named_parameters()` names; without it, the outermost modules found become clusters of their own, and
parameters take the names their module gives them ("weight").
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from .graph import LEAF, PARAM, Graph

Key = tuple[int, str]  # (id of the top module, qualified name below it)


class Clusters:
    """Cluster paths and labels for the modules of one graph (and of `model`, if given)."""

    def __init__(self, graph: Graph, model: Any = None) -> None:
        found: dict[int, Any] = {}
        for node in [*graph.ops, *graph.values]:
            if node.module is not None:
                found.setdefault(id(node.module), node.module)
        inner = {id(m) for top in found.values() for name, m in _named_modules(top) if name}
        tops = [model] if model is not None else [m for m in found.values() if id(m) not in inner]
        self.names: dict[int, Key] = {}
        self.modules: dict[Key, Any] = {}
        for top in tops:
            for name, module in _named_modules(top):
                self.names.setdefault(id(module), (id(top), name))
                self.modules.setdefault((id(top), name), module)
        for module in found.values():
            if id(module) not in self.names:
                tops.append(module)
                self.names[id(module)] = (id(module), "")
                self.modules[(id(module), "")] = module
        self.params: dict[int, str] = {}
        owners: dict[int, Any] = {}
        for top in tops:
            named = getattr(top, "named_parameters", None)
            for name, param in named() if callable(named) else []:
                self.params.setdefault(id(param), name)
                owners.setdefault(id(param), self.modules.get((id(top), name.rpartition(".")[0])))
        for value in graph.values:
            if value.kind in (LEAF, PARAM) and id(value.obj) in self.params:  # a module's parameter, by its account
                value.kind = PARAM
                value.module = owners[id(value.obj)] or value.module
        self.labels = _labels(tops, self.modules)

    def path(self, module: Any) -> tuple[Key, ...]:
        """The clusters a node of `module` sits in, outermost first (empty for no module)."""
        if module is None:
            return ()
        top, name = self.names[id(module)]
        parts = name.split(".") if name else []
        prefixes = [(top, ".".join(parts[:i])) for i in range(len(parts) + 1)]
        return tuple(key for key in prefixes if key in self.modules)

    def label(self, key: Key) -> str:
        """A cluster's title: "layers.0 (Linear)", or the class name for a top module."""
        return self.labels[key]

    def module_label(self, module: Any) -> str:
        """The title of the cluster that `module` draws."""
        return self.labels[self.names[id(module)]]

    def parameter_name(self, obj: Any) -> str | None:
        """The model's name for a parameter ("layers.0.weight"), or None."""
        return self.params.get(id(obj))


def _named_modules(module: Any) -> list[tuple[str, Any]]:
    """(qualified name, module) for `module` ("") and everything under it."""
    named = getattr(module, "named_modules", None)
    pairs = list(named()) if callable(named) else []
    if not any(m is module for _, m in pairs):
        pairs.insert(0, ("", module))
    return pairs


def _labels(tops: list[Any], modules: dict[Key, Any]) -> dict[Key, str]:
    """Titles for every cluster; top modules sharing a class name are numbered in order of appearance."""
    classes = Counter(type(top).__name__ for top in tops)
    seen: Counter = Counter()
    labels = {}
    for top in tops:
        cls = type(top).__name__
        seen[cls] += 1
        labels[(id(top), "")] = f"{cls} {seen[cls]}" if classes[cls] > 1 else cls
    for (top, name), module in modules.items():
        if name:
            labels[(top, name)] = f"{name} ({type(module).__name__})"
    return labels
