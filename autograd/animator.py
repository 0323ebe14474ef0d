"""`Animator`: d2l's live plot of training curves, redrawn point by point in a Jupyter notebook.

matplotlib is optional: it is imported when an Animator is made, and its absence is an ImportError saying what to
install. In a notebook each `add` clears the cell's output and shows the redrawn figure (IPython.display, as d2l
does); elsewhere the figure is only drawn into, for `fig.savefig` or a test to read.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any


def in_notebook() -> bool:
    """Whether this code runs in a Jupyter kernel (where figures can be shown inline). A kernel has imported
    IPython already, so elsewhere this costs no import."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return shell is not None and hasattr(shell, "kernel")


def has_matplotlib() -> bool:
    """Whether matplotlib can be imported (the curves of `train` need it)."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


class Animator:
    """Curves that grow point by point, with d2l's constructor arguments: axis labels, legend, limits, scales, the
    format of each curve (`fmts`), a grid of `nrows` x `ncols` axes (curves go in the first) and the figure size in
    inches. `display` says whether `add` shows the figure (None: when in a notebook)."""

    def __init__(
        self,
        xlabel: str | None = None,
        ylabel: str | None = None,
        legend: Sequence[str] | None = None,
        xlim: Sequence[float] | None = None,
        ylim: Sequence[float] | None = None,
        xscale: str = "linear",
        yscale: str = "linear",
        fmts: Sequence[str] = ("-", "m--", "g-.", "r:"),
        nrows: int = 1,
        ncols: int = 1,
        figsize: tuple[float, float] = (3.5, 2.5),
        *,
        display: bool | None = None,
    ) -> None:
        try:
            from matplotlib import pyplot as plt
        except ImportError as error:
            raise ImportError(
                "Animator draws with matplotlib, which is not installed: pip install matplotlib (or the package's "
                "'notebooks' extra)"
            ) from error
        self.fig, axes = plt.subplots(nrows, ncols, figsize=figsize)
        self.axes = list(axes.flat) if nrows * ncols > 1 else [axes]
        self.xlabel, self.ylabel, self.legend = xlabel, ylabel, list(legend or [])
        self.xlim, self.ylim, self.xscale, self.yscale = xlim, ylim, xscale, yscale
        self.fmts = fmts
        self.display = in_notebook() if display is None else bool(display)
        self.X: list[list[float]] = []
        self.Y: list[list[float]] = []

    def add(self, x: Any, y: Any) -> None:
        """Append the point (x, y[i]) to curve i for each value of y (a number is one curve; x may be one number
        for all or one per curve; a None skips that curve), then redraw."""
        if not hasattr(y, "__len__"):
            y = [y]
        n = len(y)
        if not hasattr(x, "__len__"):
            x = [x] * n
        if not self.X:
            self.X, self.Y = [[] for _ in range(n)], [[] for _ in range(n)]
        for i, (a, b) in enumerate(zip(x, y)):
            if a is not None and b is not None:
                self.X[i].append(float(a))
                self.Y[i].append(float(b))
        self._draw()

    def _draw(self) -> None:
        """Clear the first axes, plot every curve and set the axes up again; show the figure in a notebook."""
        ax = self.axes[0]
        ax.cla()
        for xs, ys, fmt in zip(self.X, self.Y, self.fmts):
            ax.plot(xs, ys, fmt)
        ax.set_xlabel(self.xlabel or "")
        ax.set_ylabel(self.ylabel or "")
        ax.set_xscale(self.xscale)
        ax.set_yscale(self.yscale)
        if self.xlim is not None:
            ax.set_xlim(self.xlim)
        if self.ylim is not None:
            ax.set_ylim(self.ylim)
        if self.legend:
            ax.legend(self.legend)
        ax.grid()
        if self.display:
            from IPython import display

            display.display(self.fig)
            display.clear_output(wait=True)
