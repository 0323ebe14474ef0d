"""Write erf_tables.py beside this file: the Chebyshev coefficients autograd.ops.special evaluates erfc with.

erfc(x) = exp(-x^2) g(x) for x >= 0.5, where g = erfcx is smooth and slowly varying: on each interval
[0.5 + k/4, 0.75 + k/4) below 8 the table holds g's Chebyshev series, and above 8 the series of h(u) = x g(x) in
u = 1/x^2 on [0, 1/64] (g(x) = h(u) / x, h(0) = 1/sqrt(pi)). Coefficients come from interpolating the function at
Chebyshev nodes with mpmath at 40 digits, truncated where the tail is below 1e-18 of the leading term.

    python -m autograd.ops.fit_erf        (needs mpmath, which the library itself does not)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

DEGREE = 12  # coefficients per interval: every interval's tail is below 1e-18 of its leading term at 12
NODES = 40
STEP, START, SPLIT = 0.25, 0.5, 8.0


def chebyshev(mp: Any, f: Any, a: Any, b: Any) -> list[Any]:
    """The first DEGREE coefficients c_k of f = sum c_k T_k((2x - a - b) / (b - a)) on [a, b] (interpolation at NODES
    Chebyshev nodes)."""
    angles = [mp.pi * (j + mp.mpf(1) / 2) / NODES for j in range(NODES)]
    values = [f((b - a) / 2 * mp.cos(t) + (b + a) / 2) for t in angles]
    coefficients = [2 * mp.fsum(v * mp.cos(k * t) for v, t in zip(values, angles)) / NODES for k in range(NODES)]
    assert max(abs(c) for c in coefficients[DEGREE:]) < 1e-18 * abs(coefficients[0]), (a, b)
    coefficients[0] /= 2
    return coefficients[:DEGREE]


def main() -> None:
    import mpmath as mp

    mp.mp.dps = 40

    def erfcx(x: Any) -> Any:
        return mp.erfc(x) * mp.exp(x * x)

    rows = []
    for k in range(int((SPLIT - START) / STEP)):
        a = mp.mpf(START) + k * mp.mpf(STEP)
        rows.append(chebyshev(mp, erfcx, a, a + mp.mpf(STEP)))
    rows.append(chebyshev(mp, lambda u: 1 / mp.sqrt(mp.pi) if u == 0 else erfcx(1 / mp.sqrt(u)) / mp.sqrt(u), 0,
                          1 / mp.mpf(SPLIT) ** 2))  # fmt: skip
    lines = [
        '"""Chebyshev coefficients of erfcx (see autograd/ops/special.py); written by fit_erf.py."""',
        "",
        f"START, STEP, SPLIT = {START}, {STEP}, {SPLIT}",
        "ERFCX = (",
    ]
    for row in rows:
        lines.append("    (")
        lines.extend(f"        {float(c)!r}," for c in row)
        lines.append("    ),")
    lines.append(")")
    path = Path(__file__).resolve().parent / "erf_tables.py"
    path.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
