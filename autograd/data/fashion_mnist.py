"""Fashion-MNIST (Xiao et al., 2017): 28x28 grey images of 10 clothing classes, from gzipped IDX files."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from autograd.data.download import download_file
from autograd.data.idx import IMAGES_MAGIC, LABELS_MAGIC, read_idx
from autograd.data.loader import DataLoader, TensorDataset
from autograd.data.transforms import Compose, Resize, ToTensor, transform_batch
from autograd.tensor import Tensor, data_of

FASHION_MNIST_MIRROR = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
FASHION_MNIST_MD5 = {
    "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
    "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
    "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
    "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
}
FASHION_MNIST_CLASSES = (
    "t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle boot",
)  # fmt: skip
_SPLITS = {
    True: ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    False: ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}
_IMAGE_SHAPE = (28, 28)


def _missing_file_error(root: str, name: str, mirror: str) -> FileNotFoundError:
    """The error for a Fashion-MNIST file absent from `root`, saying how to get it."""
    where = f"directory {root} does not exist" if not os.path.isdir(root) else f"{name} is not in {root}"
    return FileNotFoundError(
        f"Fashion-MNIST: {where}. Expected there the gzipped IDX file {name} "
        f"(with {', '.join(n for n in FASHION_MNIST_MD5 if n != name)}). "
        f"Pass download=True to fetch the four files from {mirror}, or copy them into {root}."
    )


def _read_images(path: str) -> np.ndarray:
    """The uint8 images of an IDX images file, shape (N, 28, 28)."""
    images = read_idx(path, IMAGES_MAGIC)
    if images.shape[1:] != _IMAGE_SHAPE:
        shape = images.shape[1:]
        raise ValueError(f"Fashion-MNIST: {path} holds images of shape {shape}, expected {_IMAGE_SHAPE}")
    return images


def _read_labels(path: str) -> np.ndarray:
    """The uint8 labels of an IDX labels file, shape (N,), each in 0..9."""
    labels = read_idx(path, LABELS_MAGIC)
    if labels.size and labels.max() >= len(FASHION_MNIST_CLASSES):
        raise ValueError(f"Fashion-MNIST: {path} holds label {labels.max()}, expected labels 0..9")
    return labels


def _is_readable(path: str, magic: int) -> bool:
    """Whether `path` is a complete, well-formed IDX file with the given magic number."""
    if not os.path.isfile(path):
        return False
    try:
        (_read_images if magic == IMAGES_MAGIC else _read_labels)(path)
    except ValueError:
        return False
    return True


def download_fashion_mnist(
    root: str | os.PathLike,
    *,
    mirror: str = FASHION_MNIST_MIRROR,
    checksums: Mapping[str, str] = FASHION_MNIST_MD5,
    timeout: float = 60.0,
) -> None:
    """Fetch into `root` each Fashion-MNIST file that is absent or unreadable, verifying its checksum; `timeout`
    (seconds) bounds each file's whole transfer."""
    root = os.fspath(root)
    for name in FASHION_MNIST_MD5:
        if name not in checksums:
            raise ValueError(f"download_fashion_mnist: checksums has no entry for {name}")
        magic = IMAGES_MAGIC if "images" in name else LABELS_MAGIC
        path = os.path.join(root, name)
        if not _is_readable(path, magic):
            download_file(mirror.rstrip("/") + "/" + name, path, checksums[name], timeout=timeout)


def _read_split(
    root: str, train: bool, download: bool, mirror: str, checksums: Mapping[str, str], timeout: float
) -> tuple[np.ndarray, np.ndarray]:
    """The uint8 images (N, 28, 28) and uint8 labels (N,) of the train or test split in `root`."""
    if download:
        download_fashion_mnist(root, mirror=mirror, checksums=checksums, timeout=timeout)
    images_name, labels_name = _SPLITS[bool(train)]
    for name in (images_name, labels_name):
        if not os.path.isfile(os.path.join(root, name)):
            raise _missing_file_error(root, name, mirror)
    images = _read_images(os.path.join(root, images_name))
    labels = _read_labels(os.path.join(root, labels_name))
    if len(images) != len(labels):
        raise ValueError(
            f"Fashion-MNIST: in {root}, {images_name} holds {len(images)} images but {labels_name} "
            f"holds {len(labels)} labels; expected equal counts"
        )
    return images, labels


def _scaled(images: np.ndarray) -> np.ndarray:
    """uint8 images (N, 28, 28) as float32 (N, 1, 28, 28) in [0, 1]."""
    scaled = images.reshape(-1, 1, *_IMAGE_SHAPE).astype(np.float32)
    scaled /= 255.0
    return scaled


def load_fashion_mnist(
    root: str | os.PathLike,
    train: bool = True,
    download: bool = False,
    *,
    mirror: str = FASHION_MNIST_MIRROR,
    checksums: Mapping[str, str] = FASHION_MNIST_MD5,
    timeout: float = 60.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Images float32 (N, 1, 28, 28) scaled to [0, 1] and labels int64 (N,) of the train or test split.

    With `download=True`, missing files are fetched first, each transfer within `timeout` seconds.
    """
    images, labels = _read_split(os.fspath(root), train, download, mirror, checksums, timeout)
    return _scaled(images), labels.astype(np.int64)


class FashionMNIST(TensorDataset):
    """The Fashion-MNIST train or test split: samples (image float32 (1, 28, 28) in [0, 1], label int64 ()).

    With a `transform` (as torchvision's: e.g. `Compose([Resize(64), ToTensor()])`), each image reaches it as
    uint8 (28, 28), the part torchvision's PIL image plays, and the sample is what it returns; the loader asks
    for whole mini-batches, which the transforms of `autograd.data.transforms` process in one call.
    """

    classes = FASHION_MNIST_CLASSES

    def __init__(
        self,
        root: str | os.PathLike,
        train: bool = True,
        download: bool = False,
        transform: Callable[[Any], Any] | None = None,
        *,
        mirror: str = FASHION_MNIST_MIRROR,
        checksums: Mapping[str, str] = FASHION_MNIST_MD5,
        timeout: float = 60.0,
    ) -> None:
        if transform is not None and not callable(transform):
            raise TypeError(f"FashionMNIST: transform must be callable, got {type(transform).__name__}")
        self.root = os.fspath(root)
        images, labels = _read_split(self.root, train, download, mirror, checksums, timeout)
        super().__init__(images if transform is not None else _scaled(images), labels.astype(np.int64))
        self.train = bool(train)
        self.transform = transform

    def __getitem__(self, index: Any) -> tuple:
        """(image, label) at an int `index`, or the batch (images, labels) at a slice or index array."""
        if self.transform is None:
            return super().__getitem__(index)
        images, labels = self.arrays[0][index], Tensor(np.asarray(self.arrays[1][index]))
        if images.ndim == 2:
            out = self.transform(images)
        else:
            out = transform_batch(self.transform, images)
        return (out if isinstance(out, Tensor) else Tensor(np.asarray(out))), labels

    @property
    def images(self) -> np.ndarray:
        """All images before any transform, float32 (N, 1, 28, 28) in [0, 1]."""
        return self.arrays[0] if self.transform is None else _scaled(self.arrays[0])

    @property
    def labels(self) -> np.ndarray:
        """All labels, int64 (N,)."""
        return self.arrays[1]


def load_data_fashion_mnist(
    batch_size: int,
    resize: int | Sequence[int] | None = None,
    *,
    root: str | os.PathLike = "../data",
    download: bool = False,
) -> tuple[DataLoader, DataLoader]:
    """d2l's `load_data_fashion_mnist`: shuffled training batches and ordered test batches of Fashion-MNIST read
    from `root`, images (B, 1, 28, 28), or (B, 1, H, W) resized bilinearly to `resize` (an int or (H, W))."""
    transform = None if resize is None else Compose([Resize(resize), ToTensor()])
    train_set = FashionMNIST(root, train=True, download=download, transform=transform)
    test_set = FashionMNIST(root, train=False, download=download, transform=transform)
    return DataLoader(train_set, batch_size, shuffle=True), DataLoader(test_set, batch_size)


def text_labels(indices: Iterable[Any] | Any) -> list[str]:
    """The Fashion-MNIST class names of integer labels (int, sequence, array or Tensor), as a flat list."""
    values = np.asarray(data_of(list(indices) if isinstance(indices, Iterator) else indices)).ravel()
    integral = np.array_equal(values, np.round(values))
    if values.size and (not integral or values.min() < 0 or values.max() > 9):
        raise ValueError(f"text_labels expects integer labels in 0..9, got {values.tolist()}")
    return [FASHION_MNIST_CLASSES[int(i)] for i in values]
