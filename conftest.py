"""The packages' docstring examples run as doctests (`--doctest-modules` in pyproject.toml).

The examples of a module that need an optional extra are skipped, saying what to install, when it is missing.
"""

from __future__ import annotations

import importlib

import pytest

# Never collected, even by `pytest .`: importing bench/__main__.py runs the benchmarks, and the notebooks'
# sources train models at import (tests/test_notebooks.py runs the notebooks). This file holds no examples, and
# importing it as a doctest module would clash with tests/conftest.py, imported under the same name.
collect_ignore = ["bench", "notebooks", "conftest.py"]

# the module whose examples need them (as doctest names it) -> the extra's packages, and how to install them
OPTIONAL = {"autograd.onnx": (("onnx", "onnxruntime"), 'pip install -e ".[onnx]"')}


def _missing(packages: tuple[str, ...]) -> list[str]:
    missing = []
    for name in packages:
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name)
    return missing


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        dtest = getattr(item, "dtest", None)  # only doctest items carry one
        if dtest is None:
            continue
        for module, (packages, install) in OPTIONAL.items():
            if dtest.name == module or dtest.name.startswith(module + "."):
                missing = _missing(packages)
                if missing:
                    item.add_marker(pytest.mark.skip(reason=f"needs {', '.join(missing)}: {install}"))
