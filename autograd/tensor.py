"""`Tensor`: a numpy array that records the operations applied to it, so `backward()` can differentiate.

The operations themselves live in `autograd.ops` (forward and backward side by side); this module holds
the value type: construction and dtypes, conversions, the operator protocol, in-place updates, and the
leaf end of the backward pass (gradient accumulation and hooks).
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .device import CPU, check_device, device, parse_to
from .engine import owned
from .grad_mode import this_thread
from .promotion import category as _category
from .random import source
from .size import SIZES, Size, as_size

_cached_size = SIZES.get

float16 = np.dtype("float16")
float32 = np.dtype("float32")
float64 = np.dtype("float64")
int32 = np.dtype("int32")
int64 = np.dtype("int64")
uint8 = np.dtype("uint8")
bool_ = np.dtype("bool")
long = int64
double = float64
half = float16

# Python numbers that are not int or float (complex, Fraction, Decimal) are not operands: a tensor cannot hold them
_OPERAND_TYPES = (float, int, np.ndarray, np.generic)

# Counts in-place modifications. A tensor's version (`_version[0]`) is this clock's value at its last in-place
# modification, and a graph node remembers the value when it was recorded (`Function.recorded_at`): a saved
# tensor whose version is later than that was modified after the node used it.
modification_clock = [0]


def next_modification() -> int:
    """Advance the modification clock and return its new value, the version of what is being modified."""
    modification_clock[0] += 1
    return modification_clock[0]


def to_dtype(dtype: Any) -> np.dtype | None:
    """Normalise a dtype argument (`autograd.float32`, numpy dtype, Python `float`/`int`/`bool`)."""
    if dtype is None:
        return None
    if dtype is float:
        return float32
    if dtype is int:
        return int64
    if dtype is bool:
        return bool_
    return np.dtype(dtype)


_KINDS = "biuf"  # bool, signed and unsigned integers, floating point: the dtypes a tensor can hold
_INT64 = np.iinfo(np.int64)


def check_dtype(dtype: np.dtype, where: str = "tensor()") -> None:
    """Raise TypeError unless a tensor can hold `dtype` (complex, str, bytes and object arrays cannot)."""
    if dtype.kind not in _KINDS:
        what = "complex numbers are not supported" if dtype.kind == "c" else "only bool, int and float dtypes work"
        raise TypeError(f"{where}: can't convert data of dtype {dtype} to a tensor ({what})")


def as_array(data: Any, dtype: Any = None, copy: bool = False) -> np.ndarray:
    """Convert `data` to an array with PyTorch's dtype rules: Python floats become float32.

    Raises TypeError for data a tensor cannot hold (str, bytes, None, complex, Fraction, Decimal, object arrays),
    OverflowError for a Python int outside int64 in integer data, ValueError for a ragged nested sequence.
    """
    dtype = to_dtype(dtype)
    if dtype is not None:
        check_dtype(dtype, "tensor(): dtype")
    if isinstance(data, Tensor):
        data = data._data
    if isinstance(data, (np.ndarray, np.generic)):
        check_dtype(data.dtype)
        return np.array(data, dtype=dtype, copy=copy or None)
    array = _from_python(data, dtype)
    return array if dtype is None or array.dtype == dtype else array.astype(dtype)


def _from_python(data: Any, dtype: np.dtype | None) -> np.ndarray:
    """An array from Python numbers in (nested) sequences; float64 becomes float32 unless `dtype` says otherwise."""
    if isinstance(data, (str, bytes)) or not isinstance(data, (int, float, Sequence)):
        why = " (complex numbers are not supported)" if isinstance(data, complex) else ""
        raise TypeError(f"tensor(): cannot convert {type(data).__name__} to a tensor{why}")
    try:
        array = np.asarray(data)  # inferred first: a requested dtype must not parse strings or truncate objects
    except ValueError:
        raise ValueError(f"tensor(): {_ragged(data) or 'invalid nested sequence'}") from None
    kind = array.dtype.kind
    if kind == "O" or array.dtype == np.uint64 or (kind == "f" and array.size and np.abs(array).max() >= 2.0**63):
        array = _big_ints(data, array, dtype)  # ints beyond int64, or things that are not numbers at all
    check_dtype(array.dtype)
    if dtype is None and array.dtype == float64:
        array = array.astype(float32)
    return array


def _leaves(data: Any) -> list[Any]:
    """The non-sequence elements of nested sequences."""
    out, stack = [], [data]
    while stack:
        x = stack.pop()
        if isinstance(x, Sequence) and not isinstance(x, (str, bytes)):
            stack.extend(x)
        else:
            out.append(x)
    return out


def _big_ints(data: Any, array: np.ndarray, dtype: np.dtype | None) -> np.ndarray:
    """numpy made object, uint64 or float64 of Python data: reject non-numbers, and big ints in integer data."""
    leaves = _leaves(data)
    for x in leaves:
        if isinstance(x, Tensor):
            x = x._data
        if isinstance(x, (np.ndarray, np.generic)):
            check_dtype(x.dtype)
        elif not isinstance(x, (int, float)):
            raise TypeError(f"tensor(): cannot convert an element of type {type(x).__name__} to a tensor")
    floating = (dtype is not None and dtype.kind == "f") or any(isinstance(x, float) for x in leaves)
    if not floating:
        for x in leaves:
            if isinstance(x, int) and not _INT64.min <= x <= _INT64.max:
                raise OverflowError(f"tensor(): the integer {x} does not fit in int64")
        return array
    return np.asarray(data, dtype=float64) if array.dtype.kind == "O" else array


def _ragged(data: Any) -> str | None:
    """Where nested sequences stop being rectangular, as PyTorch says it ("expected sequence of length 2 at dim 1")."""
    level, dim = [data], 0
    while level:
        nested = [isinstance(x, Sequence) and not isinstance(x, (str, bytes)) for x in level]
        if not any(nested):
            return None
        if not all(nested):
            return f"ragged nested sequence: dim {dim} mixes numbers and sequences"
        for x in level:
            if len(x) != len(level[0]):
                expected = len(level[0])
                return f"ragged nested sequence: expected sequence of length {expected} at dim {dim} (got {len(x)})"
        level = [y for x in level for y in x]
        dim += 1
    return None


# PyTorch's names of the tensor types of each dtype (`x.type()`, `autograd.FloatTensor`)
TYPE_NAMES = {
    float32: "FloatTensor",
    float64: "DoubleTensor",
    float16: "HalfTensor",
    int64: "LongTensor",
    int32: "IntTensor",
    np.dtype("int16"): "ShortTensor",
    np.dtype("int8"): "CharTensor",
    uint8: "ByteTensor",
    bool_: "BoolTensor",
}
_NAMED_TYPES = {name: dtype for dtype, name in TYPE_NAMES.items()}


def _type_dtype(spec: Any) -> np.dtype:
    """The dtype `Tensor.type(spec)` converts to: a dtype, a tensor type (`autograd.LongTensor`) or its name."""
    if isinstance(spec, str):
        module, _, name = spec.rpartition(".")
        if module in ("torch.cuda", "autograd.cuda"):
            check_device("cuda", "type")
        if module not in ("autograd", "torch") or name not in _NAMED_TYPES:
            raise ValueError(f"invalid type: {spec!r}")
        return _NAMED_TYPES[name]
    if isinstance(spec, type) and isinstance(getattr(spec, "dtype", None), np.dtype):
        return spec.dtype
    return to_dtype(spec)


def check_can_require_grad(dtype: np.dtype) -> None:
    """RuntimeError unless a tensor of `dtype` can require gradients (floating point only)."""
    if dtype.kind != "f":
        raise RuntimeError(f"only Tensors of floating point dtype can require gradients (this one is {dtype})")


class Tensor:
    """An n-dimensional array with autograd bookkeeping; the numpy array itself is `_data`."""

    # A view (see `track_view`) also has `_base`, and the root of views has `_views`: both unset on other tensors.
    __slots__ = ("_data", "grad", "requires_grad", "grad_fn", "name", "_version", "_hooks", "_base", "_views")
    __slots__ += ("__weakref__",)
    __array_priority__ = 1000
    edges: tuple[Any, ...] = ()  # a leaf is a graph node with no inputs

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None) -> None:
        plain = isinstance(data, np.ndarray) and dtype is None and data.dtype.kind in _KINDS
        array = data if plain else as_array(data, dtype)
        if requires_grad:
            check_can_require_grad(array.dtype)
        self._data = array
        self.grad: Tensor | None = None
        self.requires_grad = bool(requires_grad)
        self.grad_fn: Any = None
        self.name: str | None = None
        self._version = [0]
        self._hooks: list[Callable[[Tensor], Any]] | None = None

    # ---- attributes and conversions -------------------------------------------------------------
    @property
    def data(self) -> Tensor:
        """The values as a tensor that shares this one's memory but not its history (PyTorch's `.data`).

        It requires no grad and has its own version counter, so in-place changes through it are invisible to
        autograd: `p.data.zero_()`, `p.data -= lr * p.grad`.
        """
        return Tensor(self._data)

    @data.setter
    def data(self, value: Tensor) -> None:
        if not isinstance(value, Tensor):
            raise TypeError(f"Tensor.data must be set to a Tensor, got {type(value).__name__}")
        self._data = value._data

    @property
    def shape(self) -> Size:
        """The shape, as a `Size` (a tuple); code on the per-op path reads `_data.shape`, a plain tuple."""
        shape = self._data.shape
        size = _cached_size(shape)  # as_size's lookup, inlined: this property is read everywhere
        return size if size is not None else as_size(shape)

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def dtype(self) -> np.dtype:
        return self._data.dtype

    @property
    def is_leaf(self) -> bool:
        """True for tensors the user created (and results of ops that needed no gradient)."""
        return self.grad_fn is None

    @property
    def T(self) -> Tensor:  # noqa: N802 (PyTorch's name)
        return self.permute(*range(self.ndim - 1, -1, -1))

    @property
    def mT(self) -> Tensor:  # noqa: N802 (PyTorch's name)
        return self.transpose(-2, -1)

    @property
    def device(self) -> device:
        """Where the values live: always `device(type='cpu')`."""
        return CPU

    @property
    def is_cuda(self) -> bool:
        return False

    def size(self, dim: int | None = None) -> Size | int:
        """The shape as a `Size`, or the length of dimension `dim` (negative counts from the end)."""
        if dim is None:
            return as_size(self._data.shape)
        return self._data.shape[_normalize_dim(dim, self._data.ndim, "size")]

    def dim(self) -> int:
        return self._data.ndim

    def numel(self) -> int:
        return int(self._data.size)

    def numpy(self) -> np.ndarray:
        if self.requires_grad and this_thread.state.enabled and self.grad_fn is not None:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy()")
        return self._data

    def item(self) -> float | int | bool:
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted to Scalar")
        return self._data.item()

    def tolist(self) -> Any:
        return self._data.tolist()

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        """numpy's conversion protocol: `np.asarray(t)` shares memory, `np.array(t)` copies (copy=True)."""
        if dtype is not None and np.dtype(dtype) != self._data.dtype:
            return self._data.astype(dtype)
        return self._data.copy() if copy else self._data

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self._data)

    def __iter__(self) -> Any:
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(len(self._data)))

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iu" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError(f"Boolean value of Tensor with {self._data.size} elements is ambiguous")
        return bool(self._data.item())

    __hash__ = object.__hash__

    def __format__(self, spec: str) -> str:
        """A one-element tensor formats as its value (`f"{loss:.3f}"`); others only without a format spec."""
        if self._data.size == 1 and (spec or self._data.ndim == 0):
            return format(self._data.item(), spec)
        if spec:
            raise TypeError(
                f"unsupported format string passed to Tensor.__format__ (a tensor of shape {self._data.shape})"
            )
        return str(self)

    def __repr__(self) -> str:
        body = np.array2string(self._data, separator=", ", prefix="tensor(", threshold=1000)
        extras = []
        if self._data.dtype not in (float32, int64, bool_):
            extras.append(f"dtype=autograd.{self._data.dtype}")
        if self.grad_fn is not None:
            extras.append(f"grad_fn={self.grad_fn!r}")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + ", ".join([body, *extras]) + ")"

    # ---- dtype and device conversion -------------------------------------------------------------
    def to(self, *args: Any, **kwargs: Any) -> Tensor:
        """This tensor in another dtype: `to(dtype)`, `to(device)`, `to(device, dtype)`, `to(other)` (other's
        dtype), or with `device=`/`dtype=`/`copy=` keywords. Itself when nothing changes (unless `copy=True`); the
        only device is the CPU, and asking for another raises RuntimeError."""
        dtype, copy = parse_to(args, kwargs)
        if dtype is not None and dtype != self._data.dtype:
            return _ops.cast(self, dtype)
        return _ops.clone(self) if copy else self

    def cpu(self) -> Tensor:
        """Itself: tensors always live on the CPU."""
        return self

    def cuda(self, device: Any = None, non_blocking: bool = False) -> Tensor:
        """Raises RuntimeError: autograd has no CUDA device."""
        check_device("cuda" if device is None else device, "cuda")
        return self

    def type(self, dtype: Any = None) -> Any:
        """With no argument, PyTorch's type name under this library's name (`'autograd.FloatTensor'`); given a dtype,
        a type (`autograd.LongTensor`) or a type name (`'autograd.LongTensor'`, or `'torch.LongTensor'` as the book's
        code spells it), this tensor converted to it (itself when nothing changes)."""
        if dtype is None:
            return f"autograd.{TYPE_NAMES.get(self._data.dtype, self._data.dtype)}"
        target = _type_dtype(dtype)
        return self if target == self._data.dtype else _ops.cast(self, target)

    def float(self) -> Tensor:
        return _ops.cast(self, float32)

    def double(self) -> Tensor:
        return _ops.cast(self, float64)

    def long(self) -> Tensor:
        return _ops.cast(self, int64)

    def int(self) -> Tensor:
        return _ops.cast(self, int32)

    def bool(self) -> Tensor:
        return _ops.cast(self, bool_)

    # ---- autograd --------------------------------------------------------------------------------
    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set whether this leaf records operations for differentiation; returns self."""
        if self.grad_fn is not None and not requires_grad:
            raise RuntimeError("you can only change requires_grad flags of leaf variables; use detach() for a non-leaf")
        if requires_grad:
            check_can_require_grad(self._data.dtype)
        self.requires_grad = bool(requires_grad)
        return self

    def detach(self) -> Tensor:
        """The same data, cut from the graph (shares memory and the version counter)."""
        out = Tensor(self._data)
        out._version = self._version
        return out

    def detach_(self) -> Tensor:
        self.grad_fn = None
        self.requires_grad = False
        return self

    def clone(self) -> Tensor:
        return _ops.clone(self)

    def retain_grad(self) -> None:
        """Keep this non-leaf tensor's gradient in `.grad` after backward."""
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is None:
            return
        ref = weakref.ref(self)

        def store(grad: Tensor) -> None:
            tensor = ref()
            if tensor is not None:
                tensor._accumulate(grad if grad.grad_fn is not None else grad._data)

        if self.grad_fn.hooks is None:
            self.grad_fn.hooks = []
        self.grad_fn.hooks.append(store)

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> Callable[[], None]:
        """Call `hook(grad)` when this tensor's gradient is computed; a returned tensor replaces it.

        Returns a function that removes the hook.
        """
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is None:
            if self._hooks is None:
                self._hooks = []
            hooks = self._hooks
        else:
            if self.grad_fn.hooks is None:
                self.grad_fn.hooks = []
            hooks = self.grad_fn.hooks
        hooks.append(hook)
        return lambda: hooks.remove(hook) if hook in hooks else None

    def backward(self, gradient: Any = None, retain_graph: bool | None = None, create_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's `.grad` (weighted by `gradient` if not scalar)."""
        _autograd_api.backward(self, gradient, retain_graph, create_graph)

    def _backprop(self, grad: Any, retain_graph: bool) -> tuple[()]:
        """The engine reached this leaf: run its hooks and accumulate the gradient into `.grad`."""
        self._accumulate(self._hooked(grad))
        return ()

    def _hooked(self, grad: Any) -> Any:
        """`grad` after this leaf's hooks (each may replace it), for backward and autograd.grad alike."""
        if not self._hooks:
            return grad
        from .function import _run_hooks

        return _run_hooks(self._hooks, grad)  # borrowed: .grad gets a copy

    def _accumulate(self, grad: Any) -> None:
        if isinstance(grad, Tensor):  # create_graph: the gradient is itself part of a graph
            if grad._data.dtype != self._data.dtype:
                grad = _ops.cast(grad, self._data.dtype)
            # a copy (recorded): the same tensor may reach other leaves, and a later backward adds into .grad in place
            self.grad = _ops.clone(grad) if self.grad is None else self.grad + grad
            return
        if grad.dtype != self._data.dtype:
            grad = grad.astype(self._data.dtype)
        elif not owned(grad):
            grad = grad.copy()  # borrowed from elsewhere in the graph: own a private buffer
        if self.grad is None:
            self.grad = Tensor(grad)
        else:
            self.grad._data += grad

    # ---- operators ------------------------------------------------------------------------------
    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        """numpy ufuncs on tensors (`np.exp(t)`, `array * t`) dispatch to the differentiable ops."""
        op = _ops.UFUNCS.get(ufunc)
        if method != "__call__" or op is None or kwargs:
            return NotImplemented
        return op(*inputs)

    def __add__(self, other: Any) -> Tensor:
        return _Add.apply(self, other) if isinstance(other, _TENSOR_OR_OPERAND) else NotImplemented

    def __radd__(self, other: Any) -> Tensor:
        return _Add.apply(other, self) if isinstance(other, _OPERAND_TYPES) else NotImplemented

    def __sub__(self, other: Any) -> Tensor:
        return _Sub.apply(self, other) if isinstance(other, _TENSOR_OR_OPERAND) else NotImplemented

    def __rsub__(self, other: Any) -> Tensor:
        return _Sub.apply(other, self) if isinstance(other, _OPERAND_TYPES) else NotImplemented

    def __mul__(self, other: Any) -> Tensor:
        return _Mul.apply(self, other) if isinstance(other, _TENSOR_OR_OPERAND) else NotImplemented

    def __rmul__(self, other: Any) -> Tensor:
        return _Mul.apply(other, self) if isinstance(other, _OPERAND_TYPES) else NotImplemented

    def __truediv__(self, other: Any) -> Tensor:
        return _Div.apply(self, other) if isinstance(other, _TENSOR_OR_OPERAND) else NotImplemented

    def __rtruediv__(self, other: Any) -> Tensor:
        return _Div.apply(other, self) if isinstance(other, _OPERAND_TYPES) else NotImplemented

    def __pow__(self, other: Any) -> Tensor:
        return _Pow.apply(self, other) if isinstance(other, _TENSOR_OR_OPERAND) else NotImplemented

    def __rpow__(self, other: Any) -> Tensor:
        return _Pow.apply(other, self) if isinstance(other, _OPERAND_TYPES) else NotImplemented

    def __matmul__(self, other: Any) -> Tensor:
        return _ops.matmul(self, other) if isinstance(other, (Tensor, np.ndarray)) else NotImplemented

    def __rmatmul__(self, other: Any) -> Tensor:
        return _ops.matmul(other, self) if isinstance(other, np.ndarray) else NotImplemented

    def __neg__(self) -> Tensor:
        return _Neg.apply(self)

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return _ops.abs(self)

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return _ops.eq(self, other) if isinstance(other, _TENSOR_OR_OPERAND) else NotImplemented

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return _ops.ne(self, other) if isinstance(other, _TENSOR_OR_OPERAND) else NotImplemented

    def __lt__(self, other: Any) -> Tensor:
        return _ops.lt(self, other) if isinstance(other, _TENSOR_OR_OPERAND) else NotImplemented

    def __le__(self, other: Any) -> Tensor:
        return _ops.le(self, other) if isinstance(other, _TENSOR_OR_OPERAND) else NotImplemented

    def __gt__(self, other: Any) -> Tensor:
        return _ops.gt(self, other) if isinstance(other, _TENSOR_OR_OPERAND) else NotImplemented

    def __ge__(self, other: Any) -> Tensor:
        return _ops.ge(self, other) if isinstance(other, _TENSOR_OR_OPERAND) else NotImplemented

    def __invert__(self) -> Tensor:
        return _ops.logical_not(self)

    def __and__(self, other: Any) -> Tensor:
        return _ops.logical_and(self, other)

    def __or__(self, other: Any) -> Tensor:
        return _ops.logical_or(self, other)

    def __getitem__(self, index: Any) -> Tensor:
        return _ops.getitem(self, index)

    # ---- in-place updates ---------------------------------------------------------------------------
    def _update(
        self, what: str, operand: Any, result: Callable[..., Tensor], write: Callable[[np.ndarray], None]
    ) -> Tensor:
        """Apply an in-place update: `write` into the memory when no graph needs recording, else record it.

        Recording computes the out-of-place `result(old)` (`old` a copy of this tensor before the update, with its
        history), writes its values into this tensor's memory, so that its base and every view sharing the memory
        see them, and makes the result's node this tensor's history (`_record_update`). Either way the version
        counter, shared by a base and its views, moves, so a backward that saved the old values raises instead of
        using them.
        """
        if not self._data.flags.writeable:
            _check_no_overlap(what, self._data)
            self._data = self._data.copy()  # a read-only array the tensor was made from; not a view's memory
        operand_needs_grad = isinstance(operand, Tensor) and operand.requires_grad
        state = this_thread.state
        if state.enabled and (self.requires_grad or operand_needs_grad):
            self._record_update(what, result)
        else:
            if state.dual is not None:  # forward mode: take the tangent of the out-of-place update
                state.dual.update_inplace(self, operand, result)
            write(self._data)
            self._version[0] = next_modification()
        return self

    def _record_update(self, what: str, result: Callable[..., Tensor]) -> None:
        """The recorded form of an in-place update (PyTorch's rebase of history).

        Updating a tensor that is not a view makes `result`'s node its history. Updating a view makes its root's
        history a `CopySlices` node (the old root with the view's region replaced by the result); the history of
        every view of that root, this one included, is then replayed from the new root, so gradients through any of
        them see the update.
        """
        root, path = view_path(self)
        if self.requires_grad and self.grad_fn is None:
            raise RuntimeError(
                f"a leaf Variable that requires grad is being used in an in-place operation ({what}); "
                "wrap it in `with autograd.no_grad():`"
            )
        if path and root.requires_grad and root.grad_fn is None:
            raise RuntimeError(
                f"a view of a leaf Variable that requires grad is being used in an in-place operation ({what})."
            )
        if path and not self._base[2]:
            raise RuntimeError(
                f"{what}: {_NO_GRAD_VIEW} is being modified inplace with grad mode enabled. {_NO_GRAD_VIEW_FIX}"
            )
        now = next_modification()
        old = Tensor(self._data.copy())  # `result` may save these values, and this memory is about to change
        old.requires_grad, old.grad_fn = self.requires_grad, self.grad_fn
        dual = this_thread.state.dual
        if dual is not None:
            dual.set_tangent(old, dual.tangent(self))
        new = result(old)
        if new._data.dtype != self._data.dtype:
            new = _ops.cast(new, self._data.dtype)
        if new._data.shape != self._data.shape:
            raise RuntimeError(f"{what}: result of shape {new._data.shape} doesn't match {self._data.shape}")
        if path:
            base = root.detach()
            base.requires_grad, base.grad_fn = root.requires_grad, root.grad_fn
            updated = _CopySlices.apply(base, new, path=path)  # writes the region in place: root's memory
            root.grad_fn, root.requires_grad = updated.grad_fn, True
        else:
            self._data[...] = new._data
            self.grad_fn, self.requires_grad = new.grad_fn, new.requires_grad
        self._version[0] = now  # nodes recorded before this update must not use the old values
        _replay_views(root)

    def _inplace_binary(self, ufunc: np.ufunc, op: Callable[[Any, Any], Tensor], other: Any, what: str) -> Tensor:
        if not isinstance(other, _TENSOR_OR_OPERAND):
            return NotImplemented
        value = data_of(other)
        _check_inplace_shape(what, self._data.shape, np.shape(value))
        dtype = self._data.dtype
        if isinstance(value, np.ndarray) and value.dtype != dtype and _category(value.dtype) > _category(dtype):
            raise RuntimeError(f"{what}: result type {value.dtype} can't be cast to the desired output type {dtype}")

        def write(data: np.ndarray) -> None:
            try:
                ufunc(data, value, out=data, casting="same_kind")
            except TypeError as err:
                raise RuntimeError(f"{what}: result type can't be cast to {data.dtype}: {err}") from None

        return self._update(what, other, lambda t=self: op(t, t if other is self else other), write)

    def __iadd__(self, other: Any) -> Tensor:
        return self._inplace_binary(np.add, _ops.add, other, "add_")

    def __isub__(self, other: Any) -> Tensor:
        return self._inplace_binary(np.subtract, _ops.sub, other, "sub_")

    def __imul__(self, other: Any) -> Tensor:
        return self._inplace_binary(np.multiply, _ops.mul, other, "mul_")

    def __itruediv__(self, other: Any) -> Tensor:
        return self._inplace_binary(np.true_divide, _ops.div, other, "div_")

    def add_(self, other: Any, alpha: float = 1) -> Tensor:
        return _raise_unsupported(self.__iadd__(other if alpha == 1 else other * alpha), "add_", other)

    def sub_(self, other: Any, alpha: float = 1) -> Tensor:
        return _raise_unsupported(self.__isub__(other if alpha == 1 else other * alpha), "sub_", other)

    def mul_(self, other: Any) -> Tensor:
        return _raise_unsupported(self.__imul__(other), "mul_", other)

    def div_(self, other: Any) -> Tensor:
        return _raise_unsupported(self.__itruediv__(other), "div_", other)

    def _inplace(self, what: str, op: Callable[..., Tensor], *args: Any, **kwargs: Any) -> Tensor:
        """Update in place to the out-of-place `op(self, *args, **kwargs)` (`exp_`, `clamp_`, `scatter_`...): the op
        is what a graph records, and otherwise its values are written over this tensor's array. A result that
        cannot be cast to this tensor's dtype, or of another shape, raises RuntimeError and changes nothing."""
        operands = [a for a in (*args, *kwargs.values()) if isinstance(a, Tensor) and a is not self]
        dual = this_thread.state.dual
        operand = next(
            (a for a in operands if a.requires_grad or (dual is not None and dual.tangent(a) is not None)), None
        )

        def result(t: Tensor = self) -> Tensor:
            new = op(t, *(t if a is self else a for a in args), **kwargs)
            _check_inplace_result(what, new._data, self._data)
            return new

        def write(data: np.ndarray) -> None:
            data[...] = result(Tensor(data))._data  # nothing here needs a gradient: the op records nothing

        return self._update(what, operand, result, write)

    def __setitem__(self, index: Any, value: Any) -> None:
        """`t[index] = value`: `value` loses its leading size-1 dims, then broadcasts to the selected shape, as in
        PyTorch (so a (1, 1) result fills a single element); RuntimeError where it does not broadcast."""
        if not isinstance(value, _TENSOR_OR_OPERAND):
            raise TypeError(f"__setitem__: cannot assign {type(value).__name__} to a tensor")
        key = _ops.index_key(index)
        raw = data_of(value)
        if isinstance(raw, (np.ndarray, np.generic)):
            check_dtype(raw.dtype, "__setitem__")  # before writing: numpy converts (and fails) element by element
        shape = np.shape(raw)
        lead = next((i for i, n in enumerate(shape) if n != 1), len(shape))  # PyTorch drops leading 1s first
        if lead:
            raw = np.reshape(raw, shape[lead:])

        def refused(err: Exception) -> RuntimeError:
            return RuntimeError(
                f"__setitem__: cannot assign a value of shape {shape} at {index!r} in a tensor of shape "
                f"{self._data.shape}: {err}"
            )

        def write(data: np.ndarray) -> None:
            try:
                data[key] = raw
            except (ValueError, TypeError) as err:  # numpy's words for a value that does not broadcast
                raise refused(err) from None

        def result(t: Tensor = self) -> Tensor:
            written = t if value is self else value
            if lead:
                written = _ops.reshape(written, shape[lead:]) if isinstance(written, Tensor) else raw
            try:
                return _ops.index_put(t, key, written)
            except (ValueError, TypeError) as err:  # numpy's words for a value that does not broadcast
                raise refused(err) from None

        self._update("__setitem__", value, result, write)

    def fill_(self, value: Any) -> Tensor:
        self[...] = value
        return self

    def zero_(self) -> Tensor:
        self[...] = 0
        return self

    def copy_(self, src: Any) -> Tensor:
        self[...] = src
        return self

    # ---- in-place random fills (from the library's generator or `generator`) ---------------------------
    def _fill_random(self, what: str, draw: Callable[[np.random.Generator], np.ndarray], gen: Any) -> Tensor:
        """Overwrite every element with `draw(rng)`, as `copy_` does (recorded as a constant on a non-leaf). The
        values are drawn once, when the update goes ahead: a refused one leaves the generator as it was."""
        if self._data.dtype.kind != "f":
            raise RuntimeError(f'"{what}" is not implemented for dtype {self._data.dtype}; it needs floating point')
        rng, dtype = source(gen), self._data.dtype
        values = functools.cache(lambda: np.asarray(draw(rng), dtype=dtype))

        def write(data: np.ndarray) -> None:
            data[...] = values()

        return self._update(what, None, lambda t=self: _ops.index_put(t, ..., values()), write)

    def normal_(self, mean: float = 0.0, std: float = 1.0, *, generator: Any = None) -> Tensor:
        """Fill with draws from N(mean, std²) in place; returns self (d2l: `net[0].weight.data.normal_(0, 0.01)`)."""
        if std < 0:
            raise RuntimeError(f"normal_ expects std >= 0.0, but found std {std}")
        return self._fill_random("normal_", lambda rng: rng.normal(mean, std, self._data.shape), generator)

    def uniform_(self, a: float = 0.0, b: float = 1.0, *, generator: Any = None) -> Tensor:
        """Fill with draws from U(a, b) in place; returns self."""
        if a > b:
            raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={a} > to={b}")
        return self._fill_random("uniform_", lambda rng: rng.uniform(a, b, self._data.shape), generator)

    def bernoulli_(self, p: Any = 0.5, *, generator: Any = None) -> Tensor:
        """Fill with 1 with probability `p` (a number or a tensor broadcast to this shape), else 0; returns self."""
        probs = p._data if isinstance(p, Tensor) else np.asarray(p)
        if np.any((probs < 0) | (probs > 1)):
            raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p!r}")
        return self._fill_random("bernoulli_", lambda rng: rng.random(self._data.shape) < probs, generator)

    def exponential_(self, lambd: float = 1.0, *, generator: Any = None) -> Tensor:
        """Fill with draws from the exponential distribution of rate `lambd` in place; returns self."""
        if not lambd > 0:
            raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
        return self._fill_random("exponential_", lambda rng: rng.exponential(1 / lambd, self._data.shape), generator)


_TENSOR_OR_OPERAND = (Tensor, *_OPERAND_TYPES)


def _raise_unsupported(result: Any, what: str, other: Any) -> Tensor:
    """A method call (`t.add_(x)`) raises where the operator protocol (`t += x`) returns NotImplemented."""
    if result is NotImplemented:
        raise TypeError(f"{what}(): unsupported operand type {type(other).__name__}")
    return result


def _check_inplace_result(what: str, new: np.ndarray, old: np.ndarray) -> None:
    if not np.can_cast(new.dtype, old.dtype, "same_kind"):
        raise RuntimeError(f"{what}: result type {new.dtype} can't be cast to the desired output type {old.dtype}")
    if new.shape != old.shape:
        raise RuntimeError(f"{what}: output with shape {old.shape} doesn't match the broadcast shape {new.shape}")


def _check_inplace_shape(what: str, shape: tuple[int, ...], other: tuple[int, ...]) -> None:
    try:
        broadcast = np.broadcast_shapes(shape, other)
    except ValueError:
        broadcast = None
    if broadcast != shape:
        raise RuntimeError(
            f"{what}: output with shape {shape} doesn't match the broadcast shape of {shape} and {other}"
        )


def track_view(view: Tensor, parent: Tensor, fn: Any) -> None:
    """Record that `view` is `fn`'s view of `parent` (it shares parent's memory), for in-place updates to rewrite.

    `view._base` is `(parent, fn, whether it was made with grad mode on, root)`, the root being the tensor at the end
    of the `_base` chain, which owns the memory; it lists its live views in `_views`.
    """
    above = getattr(parent, "_base", None)
    root = parent if above is None else above[3]
    view._base = (parent, fn, this_thread.state.enabled, root)
    views = getattr(root, "_views", None)
    if views is None:
        views = root._views = weakref.WeakSet()
    views.add(view)


def view_path(x: Tensor) -> tuple[Tensor, list[Any]]:
    """The root whose memory `x` shares, and the view operations that lead from it to `x` (empty: x is a root)."""
    path = []
    base = getattr(x, "_base", None)
    while base is not None:
        path.append(base[1])
        x = base[0]
        base = getattr(x, "_base", None)
    return x, path[::-1]


def _replay_views(root: Tensor) -> None:
    """Give each live view of `root` made with grad mode on the history of its view operations applied to root's
    (now updated) history; a view made under no_grad gets a node that refuses to be differentiated, as in PyTorch."""
    for view in list(getattr(root, "_views", ())):
        if not view._base[2]:
            if root.requires_grad:
                view.grad_fn, view.requires_grad = _ForbiddenView(), True
            continue
        replayed = root
        for fn in view_path(view)[1]:
            replayed = fn.reapply(replayed)
        view.grad_fn, view.requires_grad = replayed.grad_fn, replayed.requires_grad


_NO_GRAD_VIEW = "A view was created in no_grad mode and"
_NO_GRAD_VIEW_FIX = (
    "Given that this use case is ambiguous and error-prone, it is forbidden. You can clarify your code by moving both "
    "the view and the inplace either both inside the no_grad block (if you don't want the inplace to be tracked) or "
    "both outside (if you want the inplace to be tracked)."
)


class _ForbiddenView:
    """The history of a view made under no_grad whose base was then updated in place with grad mode on: a graph
    node without inputs whose backward raises PyTorch's error."""

    edges: tuple[Any, ...] = ()

    def _backprop(self, grad: Any, retain_graph: bool) -> None:
        raise RuntimeError(
            f"{_NO_GRAD_VIEW} its base or another view of its base has been modified inplace with grad mode enabled. "
            f"{_NO_GRAD_VIEW_FIX}"
        )

    def __repr__(self) -> str:
        return "<ForbiddenViewBackward>"


def _check_no_overlap(what: str, data: np.ndarray) -> None:
    """RuntimeError when several elements of `data` are one memory location (an expanded tensor), as in PyTorch."""
    if any(stride == 0 and n > 1 for stride, n in zip(data.strides, data.shape)):
        raise RuntimeError(
            f"{what}: unsupported operation: more than one element of the written-to tensor refers to a single "
            "memory location. Please clone() the tensor before performing the operation."
        )


def data_of(x: Any) -> Any:
    """The numpy array behind a Tensor; any other value unchanged (a Python number stays weakly typed for numpy)."""
    return x._data if isinstance(x, Tensor) else x


from . import autograd_api as _autograd_api  # noqa: E402
from . import factories as _factories  # noqa: E402
from . import ops as _ops  # noqa: E402
from .ops.arithmetic import Add as _Add  # noqa: E402
from .ops.arithmetic import Div as _Div  # noqa: E402
from .ops.arithmetic import Mul as _Mul  # noqa: E402
from .ops.arithmetic import Neg as _Neg  # noqa: E402
from .ops.arithmetic import Pow as _Pow  # noqa: E402
from .ops.arithmetic import Sub as _Sub  # noqa: E402
from .ops.copy_slices import CopySlices as _CopySlices  # noqa: E402
from .ops.shape import normalize_dim as _normalize_dim  # noqa: E402

_METHODS = (
    "exp log sqrt abs sin cos sinh cosh tanh sigmoid relu leaky_relu clamp maximum minimum square sign pow add sub mul "
    "div neg eq ne lt le gt ge logical_and logical_or logical_not sum mean max min amax amin argmax argmin var std "
    "norm logsumexp softmax log_softmax all any matmul dot mm mv reshape view flatten permute transpose t squeeze "
    "unsqueeze expand expand_as broadcast_to split chunk narrow unbind "
    "gather index_select masked_fill select flip roll repeat tile bmm outer cumsum cumprod prod tril triu diag "
    "floor ceil round trunc fix reciprocal rsqrt log1p expm1 log2 log10 tan atan2 arctan2 erf erfc isnan isinf "
    "isfinite nan_to_num fmod remainder movedim moveaxis unflatten sort argsort topk msort scatter scatter_add "
    "scatter_reduce nonzero masked_select lerp addmm contiguous is_contiguous is_floating_point"
).split()
for _name in _METHODS:
    setattr(Tensor, _name, getattr(_ops, _name))
for _name in "new_zeros new_ones new_empty new_full new_tensor".split():
    setattr(Tensor, _name, getattr(_factories, _name))
Tensor.clip = _ops.clamp


def _inplace_method(name: str) -> Callable[..., Tensor]:
    op = getattr(_ops, name)

    def method(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        return self._inplace(f"{name}_", op, *args, **kwargs)

    method.__name__ = method.__qualname__ = f"{name}_"
    method.__doc__ = (
        f"`{name}` in place (recorded as `{name}` on a graph, guarded by the version counter); returns self."
    )
    return method


_INPLACE = (
    "exp log sqrt abs neg sin cos tanh sigmoid relu square floor ceil round trunc sign reciprocal rsqrt log1p erf erfc "
    "expm1 clamp pow masked_fill scatter scatter_add scatter_reduce lerp fmod remainder"
).split()
for _name in _INPLACE:
    setattr(Tensor, f"{_name}_", _inplace_method(_name))
Tensor.clip_ = Tensor.clamp_
Tensor.view_as = lambda self, other: _ops.view(self, other.shape)
Tensor.reshape_as = lambda self, other: _ops.reshape(self, other.shape)
Tensor.swapaxes = _ops.transpose
Tensor.where = lambda self, condition, other: _ops.where(condition, self, other)
Tensor.__mod__ = _ops.remainder
Tensor.__rmod__ = lambda self, other: _ops.remainder(other, self)
