"""Data sets and mini-batch loading: `DataLoader`, `TensorDataset`, Fashion-MNIST and image `transforms`, The
Time Machine (text for language models) and generated toy data."""

from autograd.data import transforms
from autograd.data.download import DownloadError
from autograd.data.fashion_mnist import (
    FASHION_MNIST_CLASSES,
    FASHION_MNIST_MD5,
    FASHION_MNIST_MIRROR,
    FashionMNIST,
    download_fashion_mnist,
    load_data_fashion_mnist,
    load_fashion_mnist,
    text_labels,
)
from autograd.data.idx import read_idx
from autograd.data.loader import DataLoader, Dataset, TensorDataset, collate, default_collate
from autograd.data.synthetic import logic_gate, make_regression_line, make_spiral, make_xor
from autograd.data.text import (
    TIME_MACHINE_SHA1,
    SeqDataLoader,
    Vocab,
    count_corpus,
    load_corpus_time_machine,
    load_data_time_machine,
    read_time_machine,
    seq_data_iter_random,
    seq_data_iter_sequential,
    tokenize,
)

__all__ = [
    "FASHION_MNIST_CLASSES",
    "FASHION_MNIST_MD5",
    "FASHION_MNIST_MIRROR",
    "TIME_MACHINE_SHA1",
    "DataLoader",
    "Dataset",
    "SeqDataLoader",
    "DownloadError",
    "FashionMNIST",
    "TensorDataset",
    "Vocab",
    "collate",
    "count_corpus",
    "default_collate",
    "download_fashion_mnist",
    "load_corpus_time_machine",
    "load_data_fashion_mnist",
    "load_data_time_machine",
    "load_fashion_mnist",
    "logic_gate",
    "make_regression_line",
    "make_spiral",
    "make_xor",
    "read_idx",
    "read_time_machine",
    "seq_data_iter_random",
    "seq_data_iter_sequential",
    "text_labels",
    "tokenize",
    "transforms",
]
