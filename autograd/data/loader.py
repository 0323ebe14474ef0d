"""Datasets and the mini-batch loader: `Dataset`, `TensorDataset`, `DataLoader`."""

from __future__ import annotations

import abc
import numbers
from collections.abc import Callable, Iterator, Mapping, Sequence
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
    """Stack a list of samples into one batch as PyTorch's `default_collate` does: tensors and arrays become a
    Tensor of shape (B, ...), Python floats a float64 tensor, ints int64, bools bool; strings stay a list; a batch
    of `(x, y)` samples (tuples or lists) is the list `[X, Y]`, of named tuples a named tuple, of dicts a dict."""
    first = samples[0]
    if isinstance(first, (str, bytes)):
        return list(samples)
    if isinstance(first, Mapping):
        return {key: collate([sample[key] for sample in samples]) for key in first}
    if isinstance(first, (tuple, list)):
        if any(len(sample) != len(first) for sample in samples):
            lengths = sorted({len(sample) for sample in samples})
            raise ValueError(f"collate needs samples with the same number of fields, got lengths {lengths}")
        fields = [collate(list(field)) for field in zip(*samples, strict=True)]
        return type(first)(*fields) if hasattr(first, "_fields") else fields
    if not isinstance(first, (Tensor, np.ndarray, np.generic, numbers.Number)):
        raise TypeError(
            f"collate: a batch must hold tensors, numpy arrays, numbers, dicts or lists; found {type(first).__name__}"
        )
    arrays = [np.asarray(data_of(sample)) for sample in samples]
    try:
        return Tensor(np.stack(arrays))
    except ValueError as error:
        shapes = sorted({array.shape for array in arrays})
        raise ValueError(f"collate cannot stack samples of different shapes {shapes}") from error


default_collate = collate  # PyTorch's name


def _check_workers(num_workers: Any, timeout: float, prefetch_factor: Any, persistent_workers: bool) -> None:
    """PyTorch's checks of the multiprocessing options, which this loader accepts but does not need."""
    if isinstance(num_workers, bool) or not isinstance(num_workers, numbers.Integral):
        raise TypeError(f"DataLoader num_workers must be an int, got {type(num_workers).__name__}")
    if num_workers < 0:
        raise ValueError(
            f"DataLoader num_workers option should be non-negative (got {num_workers}); use num_workers=0 to "
            "disable multiprocessing"
        )
    if timeout < 0:
        raise ValueError(f"DataLoader timeout option should be non-negative, got {timeout}")
    if num_workers == 0 and prefetch_factor is not None:
        raise ValueError(
            "DataLoader prefetch_factor option could only be specified in multiprocessing: let num_workers > 0 "
            "to enable multiprocessing, otherwise set prefetch_factor to None"
        )
    if persistent_workers and num_workers == 0:
        raise ValueError("DataLoader persistent_workers option needs num_workers > 0")


class DataLoader:
    """Iterates over a dataset in mini-batches, optionally shuffled anew each epoch (from `generator` or `seed`
    when given, else from the library's generator).

    PyTorch's arguments are accepted so that the book's code runs unchanged, but loading always happens in this
    process: `num_workers` (checked as PyTorch checks it), `timeout`, `worker_init_fn`, `prefetch_factor` and
    `persistent_workers` start no worker processes (`worker_init_fn` is never called, as in PyTorch with
    `num_workers=0`), and `pin_memory` does nothing (the only device is the CPU). `collate_fn` turns the list of
    samples of a batch into the batch (`collate`, PyTorch's `default_collate`, by default); a `TensorDataset`
    without a `collate_fn` gives each batch in one indexing, as the list `[X, y]` that collation would make.
    """

    def __init__(
        self,
        dataset: Dataset,
        batch_size: int = 1,
        shuffle: bool = False,
        *,
        num_workers: int = 0,
        collate_fn: Callable[[list[Any]], Any] | None = None,
        pin_memory: bool = False,
        drop_last: bool = False,
        timeout: float = 0,
        worker_init_fn: Callable[[int], Any] | None = None,
        generator: Any = None,
        prefetch_factor: int | None = None,
        persistent_workers: bool = False,
        seed: int | None = None,
    ) -> None:
        _check_workers(num_workers, timeout, prefetch_factor, persistent_workers)
        if collate_fn is not None and not callable(collate_fn):
            raise TypeError(f"DataLoader collate_fn must be callable, got {type(collate_fn).__name__}")
        if generator is not None and seed is not None:
            raise ValueError("DataLoader takes a generator or a seed, not both")
        self.dataset = dataset
        self.batch_size = _check_batch_size(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.num_workers = int(num_workers)
        self.collate_fn = collate_fn
        self.pin_memory = bool(pin_memory)
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.prefetch_factor = prefetch_factor
        self.persistent_workers = bool(persistent_workers)
        self.generator = generator
        self.seed = seed
        self._rng = _random.source(generator) if generator is not None else None
        if seed is not None:
            self._rng = np.random.default_rng(seed)

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
        if self.collate_fn is None and isinstance(self.dataset, TensorDataset):
            return list(self.dataset[indices])
        return (self.collate_fn or collate)([self.dataset[int(i)] for i in indices])
