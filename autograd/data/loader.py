"""Datasets and the mini-batch loader: `Dataset`, `TensorDataset`, `DataLoader`."""

from __future__ import annotations

import abc
import numbers
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
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
    """Iterates over a dataset in mini-batches, with PyTorch's arguments in PyTorch's order.

    The samples of an epoch are `sampler`'s indices when given (any iterable of indices with a length), else
    0..len-1, shuffled anew each epoch when `shuffle` (from `generator` or `seed` when given, else from the library's
    generator); they are cut into batches of `batch_size` (the last one dropped with `drop_last`). A `batch_sampler`
    gives the indices of each batch itself, and excludes batch_size, shuffle, sampler and drop_last, as in PyTorch;
    `batch_size=None` yields the samples one by one, unbatched. `collate_fn` turns the list of samples of a batch into
    the batch (`collate`, PyTorch's `default_collate`, by default); a `TensorDataset` without a `collate_fn` gives
    each batch in one indexing, as the list `[X, y]` that collation would make.

    Loading always happens in this process: `num_workers` (checked as PyTorch checks it), `timeout`,
    `worker_init_fn`, `multiprocessing_context`, `prefetch_factor`, `persistent_workers` and `in_order` start no
    worker processes (`worker_init_fn` is never called, as in PyTorch with `num_workers=0`), and `pin_memory` and
    `pin_memory_device` do nothing (the only device is the CPU).
    """

    def __init__(
        self,
        dataset: Dataset,
        batch_size: int | None = 1,
        shuffle: bool | None = None,
        sampler: Iterable[int] | None = None,
        batch_sampler: Iterable[Sequence[int]] | None = None,
        num_workers: int = 0,
        collate_fn: Callable[[list[Any]], Any] | None = None,
        pin_memory: bool = False,
        drop_last: bool = False,
        timeout: float = 0,
        worker_init_fn: Callable[[int], Any] | None = None,
        multiprocessing_context: Any = None,
        generator: Any = None,
        *,
        prefetch_factor: int | None = None,
        persistent_workers: bool = False,
        pin_memory_device: str = "",
        in_order: bool = True,
        seed: int | None = None,
    ) -> None:
        _check_workers(num_workers, timeout, prefetch_factor, persistent_workers)
        if multiprocessing_context is not None and num_workers == 0:
            raise ValueError(
                "multiprocessing_context can only be used with multi-process loading (num_workers > 0), but got "
                f"num_workers={num_workers}"
            )
        _check_samplers(batch_size, shuffle, sampler, batch_sampler, drop_last)
        if collate_fn is not None and not callable(collate_fn):
            raise TypeError(f"DataLoader collate_fn must be callable, got {type(collate_fn).__name__}")
        if generator is not None and seed is not None:
            raise ValueError("DataLoader takes a generator or a seed, not both")
        self.dataset = dataset
        self.batch_size = None if batch_size is None else _check_batch_size(batch_size)
        self.shuffle = bool(shuffle)
        self.sampler, self.batch_sampler = sampler, batch_sampler
        self.drop_last = bool(drop_last)
        self.num_workers = int(num_workers)
        self.collate_fn = collate_fn
        self.pin_memory, self.pin_memory_device = bool(pin_memory), pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.prefetch_factor = prefetch_factor
        self.persistent_workers = bool(persistent_workers)
        self.in_order = bool(in_order)
        self.generator = generator
        self.seed = seed
        self._rng = _random.source(generator) if generator is not None else None
        if seed is not None:
            self._rng = np.random.default_rng(seed)

    def __len__(self) -> int:
        """The number of batches per epoch (of samples, with batch_size=None)."""
        if self.batch_sampler is not None:
            return len(self.batch_sampler)
        n = len(self.dataset) if self.sampler is None else len(self.sampler)
        if self.batch_size is None:
            return n
        if self.drop_last:
            return n // self.batch_size
        return -(-n // self.batch_size)

    def __iter__(self) -> Iterator[Any]:
        """One epoch of batches; the order is drawn now, from the sampler, the loader's or the library's generator."""
        if self.batch_sampler is not None:
            return (self._fetch(np.asarray(list(indices), dtype=np.int64)) for indices in self.batch_sampler)
        order = self._order()
        if self.batch_size is None:
            return (self._unbatched(int(i)) for i in order)
        return self._batches(order)

    def _order(self) -> np.ndarray:
        """The sample indices of one epoch, shape (number of samples,)."""
        if self.sampler is not None:
            return np.asarray(list(self.sampler), dtype=np.int64).reshape(-1)
        n = len(self.dataset)
        if not self.shuffle:
            return np.arange(n)
        rng = self._rng if self._rng is not None else _random.generator()
        return rng.permutation(n)

    def _batches(self, order: np.ndarray) -> Iterator[Any]:
        """Yield the batch for each consecutive run of `batch_size` indices in `order`."""
        size = self.batch_size
        stop = len(order) - len(order) % size if self.drop_last else len(order)
        for start in range(0, stop, size):
            yield self._fetch(order[start : start + size])

    def _fetch(self, indices: np.ndarray) -> Any:
        """The batch made of the samples at `indices`, shape (B, ...) per field."""
        if self.collate_fn is None and isinstance(self.dataset, TensorDataset):
            return list(self.dataset[indices])
        return (self.collate_fn or collate)([self.dataset[int(i)] for i in indices])

    def _unbatched(self, index: int) -> Any:
        """The sample at `index` as it is (through `collate_fn` when given), as PyTorch without auto-batching."""
        sample = self.dataset[index]
        return _convert(sample) if self.collate_fn is None else self.collate_fn(sample)


def _convert(sample: Any) -> Any:
    """An unbatched sample as PyTorch's `default_convert` gives it: numpy arrays as tensors, tuples as lists (named
    tuples kept), through dicts and lists."""
    if isinstance(sample, np.ndarray) and sample.dtype.kind in "biuf":
        return Tensor(sample)
    if isinstance(sample, Mapping):
        return {key: _convert(value) for key, value in sample.items()}
    if isinstance(sample, tuple) and hasattr(sample, "_fields"):
        return type(sample)(*(_convert(field) for field in sample))
    if isinstance(sample, (tuple, list)):
        return [_convert(field) for field in sample]
    return sample


def _check_samplers(batch_size: Any, shuffle: Any, sampler: Any, batch_sampler: Any, drop_last: bool) -> None:
    """PyTorch's exclusions between the ways of choosing samples and batches."""
    if sampler is not None and shuffle:
        raise ValueError("sampler option is mutually exclusive with shuffle")
    if batch_sampler is not None and (batch_size != 1 or shuffle or sampler is not None or drop_last):
        raise ValueError("batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and drop_last")
    if batch_size is None and drop_last:
        raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive with drop_last")
