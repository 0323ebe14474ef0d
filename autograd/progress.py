"""`ProgressBar`: a one-line progress bar redrawn in place on a terminal, silent elsewhere."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class ProgressBar:
    """Shows `label [#####.....] done/total suffix`, redrawn at most every `interval` seconds; `close()` erases it."""

    def __init__(
        self,
        total: int,
        label: str = "",
        file: TextIO | None = None,
        enabled: bool | None = None,
        width: int = 30,
        interval: float = 0.1,
    ) -> None:
        self.total, self.label, self.width, self.interval = max(int(total), 0), label, width, interval
        self.file = sys.stderr if file is None else file
        self.enabled = _is_terminal(self.file) if enabled is None else bool(enabled)
        self.done = 0
        self._last_draw = float("-inf")
        self._drawn = 0

    def update(self, n: int = 1, suffix: str = "") -> None:
        """Advance by `n` steps and redraw if enough time has passed (or the bar is full)."""
        self.done += n
        if not self.enabled:
            return
        now = time.perf_counter()
        if now - self._last_draw < self.interval and self.done < self.total:
            return
        self._last_draw = now
        self._draw(suffix)

    def render(self, suffix: str = "") -> str:
        """The bar as text, e.g. 'epoch 1 [######------] 120/235 loss 0.52'."""
        fraction = min(self.done / self.total, 1.0) if self.total else 1.0
        filled = int(round(fraction * self.width))
        bar = "#" * filled + "-" * (self.width - filled)
        parts = [self.label, f"[{bar}]", f"{self.done}/{self.total}", suffix]
        return " ".join(part for part in parts if part)

    def _draw(self, suffix: str) -> None:
        text = self.render(suffix)
        self.file.write("\r" + text + " " * max(self._drawn - len(text), 0))
        self.file.flush()
        self._drawn = len(text)

    def close(self) -> None:
        """Erase the bar, leaving the cursor at the start of the line."""
        if self.enabled and self._drawn:
            self.file.write("\r" + " " * self._drawn + "\r")
            self.file.flush()
            self._drawn = 0


def _is_terminal(file: TextIO) -> bool:
    isatty = getattr(file, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed file
        return False
