"""SGD's update of one parameter, `p -= lr * grad` in numpy against `optim.axpy` (one BLAS pass, no temporary).

For each parameter shape of the `mlp_epoch` networks (float32), the gradient is made by a matrix product just
before each update, as in a training step, so the update runs on the caches a step leaves it. Both versions run
alternately on the same arrays; the table gives medians in microseconds and their ratio.
Run from the repository root: `OPENBLAS_NUM_THREADS=1 python -m bench.axpy` (about 10 seconds).
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np

if __package__ in (None, ""):  # run as a file: import the project from the repository root
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from optim.axpy import BLAS_AXPY, BLAS_MIN_SIZE, axpy  # noqa: E402

SHAPES = ((256, 784), (512, 784), (512, 512), (256, 256), (10, 256), (256,))
LR = 0.1
REPEATS = 300


def time_update(shape: tuple[int, ...]) -> tuple[float, float]:
    """Median microseconds of numpy's update and of axpy's, on a fresh gradient from a (shape[0], 256) product."""
    rng = np.random.default_rng(0)
    rows = rng.standard_normal((256, shape[0]), dtype=np.float32)
    cols = rng.standard_normal((256, int(np.prod(shape[1:], dtype=int))), dtype=np.float32)
    param = rng.standard_normal(shape, dtype=np.float32)
    times: dict[str, list[float]] = {"numpy": [], "axpy": []}
    for _ in range(REPEATS):
        for name in times:
            grad = (rows.T @ cols).reshape(shape)
            start = time.perf_counter()
            if name == "numpy":
                param -= LR * grad
            else:
                axpy(-LR, grad, param)
            times[name].append(time.perf_counter() - start)
    return statistics.median(times["numpy"]) * 1e6, statistics.median(times["axpy"]) * 1e6


def main() -> None:
    found = "found" if BLAS_AXPY else "not found: axpy is numpy's update"
    print(f"numpy {np.__version__}; BLAS axpy {found}; BLAS used from {BLAS_MIN_SIZE} elements")
    print(f"{'parameter':>12s} {'numpy us':>9s} {'axpy us':>9s} {'axpy / numpy':>13s}")
    for shape in SHAPES:
        numpy_us, axpy_us = time_update(shape)
        print(f"{'x'.join(map(str, shape)):>12s} {numpy_us:9.1f} {axpy_us:9.1f} {axpy_us / numpy_us:13.2f}")


if __name__ == "__main__":
    main()
