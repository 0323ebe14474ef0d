"""`autograd.cuda`, answering as PyTorch does on a machine without a GPU: autograd computes on the CPU only, so
d2l's `try_gpu()` and `try_all_gpus()` fall back to `device('cpu')`."""

from __future__ import annotations


def is_available() -> bool:
    """False: no CUDA device can be used (autograd runs on numpy, on the CPU)."""
    return False


def device_count() -> int:
    """0: the number of CUDA devices autograd can use."""
    return 0
