"""The README's Python code runs as written and shows what its comments say.

Every ```python block of README.md is executed from the README's own text (compiled with its README line numbers,
so a traceback points into the README), in the README's order, in a temporary working directory:

- The import line under the title, "A quick tour" and "Taking a model elsewhere" read as one story and share one
  namespace: the tour's training block makes `net` and `test_iter`, which the safetensors and ONNX blocks take to
  PyTorch and ONNX Runtime. The tour's first block runs paragraph by paragraph, each checked before the next
  rebinds `x`. `DIR`, the directory the README leaves to the reader, is a tiny generated set of Fashion-MNIST's
  four IDX files (see `fashion_like_files`) whose classes ten epochs learn in about a second; the README's "0.86
  after 10 epochs" is the full data set's and is not checked here.
- "Drawing graphs" stands alone and runs in a fresh namespace.

The blocks that use PyTorch and safetensors.torch, or ONNX Runtime, run when those are installed (CI installs both).
"""

from __future__ import annotations

import gzip
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from test_data import idx_bytes

README = Path(__file__).resolve().parents[1] / "README.md"


def python_blocks() -> list[tuple[str, int, str]]:
    """(the heading above it, its first line's number, its code) for each ```python block of the README."""
    blocks, heading, code, start = [], "", None, 0
    for number, line in enumerate(README.read_text(encoding="utf-8").splitlines(), start=1):
        if code is None and re.match(r"#{1,6} ", line):
            heading = line.lstrip("#").strip()
        elif code is None and line.strip() == "```python":
            code, start = [], number + 1
        elif code is not None and line.strip() == "```":
            blocks.append((heading, start, "\n".join(code)))
            code = None
        elif code is not None:
            code.append(line)
    return blocks


BLOCKS = python_blocks()


def blocks_under(heading: str) -> list[tuple[int, str]]:
    return [(start, code) for h, start, code in BLOCKS if h == heading]


def run(code: str, start: int, namespace: dict[str, Any]) -> None:
    """Execute README text that starts on line `start`, so errors name README.md and the line."""
    exec(compile("\n" * (start - 1) + code, str(README), "exec"), namespace)


@contextmanager
def working_directory(path: Path) -> Iterator[None]:
    previous = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(previous)


def fashion_like_files(root: Path, n_train: int = 512, n_test: int = 256) -> Path:
    """Fashion-MNIST's four gzipped IDX files with few images: class c is faint noise with rows 2c+4 and 2c+5 bright,
    so an MLP can learn them in a few steps."""
    rng = np.random.default_rng(0)
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        labels = (np.arange(n) % 10).astype(np.uint8)
        rng.shuffle(labels)
        images = rng.integers(0, 64, (n, 28, 28), dtype=np.uint8)
        for c in range(10):
            images[labels == c, 2 * c + 4 : 2 * c + 6, :] = 255
        (root / f"{prefix}-images-idx3-ubyte.gz").write_bytes(gzip.compress(idx_bytes(images, 2051)))
        (root / f"{prefix}-labels-idx1-ubyte.gz").write_bytes(gzip.compress(idx_bytes(labels, 2049)))
    return root


def test_the_tests_run_every_python_block_of_the_readme() -> None:
    """A block added under another heading needs its test here (and its place in the module docstring)."""
    assert [heading for heading, _, _ in BLOCKS] == [
        "autograd",
        "A quick tour",
        "A quick tour",
        "Taking a model elsewhere",
        "Taking a model elsewhere",
        "Drawing graphs",
    ]


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    """The namespace after the import line and the tour's training block (and the folder the blocks write to)."""
    folder = tmp_path_factory.mktemp("readme")
    (folder / "fashion-mnist").mkdir()
    data = fashion_like_files(folder / "fashion-mnist")
    namespace: dict[str, Any] = {"DIR": str(data)}
    (imports,) = blocks_under("autograd")
    _, training = blocks_under("A quick tour")
    with working_directory(folder):
        run(imports[1], imports[0], namespace)
        run(training[1], training[0], namespace)
    return namespace, folder


def test_import_line_imports_the_three_packages_of_this_checkout(story) -> None:
    namespace, _ = story
    for name in ("autograd", "nn", "optim"):
        assert Path(namespace[name].__file__).parent == README.parent / name


def test_quick_tour_gives_the_gradients_its_comments_show() -> None:
    """The tour's first block, a paragraph at a time: its import, 4x, the second derivative 6x at 2, the apples."""
    (start, code), _ = blocks_under("A quick tour")
    paragraphs, offsets, line = code.split("\n\n"), [], start
    for paragraph in paragraphs:
        offsets.append(line)
        line += paragraph.count("\n") + 2
    namespace: dict[str, Any] = {}
    checks = [
        lambda ns: np.testing.assert_equal(ns["autograd"].__name__, "autograd"),
        lambda ns: np.testing.assert_array_equal(ns["x"].grad.numpy(), [4.0, 8.0, 12.0]),
        lambda ns: np.testing.assert_array_equal(ns["dxx"].numpy(), 12.0),
        lambda ns: np.testing.assert_allclose(
            [ns[name].data for name in ("price", "apple", "num", "tax")] + [ns["apple"].grad, ns["num"].grad],
            [220.0, 100.0, 2.0, 1.1, 2.2, 110.0],
        ),
    ]
    assert len(paragraphs) == len(checks)
    for paragraph, offset, check in zip(paragraphs, offsets, checks, strict=True):
        run(paragraph, offset, namespace)
        check(namespace)
    assert namespace["tax"].grad == pytest.approx(200.0)


def test_training_block_learns_and_saves_the_model(story) -> None:
    namespace, folder = story
    history, net = namespace["history"], namespace["net"]
    assert len(history.test_acc) == len(history.train_loss) == 10  # the README's 10 epochs
    assert history.train_loss[-1] < history.train_loss[0]
    assert history.test_acc[-1] > 0.9
    state = net.state_dict()
    for name in ("mlp.npz", "mlp.safetensors"):
        loaded = namespace["autograd"].load(folder / name)
        assert list(loaded) == ["1.weight", "1.bias", "3.weight", "3.bias"]
        for key, value in loaded.items():
            np.testing.assert_array_equal(value.numpy(), state[key].numpy())


def test_safetensors_take_the_weights_to_pytorch_and_back(story) -> None:
    torch = pytest.importorskip("torch")
    pytest.importorskip("safetensors.torch")
    namespace, folder = story
    net = namespace["net"]
    before = {key: value.numpy().copy() for key, value in net.state_dict().items()}
    (start, code), _ = blocks_under("Taking a model elsewhere")
    with working_directory(folder):
        run(code, start, namespace)
    torch_state = namespace["torch_net"].state_dict()
    for key, value in net.state_dict().items():
        np.testing.assert_array_equal(torch_state[key].numpy(), before[key])
        np.testing.assert_array_equal(value.numpy(), before[key])
    images, _ = next(iter(namespace["test_iter"]))
    with torch.no_grad():
        theirs = namespace["torch_net"](torch.from_numpy(images.numpy())).numpy()
    np.testing.assert_allclose(theirs, net(images).detach().numpy(), rtol=1e-5, atol=1e-5)


def test_onnx_block_runs_the_model_in_onnx_runtime(story) -> None:
    pytest.importorskip("onnx")
    pytest.importorskip("onnxruntime")
    namespace, folder = story
    _, (start, code) = blocks_under("Taking a model elsewhere")
    with working_directory(folder):
        run(code, start, namespace)
    logits, images = namespace["logits"], namespace["images"]
    assert logits.shape == (256, 10)
    np.testing.assert_allclose(logits, namespace["net"](images).detach().numpy(), rtol=1e-5, atol=1e-5)


def test_drawing_block_draws_the_apple_graph_with_its_gradients(tmp_path: Path) -> None:
    ((start, code),) = blocks_under("Drawing graphs")
    namespace: dict[str, Any] = {}
    with working_directory(tmp_path):
        run(code, start, namespace)
    assert namespace["price"].item() == pytest.approx(220.0)
    grads = [namespace[name].grad.item() for name in ("apple", "num", "tax")]
    assert grads == pytest.approx([2.2, 110.0, 200.0])
    svg = (tmp_path / "apple.svg").read_text(encoding="utf-8")
    assert svg.startswith("<?xml") and all(text in svg for text in ("apple", "220", "2.2", "110", "200"))
