"""Shared pieces of the benchmarks: cases, timing, memory, environment, data and scalar reference models."""

from __future__ import annotations

import gc
import gzip
import os
import resource
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
FASHION_MNIST = ROOT.parent / "shared" / "data" / "fashion-mnist"
SEED = 0

# Every benchmark and its cases; each (benchmark, case, engine) runs in a fresh process.
CASES: dict[str, list[str]] = {
    "mlp_epoch": ["784-256-10", "784-512-512-512-10"],
    "op_overhead": ["1000 ops"],
    "step_overhead": ["10-16-4 batch 2"],
    "scalar_graph": ["moons MLP", "chain 1e4", "chain 1e5", "chain 1e6"],
    "memory": ["784-256-10"],
    "lenet": ["batch 256"],
    "resnet": ["2x64 14x14 batch 128"],
    "conv2d": ["256x1x28x28 6 5x5 pad 2", "256x6x14x14 16 5x5 pad 0", "128x64x7x7 64 3x3 pad 1"],
}
SLOW_CASES = {("scalar_graph", "chain 1e6")}  # left out of --quick runs


def time_runs(fn: Callable[[], Any], repeats: int, warmup: int, budget: float = 60.0) -> list[float]:
    """Seconds of each timed call of fn: `warmup` untimed calls, then up to `repeats` timed ones.

    Timing stops once `budget` seconds are spent (after one call at least); a warm-up call that alone takes
    longer than the budget is used as the one measurement, as a call that long does not need warming up.
    """
    for _ in range(warmup):
        start = time.perf_counter()
        fn()
        if time.perf_counter() - start > budget:
            return [time.perf_counter() - start]
    times: list[float] = []
    while len(times) < repeats and (not times or sum(times) < budget):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def median(values: Sequence[float]) -> float:
    """The median of values."""
    return statistics.median(values)


def rss_mb() -> float:
    """The resident set size of this process now, in MiB (Linux /proc)."""
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mb() -> float:
    """The peak resident set size of this process so far, in MiB (ru_maxrss, KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10


def warm_blas() -> None:
    """One untimed large matmul: a fresh process's first OpenBLAS products run about 3x slower."""
    a = np.ones((1024, 1024), np.float32)
    a @ a


def blas_info(threads: bool = True) -> str:
    """The BLAS libraries numpy (and whatever else is loaded) uses, from threadpoolctl or numpy's config."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        return f"{blas['name']} {blas['version']} (numpy.show_config; threadpoolctl not installed)"
    parts = []
    for lib in threadpool_info():
        details = [lib[k] for k in ("threading_layer", "architecture") if lib.get(k)]
        details += [f"{lib['num_threads']} threads"] if threads else []
        name = " ".join(str(lib[k]) for k in ("internal_api", "version") if lib.get(k))
        parts.append(f"{name} ({', '.join(details)})" if details else name)
    return "; ".join(parts)


def as_float(value: Any) -> float:
    """The float in an engine's 0-d result: a tensor, Variable, Scalar, numpy or Python number."""
    return float(value.item()) if hasattr(value, "item") else float(value.data)


def read_idx(path: Path) -> np.ndarray:
    """Parse a gzipped IDX file (the MNIST format) of unsigned bytes into an array of its shape."""
    with gzip.open(path) as f:
        raw = f.read()
    ndim = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim).reshape(shape)


def fashion_mnist(limit: int | None = None) -> tuple[np.ndarray, np.ndarray, str]:
    """Train images as float32 (n, 784) in [0, 1] and int64 labels, shuffled once (seeded), and their source.

    Falls back to random data of the same shape when the data set is not in ../shared/data/fashion-mnist.
    """
    images = FASHION_MNIST / "train-images-idx3-ubyte.gz"
    labels = FASHION_MNIST / "train-labels-idx1-ubyte.gz"
    rng = np.random.default_rng(SEED)
    if images.exists() and labels.exists():
        x, y = read_idx(images).reshape(-1, 784), read_idx(labels)
        source = f"Fashion-MNIST ({FASHION_MNIST})"
    else:
        x, y = rng.integers(0, 256, (60_000, 784), np.uint8), rng.integers(0, 10, 60_000)
        source = "random data (Fashion-MNIST not found)"
    order = rng.permutation(len(x))[:limit]
    return np.multiply(x[order], 1 / 255, dtype=np.float32), y[order].astype(np.int64), source


def init_mlp(sizes: Sequence[int], seed: int = SEED) -> list[np.ndarray]:
    """[W1, b1, W2, b2, ...] float32, W of shape (in, out), uniform in +-1/sqrt(in) as torch's default."""
    rng = np.random.default_rng(seed)
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:], strict=True):
        bound = 1 / np.sqrt(fan_in)
        params.append(rng.uniform(-bound, bound, (fan_in, fan_out)).astype(np.float32))
        params.append(rng.uniform(-bound, bound, fan_out).astype(np.float32))
    return params


def init_lenet(seed: int = SEED) -> dict[str, np.ndarray]:
    """d2l's LeNet parameters in PyTorch's names and shapes (nn.Sequential indices), float32: Xavier-uniform weights
    (d2l's init for this network), zero biases."""
    shapes = {"0": (6, 1, 5, 5), "3": (16, 6, 5, 5), "7": (120, 400), "9": (84, 120), "11": (10, 84)}
    rng = np.random.default_rng(seed)
    params = {}
    for index, shape in shapes.items():
        fan_in, fan_out = np.prod(shape[1:]), shape[0] * np.prod(shape[2:])
        bound = np.sqrt(6 / (fan_in + fan_out))
        params[f"{index}.weight"] = rng.uniform(-bound, bound, shape).astype(np.float32)
        params[f"{index}.bias"] = np.zeros(shape[0], np.float32)
    return params


def resnet_case(case: str) -> tuple[int, int, int, int]:
    """(blocks, channels, map size, batch) of a resnet case named like '2x64 14x14 batch 128'."""
    stack, size, _, batch = case.split()
    blocks, channels = stack.split("x")
    return int(blocks), int(channels), int(size.split("x")[0]), int(batch)


def conv_case(case: str) -> tuple[int, int, int, int, int, int]:
    """(batch, in channels, map size, out channels, kernel, padding) of a conv2d case named like
    '256x6x14x14 16 5x5 pad 0' (input shape, output channels, kernel, padding; stride 1)."""
    shape, out, kernel, _, pad = case.split()
    batch, channels, size, _ = shape.split("x")
    return int(batch), int(channels), int(size), int(out), int(kernel.split("x")[0]), int(pad)


def conv_arrays(case: str, seed: int = SEED) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """x (N, C, H, W), w (O, C, k, k), b (O,) and an output gradient g (N, O, OH, OW) of a conv2d case, float32;
    weights at PyTorch's default init scale."""
    n, c, size, o, k, pad = conv_case(case)
    rng = np.random.default_rng(seed)
    out = size + 2 * pad - k + 1
    bound = 1 / np.sqrt(c * k * k)
    return (
        rng.standard_normal((n, c, size, size), dtype=np.float32),
        rng.uniform(-bound, bound, (o, c, k, k)).astype(np.float32),
        rng.uniform(-bound, bound, o).astype(np.float32),
        rng.standard_normal((n, o, out, out), dtype=np.float32),
    )


def init_resnet(blocks: int, channels: int, classes: int = 10, seed: int = SEED) -> dict[str, np.ndarray]:
    """Parameters of `blocks` d2l Residual blocks (3x3 convs with bias, BatchNorm2d) and a Linear head, in the
    names of nn.Sequential(block, ..., AdaptiveAvgPool2d, Flatten, Linear), float32; PyTorch's default init
    scale (uniform in +-1/sqrt(fan_in)), batch norm weight 1 and bias 0."""
    rng = np.random.default_rng(seed)

    def uniform(shape: tuple[int, ...], fan_in: int) -> np.ndarray:
        return rng.uniform(-1 / np.sqrt(fan_in), 1 / np.sqrt(fan_in), shape).astype(np.float32)

    params = {}
    for i in range(blocks):
        for j in (1, 2):
            params[f"{i}.conv{j}.weight"] = uniform((channels, channels, 3, 3), channels * 9)
            params[f"{i}.conv{j}.bias"] = uniform((channels,), channels * 9)
            params[f"{i}.bn{j}.weight"] = np.ones(channels, np.float32)
            params[f"{i}.bn{j}.bias"] = np.zeros(channels, np.float32)
    params[f"{blocks + 2}.weight"] = uniform((classes, channels), channels)
    params[f"{blocks + 2}.bias"] = uniform((classes,), channels)
    return params


def chain(x: Any, n: int, tanh: Callable[[Any], Any] | None = None) -> Any:
    """n elementwise ops on x in turn: x * 1.0001, x + 0.001 and, when tanh is given, tanh(x)."""
    period = 2 if tanh is None else 3
    for i in range(n):
        k = i % period
        if k == 0:
            x = x * 1.0001
        elif k == 1:
            x = x + 0.001
        else:
            x = tanh(x)
    return x


# micrograd's demo: MLP(2, [16, 16], 1) on make_moons(100, noise=0.1), SVM max-margin loss + L2 reg.
MOONS_LAYERS = (2, 16, 16, 1)
MOONS_LR = 0.1


def moons(n: int = 100, noise: float = 0.1, seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles like sklearn's make_moons; labels in {-1, +1}."""
    rng = np.random.default_rng(seed)
    n_out = n // 2
    t_out, t_in = np.linspace(0, np.pi, n_out), np.linspace(0, np.pi, n - n_out)
    x = np.concatenate([np.cos(t_out), 1 - np.cos(t_in)])
    y = np.concatenate([np.sin(t_out), 1 - np.sin(t_in) - 0.5])
    points = np.stack([x, y], axis=1) + rng.normal(0, noise, (n, 2))
    return points, np.where(np.arange(n) < n_out, -1.0, 1.0)


def moons_weights(seed: int = SEED) -> list[float]:
    """Initial parameters in micrograd's order (per neuron: weights uniform in +-1, then a zero bias)."""
    rng = np.random.default_rng(seed)
    flat: list[float] = []
    for fan_in, fan_out in zip(MOONS_LAYERS[:-1], MOONS_LAYERS[1:], strict=True):
        for _ in range(fan_out):
            flat += rng.uniform(-1, 1, fan_in).tolist() + [0.0]
    return flat


class ScalarMLP:
    """micrograd's MLP over any scalar type, taking its parameters as one flat list in micrograd's order."""

    def __init__(self, params: Sequence[Any], relu: Callable[[Any], Any]) -> None:
        self.relu = relu
        self.layers: list[list[tuple[list[Any], Any]]] = []
        it = iter(params)
        for fan_in, fan_out in zip(MOONS_LAYERS[:-1], MOONS_LAYERS[1:], strict=True):
            self.layers.append([([next(it) for _ in range(fan_in)], next(it)) for _ in range(fan_out)])

    def __call__(self, x: Sequence[Any]) -> Any:
        """The network's one output for an input point."""
        for i, neurons in enumerate(self.layers):
            x = [sum((wi * xi for wi, xi in zip(w, x, strict=True)), b) for w, b in neurons]
            if i < len(self.layers) - 1:
                x = [self.relu(v) for v in x]
        return x[0]


def svm_loss(
    model: Callable[[Any], Any], params: Sequence[Any], xs: list[list[float]], ys: list[float], relu: Callable
) -> Any:
    """micrograd's demo loss: mean of relu(1 - y * score) plus 1e-4 * sum of squared parameters."""
    scores = [model(x) for x in xs]
    losses = [relu(1 + -yi * si) for yi, si in zip(ys, scores, strict=True)]
    data_loss = sum(losses) * (1.0 / len(losses))
    return data_loss + 1e-4 * sum(p * p for p in params)
