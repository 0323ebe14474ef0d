"""Text for the drawing: numbers, small arrays in full, larger ones as shape, dtype and a short summary."""

from __future__ import annotations

import html
from typing import Any

import graphviz
import numpy as np

SMALL = 6  # arrays with at most this many elements (and at most 2 dimensions) are written out in full
GRAD_COLOR = "#c0392b"


def number(x: Any, digits: int = 4) -> str:
    """A number in at most `digits` significant digits: 220.00002 -> "220", 0.000123456 -> "0.0001235"."""
    text = f"{float(x):.{digits}g}"
    return "0" if text == "-0" else text


def is_small(data: Any) -> bool:
    """Whether an array is written out in full."""
    array = np.asarray(data)
    return array.size <= SMALL and array.ndim <= 2


def array_lines(data: Any, digits: int = 4) -> list[str]:
    """A number, a small array in full (a line per row), or "dtype [shape]" with its mean and std."""
    array = np.asarray(data)
    if array.ndim == 0:
        return [number(array, digits)]
    if array.size == 0:
        return [meta(array)]
    if is_small(array):
        if array.ndim == 1:
            return ["[" + ", ".join(number(x, digits) for x in array) + "]"]
        rows = [", ".join(number(x, digits) for x in row) for row in array]
        lines = [("[" if i else "[[") + row + "]" for i, row in enumerate(rows)]
        lines[-1] += "]"
        return lines
    values = array.astype(np.float64)
    return [meta(array), f"mean {number(values.mean(), 3)}, std {number(values.std(), 3)}"]


def meta(data: Any) -> str:
    """An array's dtype and shape, as "float32 [64, 10]"."""
    array = np.asarray(data)
    return f"{array.dtype} [{', '.join(str(n) for n in array.shape)}]"


def grad_lines(grad: Any, digits: int = 4) -> list[str]:
    """A gradient for a node: "grad 2.2", a small array in full, or its mean magnitude."""
    array = np.asarray(grad)
    if is_small(array):
        lines = array_lines(array, digits)
        return ["grad " + lines[0], *lines[1:]]
    return [f"grad mean |g| {number(np.mean(np.abs(array)), 3)}"]


def flow_text(grad: Any, digits: int = 4) -> str:
    """A gradient for an edge label, on one line: "2.2", "[1, 2, 3]", or "mean |g| 0.012"."""
    array = np.asarray(grad)
    if array.ndim <= 1 and array.size <= SMALL:
        return " ".join(array_lines(array, digits))
    return f"mean |g| {number(np.mean(np.abs(array)), 3)}"


def dot_text(text: Any) -> str:
    """Any text as a DOT string drawn as written: never read as HTML, `&`, backslashes and quotes escaped."""
    return graphviz.nohtml(str(text).replace("&", "&amp;").replace("\\", "\\\\").replace('"', '\\"'))


def html_label(
    title: str | None, lines: list[str], grad: list[str], small: list[str] | None = None, grad_color: str = GRAD_COLOR
) -> str:
    """An HTML-like Graphviz label, a table row a line: bold title, value, small grey notes, gradient (red)."""
    rows = [f"<b>{html.escape(title)}</b>"] if title else []
    rows.extend(html.escape(line) for line in lines)
    rows.extend(f'<font point-size="10" color="#555555">{html.escape(line)}</font>' for line in small or [])
    rows.extend(f'<font color="{grad_color}">{html.escape(line)}</font>' for line in grad)
    cells = "".join(f"<tr><td>{row}</td></tr>" for row in rows or [" "])
    return f'<<table border="0" cellborder="0" cellspacing="0" cellpadding="1">{cells}</table>>'
