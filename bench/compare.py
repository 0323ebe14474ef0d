"""Compare two versions of the engine on the mlp_epoch network, in one process, against the numpy floor.

Separate processes differ by a few percent from one to the next (memory layout, machine load), more than most
single changes to the engine. Here both trees and the floor train in the same process, alternating whole epochs
(the order reversed every round), so drift and layout fall on all three alike. Each tree's packages are imported
under their usual names one after the other; the objects of the first keep working after the second is imported.
Make the trees with `git worktree add /tmp/old <commit>`, then, from the repository root:
`OPENBLAS_NUM_THREADS=1 python -m bench.compare /tmp/old . [--sizes 784-256-10] [--rounds 20]`.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import numpy as np

PACKAGES = ("autograd", "nn", "optim", "viz", "common", "engines")  # what a tree's benchmark imports
BATCH = 256
LR = 0.1


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trees", nargs=2, type=Path, help="the two repository roots: old, new")
    parser.add_argument("--sizes", default="784-256-10", help="layer sizes of the MLP (default 784-256-10)")
    parser.add_argument("--rounds", type=int, default=20, help="epochs of each engine after one of warm-up")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split("-")]
    steps: dict[str, Callable[[np.ndarray, np.ndarray], object]] = {}
    for label, root in (("new", args.trees[1]), ("old", args.trees[0])):
        common, ours, floor = load(root.resolve())
        if not steps:  # the data, the initial weights and the floor come from the new tree
            params = common.init_mlp(sizes)
            x, y, source = common.fashion_mnist()
            common.warm_blas()
            steps["numpy"] = floor.mlp(params, LR)
        steps[label] = ours.mlp(params, LR)
    names = ["numpy", "old", "new"]
    for name in names:
        epoch_steps(steps[name], x, y)
    times: dict[str, list[list[float]]] = {name: [] for name in names}
    for r in range(args.rounds):
        for name in names if r % 2 == 0 else names[::-1]:
            times[name].append(epoch_steps(steps[name], x, y))
    step_median = {name: statistics.median(t for e in times[name] for t in e) for name in names}
    epochs = {name: [sum(e) for e in times[name]] for name in names}
    print(f"{args.sizes}, batch {BATCH}, {args.rounds} epochs each; data: {source}")
    print(f"{'engine':6s} {'step median us':>15s} {'/ numpy':>8s} {'epoch / numpy, paired median':>29s}  tree")
    for name in names:
        paired = statistics.median(a / b for a, b in zip(epochs[name], epochs["numpy"], strict=True))
        tree = "" if name == "numpy" else str(args.trees[name == "new"])
        ratio = step_median[name] / step_median["numpy"]
        print(f"{name:6s} {step_median[name] * 1e6:15.1f} {ratio:8.4f} {paired:29.4f}  {tree}")
    paired_new = sorted(a / b for a, b in zip(epochs["new"], epochs["old"], strict=True))
    print(f"new / old, epoch by epoch: median {statistics.median(paired_new):.4f} (sorted: ", end="")
    print(" ".join(f"{v:.3f}" for v in paired_new) + ")")


if __name__ == "__main__":
    main()
