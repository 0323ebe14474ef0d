"""Count the CPU instructions the engine executes, under Valgrind's callgrind: a measure machine load cannot move.

Wall-clock times on a shared machine move by 10-30% from run to run, more than most changes to the engine. The
number of instructions a workload executes is the same on every run (it ignores caches and memory stalls, so it
measures the engine's own work, not the hardware's), which makes it the check for a change that costs a few percent:

    python -m bench.instructions                      # this tree: per-op overhead, and steps against the floors
    python -m bench.instructions /tmp/old .           # two trees (make the old one with `git worktree add`)

Workloads (`--only`): `op_chain`, forward and backward through 3,000 elementwise ops (mul, add, tanh) on 10
float64s, counted per op; `mlp`, `lenet` and `resnet`, one SGD step of the 784-256-10 MLP (batch 256), d2l's LeNet
(batch 256) and the resnet benchmark's two Residual blocks (64 channels, 14x14) on a batch of 32, ours and the
hand-written numpy floors (`engines/numpy.py`, `floor_cnn.py`), counted per step. Under Valgrind numpy and OpenBLAS
see a processor without AVX-512 and pick AVX2 kernels, for the floors too. `--keep DIR` keeps each profile for
`callgrind_annotate`. Needs `valgrind` (apt-get install valgrind); everything takes about 20 minutes.
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
RESNET = (2, 64, 14, 32)  # blocks, channels, map size, batch: the resnet benchmark's case at a quarter of its batch
# what each count is divided by: ops, or training steps of ours and of the floor
UNITS = {"op_chain": OPS} | {f"{net}_step{floor}": STEPS for net in ("mlp", "lenet") for floor in ("", "_floor")}
UNITS |= {"resnet_step": 1, "resnet_step_floor": 1}  # a step takes minutes under Valgrind
NETWORKS = ("mlp", "lenet", "resnet")
MEASURED = "starmap_next"  # callgrind counts only inside this C function: the measured call runs through starmap


def workload(name: str, tree: Path) -> Callable[[], object]:
    """The measured call of a workload (UNITS[name] ops or steps), built from `tree`'s packages."""
    sys.path[:0] = [str(tree / "bench"), str(tree)]
    import common
    from engines import ours

    if name == "op_chain":
        return ours.op_chain(np.linspace(-1.0, 1.0, 10), OPS)
    import floor_cnn
    from engines import numpy as floor

    rng = np.random.default_rng(common.SEED)
    engine = floor if name == "mlp_step_floor" else floor_cnn if name.endswith("_floor") else ours
    if name.startswith("mlp_step"):
        step = engine.mlp(common.init_mlp([784, 256, 10]), 0.1)
        images = rng.random((256, 784), np.float32)
    elif name.startswith("lenet_step"):
        step = engine.lenet(common.init_lenet(), 0.9)
        images = rng.random((256, 1, 28, 28), np.float32)
    else:
        step = engine.resnet(common.init_resnet(*RESNET[:2]), RESNET[0], 0.05)
        images = rng.standard_normal((RESNET[3], RESNET[1], RESNET[2], RESNET[2]), dtype=np.float32)
    labels = rng.integers(0, 10, len(images))

    def steps() -> object:
        for _ in range(UNITS[name]):
            step(images, labels)
        return None

    return steps


def child(name: str, tree: Path) -> None:
    """Run the workload once to warm up, then once through `itertools.starmap`, the part callgrind counts."""
    run = workload(name, tree)
    run()
    list(itertools.starmap(run, [()]))


def count(name: str, tree: Path, keep: Path | None) -> float:
    """Instructions per unit of the workload in `tree`, counted by callgrind in a child process (its profile kept
    in `keep`, for callgrind_annotate, when given)."""
    profile = "/dev/null" if keep is None else str(keep / f"callgrind.{tree.name}.{name}")
    cmd = ["valgrind", "--tool=callgrind", f"--toggle-collect={MEASURED}", f"--callgrind-out-file={profile}"]
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
    parser.add_argument("--only", nargs="+", choices=("op_chain", *NETWORKS), default=["op_chain", *NETWORKS])
    parser.add_argument("--keep", type=Path, help="a folder to keep each run's callgrind profile in")
    parser.add_argument("--child", nargs=2, metavar=("WORKLOAD", "TREE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]).resolve())
        return
    if shutil.which("valgrind") is None:
        sys.exit("bench.instructions needs valgrind: apt-get install valgrind")
    trees = [t.resolve() for t in args.trees]
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
    floors = {net: count(f"{net}_step_floor", trees[0], args.keep) for net in NETWORKS if net in args.only}
    for net, floor in floors.items():
        print(f"numpy floor: {floor:,.0f} instructions per {net} step", flush=True)
    first: dict[str, float] = {}
    for tree in trees:
        row = [str(tree)]
        for name in args.only:
            n = count(name if name == "op_chain" else f"{name}_step", tree, args.keep)
            first.setdefault(name, n)
            unit = "op" if name == "op_chain" else f"{name} step"
            ratio = "" if name == "op_chain" else f", {n / floors[name]:.3f}x the floor"
            row.append(f"{n:,.0f} per {unit} ({n / first[name]:.3f}x the first tree{ratio})")
        print("\n  ".join(row), flush=True)


if __name__ == "__main__":
    main()
