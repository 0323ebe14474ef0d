"""Tests of autograd.data: loaders, Fashion-MNIST reading and downloading, generated data sets."""

from __future__ import annotations

import gzip
import hashlib
import http.server
import os
import re
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import random as ag_random
from autograd.data import (
    FASHION_MNIST_CLASSES,
    DataLoader,
    Dataset,
    DownloadError,
    FashionMNIST,
    TensorDataset,
    download_fashion_mnist,
    load_data_fashion_mnist,
    load_fashion_mnist,
    logic_gate,
    make_regression_line,
    make_spiral,
    make_xor,
    read_idx,
    text_labels,
)
from autograd.data.download import download_file
from autograd.data.transforms import Compose, Normalize, Resize, ToTensor
from autograd.tensor import Tensor

SHARED_FASHION_MNIST = Path(__file__).resolve().parents[2] / "shared" / "data" / "fashion-mnist"
FILES = {
    "train-images-idx3-ubyte.gz": "images",
    "train-labels-idx1-ubyte.gz": "labels",
    "t10k-images-idx3-ubyte.gz": "images",
    "t10k-labels-idx1-ubyte.gz": "labels",
}


def idx_bytes(array: np.ndarray, magic: int) -> bytes:
    """Uncompressed IDX bytes of a uint8 array: big-endian magic, dimensions, then the data."""
    header = np.array([magic, *array.shape], dtype=">u4").tobytes()
    return header + np.ascontiguousarray(array, dtype=np.uint8).tobytes()


def fake_fashion_files(n_train: int = 12, n_test: int = 5) -> dict[str, bytes]:
    """Gzipped IDX files shaped like Fashion-MNIST, with few samples."""
    rng = np.random.default_rng(0)
    contents = {}
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        images[0, 0, 0] = 255
        labels = np.arange(n, dtype=np.uint8) % 10
        contents[f"{prefix}-images-idx3-ubyte.gz"] = gzip.compress(idx_bytes(images, 2051))
        contents[f"{prefix}-labels-idx1-ubyte.gz"] = gzip.compress(idx_bytes(labels, 2049))
    return contents


def write_files(root: Path, contents: dict[str, bytes]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, data in contents.items():
        (root / name).write_bytes(data)
    return root


def md5s(contents: dict[str, bytes]) -> dict[str, str]:
    return {name: hashlib.md5(data).hexdigest() for name, data in contents.items()}


class RangeDataset(Dataset):
    """Sample i is (i as a 2-vector of floats, label i % 3)."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __getitem__(self, index: int):
        return np.array([index, -index], dtype=np.float32), index % 3

    def __len__(self) -> int:
        return self.n


# ---------------------------------------------------------------- datasets and loader


def test_dataset_is_abstract():
    with pytest.raises(TypeError):
        Dataset()


def test_tensor_dataset_rejects_unequal_first_dimensions():
    with pytest.raises(ValueError, match=r"\(3, 2\).*\(4,\)"):
        TensorDataset(np.zeros((3, 2)), np.zeros(4))


def test_tensor_dataset_rejects_scalars_and_nothing():
    with pytest.raises(ValueError, match="at least one"):
        TensorDataset()
    with pytest.raises(ValueError, match="scalar"):
        TensorDataset(np.float32(1.0))


def test_tensor_dataset_wraps_tensors_and_arrays_without_copy():
    X = np.arange(12, dtype=np.float32).reshape(6, 2)
    y = np.arange(6, dtype=np.int64)
    dataset = TensorDataset(Tensor(X), y)
    assert dataset.arrays[0] is X and dataset.arrays[1] is y
    assert len(dataset) == 6
    x1, y1 = dataset[1]
    assert isinstance(x1, Tensor) and isinstance(y1, Tensor)
    np.testing.assert_array_equal(x1._data, [2.0, 3.0])
    assert y1._data.shape == () and y1._data == 1 and y1._data.dtype == np.int64


@pytest.mark.parametrize(
    ("n", "batch_size", "drop_last", "expected"),
    [
        (10, 3, False, 4),
        (10, 3, True, 3),
        (9, 3, False, 3),
        (9, 3, True, 3),
        (2, 5, False, 1),
        (2, 5, True, 0),
        (0, 4, False, 0),
    ],
)
def test_loader_length_matches_pytorch(n, batch_size, drop_last, expected):
    loader = DataLoader(RangeDataset(n), batch_size=batch_size, drop_last=drop_last)
    assert len(loader) == expected


@pytest.mark.parametrize("bad", [0, -2])
def test_loader_rejects_non_positive_batch_size(bad):
    with pytest.raises(ValueError, match=f"batch_size must be a positive int, got {bad}"):
        DataLoader(RangeDataset(3), batch_size=bad)


@pytest.mark.parametrize("bad", [1.5, "2", True])  # None is PyTorch's unbatched loading
def test_loader_rejects_non_int_batch_size(bad):
    with pytest.raises(TypeError, match="batch_size must be a positive int"):
        DataLoader(RangeDataset(3), batch_size=bad)


def test_loader_accepts_numpy_int_batch_size():
    assert DataLoader(RangeDataset(5), batch_size=np.int64(2)).batch_size == 2


def test_loader_without_shuffle_keeps_order_and_short_last_batch():
    X = np.arange(20, dtype=np.float32).reshape(10, 2)
    y = np.arange(10, dtype=np.int64)
    batches = list(DataLoader(TensorDataset(X, y), batch_size=4))
    assert [b[0]._data.shape for b in batches] == [(4, 2), (4, 2), (2, 2)]
    np.testing.assert_array_equal(np.concatenate([b[1]._data for b in batches]), y)
    assert all(b[1]._data.dtype == np.int64 and b[0]._data.dtype == np.float32 for b in batches)


def test_loader_drop_last_drops_the_short_batch():
    batches = list(DataLoader(TensorDataset(np.arange(10)), batch_size=4, drop_last=True))
    assert [len(b[0]._data) for b in batches] == [4, 4]


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(0, 60),
    batch_size=st.integers(1, 70),
    shuffle=st.booleans(),
    drop_last=st.booleans(),
    seed=st.none() | st.integers(0, 2**32 - 1),
)
def test_loader_yields_every_index_once_per_epoch(n, batch_size, shuffle, drop_last, seed):
    dataset = TensorDataset(np.arange(n))
    loader = DataLoader(dataset, batch_size, shuffle=shuffle, drop_last=drop_last, seed=seed)
    for _ in range(2):
        sizes = [len(batch[0]._data) for batch in loader]
        seen = np.concatenate([batch[0]._data for batch in loader] or [np.array([], dtype=int)])
        assert len(sizes) == len(loader)
        assert all(size == batch_size for size in sizes[:-1])
        if drop_last:
            assert len(seen) == n - n % batch_size
            assert len(np.unique(seen)) == len(seen)
        else:
            assert sorted(seen.tolist()) == list(range(n))


def epoch_order(loader: DataLoader) -> list[int]:
    return [int(i) for batch in loader for i in batch[0]._data]


def test_loader_seed_reshuffles_each_epoch_deterministically():
    dataset = TensorDataset(np.arange(50))
    first, second = DataLoader(dataset, 8, shuffle=True, seed=3), DataLoader(dataset, 8, shuffle=True, seed=3)
    epochs = [epoch_order(first) for _ in range(3)]
    assert epochs == [epoch_order(second) for _ in range(3)]
    assert epochs[0] != epochs[1] != epochs[2]
    assert epochs[0] != list(range(50))


def test_loader_without_seed_draws_from_library_generator():
    dataset = TensorDataset(np.arange(50))
    ag_random.manual_seed(11)
    first = epoch_order(DataLoader(dataset, 7, shuffle=True))
    ag_random.manual_seed(11)
    assert epoch_order(DataLoader(dataset, 7, shuffle=True)) == first
    assert first != list(range(50))


def test_loader_fetches_tensor_dataset_batches_in_one_indexing():
    class CountingDataset(TensorDataset):
        calls = 0

        def __getitem__(self, index):
            CountingDataset.calls += 1
            return super().__getitem__(index)

    dataset = CountingDataset(np.zeros((100, 3)), np.zeros(100))
    loader = DataLoader(dataset, batch_size=10, shuffle=True, seed=0)
    assert len(list(loader)) == 10
    assert CountingDataset.calls == 10


def test_loader_collates_generic_dataset_by_stacking():
    x, y = next(iter(DataLoader(RangeDataset(5), batch_size=4)))
    assert isinstance(x, Tensor) and isinstance(y, Tensor)
    np.testing.assert_array_equal(x._data, [[0, 0], [1, -1], [2, -2], [3, -3]])
    assert x._data.dtype == np.float32
    np.testing.assert_array_equal(y._data, [0, 1, 2, 0])
    assert y._data.dtype == np.int64


def test_loader_collates_dicts_and_rejects_ragged_samples():
    class DictDataset(Dataset):
        def __getitem__(self, index):
            return {"x": np.ones(index + 1 if index > 1 else 2), "y": index}

        def __len__(self):
            return 4

    batch = next(iter(DataLoader(DictDataset(), batch_size=2)))
    assert batch["x"]._data.shape == (2, 2) and batch["y"]._data.tolist() == [0, 1]
    with pytest.raises(ValueError, match="different shapes"):
        list(DataLoader(DictDataset(), batch_size=4))


Point = __import__("collections").namedtuple("Point", ["x", "label"])
SAMPLES = {
    "pair": lambda i: (np.full(3, i, dtype=np.float32), i),
    "list": lambda i: [np.full((2, 2), i, dtype=np.float64), float(i) / 2, i % 2 == 0],
    "dict": lambda i: {"x": np.arange(2, dtype=np.int32) + i, "name": f"s{i}"},
    "namedtuple": lambda i: Point(np.float32(i), i),
    "number": lambda i: i * 1.5,
    "nested": lambda i: ({"a": (i, [i, i])},),
}


def _structure(batch):
    """A batch as plain Python: containers by type name, tensors as (dtype, values)."""
    if isinstance(batch, dict):
        return {key: _structure(value) for key, value in batch.items()}
    if isinstance(batch, (list, tuple)):
        return (type(batch).__name__, [_structure(value) for value in batch])
    if hasattr(batch, "numpy"):
        return (str(batch.dtype).split(".")[-1], batch.numpy().tolist())
    return batch


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_default_collation_gives_pytorchs_batches(kind):
    torch_data = pytest.importorskip("torch.utils.data")

    class Samples(Dataset):
        def __getitem__(self, index):
            return SAMPLES[kind](index)

        def __len__(self):
            return 5

    ours = [_structure(b) for b in DataLoader(Samples(), batch_size=2, num_workers=2, pin_memory=True)]
    theirs = [_structure(b) for b in torch_data.DataLoader(Samples(), batch_size=2)]
    assert ours == theirs


def test_a_tensor_dataset_batch_is_the_list_collation_makes():
    torch_data = pytest.importorskip("torch.utils.data")
    x, y = np.arange(12.0).reshape(6, 2), np.arange(6)
    ours = [_structure(b) for b in DataLoader(TensorDataset(x, y), batch_size=4)]
    import torch

    theirs = [_structure(b) for b in torch_data.DataLoader(torch_data.TensorDataset(*map(torch.tensor, (x, y))), 4)]
    assert ours == theirs


def test_collate_fn_gets_the_samples_of_each_batch_and_drop_last_applies():
    seen = []

    def collate_fn(samples):
        seen.append(len(samples))
        return sum(int(x) for x, _ in samples)

    loader = DataLoader(TensorDataset(np.arange(7), np.arange(7)), 3, collate_fn=collate_fn, drop_last=True)
    assert list(loader) == [0 + 1 + 2, 3 + 4 + 5] and seen == [3, 3]


def test_worker_options_are_checked_as_pytorch_checks_them_and_load_in_process():
    torch_data = pytest.importorskip("torch.utils.data")
    dataset = TensorDataset(np.arange(4))
    for options in ({"num_workers": -1}, {"prefetch_factor": 2}, {"persistent_workers": True}, {"timeout": -1}):
        with pytest.raises(ValueError):
            DataLoader(dataset, 2, **options)
        with pytest.raises(ValueError):
            torch_data.DataLoader(dataset, 2, **options)
    calls = []
    loader = DataLoader(
        dataset, 2, num_workers=4, prefetch_factor=2, persistent_workers=True, worker_init_fn=calls.append
    )
    assert [b[0].tolist() for b in loader] == [[0, 1], [2, 3]] and calls == []


def test_loader_parameters_follow_pytorchs_order_and_defaults():
    import inspect

    torch_data = pytest.importorskip("torch.utils.data")
    ours = list(inspect.signature(DataLoader).parameters.values())
    theirs = list(inspect.signature(torch_data.DataLoader).parameters.values())
    assert [(p.name, p.kind, p.default) for p in ours[: len(theirs)]] == [(p.name, p.kind, p.default) for p in theirs]
    assert [p.name for p in ours[len(theirs) :]] == ["seed"]  # the one keyword of this library's own


def test_sampler_batch_sampler_and_unbatched_loading_match_pytorch():
    torch_data = pytest.importorskip("torch.utils.data")
    import torch

    x, y = np.arange(20.0).reshape(10, 2), np.arange(10)
    ours_set, theirs_set = TensorDataset(x, y), torch_data.TensorDataset(torch.tensor(x), torch.tensor(y))
    cases = [
        ((3, None, [5, 1, 2, 7, 9]), {}),
        ((2, False, [5, 1, 2]), {"drop_last": True}),
        ((1,), {"batch_sampler": [[1, 2], [9], [0, 3, 4]]}),
        ((None,), {}),
        ((None, False, [4, 0]), {}),
        ((4, False, torch_data.SubsetRandomSampler([1, 3, 5], generator=torch.Generator().manual_seed(0))), {}),
    ]
    for args, options in cases:
        ours, theirs = DataLoader(ours_set, *args, **options), torch_data.DataLoader(theirs_set, *args, **options)
        assert len(ours) == len(theirs)
        batches = [_structure(b) for b in ours]
        if isinstance(args[-1], torch_data.Sampler):
            args[-1].generator.manual_seed(0)  # the same permutation for the second loader
        assert batches == [_structure(b) for b in theirs]


@pytest.mark.parametrize(
    "options",
    [
        {"shuffle": True, "sampler": [0, 1]},
        {"batch_sampler": [[0]], "batch_size": 2},
        {"batch_sampler": [[0]], "shuffle": True},
        {"batch_sampler": [[0]], "sampler": [0]},
        {"batch_sampler": [[0]], "drop_last": True},
        {"batch_size": None, "drop_last": True},
        {"multiprocessing_context": "spawn"},
    ],
)
def test_mutually_exclusive_options_raise_pytorchs_errors(options):
    torch_data = pytest.importorskip("torch.utils.data")
    with pytest.raises(ValueError) as theirs:
        torch_data.DataLoader(torch_data.TensorDataset(), **options)
    with pytest.raises(ValueError, match=re.escape(str(theirs.value).split(",")[0])):
        DataLoader(TensorDataset(np.arange(4)), **options)


def test_collate_refuses_what_it_cannot_batch():
    with pytest.raises(TypeError, match="found object"):
        DataLoader([object(), object()], 2).__iter__().__next__()


def test_a_generator_makes_the_shuffle_repeatable():
    from autograd import Generator

    dataset = TensorDataset(np.arange(20))
    first = epoch_order(DataLoader(dataset, 5, shuffle=True, generator=Generator().manual_seed(4)))
    assert first == epoch_order(DataLoader(dataset, 5, shuffle=True, generator=Generator().manual_seed(4)))
    assert sorted(first) == list(range(20)) and first != list(range(20))


# ---------------------------------------------------------------- Fashion-MNIST from files


def test_load_fashion_mnist_reads_images_and_labels(tmp_path):
    root = write_files(tmp_path, fake_fashion_files())
    images, labels = load_fashion_mnist(root, train=True)
    assert images.shape == (12, 1, 28, 28) and images.dtype == np.float32
    assert labels.shape == (12,) and labels.dtype == np.int64
    assert images.min() >= 0.0 and images.max() == 1.0
    np.testing.assert_array_equal(labels, np.arange(12) % 10)
    test_images, test_labels = load_fashion_mnist(str(root), train=False)
    assert test_images.shape == (5, 1, 28, 28) and test_labels.shape == (5,)


def test_fashion_mnist_dataset_batches(tmp_path):
    dataset = FashionMNIST(write_files(tmp_path, fake_fashion_files()), train=False)
    assert len(dataset) == 5 and dataset.images.shape == (5, 1, 28, 28) and dataset.labels.dtype == np.int64
    image, label = dataset[2]
    assert image._data.shape == (1, 28, 28) and int(label._data) == 2
    x, y = next(iter(DataLoader(dataset, batch_size=4)))
    assert x._data.shape == (4, 1, 28, 28) and y._data.tolist() == [0, 1, 2, 3]


def test_fashion_mnist_transform_gets_uint8_images_and_batches_match_samples(tmp_path):
    root = write_files(tmp_path, fake_fashion_files())
    plain = FashionMNIST(root, train=True)
    seen = []
    as_tensor = FashionMNIST(root, train=True, transform=lambda image: seen.append(image) or ToTensor()(image))
    image, label = as_tensor[3]
    assert seen[0].dtype == np.uint8 and seen[0].shape == (28, 28)
    np.testing.assert_array_equal(image.numpy(), plain[3][0].numpy())
    assert int(label.item()) == 3
    np.testing.assert_array_equal(as_tensor.images, plain.images)
    pipeline = Compose([Resize((32, 40)), ToTensor(), Normalize([0.5], [0.25])])
    resized = FashionMNIST(root, train=True, transform=pipeline)
    x, y = next(iter(DataLoader(resized, batch_size=5)))
    assert tuple(x.shape) == (5, 1, 32, 40) and x.dtype == np.float32 and y.numpy().tolist() == [0, 1, 2, 3, 4]
    for i in range(5):
        np.testing.assert_allclose(x.numpy()[i], resized[i][0].numpy(), rtol=1e-6, atol=1e-6)
    with pytest.raises(TypeError, match="FashionMNIST: transform must be callable, got int"):
        FashionMNIST(root, transform=3)


def test_load_data_fashion_mnist_resizes_like_d2l(tmp_path):
    root = write_files(tmp_path, fake_fashion_files())
    train_iter, test_iter = load_data_fashion_mnist(4, root=root)
    x, _ = next(iter(train_iter))
    assert tuple(x.shape) == (4, 1, 28, 28) and train_iter.shuffle and not test_iter.shuffle
    train_iter, test_iter = load_data_fashion_mnist(4, resize=64, root=root)
    x, y = next(iter(test_iter))
    assert tuple(x.shape) == (4, 1, 64, 64) and y.numpy().tolist() == [0, 1, 2, 3] and len(train_iter) == 3
    expected = Resize(64)(read_idx(root / "t10k-images-idx3-ubyte.gz", 2051)[0])
    np.testing.assert_array_equal(x.numpy()[0, 0], expected.astype(np.float32) / np.float32(255))
    with pytest.raises(FileNotFoundError, match="does not exist.*download=True"):
        load_data_fashion_mnist(4, root=tmp_path / "nowhere")


def test_missing_directory_says_what_to_do(tmp_path):
    missing = tmp_path / "nowhere"
    with pytest.raises(FileNotFoundError) as info:
        load_fashion_mnist(missing)
    message = str(info.value)
    assert str(missing) in message and "does not exist" in message
    assert "train-images-idx3-ubyte.gz" in message and "download=True" in message and "copy" in message


def test_missing_file_is_named(tmp_path):
    contents = fake_fashion_files()
    del contents["t10k-labels-idx1-ubyte.gz"]
    root = write_files(tmp_path, contents)
    load_fashion_mnist(root, train=True)
    with pytest.raises(FileNotFoundError, match=r"t10k-labels-idx1-ubyte\.gz is not in .*download=True"):
        FashionMNIST(root, train=False)


def corrupt_files(kind: str) -> dict[str, bytes]:
    contents = fake_fashion_files()
    name = "train-images-idx3-ubyte.gz"
    raw = gzip.decompress(contents[name])
    if kind == "bad magic":
        contents[name] = gzip.compress(idx_bytes(np.zeros((12, 28, 28)), 2049 + 1000))
    elif kind == "truncated data":
        contents[name] = gzip.compress(raw[:-100])
    elif kind == "short header":
        contents[name] = gzip.compress(raw[:6])
    elif kind == "not gzip":
        contents[name] = raw
    elif kind == "truncated gzip":
        contents[name] = contents[name][: len(contents[name]) // 2]
    elif kind == "wrong image shape":
        contents[name] = gzip.compress(idx_bytes(np.zeros((12, 28, 27)), 2051))
    elif kind == "count mismatch":
        contents[name] = gzip.compress(idx_bytes(np.zeros((11, 28, 28)), 2051))
    elif kind == "label out of range":
        contents["train-labels-idx1-ubyte.gz"] = gzip.compress(idx_bytes(np.full(12, 10), 2049))
    return contents


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("bad magic", "magic number 3049, expected 2051"),
        ("truncated data", "9308 data bytes, expected 9408"),
        ("short header", "fewer than its 16-byte header"),
        ("not gzip", "not a gzip file"),
        ("truncated gzip", "truncated or damaged gzip"),
        ("wrong image shape", r"shape \(28, 27\), expected \(28, 28\)"),
        ("count mismatch", "11 images but train-labels-idx1-ubyte.gz holds 12 labels"),
        ("label out of range", "label 10, expected labels 0..9"),
    ],
)
def test_corrupt_files_raise_value_error_naming_file(tmp_path, kind, message):
    root = write_files(tmp_path, corrupt_files(kind))
    with pytest.raises(ValueError, match=message) as info:
        load_fashion_mnist(root)
    assert "train-" in str(info.value)


def test_read_idx_rejects_non_ubyte_magic(tmp_path):
    path = write_files(tmp_path, fake_fashion_files()) / "t10k-labels-idx1-ubyte.gz"
    with pytest.raises(ValueError, match="unsigned-byte"):
        read_idx(path, 0x0D01)
    assert read_idx(path, 2049).tolist() == [0, 1, 2, 3, 4]


def test_text_labels_names_classes():
    assert text_labels([0, 9, 3]) == ["t-shirt", "ankle boot", "dress"]
    assert text_labels(np.arange(10)) == list(FASHION_MNIST_CLASSES)
    assert text_labels(7) == ["sneaker"]
    assert text_labels(iter([1, 8])) == ["trouser", "bag"]
    assert text_labels([]) == []


def test_text_labels_accepts_tensors_and_rejects_bad_labels():
    assert text_labels(Tensor(np.array([[5, 6]]))) == ["sandal", "shirt"]
    for bad in ([10], [-1], [1.5]):
        with pytest.raises(ValueError, match="labels in 0..9"):
            text_labels(bad)


@pytest.mark.skipif(
    not SHARED_FASHION_MNIST.is_dir(),
    reason=f"the real Fashion-MNIST files are not in {SHARED_FASHION_MNIST}",
)
def test_real_fashion_mnist():
    images, labels = load_fashion_mnist(SHARED_FASHION_MNIST, train=False)
    assert images.shape == (10000, 1, 28, 28) and images.dtype == np.float32
    assert 0.0 <= images.min() and images.max() <= 1.0
    assert labels.dtype == np.int64 and set(np.unique(labels)) == set(range(10))
    train_labels = read_idx(SHARED_FASHION_MNIST / "train-labels-idx1-ubyte.gz", 2049)
    assert np.bincount(train_labels).tolist() == [6000] * 10


# ---------------------------------------------------------------- downloading from a local server


class Mirror:
    """An HTTP server on 127.0.0.1 serving `files`; names in `cut` are sent half, then dropped."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = dict(files)
        self.cut: set[str] = set()
        self.requests: list[str] = []
        mirror = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                name = self.path.lstrip("/")
                mirror.requests.append(name)
                if name not in mirror.files:
                    self.send_error(404)
                    return
                body = mirror.files[name]
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[: len(body) // 2] if name in mirror.cut else body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/data/"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)


@pytest.fixture
def mirror():
    contents = fake_fashion_files()
    server = Mirror({f"data/{name}": data for name, data in contents.items()})
    server.thread.start()
    server.contents = contents
    yield server
    server.server.shutdown()
    server.server.server_close()


def leftovers(root: Path) -> list[str]:
    return sorted(os.listdir(root)) if root.exists() else []


def test_download_fetches_verifies_and_loads(tmp_path, mirror):
    root = tmp_path / "fmnist"
    checksums = md5s(mirror.contents)
    images, labels = load_fashion_mnist(root, download=True, mirror=mirror.url, checksums=checksums)
    assert images.shape == (12, 1, 28, 28) and labels.tolist() == (np.arange(12) % 10).tolist()
    assert leftovers(root) == sorted(FILES)
    assert len(mirror.requests) == 4
    load_fashion_mnist(root, train=False, download=True, mirror=mirror.url, checksums=checksums)
    assert len(mirror.requests) == 4


def test_download_accepts_sha256_and_refetches_unreadable_files(tmp_path, mirror):
    checksums = {name: hashlib.sha256(data).hexdigest() for name, data in mirror.contents.items()}
    root = write_files(tmp_path, mirror.contents)
    (root / "t10k-images-idx3-ubyte.gz").write_bytes(b"garbage")
    download_fashion_mnist(root, mirror=mirror.url, checksums=checksums)
    assert mirror.requests == ["data/t10k-images-idx3-ubyte.gz"]
    assert (root / "t10k-images-idx3-ubyte.gz").read_bytes() == mirror.contents["t10k-images-idx3-ubyte.gz"]


def test_checksum_mismatch_leaves_no_file(tmp_path, mirror):
    checksums = md5s(mirror.contents)
    good = checksums["train-images-idx3-ubyte.gz"]
    checksums["train-images-idx3-ubyte.gz"] = "0" * 32
    root = tmp_path / "fmnist"
    with pytest.raises(DownloadError) as info:
        download_fashion_mnist(root, mirror=mirror.url, checksums=checksums)
    message = str(info.value)
    assert "train-images-idx3-ubyte.gz" in message and good in message and "0" * 32 in message
    assert leftovers(root) == []


def test_cut_transfer_leaves_no_partial_file(tmp_path, mirror):
    mirror.cut.add("data/train-labels-idx1-ubyte.gz")
    name = "train-images-idx3-ubyte.gz"
    root = write_files(tmp_path, {name: mirror.contents[name]})
    with pytest.raises(DownloadError, match=r"train-labels-idx1-ubyte\.gz was cut"):
        download_fashion_mnist(root, mirror=mirror.url, checksums=md5s(mirror.contents))
    assert leftovers(root) == [name]


def test_http_404_leaves_no_file(tmp_path, mirror):
    del mirror.files["data/train-images-idx3-ubyte.gz"]
    root = tmp_path / "fmnist"
    with pytest.raises(DownloadError, match=r"train-images-idx3-ubyte\.gz failed: HTTP 404"):
        FashionMNIST(root, download=True, mirror=mirror.url, checksums=md5s(mirror.contents))
    assert leftovers(root) == []


def test_download_rejects_missing_or_malformed_checksums(tmp_path, mirror):
    checksums = md5s(mirror.contents)
    del checksums["t10k-labels-idx1-ubyte.gz"]
    with pytest.raises(ValueError, match="no entry for t10k-labels-idx1-ubyte.gz"):
        download_fashion_mnist(tmp_path, mirror=mirror.url, checksums=checksums)
    checksums["t10k-labels-idx1-ubyte.gz"] = "xyz"
    with pytest.raises(ValueError, match="not a hex md5, sha1 or sha256"):
        download_fashion_mnist(tmp_path, mirror=mirror.url, checksums=checksums)


class SlowServer:
    """An HTTP server on 127.0.0.1 that misbehaves in time: "trickle" sends its body a byte at a time, "stall" sends
    headers and then nothing, "slow-headers" sends its status line a byte at a time. Each reply gives up after
    `limit` seconds, or as soon as the client hangs up, so the server never outlives its test."""

    def __init__(self, limit: float = 10.0) -> None:
        stop = self.stop = threading.Event()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                kind = self.path.rsplit("/", 1)[-1]
                try:
                    if kind == "slow-headers":
                        for byte in b"HTTP/1.0 200 OK\r\nContent-Length: 10\r\n\r\n":
                            self.wfile.write(bytes([byte]))
                            if stop.wait(0.05):
                                return
                        return
                    self.send_response(200)
                    self.send_header("Content-Length", "100000")
                    self.end_headers()
                    while not stop.wait(0.05):
                        if kind == "trickle":
                            self.wfile.write(b"x")
                except OSError:  # the client hung up, as it should once its deadline passed
                    pass

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)
        self.timer = threading.Timer(limit, stop.set)


@pytest.fixture
def slow_server():
    server = SlowServer()
    server.thread.start()
    server.timer.start()
    yield server
    server.stop.set()
    server.timer.cancel()
    server.server.shutdown()
    server.server.server_close()


@pytest.mark.parametrize("kind", ["trickle", "stall", "slow-headers"])
def test_download_deadline_bounds_the_whole_transfer(tmp_path, slow_server, kind):
    start = time.monotonic()
    with pytest.raises(DownloadError, match=rf"download of {slow_server.url}{kind} timed out") as info:
        download_file(slow_server.url + kind, tmp_path / "file", "0" * 32, timeout=0.5)
    elapsed = time.monotonic() - start
    assert 0.4 < elapsed < 3.0
    if kind == "trickle":  # every read gets a byte well within 0.5 s: only the deadline for the whole ends it
        assert "the whole transfer took longer than timeout=0.5 s" in str(info.value)
    assert leftovers(tmp_path) == []


def test_fashion_mnist_passes_its_timeout_to_the_download(tmp_path, slow_server):
    checksums = dict.fromkeys(FILES, "0" * 32)
    start = time.monotonic()
    with pytest.raises(DownloadError, match="timed out"):
        FashionMNIST(tmp_path, download=True, mirror=slow_server.url + "trickle", checksums=checksums, timeout=0.3)
    assert time.monotonic() - start < 3.0


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_downloaded_files_get_the_mode_open_gives(tmp_path, mirror):
    old = os.umask(0o027)
    try:
        download_fashion_mnist(tmp_path, mirror=mirror.url, checksums=md5s(mirror.contents))
    finally:
        os.umask(old)
    assert {os.stat(tmp_path / name).st_mode & 0o777 for name in FILES} == {0o640}


# ---------------------------------------------------------------- generated data sets


def test_make_spiral_shapes_and_labels():
    X, y = make_spiral(n_per_class=50, n_classes=4, seed=0)
    assert X.shape == (200, 2) and X.dtype == np.float32
    assert y.shape == (200,) and y.dtype == np.int64
    assert np.bincount(y).tolist() == [50] * 4
    assert np.linalg.norm(X, axis=1).max() <= 1.0 + 1e-6


def test_make_spiral_without_noise_lies_on_arms():
    X, y = make_spiral(n_per_class=20, n_classes=3, noise=0.0, seed=0)
    radius = np.linalg.norm(X, axis=1)
    angle = np.arctan2(X[:, 0], X[:, 1])
    expected = y * 4.0 + radius * 4.0
    np.testing.assert_allclose(np.cos(angle[radius > 0]), np.cos(expected[radius > 0]), atol=1e-5)


def test_make_spiral_is_reproducible():
    np.testing.assert_array_equal(make_spiral(seed=5)[0], make_spiral(seed=5)[0])
    ag_random.manual_seed(2)
    first = make_spiral()[0]
    ag_random.manual_seed(2)
    np.testing.assert_array_equal(make_spiral()[0], first)


@pytest.mark.parametrize("kwargs", [{"n_per_class": 0}, {"n_classes": -1}, {"n_per_class": 2.5}, {"noise": -0.1}])
def test_make_spiral_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError, match="make_spiral"):
        make_spiral(**kwargs)


@pytest.mark.parametrize(
    ("name", "outputs"),
    [("and", [0, 0, 0, 1]), ("or", [0, 1, 1, 1]), ("nand", [1, 1, 1, 0]), ("XOR", [0, 1, 1, 0])],
)
def test_logic_gates(name, outputs):
    X, y = logic_gate(name)
    assert X.dtype == np.float32 and y.dtype == np.int64
    np.testing.assert_array_equal(X, [[0, 0], [0, 1], [1, 0], [1, 1]])
    assert y.tolist() == outputs


def test_make_xor_returns_fresh_arrays():
    X, y = make_xor()
    X[:] = 7
    assert y.tolist() == [0, 1, 1, 0] and make_xor()[0].max() == 1.0


def test_logic_gate_rejects_unknown_gate():
    expected = r"unknown gate 'nor', expected one of \['and', 'nand', 'or', 'xor'\]"
    with pytest.raises(ValueError, match=expected):
        logic_gate("nor")


def test_make_regression_line_without_noise_is_exact():
    X, y = make_regression_line(n=30, w=[2.0, -3.4], b=4.2, noise=0.0, seed=1)
    assert X.shape == (30, 2) and y.shape == (30, 1) and X.dtype == y.dtype == np.float32
    np.testing.assert_allclose(y[:, 0], X @ np.array([2.0, -3.4]) + 4.2, rtol=1e-5, atol=1e-5)


def test_make_regression_line_noise_is_recoverable():
    X, y = make_regression_line(n=500, w=2.0, b=1.0, noise=0.01, seed=0)
    assert X.shape == (500, 1)
    coefficients, *_ = np.linalg.lstsq(np.hstack([X, np.ones((500, 1))]), y[:, 0], rcond=None)
    np.testing.assert_allclose(coefficients, [2.0, 1.0], atol=0.01)
    np.testing.assert_array_equal(make_regression_line(seed=3)[1], make_regression_line(seed=3)[1])


@pytest.mark.parametrize("kwargs", [{"n": 0}, {"noise": -1.0}, {"w": np.ones((2, 2))}])
def test_make_regression_line_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError, match="make_regression_line"):
        make_regression_line(**kwargs)
