"""Forward mode against reverse mode: the cost of a full Jacobian as the input or the output grows.

For f: Rⁿ -> R (a loss) forward mode needs n passes (one per input direction), reverse mode one backward
pass; for g: R -> Rᵐ it is the other way round. `measure()` times both on both and returns the numbers;
run this file to print them: `python -m bench.forward_vs_reverse` (from the repository root).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

if __package__ in (None, ""):  # run as a file: import the project from the repository root
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import autograd  # noqa: E402
from autograd.forward import jacfwd, jacrev  # noqa: E402


def loss(x: autograd.Tensor) -> autograd.Tensor:
    """f: Rⁿ -> R, a small smooth loss: a few elementwise operations and a reduction."""
    return (x.tanh() * x + (x * 0.5).sin() ** 2).mean() + autograd.logsumexp(x)


def curve(m: int) -> Callable[[autograd.Tensor], autograd.Tensor]:
    """g: R -> Rᵐ, m smooth features of one number t (a 0-d tensor)."""
    k = autograd.tensor(np.linspace(0.1, 2.0, m))

    def g(t: autograd.Tensor) -> autograd.Tensor:
        return (t * k).sin() * (-((t * k) ** 2) / 4).exp() + t * k

    return g


def _best_time(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    """The fastest of `repeats` calls, in seconds, and the last result."""
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def measure(sizes: Sequence[int] = (1, 10, 100, 1000), repeats: int = 3) -> list[dict[str, Any]]:
    """Seconds for the full Jacobian of f: Rⁿ -> R and of g: R -> Rᵐ, by forward and by reverse mode, per size.

    One dict per (function, size): function ("f: R^n -> R" or "g: R -> R^m"), size, forward_s, reverse_s,
    and the passes each mode made (forward_passes, reverse_passes).
    """
    rng = np.random.default_rng(0)
    rows = []
    for function in ("f: R^n -> R", "g: R -> R^m"):
        for size in sizes:
            if function.startswith("f"):
                fn, x = loss, autograd.tensor(rng.standard_normal(size))
            else:
                fn, x = curve(size), autograd.tensor(np.array(0.7))
            forward_s, by_columns = _best_time(lambda fn=fn, x=x: jacfwd(fn)(x), repeats)
            reverse_s, by_rows = _best_time(lambda fn=fn, x=x: jacrev(fn)(x), repeats)
            np.testing.assert_allclose(by_columns._data, by_rows._data, rtol=1e-8, atol=1e-12)
            passes = {"forward_passes": x.numel(), "reverse_passes": fn(x).numel()}
            rows.append({"function": function, "size": size, "forward_s": forward_s, "reverse_s": reverse_s, **passes})
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    """The measurements as a text table, one block per function."""
    lines = []
    for function, size_name in (("f: R^n -> R", "n"), ("g: R -> R^m", "m")):
        lines += [
            f"{function}: full {'gradient' if size_name == 'n' else 'Jacobian'}",
            f"{size_name:>6} {'forward (ms)':>14} {'reverse (ms)':>14} {'forward / reverse':>19}",
        ]
        for row in rows:
            if row["function"] == function:
                ratio = row["forward_s"] / row["reverse_s"]
                lines.append(
                    f"{row['size']:>6} {row['forward_s'] * 1e3:>14.3f} {row['reverse_s'] * 1e3:>14.3f} {ratio:>19.4g}"
                )
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 10, 100, 1000])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(table(measure(args.sizes, args.repeats)))


if __name__ == "__main__":
    main()
