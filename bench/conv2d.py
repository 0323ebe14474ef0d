"""A Conv2d forward and backward: ours against a hand-written numpy im2col floor and PyTorch.

    python -m bench.conv2d [--repeats N] [--threads 1 2]

Per case, one call of `conv2d(x, w, b)` (float32, stride 1) and the backward of a fixed output gradient, giving
the input, weight and bias gradients. The floor is the textbook im2col: one (N*OH*OW, C*kh*kw) column matrix
copied from a padded input, one GEMM forward, two GEMMs backward and a col2im of kh*kw strided adds; its gradients
are checked against ours before timing. Each engine runs in its own process per thread count, which also gives its
peak memory; the times are medians over the repeats.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np

if __package__ in (None, ""):  # run as a file: import the project from the repository root
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import median, peak_rss_mb, time_runs, warm_blas  # noqa: E402

# name: (batch, in channels, height and width, out channels, kernel, padding)
CASES: dict[str, tuple[int, int, int, int, int, int]] = {
    "LeNet conv1 256x1x28x28 -> 6, 5x5 pad 2": (256, 1, 28, 6, 5, 2),
    "LeNet conv2 256x6x14x14 -> 16, 5x5": (256, 6, 14, 16, 5, 0),
    "ResNet 128x64x7x7 -> 64, 3x3 pad 1": (128, 64, 7, 64, 3, 1),
}
ENGINES = ("numpy", "ours", "torch")


def arrays(case: str, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """x (N, C, H, W), w (O, C, k, k), b (O,) and the output gradient g (N, O, OH, OW), float32, drawn once."""
    n, c, hw, o, k, p = CASES[case]
    rng = np.random.default_rng(seed)
    out = hw + 2 * p - k + 1
    bound = 1 / np.sqrt(c * k * k)  # PyTorch's default init scale
    return (
        rng.standard_normal((n, c, hw, hw), dtype=np.float32),
        rng.uniform(-bound, bound, (o, c, k, k)).astype(np.float32),
        rng.uniform(-bound, bound, o).astype(np.float32),
        rng.standard_normal((n, o, out, out), dtype=np.float32),
    )


def floor_step(x: np.ndarray, w: np.ndarray, b: np.ndarray, g: np.ndarray, p: int) -> dict[str, np.ndarray]:
    """y = conv2d(x, w, b) and its gradients by hand: im2col, GEMMs and col2im."""
    n, c, h, wd = x.shape
    o, _, k, _ = w.shape
    oh, ow = h + 2 * p - k + 1, wd + 2 * p - k + 1
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    windows = np.lib.stride_tricks.sliding_window_view(xp, (k, k), axis=(2, 3))  # (N, C, OH, OW, k, k)
    cols = windows.transpose(0, 2, 3, 1, 4, 5).reshape(n * oh * ow, c * k * k)
    w2 = w.reshape(o, -1)
    y = (cols @ w2.T + b).reshape(n, oh, ow, o).transpose(0, 3, 1, 2)
    g2 = g.transpose(0, 2, 3, 1).reshape(-1, o)
    gw = (g2.T @ cols).reshape(w.shape)
    gcols = (g2 @ w2).reshape(n, oh, ow, c, k, k).transpose(0, 3, 4, 5, 1, 2)  # (N, C, k, k, OH, OW)
    gxp = np.zeros_like(xp)
    for i in range(k):
        for j in range(k):
            gxp[:, :, i : i + oh, j : j + ow] += gcols[:, :, i, j]
    return {"y": y, "x": gxp[:, :, p : p + h, p : p + wd], "w": gw, "b": g.sum(axis=(0, 2, 3))}


def ours_step(x: np.ndarray, w: np.ndarray, b: np.ndarray, g: np.ndarray, p: int) -> dict[str, np.ndarray]:
    """The same conv2d and backward through our engine."""
    import autograd
    import nn

    leaves = {name: autograd.tensor(a, requires_grad=True) for name, a in (("x", x), ("w", w), ("b", b))}
    y = nn.functional.conv2d(leaves["x"], leaves["w"], leaves["b"], padding=p)
    y.backward(autograd.tensor(g))
    return {"y": y.detach().numpy(), **{name: t.grad.numpy() for name, t in leaves.items()}}


def torch_step(x: np.ndarray, w: np.ndarray, b: np.ndarray, g: np.ndarray, p: int) -> dict[str, np.ndarray]:
    """The same conv2d and backward through PyTorch (oneDNN kernels)."""
    import torch

    leaves = {name: torch.tensor(a, requires_grad=True) for name, a in (("x", x), ("w", w), ("b", b))}
    y = torch.nn.functional.conv2d(leaves["x"], leaves["w"], leaves["b"], padding=p)
    y.backward(torch.from_numpy(g))
    return {"y": y.detach().numpy(), **{name: t.grad.numpy() for name, t in leaves.items()}}


def child(engine: str, repeats: int) -> None:
    """Time one engine on every case in this process and print a JSON line: case -> median ms, then peak MiB."""
    if engine == "torch":
        import torch

        torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    step = {"numpy": floor_step, "ours": ours_step, "torch": torch_step}[engine]
    warm_blas()
    result: dict[str, Any] = {}
    for case, shape in CASES.items():
        x, w, b, g = arrays(case)
        pad = shape[-1]
        if engine != "numpy":  # the floor's hand-written gradients must be this engine's
            ref, got = floor_step(x, w, b, g, pad), step(x, w, b, g, pad)
            for name in ref:
                scale = float(np.abs(ref[name]).max())
                error = float(np.abs(got[name] - ref[name]).max()) / scale
                assert error < 1e-4, f"{case}: {engine} and the floor disagree on {name}: relative error {error:.2e}"
        times = time_runs(lambda x=x, w=w, b=b, g=g, pad=pad: step(x, w, b, g, pad), repeats, warmup=2, budget=20.0)
        result[case] = 1000 * median(times)
    result["peak_mb"] = peak_rss_mb()
    print(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--child", choices=ENGINES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.repeats)
        return
    root = str(Path(__file__).resolve().parent.parent)
    for threads in args.threads:
        env = dict(
            os.environ,
            PYTHONPATH=root,
            **{v: str(threads) for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")},
        )
        rows = {}
        for engine in ENGINES:
            cmd = [sys.executable, "-m", "bench.conv2d", "--child", engine, "--repeats", str(args.repeats)]
            done = subprocess.run(cmd, env=env, cwd=root, capture_output=True, text=True)
            if done.returncode:
                print(f"{engine}: failed\n{done.stderr[-2000:]}")
                continue
            rows[engine] = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"\nconv2d forward + backward, float32, {threads} thread(s): median ms (ratios ours / other)")
        print(f"  {'case':42s}" + "".join(f"{e:>10s}" for e in rows) + f"{'/ numpy':>10s}{'/ torch':>10s}")
        for case in CASES:
            ms = {e: r[case] for e, r in rows.items()}
            ratios = [
                f"{ms['ours'] / ms[e]:10.2f}" if "ours" in ms and e in ms else f"{'-':>10s}" for e in ("numpy", "torch")
            ]
            print(f"  {case:42s}" + "".join(f"{v:10.2f}" for v in ms.values()) + "".join(ratios))
        print(f"  {'peak RSS (MiB)':42s}" + "".join(f"{r['peak_mb']:10.0f}" for r in rows.values()))


if __name__ == "__main__":
    main()
