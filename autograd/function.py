"""`Function`: one differentiable operation, its forward and its backward (and tangent) rules together.

An operation subclasses `Function` and writes, side by side:

- `forward(self, *arrays, **params)`: compute on numpy arrays. What backward needs goes in `self.saved`
  (a tuple of arrays), and the class attribute `saves` says where each of those values comes from, slot by
  slot: an input's position (0, 1, ...) or `OUTPUT` for the result forward returns. For example::

      class Mul(Function):
          saves = (0, 1)              # saved[0] is input 0, saved[1] is input 1

          def forward(self, a, b):
              self.saved = (a, b)
              return a * b

      class Exp(Function):
          saves = (OUTPUT,)           # saved[0] is the output

  A forward may save fewer values than `saves` names (a leading part of it). Saved values are found again
  by position, never by comparing arrays, so `x.detach() * x` differentiates only through its second input.
  A large array forward computes for backward (a dropout mask) is saved as `CONSTANT`: it is not
  differentiated, and it is freed with the other saved values by a backward that does not retain the graph.
  Small values (shapes, dims, index arrays) can be ordinary attributes. A modified saved input or output
  makes backward raise; under `create_graph=True` backward sees the saved values as the graph's tensors
  (so its own operations are recorded and can be differentiated), and constants as the arrays they are;
- `backward(self, grad)`: one gradient per input, the input's broadcast shape is fine (the engine sums
  it back to the input's shape here, in one place). Write it with operators, numpy ufuncs and
  `Op.apply_or_run(...)`, so the same code runs on arrays, or on tensors when `create_graph=True` records it;
  `self.needs_grad(i)` says whether input i's gradient is wanted at all;
- `jvp(self, *tangents)`: the forward-mode rule (see `autograd.forward`).

`Op.apply(*tensors)` records a graph node; `Op.apply_or_run(...)` does the same on tensors and runs `forward`
alone on arrays (for backward rules that must run on both).
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from .engine import borrowed, sequence, wanted
from .grad_mode import this_thread
from .tensor import Tensor, modification_clock, track_view

OUTPUT = "output"  # in `Function.saves`: the saved value is the operation's result
CONSTANT = "constant"  # in `Function.saves`: an array forward computed (a mask, weights), used as it is


class Function:
    """Base of every operation; an instance is one node of the graph (`Tensor.grad_fn`)."""

    saved: tuple[Any, ...] | None = ()  # set by forward; None once a backward that did not retain the graph freed it
    saves: tuple[int | str, ...] = ()  # where saved[k] comes from: an input position, OUTPUT or CONSTANT
    output_saved = False  # OUTPUT in saves (set for each subclass)
    saved_inputs: tuple[int, ...] = ()  # the input positions in saves (set for each subclass)
    # The output shares memory (and so the version counter) with input 0; forward may set it per call. A view
    # operation also has `reapply(x)`: the same view of another array or tensor shaped like that input.
    is_view = False
    # Whether the gradients backward returns are its own to give away (new arrays, or ones it marked `borrowed`), so
    # that a later backward may overwrite them in place and a leaf may keep one as its .grad. True for the library's
    # operations; a user-defined Function's backward may return an array it keeps, so its gradients count as borrowed.
    fresh_gradients = False
    hooks: list[Any] | None = None
    module: Any = None  # the innermost nn.Module running when this node was recorded

    # set by apply when the graph is recorded
    inputs: tuple[Any, ...] | None  # None once a backward that did not retain the graph let go of them
    input_shapes: list[tuple[int, ...] | None]  # then, each input's shape (None where no gradient flows)
    edges: list[Any]
    seq: int  # creation order (autograd.engine)
    recorded_at: int  # the modification clock when recorded (autograd.tensor.modification_clock)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.output_saved = OUTPUT in cls.saves
        cls.saved_inputs = tuple(i for i in cls.saves if i not in (OUTPUT, CONSTANT))
        if "fresh_gradients" not in cls.__dict__:
            cls.fresh_gradients = cls.__module__.partition(".")[0] == __name__.partition(".")[0]

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
            else:
                arrays.append(x if x.__class__ in _PLAIN_CONSTANTS else _constant(cls, x))
            edges.append(None)
        # Everything that does not depend on the output is recorded before forward runs: right after a large matrix
        # product, whose data has evicted the caches, each line of Python costs several times what it does before it.
        result = Tensor.__new__(Tensor)
        result.grad = result.name = result._hooks = None
        state = this_thread.state
        recording = recording and state.enabled  # no input wants a gradient, or no graph now
        if recording:
            fn.inputs, fn.edges, fn.seq, fn.recorded_at = inputs, edges, next(sequence), modification_clock[0]
            modules = state.module_stack
            if modules:
                fn.module = modules[-1]
        result.requires_grad, result.grad_fn = recording, fn if recording else None
        try:
            out = fn.forward(*arrays, **params)
        except ValueError as err:
            if not _is_shape_error(err):
                raise
            shapes = " and ".join(str(np.shape(a)) for a in arrays)
            raise ValueError(f"{cls.__name__.lower()}: invalid input shapes {shapes}: {err}") from err
        except TypeError as err:
            _raise_if_unsupported_operand(cls.__name__.lower(), inputs, err)
            raise
        result._data = out if isinstance(out, np.ndarray) else np.asarray(out)  # numpy gives 0-d results as scalars
        if fn.is_view and isinstance(inputs[0], Tensor):
            result._version = inputs[0]._version
            track_view(result, inputs[0], fn)
        else:
            result._version = [0]
        if recording and cls.output_saved:
            fn.output_version = result._version
        if state.dual is not None:  # forward mode: the output's tangent from the inputs' (autograd.forward)
            state.dual.push(fn, inputs, result)
        return result

    @classmethod
    def apply_or_run(cls, *inputs: Any, **params: Any) -> Any:
        """`apply` when an input is a tensor (recording the graph); else run `forward` alone on the arrays."""
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
            # A version is the modification clock's value at that update, so with the clock where it was when this
            # node was recorded, nothing it saved can have been modified since: the common case skips the check.
            if modification_clock[0] > self.recorded_at:
                self._check_saved_unmodified()
            if this_thread.state.enabled:  # create_graph: differentiate through the saved values too
                self.saved = self._saved_as_tensors()
        grads = self.backward(grad)
        self.saved = saved if retain_graph or not saved else None  # a node that saved nothing can run again
        # Without retain_graph the node lets go of its input tensors, so that their arrays can be freed, and keeps
        # the shapes of those that get a gradient: a node that saved nothing can run again from them. This loop runs
        # for every node of every backward, so it gathers the shapes as it goes.
        inputs, fresh, result, shapes = self.inputs, self.fresh_gradients, [], []
        released = inputs is None
        for x, edge, g in zip(self.input_shapes if released else inputs, self.edges, grads):
            shape = x if released else None if edge is None else x._data.shape  # once released, x is the shape
            shapes.append(shape)
            if shape is None or g is None:
                result.append(None)
                continue
            if g is grad or not fresh:
                g = borrowed(g)  # the same array may reach two inputs, or the Function may keep it
            result.append(g if g.shape == shape else sum_to_shape(g, shape))
        if not retain_graph:
            self.inputs, self.input_shapes = None, shapes
        return result

    def _check_saved_unmodified(self) -> None:
        """Raise when a saved input or the saved output was modified in place after this node was recorded."""
        recorded_at, inputs = self.recorded_at, self.inputs
        for i in self.saved_inputs if self.saves else range(len(inputs)):
            x = inputs[i] if i < len(inputs) else None  # an optional input (a bias) may be absent
            if isinstance(x, Tensor) and x._version[0] > recorded_at:
                self._raise_modified()
        if self.output_saved and self.output_version[0] > recorded_at:
            self._raise_modified()

    def _raise_modified(self) -> None:
        """Explain which saved tensor was modified in place after this node was recorded."""
        recorded_at, modified = self.recorded_at, []
        for i in self.saves or range(len(self.inputs)):  # an op that declares no `saves` is checked on every input
            if i == CONSTANT:
                continue
            version = self.output_version if i == OUTPUT else getattr(self.inputs[i], "_version", None)
            if version is not None and version[0] > recorded_at:
                modified.append(f"input {i}" if i != OUTPUT else "its output")
        which = ", ".join(modified)
        raise RuntimeError(
            f"one of the variables needed for gradient computation has been modified by an in-place "
            f"operation: {which} of {type(self).__name__}, after it was used. Use an out-of-place "
            "operation, or clone() the tensor before modifying it."
        )

    def _saved_as_tensors(self) -> tuple[Any, ...]:
        """The saved values as the graph tensors they came from, so backward itself is recorded."""
        if len(self.saves) < len(self.saved):
            name = type(self).__name__
            raise RuntimeError(
                f"{name} saves {len(self.saved)} values but {name}.saves names {len(self.saves)}: declare where "
                "each saved value comes from (an input position, or OUTPUT) to differentiate its backward"
            )
        tensors = []
        for where, value in zip(self.saves, self.saved):
            if where == CONSTANT:
                tensor = value
            elif where == OUTPUT:
                tensor = Tensor(value)
                tensor.requires_grad, tensor.grad_fn, tensor._version = True, self, self.output_version
            else:
                tensor = self.inputs[where]
            tensors.append(tensor if isinstance(tensor, Tensor) else value)
        return tuple(tensors)

    def needs_grad(self, i: int) -> bool:
        """Whether input `i` wants a gradient (backward may skip computing the others)."""
        edge = self.edges[i]
        return edge is not None and (wanted[0] is None or edge in wanted[0])

    def __repr__(self) -> str:
        return f"<{type(self).__name__}Backward>"


class module_scope:  # noqa: N801 (used like a function: `with module_scope(m):`)
    """Tag the graph nodes recorded inside with `module` (their `Function.module`), for drawings."""

    __slots__ = ("module",)

    def __init__(self, module: Any) -> None:
        self.module = module

    def __enter__(self) -> None:
        this_thread.state.module_stack.append(self.module)

    def __exit__(self, *exc: object) -> None:
        this_thread.state.module_stack.pop()


def _is_shape_error(err: ValueError) -> bool:
    """Whether numpy's ValueError says the operands' shapes don't fit together (broadcasting, matmul, reshape)."""
    message = str(err)
    return "broadcast" in message or "shape" in message or "core dimension" in message


_PLAIN_CONSTANTS = frozenset({float, int, bool, type(None), np.ndarray})


def _constant(cls: type, x: Any) -> Any:
    """A constant operand other than a Python number or an array: a numpy scalar (np.float64(0.5), np.int64(3)) acts
    as the Python number it holds, with no promotion; a complex number is refused, as tensors cannot hold one."""
    if isinstance(x, np.generic):
        if x.dtype.kind not in "biuf":
            raise TypeError(f"{cls.__name__.lower()}: a numpy scalar of dtype {x.dtype} is not a tensor operand")
        return x.item()
    if isinstance(x, complex):
        raise TypeError(f"{cls.__name__.lower()}: complex operand {x!r}: tensors hold bool, integer and floating point")
    return x


def _raise_if_unsupported_operand(op: str, inputs: tuple[Any, ...], err: TypeError) -> None:
    """A TypeError naming `op` and the operand when one is a numpy array or scalar a tensor cannot hold (complex,
    object, str): numpy operands reach forward as they are, so this is where they are found out."""
    for position, x in enumerate(inputs):
        if isinstance(x, (np.ndarray, np.generic)) and x.dtype.kind not in "biuf":
            raise TypeError(
                f"{op}: operand {position} is a numpy {'array' if isinstance(x, np.ndarray) else 'scalar'} of dtype "
                f"{x.dtype}, which tensors cannot hold (they hold bool, integer and floating-point values)"
            ) from err


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
    matrix-vector product is 2-7x faster than numpy's reduction over rows (about 3x on 256 x 256 float32)."""
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
