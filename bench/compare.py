"""Compare two versions of the engine in one process, against the numpy floor: an MLP epoch or the per-op chain.

Separate processes differ by a few percent from one to the next (memory layout, machine load), more than most
single changes to the engine. Here both trees and the floor run in the same process, alternating whole rounds
(the order reversed every round), so drift and layout fall on all three alike. Each tree's packages are imported
under their usual names one after the other; the objects of the first keep working after the second is imported.
Make the trees with `git worktree add /tmp/old <commit>`, then, from the repository root:
`OPENBLAS_NUM_THREADS=1 python -m bench.compare /tmp/old . [--workload mlp|op_chain] [--sizes 784-256-10]
[--rounds 20]`. A round of `mlp` is one epoch on Fashion-MNIST (batch 256); a round of `op_chain` is forward and
backward through the `op_overhead` benchmark's 1,000-op elementwise chain on 10 float64s, repeated 20 times.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from types import ModuleType

import numpy as np

PACKAGES = ("autograd", "nn", "optim", "viz", "common", "engines")  # what a tree's benchmark imports
BATCH = 256
LR = 0.1
N_OPS = 1000  # ops in the chain, as in `op_overhead`
CHAIN_REPEATS = 20  # chains timed per round


def load(root: Path) -> tuple[ModuleType, ModuleType, ModuleType]:
    """`common`, `engines.ours` and `engines.numpy` of the tree at `root`, freshly imported."""
    for name in [m for m in sys.modules if m.split(".")[0] in PACKAGES]:
        del sys.modules[name]
    sys.path[:0] = [str(root / "bench"), str(root)]
    try:
        import common
        from engines import numpy as floor
        from engines import ours
    finally:
        del sys.path[:2]
    return common, ours, floor


def epoch_steps(step: Callable[[np.ndarray, np.ndarray], object], x: np.ndarray, y: np.ndarray) -> list[float]:
    """Seconds of each training step of one epoch."""
    times = []
    for i in range(0, len(x), BATCH):
        start = time.perf_counter()
        step(x[i : i + BATCH], y[i : i + BATCH])
        times.append(time.perf_counter() - start)
    return times


def chain_runs(run: Callable[[], object]) -> list[float]:
    """Seconds per op of each of CHAIN_REPEATS forward + backward passes through the chain."""
    times = []
    for _ in range(CHAIN_REPEATS):
        gc.collect()
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) / N_OPS)
    return times


def workloads(trees: list[Path], name: str, sizes: list[int]) -> tuple[dict[str, Callable[[], list[float]]], str]:
    """A function per engine (numpy, old, new) that runs one round and returns its timed parts; and the data."""
    rounds: dict[str, Callable[[], list[float]]] = {}
    if name == "op_chain":
        x = np.linspace(-1.0, 1.0, 10)
        for label, root in (("new", trees[1]), ("old", trees[0])):
            _, ours, floor = load(root.resolve())
            rounds.setdefault("numpy", partial(chain_runs, floor.op_chain(x, N_OPS)))
            rounds[label] = partial(chain_runs, ours.op_chain(x, N_OPS))
        return rounds, "10 float64s"
    for label, root in (("new", trees[1]), ("old", trees[0])):
        common, ours, floor = load(root.resolve())
        if not rounds:  # the data, the initial weights and the floor come from the new tree
            params = common.init_mlp(sizes)
            data, labels, source = common.fashion_mnist()
            common.warm_blas()
            rounds["numpy"] = partial(epoch_steps, floor.mlp(params, LR), data, labels)
        rounds[label] = partial(epoch_steps, ours.mlp(params, LR), data, labels)
    return rounds, source


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trees", nargs=2, type=Path, help="the two repository roots: old, new")
    parser.add_argument("--workload", choices=("mlp", "op_chain"), default="mlp", help="what a round runs")
    parser.add_argument("--sizes", default="784-256-10", help="layer sizes of the MLP (default 784-256-10)")
    parser.add_argument("--rounds", type=int, default=20, help="rounds of each engine after one of warm-up")
    args = parser.parse_args()
    rounds, source = workloads(args.trees, args.workload, [int(s) for s in args.sizes.split("-")])
    names = ["numpy", "old", "new"]
    for name in names:
        rounds[name]()
    times: dict[str, list[list[float]]] = {name: [] for name in names}
    for r in range(args.rounds):
        for name in names if r % 2 == 0 else names[::-1]:
            times[name].append(rounds[name]())
    part_median = {name: statistics.median(t for e in times[name] for t in e) for name in names}
    totals = {name: [sum(e) for e in times[name]] for name in names}
    if args.workload == "mlp":
        print(f"{args.sizes}, batch {BATCH}, {args.rounds} epochs each; data: {source}")
        part = "step median us"
    else:
        print(f"{N_OPS}-op chain on {source}, {args.rounds} rounds of {CHAIN_REPEATS} passes each")
        part = "us per op"
    print(f"{'engine':6s} {part:>15s} {'/ numpy':>8s} {'round / numpy, paired median':>29s}  tree")
    for name in names:
        paired = statistics.median(a / b for a, b in zip(totals[name], totals["numpy"], strict=True))
        tree = "" if name == "numpy" else str(args.trees[name == "new"])
        ratio = part_median[name] / part_median["numpy"]
        print(f"{name:6s} {part_median[name] * 1e6:15.2f} {ratio:8.4f} {paired:29.4f}  {tree}")
    paired_new = sorted(a / b for a, b in zip(totals["new"], totals["old"], strict=True))
    print(f"new / old, round by round: median {statistics.median(paired_new):.4f} (sorted: ", end="")
    print(" ".join(f"{v:.3f}" for v in paired_new) + ")")


if __name__ == "__main__":
    main()
