"""Text for language models, as d2l's chapter 8 prepares it: tokens, a vocabulary, and minibatches of subsequences.

- `tokenize(lines, token)` splits lines into words or characters; `count_corpus` counts tokens;
- `Vocab` maps tokens to indices (`<unk>` at 0, then reserved tokens, then tokens by falling frequency);
- `read_time_machine()` and `load_corpus_time_machine()`: H. G. Wells' *The Time Machine*, shipped with the package
  (public domain; see README.md beside it), checked against its SHA-1 when read;
- `seq_data_iter_random` and `seq_data_iter_sequential`: the two ways of cutting a corpus into (X, Y) minibatches
  of shape (batch_size, num_steps), Y being X shifted by one token; `SeqDataLoader` and `load_data_time_machine`.

Random offsets and shuffles draw from the library's generator, so `autograd.manual_seed` makes them repeatable.
"""

from __future__ import annotations

import collections
import hashlib
import importlib.resources
import numbers
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from autograd import random as _random

TIME_MACHINE_FILE = "timemachine.txt"
TIME_MACHINE_SHA1 = "090b5e7e70c295757f55df93cb0a180b9691891a"

__all__ = [
    "TIME_MACHINE_SHA1",
    "SeqDataLoader",
    "Vocab",
    "count_corpus",
    "load_corpus_time_machine",
    "load_data_time_machine",
    "read_time_machine",
    "seq_data_iter_random",
    "seq_data_iter_sequential",
    "tokenize",
]


def tokenize(lines: Iterable[str], token: str = "word") -> list[list[str]]:
    """Each line as a list of tokens: words split on whitespace (`token='word'`) or characters (`'char'`)."""
    if token == "word":
        return [line.split() for line in lines]
    if token == "char":
        return [list(line) for line in lines]
    raise ValueError(f"tokenize: unknown token type {token!r} (expected 'word' or 'char')")


def count_corpus(tokens: Sequence[Any]) -> collections.Counter:
    """How often each token occurs in a flat list of tokens or a list of token lists (lines)."""
    if len(tokens) and isinstance(tokens[0], list):
        tokens = [t for line in tokens for t in line]
    return collections.Counter(tokens)


class Vocab:
    """A vocabulary: index 0 is `<unk>`, then `reserved_tokens`, then the tokens seen at least `min_freq` times,
    most frequent first (ties in order of first occurrence).

    `vocab[token]` is an index (`unk`, 0, for an unknown token), `vocab[[t1, t2]]` a list of them;
    `to_tokens(index or list)` maps back; `token_freqs` lists (token, count) pairs by falling count.
    """

    def __init__(
        self,
        tokens: Sequence[Any] | None = None,
        min_freq: int = 0,
        reserved_tokens: Sequence[str] | None = None,
    ) -> None:
        counter = count_corpus(tokens if tokens is not None else [])
        self._token_freqs = sorted(counter.items(), key=lambda item: item[1], reverse=True)
        self.idx_to_token = ["<unk>", *(reserved_tokens or [])]
        self.token_to_idx = {t: i for i, t in enumerate(self.idx_to_token)}
        for t, freq in self._token_freqs:
            if freq < min_freq:
                break  # sorted by frequency: every later token is rarer still
            if t not in self.token_to_idx:
                self.token_to_idx[t] = len(self.idx_to_token)
                self.idx_to_token.append(t)

    def __len__(self) -> int:
        return len(self.idx_to_token)

    def __getitem__(self, tokens: Any) -> Any:
        if not isinstance(tokens, (list, tuple)):
            return self.token_to_idx.get(tokens, self.unk)
        return [self[t] for t in tokens]

    def to_tokens(self, indices: Any) -> Any:
        """The token at an index, or the tokens at a list of indices (IndexError outside [0, len))."""
        if isinstance(indices, (list, tuple)):
            return [self.to_tokens(i) for i in indices]
        index = int(indices)
        if not 0 <= index < len(self.idx_to_token):
            raise IndexError(f"Vocab.to_tokens: index {index} is out of range for a vocabulary of {len(self)}")
        return self.idx_to_token[index]

    @property
    def unk(self) -> int:
        """The index of the unknown token: 0."""
        return 0

    @property
    def token_freqs(self) -> list[tuple[Any, int]]:
        """(token, count) pairs, most frequent first."""
        return self._token_freqs

    def __repr__(self) -> str:
        return f"Vocab(size={len(self)}, first={self.idx_to_token[:6]})"


def _time_machine_text() -> str:
    """The shipped text of The Time Machine, its SHA-1 checked."""
    raw = importlib.resources.files("autograd.data").joinpath(TIME_MACHINE_FILE).read_bytes()
    digest = hashlib.sha1(raw).hexdigest()
    if digest != TIME_MACHINE_SHA1:
        raise RuntimeError(
            f"read_time_machine: {TIME_MACHINE_FILE} has SHA-1 {digest}, expected {TIME_MACHINE_SHA1}: the packaged "
            "file is damaged; reinstall the package"
        )
    return raw.decode("utf-8")


def read_time_machine() -> list[str]:
    """The Time Machine as lines holding only lower-case letters and single spaces (3,221 lines)."""
    return [re.sub("[^A-Za-z]+", " ", line).strip().lower() for line in _time_machine_text().splitlines()]


def load_corpus_time_machine(max_tokens: int = -1) -> tuple[list[int], Vocab]:
    """The Time Machine as character indices (170,580 of them) and its character vocabulary (28 with `<unk>`);
    only the first `max_tokens` indices when it is positive."""
    tokens = tokenize(read_time_machine(), "char")
    vocab = Vocab(tokens)
    corpus = [vocab[t] for line in tokens for t in line]
    if max_tokens > 0:
        corpus = corpus[:max_tokens]
    return corpus, vocab


def _check_positive(value: Any, name: str, op: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{op}: {name} must be a positive int, got {value!r}")
    return int(value)


def _as_tensor(rows: np.ndarray) -> Any:
    from autograd.tensor import Tensor

    return Tensor(np.ascontiguousarray(rows, dtype=np.int64))


def seq_data_iter_random(corpus: Sequence[int], batch_size: int, num_steps: int) -> Iterator[tuple[Any, Any]]:
    """Minibatches by random sampling: the corpus, from a random offset in [0, num_steps), is cut into subsequences
    of num_steps tokens, taken in a shuffled order; neighbouring minibatches are not neighbours in the text.

    Yields (X, Y), int64 tensors of shape (batch_size, num_steps), Y = X one token later.
    """
    batch_size = _check_positive(batch_size, "batch_size", "seq_data_iter_random")
    num_steps = _check_positive(num_steps, "num_steps", "seq_data_iter_random")
    rng = _random.generator()
    data = np.asarray(corpus, dtype=np.int64)[int(rng.integers(0, num_steps)) :]
    num_subseqs = (len(data) - 1) // num_steps
    starts = np.arange(0, num_subseqs * num_steps, num_steps)
    rng.shuffle(starts)
    window = np.arange(num_steps)
    for i in range(0, batch_size * (num_subseqs // batch_size), batch_size):
        rows = starts[i : i + batch_size, None] + window
        yield _as_tensor(data[rows]), _as_tensor(data[rows + 1])


def seq_data_iter_sequential(corpus: Sequence[int], batch_size: int, num_steps: int) -> Iterator[tuple[Any, Any]]:
    """Minibatches by sequential partitioning: from a random offset in [0, num_steps], the corpus is laid out as
    batch_size rows, and minibatch i holds columns [i num_steps, (i + 1) num_steps): row b of one minibatch
    continues row b of the previous one, so a hidden state may be carried over.

    Yields (X, Y), int64 tensors of shape (batch_size, num_steps), Y = X one token later.
    """
    batch_size = _check_positive(batch_size, "batch_size", "seq_data_iter_sequential")
    num_steps = _check_positive(num_steps, "num_steps", "seq_data_iter_sequential")
    data = np.asarray(corpus, dtype=np.int64)
    offset = int(_random.generator().integers(0, num_steps + 1))
    num_tokens = max((len(data) - offset - 1) // batch_size, 0) * batch_size
    xs = data[offset : offset + num_tokens].reshape(batch_size, -1)
    ys = data[offset + 1 : offset + 1 + num_tokens].reshape(batch_size, -1)
    for i in range(0, num_steps * (xs.shape[1] // num_steps), num_steps):
        yield _as_tensor(xs[:, i : i + num_steps]), _as_tensor(ys[:, i : i + num_steps])


class SeqDataLoader:
    """Iterates over The Time Machine's minibatches (random or sequential), a fresh random offset each pass;
    `vocab` and `corpus` are the character vocabulary and the (truncated) corpus."""

    def __init__(self, batch_size: int, num_steps: int, use_random_iter: bool, max_tokens: int) -> None:
        self.data_iter_fn: Callable[..., Iterator[tuple[Any, Any]]] = (
            seq_data_iter_random if use_random_iter else seq_data_iter_sequential
        )
        self.corpus, self.vocab = load_corpus_time_machine(max_tokens)
        self.batch_size = _check_positive(batch_size, "batch_size", "SeqDataLoader")
        self.num_steps = _check_positive(num_steps, "num_steps", "SeqDataLoader")
        self.use_random_iter = use_random_iter

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        return self.data_iter_fn(self.corpus, self.batch_size, self.num_steps)

    def __len__(self) -> int:
        """Minibatches per pass (with the largest offset: a pass may, by its offset, give one more)."""
        if self.use_random_iter:
            return ((len(self.corpus) - self.num_steps) // self.num_steps) // self.batch_size
        columns = max((len(self.corpus) - self.num_steps - 1) // self.batch_size, 0)
        return columns // self.num_steps


def load_data_time_machine(
    batch_size: int, num_steps: int, use_random_iter: bool = False, max_tokens: int = 10000
) -> tuple[SeqDataLoader, Vocab]:
    """The Time Machine's minibatch iterator and its vocabulary, d2l's `load_data_time_machine`."""
    data_iter = SeqDataLoader(batch_size, num_steps, use_random_iter, max_tokens)
    return data_iter, data_iter.vocab
