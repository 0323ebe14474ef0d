"""Checking reverse-mode gradients against central differences: `gradcheck` and `gradgradcheck`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .autograd_api import grad
from .tensor import Tensor


class GradcheckError(RuntimeError):
    """A reverse-mode gradient disagrees with its numerical estimate."""


def _outputs(fn: Callable[..., Any], inputs: Sequence[Tensor]) -> list[Tensor]:
    out = fn(*inputs)
    outs = list(out) if isinstance(out, (tuple, list)) else [out]
    return [o for o in outs if isinstance(o, Tensor) and o.requires_grad]


def _as_float64(inputs: Sequence[Any]) -> list[Any]:
    result = []
    for x in inputs:
        if isinstance(x, Tensor) and x.requires_grad:
            if x.dtype.kind != "f":
                raise TypeError(f"gradcheck: input of dtype {x.dtype} cannot require grad")
            result.append(Tensor(x._data.astype(np.float64), requires_grad=True))
        else:
            result.append(x)
    return result


def _evaluate(fn: Callable[..., Any], inputs: Sequence[Any]) -> list[np.ndarray]:
    out = fn(*inputs)  # grad stays enabled: gradgradcheck's function differentiates inside
    outs = list(out) if isinstance(out, (tuple, list)) else [out]
    return [np.array(o._data, dtype=np.float64) for o in outs if isinstance(o, Tensor)]


def _numerical_directional(fn: Callable[..., Any], inputs: list[Any], direction: list[np.ndarray], eps: float):
    """(f(x + eps d) - f(x - eps d)) / 2 eps for each output, d given per differentiable input."""
    originals = [x._data for x in inputs if isinstance(x, Tensor) and x.requires_grad]
    diffs = [x for x in inputs if isinstance(x, Tensor) and x.requires_grad]
    try:
        for x, d, o in zip(diffs, direction, originals):
            x._data = np.asarray(o + eps * d)  # 0-d arithmetic gives a numpy scalar; ._data is an array
        plus = _evaluate(fn, inputs)
        for x, d, o in zip(diffs, direction, originals):
            x._data = np.asarray(o - eps * d)
        minus = _evaluate(fn, inputs)
    finally:
        for x, o in zip(diffs, originals):
            x._data = o
    return [(p - m) / (2 * eps) for p, m in zip(plus, minus)]


def _reverse_vjp(fn: Callable[..., Any], inputs: list[Any], weights: list[np.ndarray], create_graph: bool = False):
    diffs = [x for x in inputs if isinstance(x, Tensor) and x.requires_grad]
    out = fn(*inputs)
    tensors = [o for o in (list(out) if isinstance(out, (tuple, list)) else [out]) if isinstance(o, Tensor)]
    pairs = [(o, w) for o, w in zip(tensors, weights) if o.requires_grad]  # weights follow every output
    if not pairs:
        return [np.zeros_like(x._data) for x in diffs]
    grads = grad([o for o, _ in pairs], diffs, [Tensor(w) for _, w in pairs], allow_unused=True)
    return [np.zeros_like(x._data) if g is None else g._data for x, g in zip(diffs, grads)]


def gradcheck(
    fn: Callable[..., Any],
    inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    fast_mode: bool = False,
    n_directions: int = 4,
    raise_exception: bool = True,
    seed: int = 0,
) -> bool:
    """Compare d fn / d inputs by reverse mode against central differences, in float64.

    Full mode compares every entry of the Jacobian; `fast_mode` compares `<v, J u>` for a few random
    directions u, v (for large inputs). Returns True, or raises `GradcheckError` naming the input,
    the index and both values (returns False instead when `raise_exception=False`).

    >>> import autograd
    >>> x = autograd.randn(3, dtype=autograd.float64, requires_grad=True)
    >>> gradcheck(lambda x: (x.tanh() * x).sum(), x)
    True
    """
    inputs = _as_float64([inputs] if isinstance(inputs, Tensor) else list(inputs))
    diffs = [x for x in inputs if isinstance(x, Tensor) and x.requires_grad]
    if not diffs:
        raise ValueError("gradcheck: at least one input must be a tensor with requires_grad=True")
    base = _evaluate(fn, inputs)
    rng = np.random.default_rng(seed)
    try:
        if fast_mode:
            _check_directions(fn, inputs, diffs, base, eps, atol, rtol, n_directions, rng)
        else:
            _check_full(fn, inputs, diffs, base, eps, atol, rtol)
    except GradcheckError:
        if raise_exception:
            raise
        return False
    return True


def _check_full(fn, inputs, diffs, base, eps, atol, rtol) -> None:
    columns = {}  # (input, index) -> the numerical derivative of every output: two evaluations per element
    for i, x in enumerate(diffs):
        for idx in np.ndindex(x.shape):
            direction = [np.zeros_like(d._data) for d in diffs]
            direction[i][idx] = 1.0
            columns[i, idx] = _numerical_directional(fn, inputs, direction, eps)
    for k, out in enumerate(base):
        for j in range(out.size):
            weights = [np.zeros(o.shape) for o in base]  # C order: reshape(-1) must be a view to write into
            weights[k].reshape(-1)[j] = 1.0
            analytic = _reverse_vjp(fn, inputs, weights)
            for (i, idx), column in columns.items():
                numeric = column[k].reshape(-1)[j]
                a = analytic[i][idx]
                if not np.isclose(a, numeric, atol=atol, rtol=rtol):
                    raise GradcheckError(
                        f"Jacobian mismatch for output {k} element {j} with respect to input {i} at index "
                        f"{idx}: numerical {numeric!r}, analytical {a!r} (atol={atol}, rtol={rtol})"
                    )


def _check_directions(fn, inputs, diffs, base, eps, atol, rtol, n_directions, rng) -> None:
    for trial in range(n_directions):
        u = [rng.standard_normal(x.shape) for x in diffs]
        v = [rng.standard_normal(o.shape) for o in base]
        numeric = sum(float((vk * jk).sum()) for vk, jk in zip(v, _numerical_directional(fn, inputs, u, eps)))
        analytic = sum(float((g * ui).sum()) for g, ui in zip(_reverse_vjp(fn, inputs, v), u))
        if not np.isclose(analytic, numeric, atol=atol, rtol=rtol):
            raise GradcheckError(
                f"<v, J u> mismatch in random direction {trial}: numerical {numeric!r}, analytical {analytic!r} "
                f"(atol={atol}, rtol={rtol})"
            )


def gradgradcheck(
    fn: Callable[..., Any],
    inputs: Any,
    grad_outputs: Any = None,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    fast_mode: bool = False,
    seed: int = 0,
) -> bool:
    """Check second derivatives: gradcheck of x -> grad(fn(x), x, v, create_graph=True)."""
    inputs = _as_float64([inputs] if isinstance(inputs, Tensor) else list(inputs))
    outs = _outputs(fn, inputs)
    rng = np.random.default_rng(seed)
    if grad_outputs is None:
        weights = [Tensor(rng.standard_normal(o.shape)) for o in outs]
    else:
        weights = [g if isinstance(g, Tensor) else Tensor(np.asarray(g, dtype=np.float64)) for g in grad_outputs]

    def first_derivative(*xs: Any) -> tuple[Tensor, ...]:
        ds = [x for x in xs if isinstance(x, Tensor) and x.requires_grad]
        grads = grad(_outputs(fn, xs), ds, weights, create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(first_derivative, inputs, eps=eps, atol=atol, rtol=rtol, fast_mode=fast_mode, seed=seed)
