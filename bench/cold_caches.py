"""What the engine's Python costs between two large matrix products, against what it costs on warm caches.

In a training step every stretch of engine code runs right after a multi-megabyte matrix product that has evicted
the caches. This times a Linear layer's forward through the engine (`Function.apply`) and as the same numpy calls,
on tiny arrays and on the 784-256-10 MLP's first layer, and, as controls, a pure-Python loop and a few small numpy
calls: each on warm caches (the second of two calls in a row) and right after an unrelated 256x784 @ 784x256
product, in shuffled order. The engine's own cost is the difference between its row and the numpy row. The large
layer's own product evicts the caches too, so its engine cost is the in-loop one in both columns.
Run from the repository root: `OPENBLAS_NUM_THREADS=1 python -m bench.cold_caches` (about 15 seconds).
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

if __package__ in (None, ""):  # run as a file: import the project from the repository root
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import autograd  # noqa: E402
from autograd.ops.linalg import Linear  # noqa: E402


def linear_pair(batch: int, n_in: int, n_out: int) -> tuple[Callable[[], object], Callable[[], object]]:
    """A Linear layer's forward through the engine (`Function.apply`), and as the same numpy calls."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, n_in), dtype=np.float32)
    weight = autograd.tensor(rng.standard_normal((n_out, n_in), dtype=np.float32), requires_grad=True)
    bias = autograd.tensor(np.zeros(n_out, np.float32), requires_grad=True)

    def numpy_linear() -> object:
        out = x @ weight._data.T
        out += bias._data
        return out

    return (lambda: Linear.apply(autograd.from_numpy(x), weight, bias)), numpy_linear


def cases() -> dict[str, Callable[[], object]]:
    """The timed pieces of work: name -> a callable doing it once."""
    small = np.ones((2, 2), np.float32)

    def python_loop() -> None:
        for _ in range(100):
            pass

    def small_numpy_calls() -> None:
        for _ in range(4):
            np.maximum(np.add(small, small), 0)

    tiny_engine, tiny_numpy = linear_pair(2, 4, 3)
    big_engine, big_numpy = linear_pair(256, 784, 256)
    return {
        "Linear 2x4 -> 3, engine": tiny_engine,
        "Linear 2x4 -> 3, numpy": tiny_numpy,
        "Linear 256x784 -> 256, engine": big_engine,
        "Linear 256x784 -> 256, numpy": big_numpy,
        "pure-Python loop (control)": python_loop,
        "8 small numpy calls (control)": small_numpy_calls,
    }


def measure(rounds: int = 1000) -> dict[str, tuple[float, float]]:
    """name -> (median us on warm caches, median us right after an unrelated 256x784 @ 784x256 product)."""
    work = cases()
    rng = np.random.default_rng(1)
    a = rng.standard_normal((256, 784), dtype=np.float32)
    b = rng.standard_normal((784, 256), dtype=np.float32)
    a @ b  # a fresh process's first large product is slow
    warm: dict[str, list[float]] = {name: [] for name in work}
    after: dict[str, list[float]] = {name: [] for name in work}
    names = list(work)
    for _ in range(rounds):
        rng.shuffle(names)
        for name in names:
            for timings, evict in ((warm, False), (after, True)):
                if evict:
                    a @ b
                else:
                    work[name]()  # the timed call then finds everything this work touches in the caches
                start = time.perf_counter()
                work[name]()
                timings[name].append(time.perf_counter() - start)
    return {name: (statistics.median(warm[name]) * 1e6, statistics.median(after[name]) * 1e6) for name in work}


def main() -> None:
    results = measure()
    print(f"{'work':32s} {'warm us':>9s} {'after us':>9s}  (after: right after an unrelated large product)")
    for name, (warm, after) in results.items():
        print(f"{name:32s} {warm:9.1f} {after:9.1f}")
    for size in ("2x4 -> 3", "256x784 -> 256"):
        engine, plain = results[f"Linear {size}, engine"], results[f"Linear {size}, numpy"]
        print(
            f"engine's own cost, Linear {size}: {engine[0] - plain[0]:.1f} us warm, {engine[1] - plain[1]:.1f} us after"
        )


if __name__ == "__main__":
    main()
