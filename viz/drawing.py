"""`Drawing`: the graphviz.Digraph that `viz.draw` returns, shown inline in Jupyter by viz's own renderer."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import graphviz

from .renderer import RendererNotFoundError, run


class Drawing(graphviz.Digraph):
    """A graphviz.Digraph rendered by viz's renderer, so it shows inline in Jupyter without a system Graphviz."""

    def svg(self, renderer: str | None = None) -> str:
        """The drawing as SVG text."""
        return run(self.source, "svg", renderer).decode("utf-8")

    def _repr_mimebundle_(
        self, include: Iterable[str] | None = None, exclude: Iterable[str] | None = None, **_: Any
    ) -> dict[str, Any]:
        """Jupyter's display hook: the SVG, or the reason there is none and what to install."""
        try:
            return {"image/svg+xml": self.svg()}
        except RendererNotFoundError as err:
            return {"text/plain": str(err)}
