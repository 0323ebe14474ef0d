"""Image transforms with torchvision's names: `Compose`, `ToTensor`, `Resize`, `Normalize`.

As in torchvision, a data set hands each transform an image: here a numpy array of shape (H, W) or (H, W, C)
(uint8 for 8-bit pictures), playing the part of a PIL image; `ToTensor` turns it into a float32 Tensor
(C, H, W) in [0, 1], after which `Resize` and `Normalize` work on the last two dimensions and on the channel
dimension of Tensors (..., C, H, W). Transforms on floating Tensors are differentiable.

Each transform also has `batch(images)`, the same transform applied to samples stacked along a new first
dimension (N images (N, H, W[, C]) or Tensors (N, C, H, W)) in one go, which data sets use to transform whole
mini-batches instead of one sample at a time.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from autograd.tensor import Tensor

__all__ = ["Compose", "Normalize", "Resize", "ToTensor", "transform_batch"]


def transform_batch(transform: Callable[[Any], Any], samples: Any) -> Any:
    """`transform` applied to each sample stacked along the first dimension of `samples` (an array or Tensor):
    in one call when the transform has a `batch` method, else sample by sample, the results stacked."""
    batch = getattr(transform, "batch", None)
    if callable(batch):
        return batch(samples)
    from autograd.data.loader import collate

    return collate([transform(samples[i]) for i in range(len(samples))])


class Compose:
    """Apply `transforms` one after the other, as torchvision's `Compose`."""

    def __init__(self, transforms: Sequence[Callable[[Any], Any]]) -> None:
        transforms = list(transforms)
        for t in transforms:
            if not callable(t):
                raise TypeError(f"Compose expects callables, got {type(t).__name__} {t!r}")
        self.transforms = transforms

    def __call__(self, image: Any) -> Any:
        for t in self.transforms:
            image = t(image)
        return image

    def batch(self, images: Any) -> Any:
        """The composition applied to a stack of samples, each transform batched where it can be."""
        for t in self.transforms:
            images = transform_batch(t, images)
        return images

    def __repr__(self) -> str:
        inner = "".join(f"\n    {t!r}" for t in self.transforms)
        return f"{type(self).__name__}({inner}\n)"


def _image_array(image: Any, name: str, batched: bool) -> np.ndarray:
    """`image` as an (N,) H, W[, C] numpy array, or a TypeError/ValueError naming the transform `name`."""
    if not isinstance(image, np.ndarray):
        raise TypeError(f"{name}: expected an image as a numpy array (H, W) or (H, W, C), got {type(image).__name__}")
    low = 3 if batched else 2
    if image.ndim not in (low, low + 1):
        want = "(N, H, W) or (N, H, W, C)" if batched else "(H, W) or (H, W, C)"
        raise ValueError(f"{name}: expected an image array of shape {want}, got shape {image.shape}")
    return image


class ToTensor:
    """A numpy image (H, W) or (H, W, C) to a Tensor (C, H, W), as torchvision's `ToTensor`: uint8 values are
    scaled to float32 in [0, 1], other dtypes keep their values and dtype."""

    def __call__(self, image: Any) -> Tensor:
        return self._convert(_image_array(image, "ToTensor", batched=False), channel_axis=0)

    def batch(self, images: Any) -> Tensor:
        """Images (N, H, W) or (N, H, W, C) to a Tensor (N, C, H, W)."""
        return self._convert(_image_array(images, "ToTensor", batched=True), channel_axis=1)

    @staticmethod
    def _convert(array: np.ndarray, channel_axis: int) -> Tensor:
        if array.ndim == channel_axis + 2:
            array = np.expand_dims(array, channel_axis)
        else:
            array = np.moveaxis(array, -1, channel_axis)
        if array.dtype == np.uint8:
            out = array.astype(np.float32)
            out /= 255.0
        else:
            out = np.ascontiguousarray(array)
        return Tensor(out)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def _check_size(size: Any) -> tuple[int, ...]:
    """`size` (an int or a sequence of one or two ints) as a tuple of positive ints, else a clear error."""

    def is_int(v: Any) -> bool:
        return isinstance(v, numbers.Integral) and not isinstance(v, bool)

    if is_int(size):
        values: tuple = (size,)
    elif isinstance(size, Sequence) and not isinstance(size, str):
        values = tuple(size)
        if len(values) not in (1, 2):
            raise ValueError(f"Resize: size must be an int or a sequence of 1 or 2 ints, got {size!r}")
        if not all(is_int(v) for v in values):
            kinds = ", ".join(type(v).__name__ for v in values)
            raise TypeError(f"Resize: size must hold ints, got {size!r} ({kinds})")
    else:
        raise TypeError(f"Resize: size must be an int or a sequence of 1 or 2 ints, got {type(size).__name__} {size!r}")
    if any(v <= 0 for v in values):
        raise ValueError(f"Resize: size must be positive, got {size!r}")
    return tuple(int(v) for v in values)


def _output_size(size: tuple[int, ...], height: int, width: int) -> tuple[int, int]:
    """The (height, width) that `size` asks for; one value sets the shorter edge, keeping the aspect ratio."""
    if len(size) == 2:
        return size
    (short,) = size
    if height <= width:
        return short, int(short * width / height)
    return int(short * height / width), short


def _bilinear_weights(n_in: int, n_out: int, dtype: np.dtype) -> np.ndarray:
    """The (n_out, n_in) matrix of bilinear interpolation with half-pixel centres (align_corners=False), as
    PyTorch computes it: source index (i + 0.5) * n_in / n_out - 0.5, clamped at 0."""
    source = np.maximum((np.arange(n_out) + 0.5) * (n_in / n_out) - 0.5, 0.0)
    low = np.minimum(source.astype(np.int64), n_in - 1)
    high = np.minimum(low + 1, n_in - 1)
    frac = source - low
    weights = np.zeros((n_out, n_in), dtype=np.float64)
    rows = np.arange(n_out)
    np.add.at(weights, (rows, low), 1.0 - frac)
    np.add.at(weights, (rows, high), frac)
    return weights.astype(dtype)


class Resize:
    """Resize images to `size` by bilinear interpolation, as torchvision's `Resize` on tensors with
    `antialias=False` (PyTorch's `interpolate(mode='bilinear', align_corners=False)`).

    `size` is (height, width), or an int for the shorter edge (the longer one keeps the aspect ratio).
    Tensors resize over their last two dimensions (..., H, W); numpy images (H, W[, C]) over their first two,
    integer images rounded back to their dtype.
    """

    def __init__(self, size: int | Sequence[int]) -> None:
        self.size = _check_size(size)

    def __call__(self, image: Any) -> Any:
        return self._resize(image, batched=False)

    def batch(self, images: Any) -> Any:
        """Tensors (N, ..., H, W) or images (N, H, W[, C]), each resized."""
        return self._resize(images, batched=True)

    def _resize(self, image: Any, batched: bool) -> Any:
        if isinstance(image, Tensor):
            if image.ndim < 2:
                raise ValueError(f"Resize: expected a tensor (..., H, W), got shape {tuple(image.shape)}")
            if image.is_floating_point():
                rows, cols = self._matrices(image.shape[-2], image.shape[-1], image.dtype)
                return Tensor(rows) @ image @ Tensor(np.ascontiguousarray(cols.T))
            return Tensor(self._resize_array(image._data, -2))
        array = _image_array(image, "Resize", batched)
        return self._resize_array(array, 1 if batched else 0)

    def _resize_array(self, array: np.ndarray, axis: int) -> np.ndarray:
        """`array` resized along axes `axis` and `axis + 1`, in its own dtype."""
        moved = np.moveaxis(array, (axis, axis + 1), (-2, -1))
        floating = np.issubdtype(array.dtype, np.floating)
        values = moved if floating else moved.astype(np.float64)  # exact enough that rounding ties agree
        rows, cols = self._matrices(values.shape[-2], values.shape[-1], values.dtype)
        out = rows @ values @ cols.T
        if not floating:
            out = np.round(out).astype(array.dtype)
        return np.ascontiguousarray(np.moveaxis(out, (-2, -1), (axis, axis + 1)))

    def _matrices(self, height: int, width: int, dtype: Any) -> tuple[np.ndarray, np.ndarray]:
        out_h, out_w = _output_size(self.size, height, width)
        return _bilinear_weights(height, out_h, dtype), _bilinear_weights(width, out_w, dtype)

    def __repr__(self) -> str:
        size = self.size[0] if len(self.size) == 1 else list(self.size)
        return f"{type(self).__name__}(size={size}, interpolation=bilinear, antialias=False)"


def _check_stats(values: Any, name: str) -> np.ndarray:
    """A mean or std argument (a number or a sequence of numbers) as a 1-D float64 array."""
    array = np.asarray(values._data if isinstance(values, Tensor) else values)
    if array.dtype.kind not in "biuf" or array.dtype == bool:
        raise TypeError(f"Normalize: {name} must be numbers, got {values!r}")
    if array.ndim > 1 or array.size == 0:
        raise ValueError(f"Normalize: {name} must be a number or a non-empty sequence of numbers, got {values!r}")
    return array.astype(np.float64).reshape(-1)


class Normalize:
    """`(x - mean[c]) / std[c]` for each channel c of a float Tensor (..., C, H, W), as torchvision's
    `Normalize`; one mean or std value applies to every channel."""

    def __init__(self, mean: float | Sequence[float], std: float | Sequence[float]) -> None:
        self.mean = _check_stats(mean, "mean")
        self.std = _check_stats(std, "std")
        if len(self.mean) != len(self.std) and 1 not in (len(self.mean), len(self.std)):
            raise ValueError(
                f"Normalize: mean has {len(self.mean)} values and std {len(self.std)}; expected one value per "
                "channel for both (or a single value)"
            )
        if np.any(self.std == 0):
            raise ValueError(f"Normalize: std must not be zero, got {self.std.tolist()}")

    def __call__(self, tensor: Any) -> Tensor:
        if not isinstance(tensor, Tensor):
            raise TypeError(f"Normalize: expected a Tensor (..., C, H, W), got {type(tensor).__name__}")
        if not tensor.is_floating_point():
            raise TypeError(f"Normalize: expected a floating-point tensor, got dtype {tensor.dtype}")
        if tensor.ndim < 3:
            raise ValueError(f"Normalize: expected a tensor image (..., C, H, W), got shape {tuple(tensor.shape)}")
        channels = tensor.shape[-3]
        for name, values in (("mean", self.mean), ("std", self.std)):
            if len(values) not in (1, channels):
                raise RuntimeError(
                    f"Normalize: {name} has {len(values)} values but the image of shape {tuple(tensor.shape)} "
                    f"has {channels} channels"
                )
        dtype = tensor._data.dtype
        mean = Tensor(self.mean.astype(dtype).reshape(-1, 1, 1))
        std = Tensor(self.std.astype(dtype).reshape(-1, 1, 1))
        return (tensor - mean) / std

    def batch(self, tensors: Any) -> Tensor:
        """Tensors (N, C, H, W), each normalised."""
        return self(tensors)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(mean={self.mean.tolist()}, std={self.std.tolist()})"
