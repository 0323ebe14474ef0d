"""Colours for gradient magnitudes: blue where gradients vanish, white where healthy, red where they explode."""

from __future__ import annotations

import math

# (position on the log scale from low to high, colour): blue, a wide white band for healthy sizes, then red;
# light enough for black text
RAMP = (
    (0.0, (67, 147, 195)),
    (0.2, (146, 197, 222)),
    (0.35, (247, 247, 247)),
    (0.65, (247, 247, 247)),
    (0.8, (244, 165, 130)),
    (1.0, (214, 96, 77)),
)
DEFAULT_RANGE = (1e-6, 1e2)


def scale_position(magnitude: float, low: float = DEFAULT_RANGE[0], high: float = DEFAULT_RANGE[1]) -> float:
    """Where `magnitude` lies between `low` (0) and `high` (1) on a log scale, clipped; 0 for zero."""
    if not 0 < low < high:
        raise ValueError(f"grad_range must be two increasing positive numbers, got ({low}, {high})")
    if not magnitude > 0:
        return 0.0
    if math.isinf(magnitude):
        return 1.0
    t = (math.log10(magnitude) - math.log10(low)) / (math.log10(high) - math.log10(low))
    return min(1.0, max(0.0, t))


def grad_color(magnitude: float, low: float = DEFAULT_RANGE[0], high: float = DEFAULT_RANGE[1]) -> str:
    """The fill colour ("#rrggbb") for a gradient of this magnitude (NaN draws as the exploding end)."""
    t = 1.0 if math.isnan(magnitude) else scale_position(magnitude, low, high)
    for (t0, c0), (t1, c1) in zip(RAMP, RAMP[1:]):
        if t <= t1:
            w = (t - t0) / (t1 - t0)
            return "#" + "".join(f"{round(a + (b - a) * w):02x}" for a, b in zip(c0, c1))
    return "#" + "".join(f"{c:02x}" for c in RAMP[-1][1])
