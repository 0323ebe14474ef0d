"""Tensor factories with PyTorch's names, arguments and defaults (float32 unless a dtype is given).

Shapes are given as varargs (`zeros(2, 3)`), one tuple or list (`zeros((2, 3))`) or `size=`; every factory takes
`dtype=`, `device=` (the CPU: see `autograd.device`) and `requires_grad=`, and the random ones `generator=`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .device import check_device
from .random import Generator, source
from .size import shape_arg
from .tensor import Tensor, as_array, check_can_require_grad, float32, int64, to_dtype


def _size(shape: tuple[Any, ...], size: Any, op: str) -> tuple[int, ...]:
    """The shape of a factory call given as varargs `shape` or as `size=`; negative sizes raise."""
    if size is not None:
        if shape:
            raise TypeError(f"{op}() got multiple values for argument 'size'")
        if not isinstance(size, (tuple, list)):
            raise TypeError(f"{op}(): argument 'size' must be tuple of ints, not {type(size).__name__}")
        shape = (size,)
    dims = shape_arg(shape, op)
    if any(n < 0 for n in dims):
        raise RuntimeError(f"{op}: Trying to create tensor with negative dimension: {list(dims)}")
    return dims


def _make(array: np.ndarray, device: Any, requires_grad: bool, op: str) -> Tensor:
    check_device(device, op)
    return Tensor(array, requires_grad=requires_grad)


def _drawn(draw: Callable[[], np.ndarray], dtype: np.dtype, device: Any, requires_grad: bool, op: str) -> Tensor:
    """A tensor of `draw()` as `dtype`, drawn only once the device and requires_grad are known to be good, so that
    a refused call leaves the generator as it was."""
    check_device(device, op)
    if requires_grad:
        check_can_require_grad(dtype)
    return Tensor(draw().astype(dtype), requires_grad=requires_grad)


def _float_dtype(dtype: Any, op: str) -> np.dtype:
    """`dtype` (float32 by default) for a factory whose values are real numbers; RuntimeError for integer ones."""
    result = to_dtype(dtype) or float32
    if result.kind != "f":
        raise RuntimeError(f'{op}: "{op}" is not implemented for dtype {result}; use a floating point dtype')
    return result


def tensor(data: Any, dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    """A new tensor holding a copy of `data`; Python floats become float32, numpy arrays keep their dtype."""
    check_device(device, "tensor")
    return Tensor(as_array(data, dtype, copy=True), requires_grad=requires_grad)


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """Like `tensor`, but shares memory with a numpy array or tensor when no conversion is needed."""
    check_device(device, "as_tensor")
    return data if isinstance(data, Tensor) and dtype is None else Tensor(as_array(data, dtype))


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with `array`."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected np.ndarray, got {type(array).__name__}")
    return Tensor(array)


def zeros(*shape: Any, size: Any = None, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros of the given shape."""
    array = np.zeros(_size(shape, size, "zeros"), dtype=to_dtype(dtype) or float32)
    return _make(array, device, requires_grad, "zeros")


def ones(*shape: Any, size: Any = None, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones of the given shape."""
    array = np.ones(_size(shape, size, "ones"), dtype=to_dtype(dtype) or float32)
    return _make(array, device, requires_grad, "ones")


def empty(*shape: Any, size: Any = None, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of the given shape whose values are unspecified (zeros here)."""
    array = np.zeros(_size(shape, size, "empty"), dtype=to_dtype(dtype) or float32)
    return _make(array, device, requires_grad, "empty")


def full(size: Any, fill_value: Any, *, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of shape `size` filled with `fill_value` (of its dtype unless `dtype` is given)."""
    dtype = to_dtype(dtype) or as_array(fill_value).dtype
    return _make(np.full(_size((size,), None, "full"), fill_value, dtype=dtype), device, requires_grad, "full")


def _like(x: Tensor, dtype: Any, op: str) -> tuple[tuple[int, ...], np.dtype]:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(x).__name__}")
    return x._data.shape, to_dtype(dtype) or x._data.dtype


def zeros_like(x: Tensor, *, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros of `x`'s shape and dtype."""
    shape, dtype = _like(x, dtype, "zeros_like")
    return _make(np.zeros(shape, dtype=dtype), device, requires_grad, "zeros_like")


def ones_like(x: Tensor, *, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones of `x`'s shape and dtype."""
    shape, dtype = _like(x, dtype, "ones_like")
    return _make(np.ones(shape, dtype=dtype), device, requires_grad, "ones_like")


def empty_like(x: Tensor, *, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of `x`'s shape and dtype whose values are unspecified (zeros here)."""
    shape, dtype = _like(x, dtype, "empty_like")
    return _make(np.zeros(shape, dtype=dtype), device, requires_grad, "empty_like")


def full_like(
    x: Tensor, fill_value: Any, *, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """`fill_value` in `x`'s shape and dtype."""
    shape, dtype = _like(x, dtype, "full_like")
    return _make(np.full(shape, fill_value, dtype=dtype), device, requires_grad, "full_like")


def arange(
    start: float,
    end: float | None = None,
    step: float = 1,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Values from start (default 0) to end, exclusive; int64 for integer arguments, else float32."""
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("arange: step must be nonzero")
    integral = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
    dtype = to_dtype(dtype) or (np.dtype("int64") if integral else float32)
    return _make(np.arange(start, end, step).astype(dtype), device, requires_grad, "arange")


def linspace(
    start: float, end: float, steps: int, *, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """`steps` evenly spaced values from start to end, both included."""
    if steps < 0:
        raise RuntimeError(f"linspace: number of steps must be non-negative, got {steps}")
    array = np.linspace(start, end, steps).astype(to_dtype(dtype) or float32)
    return _make(array, device, requires_grad, "linspace")


def eye(n: int, m: int | None = None, *, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """The identity matrix of shape (n, m) (m = n by default)."""
    return _make(np.eye(n, m, dtype=to_dtype(dtype) or float32), device, requires_grad, "eye")


def rand(
    *shape: Any,
    size: Any = None,
    generator: Generator | None = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Uniform on [0, 1), from `generator` or the library's generator (see `manual_seed`)."""
    dims, dtype = _size(shape, size, "rand"), _float_dtype(dtype, "rand")
    return _drawn(lambda: source(generator).random(dims), dtype, device, requires_grad, "rand")


def randn(
    *shape: Any,
    size: Any = None,
    generator: Generator | None = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Standard normal, from `generator` or the library's generator (see `manual_seed`)."""
    dims, dtype = _size(shape, size, "randn"), _float_dtype(dtype, "randn")
    return _drawn(lambda: source(generator).standard_normal(dims), dtype, device, requires_grad, "randn")


def randint(
    low: int,
    high: int | None = None,
    size: Any = None,
    *,
    generator: Generator | None = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Integers drawn uniformly from [low, high) (int64 unless `dtype` is given): `randint(10, (2, 3))` or
    `randint(5, 10, size=(4,))`."""
    if size is None and isinstance(high, (tuple, list)):  # randint(high, size)
        low, high, size = 0, low, high
    if high is None:
        low, high = 0, low
    if size is None:
        raise TypeError("randint(): missing the required argument 'size' (a tuple of ints)")
    if not low < high:
        raise RuntimeError(f"randint: expected low < high, got low={low}, high={high}")
    dims = _size((), size, "randint")
    rng, dtype = source(generator), to_dtype(dtype) or int64
    return _drawn(lambda: rng.integers(low, high, size=dims), dtype, device, requires_grad, "randint")


def randperm(
    n: int,
    *,
    generator: Generator | None = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """A random permutation of 0..n-1 (int64 unless `dtype` is given)."""
    (count,) = _size((n,), None, "randperm")
    rng, dtype = source(generator), to_dtype(dtype) or int64
    return _drawn(lambda: rng.permutation(count), dtype, device, requires_grad, "randperm")


def rand_like(x: Tensor, *, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Uniform on [0, 1) in `x`'s shape and dtype."""
    shape, dtype = _like(x, dtype, "rand_like")
    return rand(shape, dtype=dtype, device=device, requires_grad=requires_grad)


def randn_like(x: Tensor, *, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Standard normal in `x`'s shape and dtype."""
    shape, dtype = _like(x, dtype, "randn_like")
    return randn(shape, dtype=dtype, device=device, requires_grad=requires_grad)


def normal(
    mean: Any,
    std: Any = 1.0,
    size: Any = None,
    *,
    generator: Generator | None = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Draws from N(mean, std²): of shape `size` for numbers `mean` and `std` (d2l:
    `normal(0, 0.01, size=(784, 10), requires_grad=True)`), or elementwise, in their broadcast shape, when either
    is a tensor (then of its float dtype)."""
    tensors = [v for v in (mean, std) if isinstance(v, Tensor)]
    if tensors:
        if size is not None:
            raise TypeError("normal(): size cannot be given with a tensor mean or std (the shape is theirs)")
        m, s = as_array(mean), as_array(std)
        shape = np.broadcast_shapes(m.shape, s.shape)
        dtype = to_dtype(dtype) or np.result_type(*(t._data.dtype for t in tensors))
    else:
        if size is None:
            raise TypeError("normal(): with a number mean and std, the argument 'size' (a tuple of ints) is required")
        m, s, shape = mean, std, _size((), size, "normal")
        dtype = to_dtype(dtype)
    if np.any(np.asarray(s) < 0):
        raise RuntimeError(f"normal expects all elements of std >= 0.0, got {std!r}")
    rng, dtype = source(generator), _float_dtype(dtype, "normal")
    return _drawn(lambda: rng.normal(m, s, size=shape), dtype, device, requires_grad, "normal")


# ---- Tensor.new_*: factories whose dtype defaults to an existing tensor's ----------------------------------


def _new(op: str, self: Tensor, fill: Callable[[np.dtype], np.ndarray], dtype: Any, device: Any, grad: bool) -> Tensor:
    if not isinstance(self, Tensor):
        raise TypeError(f"{op}(): 'self' must be Tensor, not {type(self).__name__}")
    return _make(fill(to_dtype(dtype) or self._data.dtype), device, grad, op)


def new_zeros(
    self: Tensor, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False, **kw: Any
) -> Tensor:
    """Zeros of the given shape (varargs, a tuple or `size=`), in `self`'s dtype unless `dtype` is given."""
    dims = _size(size, kw.pop("size", None), "new_zeros")
    _no_more(kw, "new_zeros")
    return _new("new_zeros", self, lambda dt: np.zeros(dims, dt), dtype, device, requires_grad)


def new_ones(
    self: Tensor, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False, **kw: Any
) -> Tensor:
    """Ones of the given shape, in `self`'s dtype unless `dtype` is given."""
    dims = _size(size, kw.pop("size", None), "new_ones")
    _no_more(kw, "new_ones")
    return _new("new_ones", self, lambda dt: np.ones(dims, dt), dtype, device, requires_grad)


def new_empty(
    self: Tensor, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False, **kw: Any
) -> Tensor:
    """A tensor of the given shape whose values are unspecified (zeros here), in `self`'s dtype by default."""
    dims = _size(size, kw.pop("size", None), "new_empty")
    _no_more(kw, "new_empty")
    return _new("new_empty", self, lambda dt: np.zeros(dims, dt), dtype, device, requires_grad)


def new_full(
    self: Tensor, size: Any, fill_value: Any, *, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """`fill_value` in shape `size`, in `self`'s dtype unless `dtype` is given (the value is cast to it)."""
    dims = _size((size,), None, "new_full")
    return _new("new_full", self, lambda dt: np.full(dims, fill_value, dt), dtype, device, requires_grad)


def new_tensor(
    self: Tensor, data: Any, *, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """A new tensor holding a copy of `data`, in `self`'s dtype unless `dtype` is given (never sharing memory)."""
    return _new("new_tensor", self, lambda dt: as_array(data, dt, copy=True), dtype, device, requires_grad)


def _no_more(kwargs: dict[str, Any], op: str) -> None:
    if kwargs:
        raise TypeError(f"{op}() got an unexpected keyword argument '{next(iter(kwargs))}'")
