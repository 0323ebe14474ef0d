"""Tests of autograd.data.text: tokens, Vocab, The Time Machine as shipped, and d2l's two minibatch schemes."""

from __future__ import annotations

import hashlib
import importlib.resources

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd
from autograd.data import (
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


def test_tokenize_words_and_chars():
    assert tokenize(["the time  machine", ""]) == [["the", "time", "machine"], []]
    assert tokenize(["ab c"], "char") == [["a", "b", " ", "c"]]
    with pytest.raises(ValueError, match="unknown token type"):
        tokenize(["a"], "byte")


def test_vocab_orders_by_frequency_with_unk_and_reserved_first():
    tokens = [["b", "a", "b"], ["c", "b", "a", "d"]]
    assert count_corpus(tokens) == {"b": 3, "a": 2, "c": 1, "d": 1}
    vocab = Vocab(tokens, min_freq=2, reserved_tokens=["<pad>"])
    assert vocab.idx_to_token == ["<unk>", "<pad>", "b", "a"]
    assert len(vocab) == 4 and vocab.unk == 0
    assert vocab["b"] == 2 and vocab["zzz"] == 0 and vocab[["a", "c", "b"]] == [3, 0, 2]
    assert vocab.to_tokens(3) == "a" and vocab.to_tokens([2, 0]) == ["b", "<unk>"]
    assert vocab.token_freqs[:2] == [("b", 3), ("a", 2)]
    with pytest.raises(IndexError, match="out of range"):
        vocab.to_tokens(4)
    assert len(Vocab()) == 1


@given(st.lists(st.lists(st.sampled_from("abcdef"), max_size=8), max_size=6), st.integers(0, 3))
def test_vocab_round_trips_and_counts_are_sorted(lines, min_freq):
    vocab = Vocab(lines, min_freq=min_freq)
    counts = [f for _, f in vocab.token_freqs]
    assert counts == sorted(counts, reverse=True)
    for t in {t for line in lines for t in line}:
        kept = count_corpus(lines)[t] >= min_freq
        assert (vocab.to_tokens(vocab[t]) == t) == kept
        assert (vocab[t] == vocab.unk) == (not kept)


def test_the_time_machine_is_shipped_and_gives_d2ls_figures():
    raw = importlib.resources.files("autograd.data").joinpath("timemachine.txt").read_bytes()
    assert len(raw) == 178_979 and hashlib.sha1(raw).hexdigest() == TIME_MACHINE_SHA1
    lines = read_time_machine()
    assert len(lines) == 3221 and lines[0] == "the time machine by h g wells"
    assert all(set(line) <= set("abcdefghijklmnopqrstuvwxyz ") for line in lines)
    corpus, vocab = load_corpus_time_machine()
    assert len(corpus) == 170_580 and len(vocab) == 28
    assert vocab.idx_to_token[:5] == ["<unk>", " ", "e", "t", "a"]
    words = Vocab(tokenize(lines))
    assert len(words) == 4580 and words.token_freqs[0] == ("the", 2261)
    assert len(load_corpus_time_machine(10_000)[0]) == 10_000


def _check_batches(batches, corpus, batch_size, num_steps):
    for X, Y in batches:
        assert X.shape == Y.shape == (batch_size, num_steps) and X.dtype == np.int64
        for x, y in zip(X.numpy(), Y.numpy()):  # each row is a window of the corpus, Y one token later
            start = next(i for i in range(len(corpus)) if corpus[i : i + num_steps] == list(x))
            assert list(y) == corpus[start + 1 : start + 1 + num_steps]


@given(st.integers(1, 4), st.integers(1, 5), st.integers(0, 2**16))
def test_random_sampling_covers_disjoint_windows(batch_size, num_steps, seed):
    corpus = list(range(40))
    autograd.manual_seed(seed)
    batches = list(seq_data_iter_random(corpus, batch_size, num_steps))
    _check_batches(batches, corpus, batch_size, num_steps)
    starts = [int(x[0]) for X, _ in batches for x in X.numpy()]
    assert len(set(starts)) == len(starts)  # no subsequence is used twice
    offset = min(starts) % num_steps if starts else 0
    assert all((s - offset) % num_steps == 0 for s in starts)
    assert len(batches) == ((len(corpus) - offset - 1) // num_steps) // batch_size


@given(st.integers(1, 4), st.integers(1, 5), st.integers(0, 2**16))
def test_sequential_partitioning_continues_rows(batch_size, num_steps, seed):
    corpus = list(range(40))
    autograd.manual_seed(seed)
    batches = list(seq_data_iter_sequential(corpus, batch_size, num_steps))
    _check_batches(batches, corpus, batch_size, num_steps)
    for (X0, _), (X1, _) in zip(batches, batches[1:]):  # row b of a batch continues row b of the one before
        assert np.array_equal(X1.numpy()[:, 0], X0.numpy()[:, -1] + 1)


def test_same_seed_same_batches_and_loader_lengths():
    for random_iter in (False, True):
        loader, vocab = load_data_time_machine(4, 5, use_random_iter=random_iter, max_tokens=300)
        assert isinstance(loader, SeqDataLoader) and len(vocab) == 28 and len(loader.corpus) == 300
        autograd.manual_seed(3)
        first = [x.numpy() for x, _ in loader]
        autograd.manual_seed(3)
        second = [x.numpy() for x, _ in loader]
        assert all(np.array_equal(a, b) for a, b in zip(first, second)) and len(first) == len(second)
        assert len(loader) <= len(first) <= len(loader) + 1


def test_bad_batch_arguments_raise():
    with pytest.raises(ValueError, match="batch_size must be a positive int"):
        next(seq_data_iter_random([1, 2, 3], 0, 2))
    with pytest.raises(ValueError, match="num_steps must be a positive int"):
        next(seq_data_iter_sequential([1, 2, 3], 1, 0))
