"""Whether operations record a graph: `no_grad`, `enable_grad`, `set_grad_enabled`, `inference_mode`,
`is_grad_enabled`.

The state is per thread, as in PyTorch: `no_grad` in one thread (or a backward running there) leaves the others
recording. Code that reads it several times (each operation does) takes `this_thread.state` once: one lookup on the
`threading.local`, then plain attribute reads of the thread's `ThreadState`.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any


class ThreadState:
    """One thread's grad mode, forward-mode level and running modules. A new thread starts recording, with no
    forward-mode level and no module."""

    __slots__ = ("enabled", "dual", "module_stack")

    def __init__(self) -> None:
        self.enabled = True
        self.dual: Any = None  # the active forward-mode level (`autograd.forward.dual_level`), or None
        self.module_stack: list[Any] = []  # the nn.Modules running now in this thread, innermost last


class _PerThread(threading.local):
    """`this_thread.state` is the calling thread's own `ThreadState`."""

    def __init__(self) -> None:
        self.state = ThreadState()


this_thread = _PerThread()


def is_grad_enabled() -> bool:
    """True when operations record the graph that `backward` needs."""
    return this_thread.state.enabled


class _GradMode:
    """Context manager and decorator that sets grad mode for its extent, then restores it."""

    mode: bool

    def __new__(cls, fn: Any = None) -> Any:
        """`@no_grad` without parentheses decorates `fn` directly, as in PyTorch."""
        self = super().__new__(cls)
        return self(fn) if callable(fn) else self

    def __enter__(self) -> None:
        state = this_thread.state
        self._previous, state.enabled = state.enabled, self.mode

    def __exit__(self, *exc: object) -> None:
        this_thread.state.enabled = self._previous

    def __call__(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            state = this_thread.state
            previous, state.enabled = state.enabled, mode
            try:
                return fn(*args, **kwargs)
            finally:
                state.enabled = previous

        return wrapper


class no_grad(_GradMode):  # noqa: N801 (PyTorch's name)
    """Operations inside record no graph: `with no_grad(): ...` or `@no_grad()`."""

    mode = False


class enable_grad(_GradMode):  # noqa: N801 (PyTorch's name)
    """Re-enable graph recording inside a `no_grad` block."""

    mode = True


class set_grad_enabled(_GradMode):  # noqa: N801 (PyTorch's name)
    """Set grad mode to `mode` for a block or a function."""

    def __init__(self, mode: bool) -> None:
        self.mode = bool(mode)


class inference_mode(_GradMode):  # noqa: N801 (PyTorch's name)
    """`no_grad` for inference (`inference_mode(False)` records again); tensors made inside are ordinary tensors."""

    def __init__(self, mode: bool = True) -> None:
        self.mode = not mode
