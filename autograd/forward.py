"""Forward mode: tangents pushed through the Tensor operations, next to reverse mode's gradients pulled back.

Inside a `dual_level`, a tensor may carry a tangent: the derivative of its values along one direction v
of the inputs (`make_dual`). Every operation then computes, as it runs, its output's tangent from its
inputs' tangents with its `jvp` rule, which sits in `autograd/ops` right after the same `Function`'s
`forward` and `backward`. One pass gives J v, a column of the Jacobian; reverse mode gives uᵀ J, a row.
For f: Rⁿ -> R the gradient costs n forward passes but one backward pass: hence reverse mode for training.

- `jvp(fn, primals, tangents)` and `vjp(fn, primals)`: PyTorch's torch.func shapes of API;
- `jacfwd(fn)` (column by column, forward mode) and `jacrev(fn)` (row by row, reverse mode);
- `hessian(fn)`: forward-over-reverse, `jacfwd(jacrev(fn))`: the tangent rules run on the backward pass's
  own operations, since `create_graph` records them as Tensor operations. Forward-over-forward is not
  supported (levels do not nest), nor reverse-over-forward (tangents are constants to reverse mode).
- `Dual` (from `autograd.dual`): the same idea on Python floats.

A tangent is looked up by the graph node that produced its tensor (`grad_fn`, else the tensor itself), and
kept only while that node is alive: no tape is stored, memory is that of the values alive at each moment.
"""

from __future__ import annotations

import weakref
from collections import namedtuple
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .autograd_api import grad
from .dual import Dual, derivative
from .function import Function
from .grad_mode import enable_grad, this_thread
from .ops import reshape, stack
from .ops.copy_slices import region
from .tensor import Tensor, view_path

__all__ = ["Dual", "derivative", "dual_level", "make_dual", "unpack_dual", "jvp", "vjp", "jacfwd", "jacrev", "hessian"]

UnpackedDual = namedtuple("UnpackedDual", ["primal", "tangent"])


class dual_level:  # noqa: N801 (PyTorch's name, used as `with dual_level():`)
    """The extent in which tensors carry tangents and every operation pushes them forward (one at a time)."""

    def __init__(self) -> None:
        self._tangents: dict[int, tuple[weakref.ref, np.ndarray]] = {}

    def __enter__(self) -> dual_level:
        if this_thread.state.dual is not None:
            raise RuntimeError(
                "forward mode levels do not nest (no forward-over-forward): for second derivatives use "
                "hessian, which is forward-over-reverse, or jacrev inside jacfwd"
            )
        this_thread.state.dual = self
        return self

    def __exit__(self, *exc: object) -> None:
        this_thread.state.dual = None
        self._tangents.clear()

    def tangent(self, x: Any) -> np.ndarray | None:
        """The tangent of `x` (an array of x's shape), None when it has none (a constant)."""
        if not isinstance(x, Tensor):
            return None
        entry = self._tangents.get(id(x.grad_fn or x))
        return None if entry is None else entry[1]

    def set_tangent(self, x: Tensor, tangent: np.ndarray | None) -> None:
        """Give `x` this tangent (an array of x's shape), or none."""
        node = x.grad_fn or x
        if tangent is None:
            self._tangents.pop(id(node), None)
        else:
            self._store(node, tangent)

    def push(self, fn: Function, inputs: Sequence[Any], result: Tensor) -> None:
        """Called by `Function.apply` after `fn.forward`: the output's tangent by `fn.jvp`, shaped like the output."""
        tangents = [self.tangent(x) for x in inputs]
        if all(t is None for t in tangents):
            return
        tangent = fn.jvp(*tangents)
        if tangent is None:
            return
        out = result._data
        if tangent.shape != out.shape:  # a constant operand stretched the output: broadcast as the values were
            tangent = np.broadcast_to(tangent, out.shape)
        if tangent.dtype != out.dtype:
            tangent = tangent.astype(out.dtype)
        self._store(result, tangent)
        if this_thread.state.enabled and any(isinstance(x, Tensor) and x.requires_grad for x in inputs):
            self._store(fn, tangent)  # the result is recorded: tensors that share its node `fn` find it there

    def update_inplace(self, x: Tensor, operand: Any, result: Callable[[], Tensor]) -> None:
        """`x` is about to be updated in place with no graph recorded: give it the out-of-place result's tangent.

        `x` shares its memory with a root tensor and the root's other views, so their tangents change with it, as
        PyTorch's forward mode keeps a view's tangent a view of its base's: the root's tangent gets the new one in
        x's region, and every live view of the root takes its own region of that.
        """
        if self.tangent(x) is None and self.tangent(operand) is None:
            return
        tangent = self.tangent(result())
        if tangent is not None:
            tangent = tangent.astype(x._data.dtype, copy=False)
        root, path = view_path(x)
        if path:
            base = self.tangent(root)
            updated = np.zeros_like(root._data) if base is None else np.array(base)
            region(path, updated)[...] = 0 if tangent is None else tangent
            tangent = updated
        self.set_tangent(root, tangent)
        for view in list(getattr(root, "_views", ())):
            self.set_tangent(view, None if tangent is None else region(view_path(view)[1], tangent))

    def _store(self, node: Any, tangent: np.ndarray) -> None:
        """Keep `tangent` for as long as `node` lives (a weak reference drops it when the node goes)."""
        key = id(node)
        tangents = self._tangents
        tangents[key] = (weakref.ref(node, lambda _: tangents.pop(key, None)), tangent)


class _Alias(Function):
    """The identity, as a new node sharing memory: gradients pass through to the input, tangents don't."""

    is_view = True

    def forward(self, x):
        return x.view()

    def backward(self, g):
        return (g,)

    def jvp(self, t):
        return None

    def reapply(self, x):
        return _Alias.apply_or_run(x)


def _active(op: str) -> dual_level:
    level = this_thread.state.dual
    if level is None:
        raise RuntimeError(f"{op}: only inside `with autograd.forward.dual_level():`")
    return level


def make_dual(primal: Tensor, tangent: Any) -> Tensor:
    """A tensor with `primal`'s values (a view; gradients reach `primal`) carrying `tangent` (same shape)."""
    level = _active("make_dual")
    if not isinstance(primal, Tensor):
        raise TypeError(f"make_dual: expected a Tensor primal, got {type(primal).__name__}")
    if primal.dtype.kind != "f":
        raise TypeError(f"make_dual: only floating point tensors carry tangents (this one is {primal.dtype})")
    values = np.array(tangent._data if isinstance(tangent, Tensor) else tangent, dtype=primal.dtype)
    if values.shape != primal.shape:
        raise ValueError(f"make_dual: tangent of shape {values.shape} for a primal of shape {tuple(primal.shape)}")
    dual = _Alias.apply(primal)
    level.set_tangent(dual, values)
    return dual


def unpack_dual(x: Tensor) -> UnpackedDual:
    """(primal, tangent) of `x`: the primal a view without tangent, the tangent a tensor or None (zero)."""
    level = _active("unpack_dual")
    tangent = level.tangent(x)
    return UnpackedDual(_Alias.apply(x), None if tangent is None else Tensor(np.array(tangent)))


def _tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def _as_tuple(xs: Any) -> tuple[Any, ...]:
    return tuple(xs) if isinstance(xs, (tuple, list)) else (xs,)


def jvp(fn: Callable[..., Any], primals: Any, tangents: Any) -> tuple[Any, Any]:
    """(fn(*primals), J·tangents) in one forward pass; a tangent may be None (a constant input).

    `primals` and `tangents` are tensors or tuples of them, each tangent of its primal's shape; the outputs
    and their tangents come back as fn returns them (one tensor, or a tuple).

    >>> import autograd
    >>> from autograd.forward import jvp
    >>> jvp(lambda x: x**2, autograd.tensor(3.0), autograd.tensor(1.0))  # x², and its derivative 2x
    (tensor(9.), tensor(6.))
    """
    primals, tangents = _as_tuple(primals), _as_tuple(tangents)
    if len(primals) != len(tangents):
        raise ValueError(f"jvp: {len(primals)} primals but {len(tangents)} tangents")
    with dual_level() as level:
        inputs = [_tensor(p) if t is None else make_dual(_tensor(p), t) for p, t in zip(primals, tangents, strict=True)]
        out = fn(*inputs)
        outs = _as_tuple(out)
        out_tangents = []
        for o in outs:
            if not isinstance(o, Tensor):
                raise TypeError(f"jvp: fn must return tensors, got {type(o).__name__}")
            tangent = level.tangent(o)
            out_tangents.append(Tensor(np.zeros_like(o._data) if tangent is None else np.array(tangent)))
    return out, (tuple(out_tangents) if isinstance(out, (tuple, list)) else out_tangents[0])


def _reverse_input(p: Any, level: dual_level | None) -> Tensor:
    """A new node standing for `p` that grad() differentiates against, carrying p's tangent if it has one."""
    x = _Alias.apply(_tensor(p))
    if not x.requires_grad:
        x.requires_grad_()
    if level is not None:
        level.set_tangent(x, level.tangent(p))
    return x


def vjp(fn: Callable[..., Any], primals: Any) -> tuple[Any, Callable[[Any], tuple[Tensor, ...]]]:
    """(fn(*primals), vjp_fn) where vjp_fn(u) = uᵀ J: one gradient per primal, by one backward pass each call.

    `u` has the outputs' structure and shapes. Inside forward mode (`hessian`) or when a primal requires grad,
    the backward pass is recorded (create_graph), so its own operations carry tangents or can be differentiated.
    """
    primals = _as_tuple(primals)
    level = this_thread.state.dual
    with enable_grad():
        inputs = tuple(_reverse_input(p, level) for p in primals)
        out = fn(*inputs)
    outs = _as_tuple(out)
    create_graph = level is not None or any(isinstance(p, Tensor) and p.requires_grad for p in primals)

    def vjp_fn(cotangents: Any) -> tuple[Tensor, ...]:
        pairs = [(o, c) for o, c in zip(outs, _as_tuple(cotangents), strict=True) if o.requires_grad]
        if not pairs:
            return tuple(Tensor(np.zeros_like(x._data)) for x in inputs)
        with enable_grad():
            grads = grad(
                [o for o, _ in pairs],
                inputs,
                [_tensor(c) for _, c in pairs],
                retain_graph=True,
                create_graph=create_graph,
                allow_unused=True,
            )
        return tuple(Tensor(np.zeros_like(x._data)) if g is None else g for x, g in zip(inputs, grads))

    return out, vjp_fn


def _argnums(argnums: int | tuple[int, ...]) -> tuple[int, ...]:
    return (argnums,) if isinstance(argnums, int) else tuple(argnums)


def jacfwd(fn: Callable[..., Tensor], argnums: int | tuple[int, ...] = 0) -> Callable[..., Any]:
    """x -> the Jacobian of fn at x, of shape out.shape + x.shape, built column by column: one jvp per input.

    With a tuple `argnums`, one Jacobian per argument named.
    """

    def jacobian(*args: Any) -> Any:
        args = tuple(_tensor(a) for a in args)
        jacobians = []
        for i in _argnums(argnums):
            x = args[i]
            if x.numel() == 0:  # no columns: one evaluation for the output's shape
                out = fn(*args)
                jacobians.append(Tensor(np.zeros(out.shape + x.shape, dtype=out.dtype)))
                continue
            columns = []
            for j in range(x.numel()):
                direction = np.zeros(x.shape, dtype=x.dtype)
                direction.flat[j] = 1
                out, column = jvp(fn, args, [direction if k == i else None for k in range(len(args))])
                columns.append(column._data)
            jacobians.append(Tensor(np.stack(columns, axis=-1).reshape(out.shape + x.shape)))
        return jacobians[0] if isinstance(argnums, int) else tuple(jacobians)

    return jacobian


def jacrev(fn: Callable[..., Tensor], argnums: int | tuple[int, ...] = 0) -> Callable[..., Any]:
    """x -> the Jacobian of fn at x, of shape out.shape + x.shape, built row by row: one backward pass per output.

    With a tuple `argnums`, one Jacobian per argument named.

    >>> import autograd
    >>> from autograd.forward import jacfwd, jacrev
    >>> x = autograd.tensor([1.0, 2.0])
    >>> jacrev(lambda x: x**2)(x)  # diag(2x)
    tensor([[2., 0.],
            [0., 4.]])
    >>> (jacrev(lambda x: x**2)(x) == jacfwd(lambda x: x**2)(x)).all()  # both modes give the same Jacobian
    tensor(True)
    """

    def jacobian(*args: Any) -> Any:
        args = tuple(_tensor(a) for a in args)
        out, vjp_fn = vjp(fn, args)
        if not isinstance(out, Tensor):
            raise TypeError(f"jacrev: fn must return one tensor, got {type(out).__name__}")
        rows = []
        for k in range(out.numel()):
            direction = np.zeros(out.shape, dtype=out.dtype)
            direction.flat[k] = 1
            rows.append(vjp_fn(Tensor(direction)))
        jacobians = []
        for i in _argnums(argnums):
            shape = out.shape + args[i].shape
            if rows:  # stack and reshape are operations: inside forward mode (hessian) they carry tangents
                jacobians.append(reshape(stack([row[i] for row in rows]), shape))
            else:
                jacobians.append(Tensor(np.zeros(shape, dtype=out.dtype)))
        return jacobians[0] if isinstance(argnums, int) else tuple(jacobians)

    return jacobian


def hessian(fn: Callable[..., Tensor], argnums: int = 0) -> Callable[..., Tensor]:
    """x -> the Hessian of a scalar fn at x, of shape x.shape + x.shape: forward-over-reverse, jacfwd(jacrev(fn))."""
    return jacfwd(jacrev(fn, argnums), argnums)
