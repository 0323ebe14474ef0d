"""Datasets and the mini-batch loader: `Dataset`, `TensorDataset`, `DataLoader`."""

from __future__ import annotations

import abc
import numbers
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from autograd import random as _random
from autograd.tensor import Tensor, data_of


class Dataset(abc.ABC):
    """A sized collection of samples indexed by integers 0..len-1."""

    @abc.abstractmethod
    def __getitem__(self, index: int) -> Any:
        """The sample at `index`."""

    @abc.abstractmethod
    def __len__(self) -> int:
        """The number of samples."""


class TensorDataset(Dataset):
    """Samples are the rows of equally long arrays: item i is (a[i] for a in arrays), as Tensors."""

    def __init__(self, *tensors: Any) -> None:
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor or array")
        arrays = tuple(np.asarray(data_of(t)) for t in tensors)
        for array in arrays:
            if array.ndim == 0:
                raise ValueError(f"TensorDataset needs arrays with a first dimension, got a scalar {array!r}")
        if len({array.shape[0] for array in arrays}) != 1:
            shapes = ", ".join(str(array.shape) for array in arrays)
            raise ValueError(f"TensorDataset needs equal first dimensions, got shapes {shapes}")
        self.arrays = arrays

    def __getitem__(self, index: Any) -> tuple:
        """Tensors a[index] for each array; `index` may be an int, a slice or an index array."""
        return tuple(Tensor(np.asarray(array[index])) for array in self.arrays)

    def __len__(self) -> int:
        return self.arrays[0].shape[0]


def _check_batch_size(batch_size: Any) -> int:
    """`batch_size` as an int, or a TypeError/ValueError saying why it is not a positive int."""
    if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral):
        kind = type(batch_size).__name__
        raise TypeError(f"DataLoader batch_size must be a positive int, got {kind} {batch_size!r}")
    if batch_size <= 0:
        raise ValueError(f"DataLoader batch_size must be a positive int, got {batch_size}")
    return int(batch_size)


def collate(samples: Sequence[Any]) -> Any:
    """Stack a list of samples into one batch: Tensors/arrays/numbers become a Tensor of shape (B, ...)."""
    first = samples[0]
    if isinstance(first, (str, bytes)):
        return list(samples)
    if isinstance(first, Mapping):
        return {key: collate([sample[key] for sample in samples]) for key in first}
    if isinstance(first, (tuple, list)):
        if any(len(sample) != len(first) for sample in samples):
            lengths = sorted({len(sample) for sample in samples})
            raise ValueError(f"collate needs samples with the same number of fields, got lengths {lengths}")
        return tuple(collate(list(field)) for field in zip(*samples, strict=True))
    arrays = [np.asarray(data_of(sample)) for sample in samples]
    try:
        return Tensor(np.stack(arrays))
    except ValueError as error:
        shapes = sorted({array.shape for array in arrays})
        raise ValueError(f"collate cannot stack samples of different shapes {shapes}") from error


class DataLoader:
    """Iterates over a dataset in mini-batches, optionally shuffled anew each epoch."""

    def __init__(
        self,
        dataset: Dataset,
        batch_size: int = 1,
        shuffle: bool = False,
        drop_last: bool = False,
        seed: int | None = None,
    ) -> None:
        self.dataset = dataset
        self.batch_size = _check_batch_size(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.seed = seed
        self._rng = None if seed is None else np.random.default_rng(seed)

    def __len__(self) -> int:
        """The number of batches per epoch."""
        n = len(self.dataset)
        if self.drop_last:
            return n // self.batch_size
        return -(-n // self.batch_size)

    def __iter__(self) -> Iterator[Any]:
        """One epoch of batches; the order is drawn now, from the loader's or the library's generator."""
        return self._batches(self._order())

    def _order(self) -> np.ndarray:
        """The sample indices of one epoch, shape (len(dataset),)."""
        n = len(self.dataset)
        if not self.shuffle:
            return np.arange(n)
        rng = self._rng if self._rng is not None else _random.generator()
        return rng.permutation(n)

    def _batches(self, order: np.ndarray) -> Iterator[Any]:
        """Yield the batch for each consecutive run of `batch_size` indices in `order`."""
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            yield self._fetch(order[start : start + self.batch_size])

    def _fetch(self, indices: np.ndarray) -> Any:
        """The batch made of the samples at `indices`, shape (B, ...) per field."""
        if isinstance(self.dataset, TensorDataset):
            return self.dataset[indices]
        return collate([self.dataset[int(i)] for i in indices])
