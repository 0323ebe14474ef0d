"""Build the notebooks: turn each `src/NN_name.py` into `NN_name.ipynb`, execute it and save it with outputs.

The sources are plain Python in the "percent" format: `# %%` starts a code cell and `# %% [markdown]`
a text cell whose lines are comments. Edit the sources, then run from the repository root:

    python notebooks/build.py              # every notebook
    python notebooks/build.py 03 05        # only those whose names start so
    CI=1 python notebooks/build.py --check # execute in the smaller CI configuration, write nothing
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "src"
ROOT = HERE.parent


def parse(path: Path) -> nbformat.NotebookNode:
    """The notebook that a percent-format source describes (no outputs)."""
    cells: list[tuple[str, list[str]]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# %%"):
            cells.append(("markdown" if "[markdown]" in line else "code", []))
        elif cells:
            cells[-1][1].append(line)
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    for kind, lines in cells:
        while lines and not lines[-1].strip():
            lines.pop()
        if kind == "markdown":
            text = "\n".join(line[2:] if line.startswith("# ") else line.lstrip("#") for line in lines)
            nb.cells.append(nbformat.v4.new_markdown_cell(text))
        else:
            nb.cells.append(nbformat.v4.new_code_cell("\n".join(lines)))
    for i, cell in enumerate(nb.cells):
        cell.id = f"cell-{i}"  # stable ids keep diffs small
    return nb


def execute(nb: nbformat.NotebookNode, timeout: int = 600) -> float:
    """Run every cell in a fresh kernel started in notebooks/; the seconds it took."""
    path = os.environ.get("PYTHONPATH")  # the kernel imports the library from this checkout
    os.environ["PYTHONPATH"] = str(ROOT) + (os.pathsep + path if path else "")
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")  # as tests/test_notebooks.py: small matrices, no thread contention
    start = time.perf_counter()
    NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(HERE)}}).execute()
    return time.perf_counter() - start


def main(argv: list[str]) -> None:
    check = "--check" in argv
    prefixes = [a for a in argv if not a.startswith("--")]
    for src in sorted(SOURCES.glob("[0-9][0-9]_*.py")):
        if prefixes and not any(src.stem.startswith(p) for p in prefixes):
            continue
        nb = parse(src)
        try:
            seconds = execute(nb)
        except CellExecutionError as error:
            sys.exit(f"{src.stem}: {error.ename}: {error.evalue}")
        for cell in nb.cells:  # execution timestamps would change every build
            cell.metadata.pop("execution", None)
        if not check:
            nbformat.write(nb, HERE / f"{src.stem}.ipynb")
        print(f"{src.stem}: {seconds:.1f} s" + (" (CI)" if os.environ.get("CI") else ""), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
