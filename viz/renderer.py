"""The program that lays out and draws DOT source: Graphviz's `dot` when on PATH, else `graphviz-pure` from PyPI.

Both read DOT on standard input and write the drawing (`-Tsvg`, `-Tpng`, ...) on standard output.
`graphviz-pure` (a dependency of this package, a self-contained build of Graphviz's `dot` with its own
fonts) makes rendering work after `pip install` alone; a system Graphviz is used first when present.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

RENDERERS = ("dot", "graphviz-pure")
TIMEOUT = 60.0  # seconds a renderer may take before the drawing is given up as too large
INSTALL = (
    "install the graphviz-pure package (pip install graphviz-pure), which draws without a system Graphviz, "
    "or Graphviz itself so that `dot` is on PATH (apt-get install graphviz, brew install graphviz, "
    "conda install graphviz, or winget install graphviz)"
)


class RendererNotFoundError(RuntimeError):
    """No program to draw with: neither `dot` nor `graphviz-pure` could be found."""


class RenderError(RuntimeError):
    """The renderer failed on this source or format."""


@dataclass(frozen=True)
class Renderer:
    """A renderer program: its name ("dot" or "graphviz-pure") and where it is."""

    name: str
    path: str


def find_renderer(name: str | None = None) -> Renderer:
    """The renderer to use: `name` if given, else `dot` when on PATH, else `graphviz-pure`."""
    if name is not None and name not in RENDERERS:
        raise ValueError(f"unknown renderer {name!r}: expected one of {', '.join(RENDERERS)}")
    for candidate in [name] if name else RENDERERS:
        path = _which(candidate)
        if path:
            return Renderer(candidate, path)
    wanted = f"the {name!r} renderer was not found" if name else "no Graphviz renderer was found"
    raise RendererNotFoundError(f"{wanted}: to draw graphs, {INSTALL}")


def _which(program: str) -> str | None:
    """`program` on PATH, or in this Python's scripts folder (a virtual environment that is not activated)."""
    found = shutil.which(program)
    if found:
        return found
    for folder in {sysconfig.get_path("scripts"), str(Path(sys.executable).parent)}:
        found = shutil.which(program, path=folder)
        if found:
            return found
    return None


def run(source: str, format: str = "svg", renderer: str | None = None, timeout: float | None = TIMEOUT) -> bytes:
    """Draw DOT `source` in `format` ("svg", "png", ...) with the chosen renderer; the drawing's bytes.

    RenderError when the renderer fails or takes longer than `timeout` seconds (None: no limit).
    """
    if not re.fullmatch(r"[A-Za-z0-9_.:-]+", format):
        raise ValueError(f"invalid output format {format!r}")
    program = find_renderer(renderer)
    command = [program.path, f"-T{format}"]
    try:
        done = subprocess.run(command, input=source.encode("utf-8"), capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise RenderError(
            f"{program.name} did not finish drawing {format} within {timeout} s ({source.count('->')} edges): draw "
            "fewer nodes with max_nodes (viz.draw(y, max_nodes=50)), or pass a longer timeout"
        ) from None
    except OSError as err:
        raise RenderError(f"could not run {program.name} ({program.path}): {err}") from err
    if done.returncode != 0 or not done.stdout:
        message = done.stderr.decode("utf-8", "replace").strip() or f"exit status {done.returncode}"
        raise RenderError(f"{program.name} could not draw {format}: {message}")
    return done.stdout
