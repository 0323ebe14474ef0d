"""Data sets and mini-batch loading: `DataLoader`, `TensorDataset`, Fashion-MNIST and generated toy data."""

from autograd.data.download import DownloadError
from autograd.data.fashion_mnist import (
    FASHION_MNIST_CLASSES,
    FASHION_MNIST_MD5,
    FASHION_MNIST_MIRROR,
    FashionMNIST,
    download_fashion_mnist,
    load_fashion_mnist,
    text_labels,
)
from autograd.data.idx import read_idx
from autograd.data.loader import DataLoader, Dataset, TensorDataset, collate
from autograd.data.synthetic import logic_gate, make_regression_line, make_spiral, make_xor

__all__ = [
    "FASHION_MNIST_CLASSES",
    "FASHION_MNIST_MD5",
    "FASHION_MNIST_MIRROR",
    "DataLoader",
    "Dataset",
    "DownloadError",
    "FashionMNIST",
    "TensorDataset",
    "collate",
    "download_fashion_mnist",
    "load_fashion_mnist",
    "logic_gate",
    "make_regression_line",
    "make_spiral",
    "make_xor",
    "read_idx",
    "text_labels",
]
