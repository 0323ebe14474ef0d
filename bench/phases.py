"""Where a training step of ours spends its time beside the numpy floor's, phase by phase, inside the training loop.

`mlp_epoch` says how much slower than the floor an epoch is; this says in which phase. It trains the 784-256-10
MLP of `mlp_epoch` with both engines in one process, alternating whole epochs, and times each step's phases with
perf_counter: forward through the network, the loss, backward, and the optimizer's update (ours also zeroes the
gradients in its backward phase, as the training loop orders it). Both run their engine's own benchmark code
(engines/ours.py's network, engines/numpy.py's functions), split at the same places. Each figure is the median
over every step after the first epoch of each engine. Run from the repository root:
`OPENBLAS_NUM_THREADS=1 python -m bench.phases [epochs]` (about 20 s an epoch pair).
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

BENCH = Path(__file__).resolve().parent
if __package__ in (None, ""):  # run as a file: import the project from the repository root
    sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))  # bench/common.py and bench/engines, as bench/child.py sees them

import common  # noqa: E402
from engines import numpy as floor  # noqa: E402
from engines import ours  # noqa: E402

import autograd  # noqa: E402

SIZES = (784, 256, 10)
PHASES = ("forward", "loss", "backward", "update")
LR = 0.1


def record(times: dict[str, list[float]], marks: tuple[float, ...]) -> None:
    """Append each phase's duration, from consecutive perf_counter marks."""
    for phase, start, end in zip(PHASES, marks[:-1], marks[1:], strict=True):
        times[phase].append(end - start)


def ours_step(params: list[np.ndarray], times: dict[str, list[float]]) -> Callable[[np.ndarray, np.ndarray], None]:
    """engines/ours.py's training step, timed by phase."""
    net, loss_fn, opt = ours.network(params, LR)
    clock = time.perf_counter

    def step(x: np.ndarray, y: np.ndarray) -> None:
        t0 = clock()
        logits = net(autograd.from_numpy(x))
        t1 = clock()
        loss = loss_fn(logits, autograd.from_numpy(y))
        t2 = clock()
        opt.zero_grad()
        loss.backward()
        t3 = clock()
        opt.step()
        record(times, (t0, t1, t2, t3, clock()))

    return step


def floor_step(params: list[np.ndarray], times: dict[str, list[float]]) -> Callable[[np.ndarray, np.ndarray], None]:
    """engines/numpy.py's training step (the floor), timed at the same places."""
    params = [p.copy() for p in params]
    clock = time.perf_counter

    def step(x: np.ndarray, y: np.ndarray) -> None:
        t0 = clock()
        acts = floor._forward(params, x)
        t1 = clock()
        _, g = floor.cross_entropy(acts[-1], y)
        t2 = clock()
        grads = floor._backward(params, acts, g)
        t3 = clock()
        floor.sgd(params, grads, LR)
        record(times, (t0, t1, t2, t3, clock()))

    return step


def main() -> None:
    epochs = int(sys.argv[1]) if len(sys.argv) > 1 else 6
    params = common.init_mlp(SIZES)
    x, y, source = common.fashion_mnist()
    common.warm_blas()
    times = {engine: {phase: [] for phase in PHASES} for engine in ("ours", "numpy")}
    steps = {"ours": ours_step(params, times["ours"]), "numpy": floor_step(params, times["numpy"])}
    starts = range(0, len(x), 256)
    for epoch in range(epochs + 1):
        for engine in ("ours", "numpy") if epoch % 2 else ("numpy", "ours"):
            for i in starts:
                steps[engine](x[i : i + 256], y[i : i + 256])
    print(f"{common.blas_info()}; data: {source}; {epochs} epochs per engine after one of warm-up")
    print(f"median us per step of {'-'.join(map(str, SIZES))} (batch 256), in the training loop:")
    print(f"{'phase':10s} {'numpy':>9s} {'ours':>9s} {'ours - numpy':>13s}")
    total = {"ours": 0.0, "numpy": 0.0}
    for phase in PHASES:
        medians = {e: statistics.median(times[e][phase][len(starts) :]) * 1e6 for e in total}
        for engine in total:
            total[engine] += medians[engine]
        print(f"{phase:10s} {medians['numpy']:9.1f} {medians['ours']:9.1f} {medians['ours'] - medians['numpy']:13.1f}")
    print(f"{'sum':10s} {total['numpy']:9.1f} {total['ours']:9.1f} {total['ours'] - total['numpy']:13.1f}", end="")
    print(f"   ours / numpy {total['ours'] / total['numpy']:.3f}")


if __name__ == "__main__":
    main()
