"""Count the CPU instructions the engine executes, under Valgrind's callgrind: a measure machine load cannot move.

Wall-clock times on a shared machine move by 10-30% from run to run, more than most changes to the engine. The
number of instructions a workload executes is the same on every run (it ignores caches and memory stalls, so it
measures the engine's own work, not the hardware's), which makes it the check for a change that costs a few percent:

    python -m bench.instructions                      # this tree: per-op overhead and an MLP step against the floor
    python -m bench.instructions /tmp/old .           # two trees (make the old one with `git worktree add`)

Workloads: `op_chain`, forward and backward through 3,000 elementwise ops (mul, add, tanh) on 10 float64s,
counted per op; `mlp_step`, one SGD step of the 784-256-10 MLP on a batch of 256, ours and the hand-written numpy
floor (`engines/numpy.py`), counted per step. Under Valgrind numpy and OpenBLAS see a processor without AVX-512
and pick AVX2 kernels, so the floor's count is that of those kernels. Needs `valgrind` (apt-get install valgrind);
a workload takes about a minute.
"""

from __future__ import annotations

import argparse
import itertools
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

OPS = 3000
STEPS = 5
UNITS = {"op_chain": OPS, "mlp_step": STEPS, "mlp_step_floor": STEPS}  # what each count is divided by
MEASURED = "starmap_next"  # callgrind counts only inside this C function: the measured call runs through starmap


def workload(name: str, tree: Path) -> Callable[[], object]:
    """The measured call of a workload (UNITS[name] ops or steps), built from `tree`'s packages."""
    sys.path[:0] = [str(tree / "bench"), str(tree)]
    import common

    if name == "op_chain":
        import autograd

        x = np.linspace(-1.0, 1.0, 10)

        def run() -> object:
            leaf = autograd.tensor(x, requires_grad=True)
            common.chain(leaf, OPS, lambda v: v.tanh()).sum().backward()
            return leaf.grad

        return run
    from engines import numpy as floor
    from engines import ours

    rng = np.random.default_rng(common.SEED)
    step = {"mlp_step": ours, "mlp_step_floor": floor}[name].mlp(common.init_mlp([784, 256, 10]), 0.1)
    images, labels = rng.random((256, 784), np.float32), rng.integers(0, 10, 256)

    def steps() -> object:
        for _ in range(STEPS):
            step(images, labels)
        return None

    return steps


def child(name: str, tree: Path) -> None:
    """Run the workload twice to warm up, then once through `itertools.starmap`, the part callgrind counts."""
    run = workload(name, tree)
    run()
    run()
    list(itertools.starmap(run, [()]))


def count(name: str, tree: Path) -> float:
    """Instructions per unit of the workload in `tree`, counted by callgrind in a child process."""
    cmd = ["valgrind", "--tool=callgrind", f"--toggle-collect={MEASURED}", "--callgrind-out-file=/dev/null"]
    cmd += [sys.executable, __file__, "--child", name, str(tree)]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"OPENBLAS_NUM_THREADS": "1"}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    found = re.search(r"Collected : (\d+)", proc.stderr)
    if proc.returncode or not found:
        raise RuntimeError(f"{name} in {tree}: callgrind failed:\n{proc.stderr[-2000:]}")
    return int(found.group(1)) / UNITS[name]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trees", nargs="*", type=Path, default=[Path(".")], help="repository roots (default: .)")
    parser.add_argument("--child", nargs=2, metavar=("WORKLOAD", "TREE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]).resolve())
        return
    if shutil.which("valgrind") is None:
        sys.exit("bench.instructions needs valgrind: apt-get install valgrind")
    trees = [t.resolve() for t in args.trees]
    floor = count("mlp_step_floor", trees[0])
    print(f"numpy floor: {floor:,.0f} instructions per mlp_step")
    first: dict[str, float] = {}
    for tree in trees:
        per_op, per_step = count("op_chain", tree), count("mlp_step", tree)
        first = first or {"op": per_op, "step": per_step}
        print(
            f"{tree}: op_chain {per_op:,.0f} per op ({per_op / first['op']:.3f}x the first tree), "
            f"mlp_step {per_step:,.0f} per step ({per_step / floor:.3f}x the floor, "
            f"{per_step / first['step']:.3f}x the first tree)",
            flush=True,
        )


if __name__ == "__main__":
    main()
