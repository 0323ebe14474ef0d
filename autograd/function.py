"""`Function`: one differentiable operation, its forward and its backward (and tangent) rules together.

An operation subclasses `Function` and writes, side by side:

- `forward(self, *arrays, **params)`: compute on numpy arrays; keep what backward needs in
  `self.saved` (a tuple). Saved values must be inputs, the output (last, with `output_saved = True`),
  or values that need no gradient (masks, indices: keep those as ordinary attributes instead);
- `backward(self, grad)`: one gradient per input, the input's broadcast shape is fine (the engine sums
  it back to the input's shape here, in one place). Write it with operators, numpy ufuncs and
  `Op.call(...)`, so the same code runs on arrays, or on tensors when `create_graph=True` records it;
- `jvp(self, *tangents)`: the forward-mode rule (see `autograd.forward`).
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from .engine import borrowed, sequence
from .grad_mode import state
from .tensor import Tensor, clock


class Function:
    """Base of every operation; an instance is one node of the graph (`Tensor.grad_fn`)."""

    saved: tuple[Any, ...] | None = ()
    output_saved = False  # True when saved[-1] is the output (exp, tanh, sigmoid, softmax...)
    differentiable = True
    is_view = False  # output shares memory (and so the version counter) with input 0; forward may set it per call
    hooks: list[Any] | None = None
    module: Any = None  # the innermost nn.Module running when this node was recorded

    # set by apply when the graph is recorded
    inputs: tuple[Any, ...]
    edges: list[Any]
    seq: int  # creation order (autograd.engine)

    @classmethod
    def apply(cls, *inputs: Any, **params: Any) -> Tensor:
        """Run the operation on tensors (and constants), recording a graph node when grad is needed."""
        fn = cls()
        arrays, edges, recording = [], [], False
        for x in inputs:
            if isinstance(x, Tensor):
                arrays.append(x._data)
                if x.requires_grad:
                    edges.append(x.grad_fn or x)
                    recording = True
                    continue
            else:  # a numpy scalar (np.float64(0.5), np.int64(3)) acts as the Python number it holds: no promotion
                arrays.append(x.item() if isinstance(x, np.generic) else x)
            edges.append(None)
        # Everything that does not depend on the output is recorded before forward runs: right after a large matrix
        # product, whose data has evicted the caches, each line of Python costs several times what it does before it.
        result = Tensor.__new__(Tensor)
        result.grad = result.name = result._hooks = None
        recording = recording and state.enabled and cls.differentiable  # no input wants a gradient, or no graph now
        if recording:
            fn.inputs, fn.edges, fn.seq, fn.stamp = inputs, edges, next(sequence), clock[0]
            if module_stack:
                fn.module = module_stack[-1]
        result.requires_grad, result.grad_fn = recording, fn if recording else None
        try:
            out = fn.forward(*arrays, **params)
        except ValueError as err:
            shapes = " and ".join(str(np.shape(a)) for a in arrays)
            raise ValueError(f"{cls.__name__.lower()}: invalid input shapes {shapes}: {err}") from None
        result._data = out if isinstance(out, np.ndarray) else np.asarray(out)  # numpy gives 0-d results as scalars
        result._version = inputs[0]._version if fn.is_view and isinstance(inputs[0], Tensor) else [0]
        if recording and cls.output_saved:
            fn.output_version = result._version
        if state.dual is not None:  # forward mode: the output's tangent from the inputs' (autograd.forward)
            state.dual.push(fn, inputs, result)
        return result

    @classmethod
    def call(cls, *inputs: Any, **params: Any) -> Any:
        """Apply to tensors (recording the graph), or compute directly when every input is an array."""
        if any(isinstance(x, Tensor) for x in inputs):
            return cls.apply(*inputs, **params)
        return cls().forward(*inputs, **params)

    def forward(self, *arrays: Any, **params: Any) -> np.ndarray:
        raise NotImplementedError(f"{type(self).__name__}.forward")

    def backward(self, grad: Any) -> tuple[Any, ...]:
        raise NotImplementedError(f"{type(self).__name__}.backward")

    def jvp(self, *tangents: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__}.jvp (no forward-mode rule)")

    def _backprop(self, grad: Any, retain_graph: bool) -> list[Any]:
        """Called by the engine: hooks, saved-value checks, `backward`, and broadcasting undone."""
        if self.hooks:
            grad = _run_hooks(self.hooks, grad)
        saved = self.saved
        if saved is None:
            raise RuntimeError(
                f"Trying to backward through the graph a second time ({type(self).__name__}'s saved "
                "values were freed by the first backward). Specify retain_graph=True on the first "
                "backward() if you need to backward through the graph again."
            )
        if saved:
            stamp = self.stamp
            for x in self.inputs:
                if isinstance(x, Tensor) and x._version[0] > stamp:
                    self._raise_modified()
            if self.output_saved and self.output_version[0] > stamp:
                self._raise_modified()
            if state.enabled:  # create_graph: differentiate through the saved values too
                self.saved = self._saved_as_tensors()
        grads = self.backward(grad)
        self.saved = saved if retain_graph else None
        result = []
        for x, edge, g in zip(self.inputs, self.edges, grads):
            if edge is None or g is None:
                result.append(None)
                continue
            if g is grad:
                g = borrowed(g)  # the same array may reach two inputs
            shape = x._data.shape
            if g.shape != shape:
                g = sum_to_shape(g, shape)
            result.append(g)
        return result

    def _raise_modified(self) -> None:
        """Explain which saved tensor was modified in place after this node was recorded."""
        stamp = self.stamp
        modified = [i for i, x in enumerate(self.inputs) if isinstance(x, Tensor) and x._version[0] > stamp]
        if self.output_saved and self.output_version[0] > stamp:
            modified.append("output")
        which = ", ".join(f"input {i}" if i != "output" else "its output" for i in modified)
        raise RuntimeError(
            f"one of the variables needed for gradient computation has been modified by an in-place "
            f"operation: {which} of {type(self).__name__}, after it was used. Use an out-of-place "
            "operation, or clone() the tensor before modifying it."
        )

    def _saved_as_tensors(self) -> tuple[Any, ...]:
        """The saved values as the graph tensors they came from, so backward itself is recorded."""
        by_identity = {id(x._data): x for x in self.inputs if isinstance(x, Tensor)}
        tensors = [by_identity.get(id(s), s) for s in self.saved]
        if self.output_saved:
            output = Tensor(self.saved[-1])
            output.requires_grad, output.grad_fn = True, self
            tensors[-1] = output
        return tuple(tensors)

    def needs_grad(self, i: int) -> bool:
        """Whether input `i` wants a gradient (backward may skip computing the others)."""
        return self.edges[i] is not None

    def __repr__(self) -> str:
        return f"<{type(self).__name__}Backward>"


module_stack: list[Any] = []  # the nn.Modules running now, innermost last


class module_scope:  # noqa: N801 (used like a function: `with module_scope(m):`)
    """Tag the graph nodes recorded inside with `module` (their `Function.module`), for drawings."""

    __slots__ = ("module",)

    def __init__(self, module: Any) -> None:
        self.module = module

    def __enter__(self) -> None:
        module_stack.append(self.module)

    def __exit__(self, *exc: object) -> None:
        module_stack.pop()


def _run_hooks(hooks: list[Any], grad: Any) -> Any:
    """Call each hook on the gradient (as a tensor); a hook that returns a tensor replaces it. The result is
    borrowed: the hooks may keep what they were shown or returned, so no backward may overwrite it."""
    for hook in hooks:
        wrapped = grad if isinstance(grad, Tensor) else Tensor(grad)
        replaced = hook(wrapped)
        if replaced is not None:
            replaced_data = replaced if isinstance(grad, Tensor) else np.asarray(getattr(replaced, "data", replaced))
            if replaced_data.shape != grad.shape:
                raise RuntimeError(
                    f"hook returned a gradient of shape {tuple(replaced_data.shape)}, expected {tuple(grad.shape)}"
                )
            grad = replaced_data
    return borrowed(grad)


def sum_to_shape(grad: Any, shape: tuple[int, ...]) -> Any:
    """Undo broadcasting: sum `grad` over the axes that broadcasting added or stretched to reach `shape`."""
    lead = grad.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(shape) if n == 1 and grad.shape[lead + i] != 1)
    if axes == (0,) and grad.ndim == 2:
        grad = sum_rows(grad)
    elif axes:
        grad = grad.sum(axis=axes)
    if grad.shape != shape:
        grad = grad.reshape(shape)
    return grad


def sum_rows(grad: Any) -> Any:
    """grad.sum(axis=0) of a 2-d array (or tensor). A tall float32/float64 array is summed as ones @ grad: BLAS's
    matrix-vector product is 2-7x faster than numpy's reduction over rows (256 x 256 float32: 3 us against 10)."""
    if isinstance(grad, np.ndarray) and len(grad) >= 64 and grad.dtype.char in "fd":
        return _ones(len(grad), grad.dtype.char) @ grad
    return grad.sum(axis=0)


@functools.lru_cache(maxsize=16)
def _ones(n: int, dtype: str) -> np.ndarray:
    """A read-only vector of n ones, kept: a batch's bias gradients reuse it every step instead of a new np.ones."""
    ones = np.ones(n, dtype=dtype)
    ones.flags.writeable = False
    return ones


def add_tangents(*terms: Any) -> Any:
    """The sum of the tangent terms that are not None (None, a zero tangent, when all are)."""
    total = None
    for term in terms:
        if term is not None:
            total = term if total is None else total + term
    return total
