"""Hypothesis profiles: "ci" (fewer, repeatable examples) when the CI variable is set, "dev" otherwise.

HYPOTHESIS_PROFILE=<name> picks a profile explicitly.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=60, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))

if os.environ.get("AUTOGRAD_REQUIRE_TORCH"):  # CI: the PyTorch-oracle comparisons must run, not skip
    import torch  # noqa: F401
