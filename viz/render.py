"""`render` and `pipe`: a drawing, or a Tensor or Scalar drawn with `draw`'s options, to a file or to bytes."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import graphviz

from autograd.files import atomic_write

from .draw import draw
from .renderer import TIMEOUT, run


def pipe(
    drawing: Any, format: str = "svg", *, renderer: str | None = None, timeout: float | None = TIMEOUT, **options: Any
) -> bytes:
    """The drawing's bytes in `format` ("svg", "png", ...); "dot" or "gv" is the DOT source, needing no renderer.

    The renderer may take `timeout` seconds (None: no limit); a larger drawing raises RenderError.
    """
    source = _source(drawing, options)
    if format in ("dot", "gv"):
        return source.encode("utf-8")
    return run(source, format, renderer, timeout)


def render(
    drawing: Any,
    path: str | os.PathLike[str],
    format: str | None = None,
    *,
    renderer: str | None = None,
    timeout: float | None = TIMEOUT,
    **options: Any,
) -> Path:
    """Write the drawing to `path` (format from its suffix, else SVG); on failure no file is left behind."""
    path = Path(path)
    format = format or path.suffix.lstrip(".").lower() or "svg"
    data = pipe(drawing, format, renderer=renderer, timeout=timeout, **options)
    with atomic_write(path, "the drawing") as stream:
        stream.write(data)
    return path


def _source(drawing: Any, options: dict[str, Any]) -> str:
    if isinstance(drawing, (graphviz.Digraph, graphviz.Graph)):
        if options:
            raise TypeError(f"drawing options ({', '.join(options)}) apply when drawing a Tensor or Scalar")
        return drawing.source
    return draw(drawing, **options).source
