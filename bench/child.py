"""Run one case of one benchmark for one engine in this (fresh) process and write the result as JSON.

Started by run.py as `python bench/child.py ...`, so that bench/ (not the repository root) is first on
sys.path: a peer's `import autograd` then finds HIPS autograd, not this project's package.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import os
import sys
from types import ModuleType
from typing import Any

import common
import floor_cnn
import numpy as np

BATCH = 256
LR = 0.1
QUICK_IMAGES = 6_000
N_OPS = 1_000
MEMORY_STEPS = 2_000
OVERHEAD_STEPS = 200
GRAPH_BATCH = 8_192
LENET_LR = 0.9  # d2l's
LENET_BATCHES = 40  # of the 235 in an epoch: the timed part, scaled to s/epoch
RESNET_LR = 0.05


class NotSupported(Exception):
    """The engine has no builder for this benchmark."""


def builder(engine: ModuleType, name: str) -> Any:
    """The engine's builder function `name`, or NotSupported."""
    fn = getattr(engine, name, None)
    if fn is None:
        raise NotSupported(name)
    return fn


def mlp_epoch(engine: ModuleType, case: str, quick: bool) -> dict:
    """Seconds per epoch of SGD over Fashion-MNIST train images (batch 256), and peak RSS."""
    step = builder(engine, "mlp")(common.init_mlp([int(s) for s in case.split("-")]), LR)
    x, y, source = common.fashion_mnist(QUICK_IMAGES if quick else None)
    starts = range(0, len(x), BATCH)
    losses = []

    def epoch() -> None:
        total = sum(common.as_float(step(x[i : i + BATCH], y[i : i + BATCH])) for i in starts)
        losses.append(total / len(starts))

    times = common.time_runs(epoch, repeats=1 if quick else 3, warmup=1)
    seconds = common.median(times) * 60_000 / len(x)
    metrics = {"s/epoch": seconds, "peak RSS MB": common.peak_rss_mb()}
    return {"metrics": metrics, "checks": {"first epoch mean loss": losses[0]}, "data": source}


def op_overhead(engine: ModuleType, case: str, quick: bool) -> dict:
    """Microseconds per op of forward + backward through a 1,000-op elementwise chain on 10 float64s."""
    run = builder(engine, "op_chain")(np.linspace(-1.0, 1.0, 10), N_OPS)
    times = common.time_runs(run, repeats=5 if quick else 50, warmup=2 if quick else 10)
    return {"metrics": {"us/op": common.median(times) / N_OPS * 1e6}, "checks": {"sum of input grad": run()}}


def step_overhead(engine: ModuleType, case: str, quick: bool) -> dict:
    """Microseconds per SGD step of a tiny MLP on a tiny batch: what one training step costs beyond its arithmetic."""
    sizes, batch = case.split(" batch ")
    widths = [int(s) for s in sizes.split("-")]
    step = builder(engine, "mlp")(common.init_mlp(widths), LR)
    rng = np.random.default_rng(common.SEED)
    x, y = rng.random((int(batch), widths[0]), np.float32), rng.integers(0, widths[-1], int(batch))
    first = common.as_float(step(x, y))

    def run() -> None:
        for _ in range(OVERHEAD_STEPS):
            step(x, y)

    times = common.time_runs(run, repeats=5 if quick else 30, warmup=2 if quick else 5)
    return {"metrics": {"us/step": common.median(times) / OVERHEAD_STEPS * 1e6}, "checks": {"first step loss": first}}


def scalar_graph(engine: ModuleType, case: str, quick: bool) -> dict:
    """micrograd's demo network (seconds per iteration), or a chain of n scalar ops (us per op)."""
    if case == "moons MLP":
        points, labels = common.moons()
        run = builder(engine, "scalar_mlp")(common.moons_weights(), points.tolist(), labels.tolist())
        losses: list[float] = []
        times = common.time_runs(lambda: losses.append(run()), repeats=1 if quick else 10, warmup=int(not quick))
        return {"metrics": {"s/iter": common.median(times)}, "checks": {"first iteration loss": losses[0]}}
    n = int(float(case.split()[1]))
    build = builder(engine, "scalar_chain")
    try:
        build(100)()
        run = build(n)
        times = common.time_runs(run, repeats=1 if quick or n >= 10**6 else 3, warmup=0)
    except RecursionError:
        return {"metrics": {"us/op": "RecursionError"}, "checks": {}}
    return {"metrics": {"us/op": common.median(times) / n * 1e6}, "checks": {"input grad": run()}}


def memory(engine: ModuleType, case: str, quick: bool) -> dict:
    """RSS over many training steps of the small MLP, and RSS left after a step's graph is dropped."""
    step = builder(engine, "mlp")(common.init_mlp([int(s) for s in case.split("-")]), LR)
    rng = np.random.default_rng(common.SEED)
    x, y = rng.random((BATCH, 784), np.float32), rng.integers(0, 10, BATCH)
    samples = []
    for i in range(200 if quick else MEMORY_STEPS):
        loss = step(x, y)
        if i % 20 == 0:
            samples.append(common.rss_mb())
    del loss
    end = common.rss_mb()
    warm = samples[len(samples) // 10]  # after a tenth of the steps: one-time allocations (caches, pools) are done
    big_x, big_y = rng.random((GRAPH_BATCH, 784), np.float32), rng.integers(0, 10, GRAPH_BATCH)
    before = common.rss_mb()
    loss = step(big_x, big_y)
    held = common.rss_mb()
    del loss
    after_del = common.rss_mb()
    gc.collect()
    after_gc = common.rss_mb()
    metrics = {
        "RSS start MB": samples[0],
        "RSS end MB": end,
        "RSS max MB": max(samples + [end]),
        "RSS warm-up MB": warm - samples[0],
        "RSS growth MB": end - warm,
        f"batch {GRAPH_BATCH} step: +MB held": held - before,
        "+MB after del": after_del - before,
        "+MB after gc": after_gc - before,
    }
    return {"metrics": metrics, "checks": {}}


def lenet(engine: ModuleType, case: str, quick: bool) -> dict:
    """Seconds per epoch of SGD training d2l's LeNet on Fashion-MNIST images (batch 256), from the first
    LENET_BATCHES batches scaled to 60,000 images, and peak RSS."""
    step = builder(engine, "lenet")(common.init_lenet(), LENET_LR)
    x, y, source = common.fashion_mnist(BATCH * (4 if quick else LENET_BATCHES))
    x = x.reshape(-1, 1, 28, 28)
    starts = range(0, len(x), BATCH)
    losses = []

    def epoch() -> None:
        total = sum(common.as_float(step(x[i : i + BATCH], y[i : i + BATCH])) for i in starts)
        losses.append(total / len(starts))

    times = common.time_runs(epoch, repeats=1 if quick else 5, warmup=1)
    metrics = {"s/epoch": common.median(times) * 60_000 / len(x), "peak RSS MB": common.peak_rss_mb()}
    return {"metrics": metrics, "checks": {"first pass mean loss": losses[0]}, "data": source}


def resnet(engine: ModuleType, case: str, quick: bool) -> dict:
    """Milliseconds per SGD step of a stack of d2l Residual blocks on one random batch, and peak RSS."""
    blocks, channels, size, batch = common.resnet_case(case)
    step = builder(engine, "resnet")(common.init_resnet(blocks, channels), blocks, RESNET_LR)
    rng = np.random.default_rng(common.SEED)
    x = rng.standard_normal((batch, channels, size, size), dtype=np.float32)
    y = rng.integers(0, 10, batch)
    first = common.as_float(step(x, y))
    times = common.time_runs(lambda: step(x, y), repeats=1 if quick else 5, warmup=1)
    metrics = {"ms/step": common.median(times) * 1e3, "peak RSS MB": common.peak_rss_mb()}
    return {"metrics": metrics, "checks": {"first step loss": first}}


def conv2d(engine: ModuleType, case: str, quick: bool) -> dict:
    """Milliseconds of one conv2d forward and backward of a fixed output gradient, and peak RSS; the output and
    gradients are then checked against the numpy floor's."""
    x, w, b, g = common.conv_arrays(case)
    pad = common.conv_case(case)[-1]
    step = builder(engine, "conv2d")(pad)
    times = common.time_runs(lambda: step(x, w, b, g), repeats=3 if quick else 20, warmup=2, budget=20.0)
    metrics = {"ms/step": common.median(times) * 1e3, "peak RSS MB": common.peak_rss_mb()}
    got, want = step(x, w, b, g), floor_cnn.conv2d(pad)(x, w, b, g)  # after the peak RSS: the floor's arrays add to it
    for name, value in want.items():
        error = float(np.abs(got[name] - value).max() / np.abs(value).max())
        if error > 1e-4:
            raise AssertionError(f"{name}: relative error {error:.1e} against the numpy floor")
    return {"metrics": metrics, "checks": {"mean |input grad|": float(np.abs(got["x"]).mean())}}


BENCHMARKS = {
    "mlp_epoch": mlp_epoch,
    "op_overhead": op_overhead,
    "step_overhead": step_overhead,
    "scalar_graph": scalar_graph,
    "memory": memory,
    "lenet": lenet,
    "resnet": resnet,
    "conv2d": conv2d,
}


def main() -> None:
    """Parse the arguments, run the case and write the JSON result."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--engine", required=True)
    parser.add_argument("--bench", required=True, choices=BENCHMARKS)
    parser.add_argument("--case", required=True)
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    result: dict[str, Any] = {k: getattr(args, k) for k in ("engine", "bench", "case", "threads", "quick")}
    try:
        engine = importlib.import_module(f"engines.{args.engine}")
    except ImportError as e:
        result.update(status="not installed", error=f"{type(e).__name__}: {e}")
    else:
        common.warm_blas()
        if hasattr(engine, "setup"):
            engine.setup(args.threads)
        result["version"] = engine.VERSION
        try:
            result.update(status="ok", **BENCHMARKS[args.bench](engine, args.case, args.quick))
        except NotSupported:
            result["status"] = "n/a"
        except Exception as e:  # any failure of the engine is a result to report
            result.update(status="error", error=f"{type(e).__name__}: {e}")
    result.update(python=sys.version.split()[0], numpy=np.__version__, blas=common.blas_info())
    result["load"] = os.getloadavg()[0]
    with open(args.out, "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main()
