# %% [markdown]
# # Recurrent neural networks 循环神经网络
#
# Sequences, as d2l's chapters 8 and 9 build them up: a sequence model 序列模型 on a noisy sine wave, text
# preprocessing 文本预处理 into tokens and a vocabulary, the statistics of language (Zipf's law), the two ways of
# cutting a long text into minibatches, a recurrent network written from scratch 从零开始实现, the same with
# `nn.RNN`, then GRU 门控循环单元 and LSTM 长短期记忆网络, and gradient clipping 梯度裁剪. With `CI` set, the
# models train for fewer epochs.

# %%
import os

import matplotlib.pyplot as plt
import numpy as np

import autograd as ag
import nn
import optim
from autograd.data import (
    DataLoader,
    TensorDataset,
    Vocab,
    load_corpus_time_machine,
    load_data_time_machine,
    read_time_machine,
    seq_data_iter_random,
    seq_data_iter_sequential,
    tokenize,
)
from autograd.language_model import RNNModel, predict_ch8, train_ch8

CI = bool(os.environ.get("CI"))
EPOCHS = 40 if CI else 200
ag.manual_seed(0)

# %% [markdown]
# ## A sequence model 序列模型
#
# 1000 points of $\sin(0.01 t)$ plus noise. An autoregressive model predicts $x_t$ from the $\tau = 4$ values
# before it; here an MLP trained on the first 600 windows.

# %%
T, tau = 1000, 4
time_steps = np.arange(1, T + 1, dtype=np.float32)
x = np.sin(0.01 * time_steps) + np.random.default_rng(0).normal(0, 0.2, T).astype(np.float32)
features = np.stack([x[i : T - tau + i] for i in range(tau)], axis=1)
labels = x[tau:].reshape(-1, 1)
n_train = 600
loader = DataLoader(TensorDataset(ag.tensor(features[:n_train]), ag.tensor(labels[:n_train])), 16, shuffle=True)
net = nn.Sequential(nn.Linear(4, 10), nn.ReLU(), nn.Linear(10, 1))
loss_fn, trainer = nn.MSELoss(), optim.Adam(net.parameters(), lr=0.01)
for epoch in range(5):
    for X, y in loader:
        trainer.zero_grad()
        loss_fn(net(X), y).backward()
        trainer.step()
with ag.no_grad():
    one_step = net(ag.tensor(features)).detach().numpy()[:, 0]
    multi = list(x[: n_train + tau])
    for i in range(n_train + tau, T):  # from here on the model sees only its own predictions
        multi.append(float(net(ag.tensor(np.array(multi[-tau:], dtype=np.float32)[None]))[0, 0]))
one_step_mse = float(((one_step - x[tau:]) ** 2).mean())
multi_mse = float(((np.array(multi[n_train + tau :]) - x[n_train + tau :]) ** 2).mean())
fig, ax = plt.subplots(figsize=(7, 3))
ax.plot(time_steps, x, lw=0.6, label="data")
ax.plot(time_steps[tau:], one_step, lw=0.8, label="1-step predictions")
ax.plot(time_steps[n_train + tau :], multi[n_train + tau :], lw=1.2, label="multi-step predictions")
ax.legend()
print(f"mean squared error: one step ahead {one_step_mse:.3f}, predicting from its own outputs {multi_mse:.3f}")
assert one_step_mse < 0.08 and multi_mse > one_step_mse  # errors pile up when predictions feed predictions

# %% [markdown]
# One step ahead the model does about as well as the noise allows (variance 0.04); fed its own predictions, the
# errors accumulate and the multi-step forecast flattens out. Language models face the same problem.
#
# ## Text preprocessing 文本预处理
#
# *The Time Machine* ships with the library. `read_time_machine` keeps letters only, lower-cased; `tokenize`
# splits lines into words or characters; `Vocab` numbers the tokens by falling frequency, `<unk>` at 0.

# %%
lines = read_time_machine()
print(f"{len(lines)} lines; line 0: {lines[0]!r}; line 10: {lines[10]!r}")
words = tokenize(lines)
vocab = Vocab(words)
print("most frequent words:", vocab.token_freqs[:8])
print("indices of line 10:", vocab[words[10]][:8], "->", vocab.to_tokens(vocab[words[10]][:8]))
corpus, char_vocab = load_corpus_time_machine()
print(f"{len(corpus)} characters, a vocabulary of {len(char_vocab)}: {char_vocab.idx_to_token}")
assert len(corpus) == 170_580 and len(char_vocab) == 28 and char_vocab.unk == 0

# %% [markdown]
# ## Zipf's law 齐普夫定律
#
# The n-th most frequent word occurs roughly in proportion to $1/n^\alpha$: on a log-log plot, a straight line.
# Word pairs (bigrams) and triples (trigrams) follow the same law, with many more distinct ones.

# %%
flat = [w for line in words for w in line]
bigram_vocab = Vocab(list(zip(flat[:-1], flat[1:])))
trigram_vocab = Vocab(list(zip(flat[:-2], flat[1:-1], flat[2:])))
fig, ax = plt.subplots(figsize=(5, 3.5))
for name, v in (("unigram", vocab), ("bigram", bigram_vocab), ("trigram", trigram_vocab)):
    counts = [f for _, f in v.token_freqs]
    ax.loglog(np.arange(1, len(counts) + 1), counts, label=name)
ax.set_xlabel("token rank")
ax.set_ylabel("frequency")
ax.legend()
counts = np.array([f for _, f in vocab.token_freqs], dtype=float)
ranks = np.arange(1, len(counts) + 1)
middle = slice(10, 1000)  # past the few most common words, before the long tail of words seen once
slope = np.polyfit(np.log(ranks[middle]), np.log(counts[middle]), 1)[0]
print(f"log-log slope of word frequency over ranks 10-1000: {slope:.2f}")
print(f"distinct: {len(vocab)} words, {len(bigram_vocab)} bigrams, {len(trigram_vocab)} trigrams")
assert -1.5 < slope < -0.6 and len(vocab) < len(bigram_vocab) < len(trigram_vocab)

# %% [markdown]
# ## Two ways to cut a corpus into minibatches 读取长序列数据
#
# On the sequence 0..34, with batches of 2 subsequences of 5 tokens: random sampling 随机采样 takes subsequences
# in a shuffled order; sequential partitioning 顺序分区 lays the text out in 2 rows so that each minibatch
# continues the one before, row by row. Y is always X one token later.

# %%
ag.manual_seed(0)
toy = list(range(35))
print("random sampling")
for X, Y in seq_data_iter_random(toy, batch_size=2, num_steps=5):
    print(" X", X.tolist(), " Y", Y.tolist())
print("sequential partitioning")
previous = None
for X, Y in seq_data_iter_sequential(toy, batch_size=2, num_steps=5):
    print(" X", X.tolist(), " Y", Y.tolist())
    assert np.array_equal(Y.numpy(), X.numpy() + 1)
    if previous is not None:
        assert np.array_equal(X.numpy()[:, 0], previous[:, -1] + 1)  # the rows continue
    previous = X.numpy()

# %% [markdown]
# ## An RNN from scratch 从零开始实现
#
# $H_t = \tanh(X_t W_{xh} + H_{t-1} W_{hh} + b_h)$ and $O_t = H_t W_{hq} + b_q$, with the parameters as a plain
# list, d2l's way; each step is a few tensor operations, so the graph grows with the sequence.

# %%
batch_size, num_steps, num_hiddens = 32, 35, 128
train_iter, vocab = load_data_time_machine(batch_size, num_steps)
V = len(vocab)


def get_params(vocab_size, num_hiddens):
    def normal(shape):
        return ag.randn(*shape) * 0.01

    params = [normal((vocab_size, num_hiddens)), normal((num_hiddens, num_hiddens)), ag.zeros(num_hiddens),
              normal((num_hiddens, vocab_size)), ag.zeros(vocab_size)]  # fmt: skip
    for p in params:
        p.requires_grad_(True)
    return params


def rnn(inputs, state, params):
    W_xh, W_hh, b_h, W_hq, b_q = params
    H = state
    outputs = []
    for X in inputs:  # inputs: (num_steps, batch, vocab)
        H = ag.tanh(X @ W_xh + H @ W_hh + b_h)
        outputs.append(H @ W_hq + b_q)
    return ag.cat(outputs, dim=0), H


class RNNModelScratch:
    def __init__(self, vocab_size, num_hiddens):
        self.vocab_size, self.num_hiddens = vocab_size, num_hiddens
        self.params = get_params(vocab_size, num_hiddens)

    def __call__(self, X, state):
        X = nn.functional.one_hot(ag.tensor(np.asarray(X)).T, self.vocab_size).float()
        return rnn(X, state, self.params)

    def begin_state(self, batch_size):
        return ag.zeros(batch_size, self.num_hiddens)

    def parameters(self):
        return self.params


scratch = RNNModelScratch(V, num_hiddens)
logits, state = scratch(np.zeros((2, 5), dtype=np.int64), scratch.begin_state(2))
print("outputs", logits.shape, "state", state.shape)

# the same network as nn.RNN + Linear, with the weights copied (nn.RNN keeps them transposed)
concise = RNNModel(nn.RNN(V, num_hiddens), V)
W_xh, W_hh, b_h, W_hq, b_q = scratch.params
concise.load_state_dict({"rnn.weight_ih_l0": W_xh.detach().T, "rnn.weight_hh_l0": W_hh.detach().T,
                         "rnn.bias_ih_l0": b_h.detach(), "rnn.bias_hh_l0": ag.zeros(num_hiddens),
                         "linear.weight": W_hq.detach().T, "linear.bias": b_q.detach()})  # fmt: skip
X, _ = next(iter(train_iter))
ours_scratch = scratch(X, scratch.begin_state(batch_size))[0].detach().numpy()
ours_concise = concise(X, concise.begin_state(batch_size))[0].detach().numpy()
print("largest difference, scratch vs nn.RNN:", np.abs(ours_scratch - ours_concise).max())
assert np.allclose(ours_scratch, ours_concise, atol=1e-5)

# %% [markdown]
# Greedy prediction before training is gibberish. `train_ch8` follows d2l: SGD, gradients clipped to norm 1,
# perplexity 困惑度 $\exp(\text{mean cross-entropy})$ per epoch. The scratch model is trained with it too.

# %%
print("untrained:", predict_ch8("time traveller", 20, scratch, vocab))
ag.manual_seed(0)
scratch_history = train_ch8(scratch, train_iter, vocab, 1.0, EPOCHS // 2, quiet=True)
print(f"scratch RNN, {EPOCHS // 2} epochs: perplexity {scratch_history.perplexity[-1]:.1f}")
print("trained:  ", predict_ch8("time traveller", 40, scratch, vocab))
assert scratch_history.perplexity[-1] < scratch_history.perplexity[0]

# %% [markdown]
# ## Concise RNN, GRU and LSTM 简洁实现
#
# `nn.RNN`, `nn.GRU` and `nn.LSTM` run each layer as one fused operation over the whole sequence (backpropagation
# through time written by hand), with PyTorch's parameter names. Over this few epochs the plain RNN is still
# ahead (the gates have more to learn); d2l trains for 500 epochs, where all three reach perplexities near 1.

# %%
histories, samples = {}, {}
for name, layer in (("RNN", nn.RNN), ("GRU", nn.GRU), ("LSTM", nn.LSTM)):
    ag.manual_seed(0)
    model = RNNModel(layer(V, num_hiddens), V)
    histories[name] = train_ch8(model, train_iter, vocab, 1.0, EPOCHS, quiet=True)
    samples[name] = predict_ch8("time traveller", 40, model, vocab)
fig, ax = plt.subplots(figsize=(6, 3.5))
for name, h in histories.items():
    ax.plot(np.arange(1, EPOCHS + 1), h.perplexity, label=name)
ax.set_xlabel("epoch")
ax.set_ylabel("perplexity")
ax.legend()
for name, h in histories.items():
    print(f"{name:4s} perplexity {h.perplexity[-1]:5.1f}, {h.tokens_per_second[-1]:8.0f} tokens/s  {samples[name]!r}")
print("parameters:", [n for n, _ in model.named_parameters()])
assert all(h.perplexity[-1] < 0.6 * h.perplexity[0] for h in histories.values())

# %% [markdown]
# ## Gradient clipping 梯度裁剪
#
# Through 35 steps, gradients of a recurrent network can grow large. Clipping rescales all of them together so
# that their joint norm is at most θ: $g \leftarrow \min(1, \theta / \|g\|) g$. Below, the gradient norm of every
# minibatch of three epochs, for an RNN trained without clipping and one with it.

# %%
def gradient_norms(clip):
    ag.manual_seed(0)
    model = RNNModel(nn.RNN(V, num_hiddens), V)
    trainer, loss = optim.SGD(model.parameters(), lr=1.0), nn.CrossEntropyLoss()
    norms, state = [], None
    for _ in range(3):
        for X, Y in train_iter:
            state = model.begin_state(X.shape[0]) if state is None else state.detach()
            y_hat, state = model(X, state)
            trainer.zero_grad()
            loss(y_hat, ag.tensor(Y.numpy().T.reshape(-1))).backward()
            norm = nn.utils.clip_grad_norm_(model.parameters(), 1.0 if clip else float("inf"))
            after = np.sqrt(sum(float((p.grad.numpy() ** 2).sum()) for p in model.parameters()))
            norms.append((float(norm), after))
            trainer.step()
    return np.array(norms)


without, with_clip = gradient_norms(False), gradient_norms(True)
fig, ax = plt.subplots(figsize=(6, 3))
ax.semilogy(without[:, 0], label="without clipping")
ax.semilogy(with_clip[:, 0], label="with clipping: norm before")
ax.semilogy(with_clip[:, 1], label="with clipping: norm applied")
ax.set_xlabel("minibatch")
ax.set_ylabel("gradient norm")
ax.legend()
print(f"largest gradient norm without clipping {without[:, 0].max():.2f}; with: applied at most {with_clip[:, 1].max():.3f}")
assert with_clip[:, 1].max() <= 1.0 + 1e-4
