"""Tests of the training helpers and the demo: accuracy, evaluate_accuracy, train, the progress bar, and models
that must learn (XOR, spirals, Fashion-MNIST)."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import numpy as np
import pytest

import autograd
import nn
import optim
from autograd import demo
from autograd.data import DataLoader, FashionMNIST, TensorDataset, make_spiral, make_xor
from autograd.progress import ProgressBar
from autograd.training import History, accuracy, count_correct, evaluate_accuracy, train

FASHION_MNIST = Path(__file__).resolve().parents[2] / "shared" / "data" / "fashion-mnist"
needs_fashion_mnist = pytest.mark.skipif(
    not (FASHION_MNIST / "t10k-labels-idx1-ubyte.gz").is_file(),
    reason=f"Fashion-MNIST files not found in {FASHION_MNIST}",
)


class Terminal(io.StringIO):
    def isatty(self):
        return True


def spiral_loader(batch_size=30, seed=0):
    X, y = make_spiral(n_per_class=20, n_classes=3, seed=seed)
    return DataLoader(TensorDataset(X, y), batch_size=batch_size, shuffle=True, seed=seed)


# ---- accuracy -------------------------------------------------------------------------------------------
def test_accuracy_of_scores_and_of_predicted_labels():
    scores = autograd.tensor([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7], [0.6, 0.4]])
    labels = autograd.tensor([1, 0, 0, 0])
    assert count_correct(scores, labels) == 3 and accuracy(scores, labels) == 0.75
    assert accuracy(np.array([1, 0, 0, 1]), np.array([1, 0, 1, 1])) == 0.75
    assert accuracy(np.zeros((0, 3)), np.zeros(0, dtype=int)) == 0.0


def test_evaluate_accuracy_runs_in_eval_mode_without_a_graph_and_restores_the_mode():
    seen = []

    class Probe(nn.Module):
        def forward(self, x):
            seen.append((self.training, autograd.is_grad_enabled()))
            return autograd.tensor(np.eye(3, dtype=np.float32)[x._data % 3])

    probe = Probe()
    data = DataLoader(TensorDataset(np.arange(10), np.arange(10) % 3), batch_size=4)
    assert evaluate_accuracy(probe, data) == 1.0
    assert seen == [(False, False)] * 3 and probe.training
    assert evaluate_accuracy(probe.eval(), data) == 1.0 and not probe.training


# ---- train ----------------------------------------------------------------------------------------------
def test_train_returns_the_history_and_prints_one_line_per_epoch():
    autograd.manual_seed(0)
    net = nn.MLP(2, [16], 3)
    out = io.StringIO()
    history = train(net, spiral_loader(), spiral_loader(seed=1), nn.CrossEntropyLoss(), 3,
                    optim.Adam(net.parameters(), lr=0.01), file=out)  # fmt: skip
    assert isinstance(history, History)
    assert len(history.train_loss) == len(history.train_acc) == len(history.test_acc) == 3
    assert len(history.epoch_seconds) == 3 and all(s > 0 for s in history.epoch_seconds)
    assert history.train_loss[-1] < history.train_loss[0]
    lines = out.getvalue().splitlines()
    assert len(lines) == 3 and "\r" not in out.getvalue()
    assert re.match(r"epoch 1/3  loss \d\.\d{4}  train acc \d\.\d{3}  test acc \d\.\d{3}  \(\d+\.\d s\)", lines[0])


def test_train_is_quiet_when_asked_and_works_without_a_test_set():
    net = nn.MLP(2, [4], 3)
    out = io.StringIO()
    history = train(net, spiral_loader(), None, nn.CrossEntropyLoss(reduction="none"), 2,
                    optim.SGD(net.parameters(), lr=0.1), quiet=True, file=out)  # fmt: skip
    assert out.getvalue() == "" and history.test_acc == [] and len(history.train_acc) == 2


def test_train_draws_a_progress_bar_on_a_terminal():
    net = nn.MLP(2, [4], 3)
    terminal = Terminal()
    train(net, spiral_loader(batch_size=6), None, nn.CrossEntropyLoss(), 1, optim.SGD(net.parameters(), lr=0.1),
          file=terminal)  # fmt: skip
    text = terminal.getvalue()
    assert "\repoch 1/1 [" in text and "] 10/10 loss" in text
    assert text.endswith("\n") and text.splitlines()[-1].split("\r")[-1].startswith("epoch 1/1  loss")


# ---- curves, as d2l's Animator draws them (matplotlib's Agg backend: no window, no notebook) -------------------
@pytest.fixture
def pyplot():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    from matplotlib import pyplot

    pyplot.close("all")
    yield pyplot
    pyplot.close("all")


def test_animator_takes_d2ls_arguments_and_its_lines_carry_the_points(pyplot):
    animator = autograd.Animator(xlabel="epoch", ylabel="value", legend=["a", "b"], xlim=[1, 3], ylim=[1, 10],
                                 yscale="log", fmts=("-", "r:"), nrows=2, ncols=2, figsize=(4, 3))  # fmt: skip
    for x in (1, 2, 3):
        animator.add(x, (x * 2.0, None if x == 2 else x + 0.5))
    ax = animator.axes[0]
    assert len(animator.axes) == 4 and tuple(animator.fig.get_size_inches()) == (4, 3)
    (first, second) = ax.get_lines()
    assert list(first.get_xdata()) == [1, 2, 3] and list(first.get_ydata()) == [2.0, 4.0, 6.0]
    assert list(second.get_xdata()) == [1, 3] and list(second.get_ydata()) == [1.5, 3.5]  # None skips a point
    assert second.get_color() == "r" and second.get_linestyle() == ":"
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_yscale()) == ("epoch", "value", "log")
    assert tuple(ax.get_xlim()) == (1, 3) and tuple(ax.get_ylim()) == (1, 10)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b"]


def test_train_plots_the_history_epoch_by_epoch_when_asked(pyplot):
    autograd.manual_seed(0)
    net = nn.MLP(2, [8], 3)
    out = io.StringIO()
    history = train(net, spiral_loader(), spiral_loader(seed=1), nn.CrossEntropyLoss(), 3,
                    optim.Adam(net.parameters(), lr=0.01), file=out, plot=True)  # fmt: skip
    lines = pyplot.gcf().axes[0].get_lines()
    for line, values in zip(lines, (history.train_loss, history.train_acc, history.test_acc), strict=True):
        assert list(line.get_xdata()) == [1, 2, 3] and list(line.get_ydata()) == values
    assert len(out.getvalue().splitlines()) == 3  # not in a notebook: the lines are printed as well


def test_train_draws_nothing_on_a_terminal_or_when_quiet(pyplot):
    net = nn.MLP(2, [4], 3)
    train(net, spiral_loader(), None, nn.CrossEntropyLoss(), 1, optim.SGD(net.parameters(), lr=0.1), file=Terminal())
    out = io.StringIO()
    train(net, spiral_loader(), None, nn.CrossEntropyLoss(), 1, optim.SGD(net.parameters(), lr=0.1), file=out,
          quiet=True, plot=True)  # fmt: skip
    assert pyplot.get_fignums() == [] and out.getvalue() == ""


def test_in_a_notebook_train_redraws_the_figure_each_epoch_and_prints_the_last_line(pyplot, monkeypatch):
    display = pytest.importorskip("IPython.display")
    shown = []
    for module in ("autograd.animator", "autograd.training"):
        monkeypatch.setattr(f"{module}.in_notebook", lambda: True)
    monkeypatch.setattr(display, "display", lambda fig: shown.append(fig))
    monkeypatch.setattr(display, "clear_output", lambda wait=False: shown.append(("clear", wait)))
    net = nn.MLP(2, [4], 3)
    out = io.StringIO()
    train(net, spiral_loader(), None, nn.CrossEntropyLoss(), 2, optim.SGD(net.parameters(), lr=0.1), file=out)
    figure = pyplot.gcf()
    assert shown == [figure, ("clear", True)] * 2
    assert len(figure.axes[0].get_lines()) == 2  # train loss and train accuracy
    assert out.getvalue().splitlines() == [out.getvalue().splitlines()[-1]] and "epoch 2/2" in out.getvalue()


def test_without_matplotlib_animator_says_what_to_install_and_train_prints_lines(monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "matplotlib", None)
    monkeypatch.setitem(__import__("sys").modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match="pip install matplotlib"):
        autograd.Animator()
    monkeypatch.setattr("autograd.training.in_notebook", lambda: True)
    out = io.StringIO()
    net = nn.MLP(2, [4], 3)
    train(net, spiral_loader(), None, nn.CrossEntropyLoss(), 2, optim.SGD(net.parameters(), lr=0.1), file=out)
    assert len(out.getvalue().splitlines()) == 2


def test_train_accepts_a_d2l_style_updater_function():
    autograd.manual_seed(0)
    net = nn.Linear(2, 3)
    calls = []

    def updater(batch_size):
        calls.append(batch_size)
        with autograd.no_grad():
            for p in net.parameters():
                p -= 0.1 * p.grad / batch_size
                p.grad.zero_()

    before = net.weight._data.copy()
    train(net, spiral_loader(batch_size=25), None, nn.CrossEntropyLoss(reduction="none"), 1, updater, quiet=True)
    assert calls == [25, 25, 10] and not np.array_equal(before, net.weight._data)


def test_train_validates_the_number_of_epochs():
    with pytest.raises(ValueError, match="num_epochs must be a non-negative int"):
        train(nn.Linear(2, 3), spiral_loader(), None, nn.CrossEntropyLoss(), 2.5, None)


def test_progress_bar_rendering_and_silence():
    bar = ProgressBar(4, "epoch 1", file=io.StringIO(), enabled=True, width=8)
    bar.update(1)
    assert bar.render("loss 1.0") == "epoch 1 [##------] 1/4 loss 1.0"
    quiet = io.StringIO()
    silent = ProgressBar(4, file=quiet)
    silent.update(4)
    silent.close()
    assert quiet.getvalue() == ""


# ---- models that must learn -----------------------------------------------------------------------------
def test_xor_is_learned_by_a_2_2_1_mlp():
    X, y = make_xor()
    inputs, targets = autograd.tensor(X), autograd.tensor(y.astype(np.float32)).reshape(4, 1)
    # A 2-2-1 network has a local minimum that gets 3 of 4 right (about half of random starts end there,
    # with PyTorch too), so a failed start is retried from the next seed.
    for seed in range(5):
        autograd.manual_seed(seed)
        net = nn.MLP(2, [2], 1, activation=nn.Tanh)
        opt, loss_fn = optim.Adam(net.parameters(), lr=0.05), nn.BCEWithLogitsLoss()
        for _ in range(400):
            opt.zero_grad()
            loss = loss_fn(net(inputs), targets)
            loss.backward()
            opt.step()
        if loss.item() < 0.05:
            break
    assert loss.item() < 0.05
    np.testing.assert_array_equal(net(inputs)._data[:, 0] > 0, y == 1)


def test_demo_learns_the_spirals_and_a_character_model(capsys):
    assert demo.main(["--text-epochs", "20"]) == 0
    out = capsys.readouterr().out
    match = re.search(r"train accuracy (\d\.\d+)", out)
    assert match and float(match.group(1)) >= 0.95
    assert "--fashion-mnist DIR" in out
    perplexity = re.search(r"The Time Machine, \d+ epochs: perplexity (\d+\.\d)", out)
    assert perplexity and float(perplexity.group(1)) < 14  # a uniform guess over 28 characters scores 28
    assert "'time traveller" in out


def test_demo_reports_a_missing_data_directory(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(demo, "spiral", lambda seed: 1.0)
    monkeypatch.setattr(demo, "char_language_model", lambda seed, epochs: (1.0, "time traveller"))
    assert demo.main(["--fashion-mnist", str(tmp_path / "nowhere")]) == 2
    assert "Fashion-MNIST" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        demo.main(["--epochs", "0"])


@pytest.fixture(scope="module")
def fashion_slice():
    """The first 12,800 training images (50 batches) and the first 2,000 test images."""
    train_set, test_set = FashionMNIST(FASHION_MNIST, train=True), FashionMNIST(FASHION_MNIST, train=False)
    n = 12_800
    train_iter = DataLoader(TensorDataset(train_set.images[:n], train_set.labels[:n]), 256, shuffle=True, seed=0)
    test_iter = DataLoader(TensorDataset(test_set.images[:2000], test_set.labels[:2000]), 1000)
    return train_iter, test_iter


@needs_fashion_mnist
def test_d2l_recipe_learns_fashion_mnist_on_a_slice(fashion_slice):
    autograd.manual_seed(0)
    history = demo.d2l_mlp(*fashion_slice, epochs=3, quiet=True)
    assert history.train_loss[0] > history.train_loss[1] > history.train_loss[2]
    assert history.test_acc[-1] >= 0.65


@needs_fashion_mnist
def test_dropout_adam_mlp_learns_fashion_mnist_on_a_slice(fashion_slice):
    autograd.manual_seed(0)
    history = demo.dropout_adam_mlp(*fashion_slice, epochs=2, quiet=True)
    assert history.test_acc[-1] >= 0.78


@needs_fashion_mnist
def test_lenet_learns_fashion_mnist_on_a_slice(fashion_slice):
    """d2l's LeNet, with its Xavier weights, past the sigmoid plateau: Adam takes it there in 150 steps on 3,200
    images (d2l's SGD lr 0.9 needs several hundred, so the full run below checks that recipe)."""
    train_set = fashion_slice[0].dataset
    images, labels = train_set.arrays[0][:3200], train_set.arrays[1][:3200]
    train_iter = DataLoader(TensorDataset(images, labels), 64, shuffle=True, seed=0)
    autograd.manual_seed(0)
    net = demo.lenet()
    history = train(
        net, train_iter, fashion_slice[1], nn.CrossEntropyLoss(), 3, optim.Adam(net.parameters(), lr=3e-3), quiet=True
    )
    assert history.train_loss[-1] < 0.8 * history.train_loss[0], history.train_loss
    assert history.test_acc[-1] > 0.3, history.test_acc  # chance is 0.1


full_runs = pytest.mark.skipif(
    not os.environ.get("AUTOGRAD_FULL_TRAINING"), reason="10-epoch runs; set AUTOGRAD_FULL_TRAINING=1 to run them"
)


@full_runs
@needs_fashion_mnist
@pytest.mark.parametrize(
    ("recipe", "threshold"), [(demo.d2l_mlp, 0.84), (demo.dropout_adam_mlp, 0.88), (demo.d2l_lenet, 0.78)]
)
def test_full_fashion_mnist_runs_reach_the_target_accuracy(recipe, threshold):
    autograd.manual_seed(0)
    history = recipe(*demo.fashion_mnist_loaders(str(FASHION_MNIST)), epochs=10, quiet=True)
    assert history.test_acc[-1] >= threshold
