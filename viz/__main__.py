"""`python -m viz [FOLDER]`: draw the book's apple and apples-and-oranges graphs, with their backward flow, as SVG."""

from __future__ import annotations

import sys
from pathlib import Path

from .examples import apple, apples_and_oranges
from .render import render


def main(argv: list[str]) -> int:
    """Write apple.svg and apples_and_oranges.svg to FOLDER (the current folder by default)."""
    folder = Path(argv[0] if argv else ".")
    for example in (apple, apples_and_oranges):
        print(render(example(), folder / f"{example.__name__}.svg", flow=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
