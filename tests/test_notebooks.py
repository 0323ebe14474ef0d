"""Execute every notebook in notebooks/ top to bottom (with CI set, so they train on smaller slices): each one
asserts the facts it teaches beside them (gradients, accuracies, Jacobians), so a wrong result fails here.

Needs the `notebooks` extra (pip install -e ".[notebooks]"); skipped with the reason when it is missing.
"""

from __future__ import annotations

import importlib.util
import os
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
MISSING = [m for m in ("nbclient", "nbformat", "ipykernel", "matplotlib") if importlib.util.find_spec(m) is None]
FASHION_MNIST = [ROOT / "data" / "fashion-mnist", ROOT.parent / "shared" / "data" / "fashion-mnist"]
PER_CELL_TIMEOUT = 300  # seconds
BUDGET = 120  # seconds per notebook, with CI set
# One BLAS thread unless told otherwise: the notebooks' matrices are small, and on a busy 2-core machine
# BLAS threads spinning on each other made notebook 06 about four times slower.
BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")

pytestmark = pytest.mark.skipif(
    bool(MISSING), reason=f"notebooks need {', '.join(MISSING)}: pip install -e '.[notebooks]'"
)
notebook_paths = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def _has_fashion_mnist() -> bool:
    return any((d / "train-images-idx3-ubyte.gz").is_file() for d in FASHION_MNIST)


def _load_builder():
    spec = importlib.util.spec_from_file_location("notebooks_build", NOTEBOOKS / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("path", notebook_paths, ids=[p.stem for p in notebook_paths])
def test_notebook_runs(path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(path, as_version=4)
    if "fashion_mnist" in path.read_text(encoding="utf-8").lower() and not _has_fashion_mnist():
        pytest.skip(f"Fashion-MNIST is in none of {[str(d) for d in FASHION_MNIST]}; load it with download=True")
    monkeypatch.setenv("CI", os.environ.get("CI") or "1")
    for var in BLAS_THREADS:
        monkeypatch.setenv(var, os.environ.get(var) or "1")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    client = NotebookClient(
        nb, timeout=PER_CELL_TIMEOUT, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}
    )
    start = time.perf_counter()
    try:
        client.execute()
    except CellExecutionError as error:
        pytest.fail(f"{path.name} failed: {error.ename}: {error.evalue}", pytrace=False)
    seconds = time.perf_counter() - start
    with capsys.disabled():
        print(f"\n  {path.name} ran in {seconds:.1f} s (CI={os.environ['CI']})", end="")
    assert seconds < BUDGET, f"{path.name} took {seconds:.0f} s, over its {BUDGET} s budget"


def test_notebooks_match_their_sources() -> None:
    """Each committed notebook holds exactly the cells of notebooks/src (rebuild with notebooks/build.py)."""
    import nbformat

    build = _load_builder()
    sources = sorted(build.SOURCES.glob("[0-9][0-9]_*.py"))
    assert [s.stem for s in sources] == [p.stem for p in notebook_paths]
    for src in sources:
        built = [(c.cell_type, c.source) for c in build.parse(src).cells]
        committed = [(c.cell_type, c.source) for c in nbformat.read(NOTEBOOKS / f"{src.stem}.ipynb", 4).cells]
        assert built == committed, f"{src.stem}.ipynb is stale: run python notebooks/build.py {src.stem[:2]}"


def test_notebooks_are_committed_with_outputs() -> None:
    """Every code cell that shows something has its output saved, so the notebooks read well unexecuted."""
    import nbformat

    for path in notebook_paths:
        nb = nbformat.read(path, as_version=4)
        executed = [c for c in nb.cells if c.cell_type == "code" and c.execution_count]
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert len(executed) == len(code), f"{path.name} has unexecuted cells: run python notebooks/build.py"
        errors = [o for c in code for o in c.outputs if o.output_type == "error"]
        assert not errors, f"{path.name} was saved with an error output"
