"""A character LSTM language-model training step: ours against a hand-written numpy floor and PyTorch's nn.LSTM.

    python -m bench.lstm_lm [--repeats N]

The step is d2l's chapter 9 one: vocabulary 28 (one-hot inputs), hidden 256, 35 steps, batch 32, float32; forward
through the LSTM and a Linear to the vocabulary, mean cross-entropy, backward, clipping of the gradients' joint
norm to 1 (no optimizer step: all three would do the same SGD update). The floor writes forward and
backpropagation through time by hand in numpy, and its gradients are checked against ours before timing. Each
engine runs in its own process per thread count (1 and 2 BLAS threads), which also gives its peak memory.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

import numpy as np

VOCAB, HIDDEN, STEPS, BATCH = 28, 256, 35, 32


def weights(seed: int = 0) -> dict[str, np.ndarray]:
    """PyTorch's parameter layout and default init (U(+-1/sqrt(hidden))), drawn once for every engine."""
    rng = np.random.default_rng(seed)
    bound = 1 / np.sqrt(HIDDEN)
    shapes = {
        "weight_ih_l0": (4 * HIDDEN, VOCAB),
        "weight_hh_l0": (4 * HIDDEN, HIDDEN),
        "bias_ih_l0": (4 * HIDDEN,),
        "bias_hh_l0": (4 * HIDDEN,),
        "linear.weight": (VOCAB, HIDDEN),
        "linear.bias": (VOCAB,),
    }
    return {k: rng.uniform(-bound, bound, s).astype(np.float32) for k, s in shapes.items()}


def batch(seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.integers(0, VOCAB, (BATCH, STEPS)), rng.integers(0, VOCAB, (BATCH, STEPS))


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 + 0.5 * np.tanh(0.5 * x)


def floor_step(w: dict[str, np.ndarray], X: np.ndarray, Y: np.ndarray) -> tuple[float, dict[str, np.ndarray]]:
    """Forward, BPTT and clipping by hand; returns the loss and the clipped gradients."""
    H = HIDDEN
    x = np.eye(VOCAB, dtype=np.float32)[X.T]  # (T, B, V)
    w_ih, w_hh = w["weight_ih_l0"], w["weight_hh_l0"]
    xw = (x.reshape(-1, VOCAB) @ w_ih.T + (w["bias_ih_l0"] + w["bias_hh_l0"])).reshape(STEPS, BATCH, 4 * H)
    acts = np.empty((STEPS, BATCH, 4 * H), dtype=np.float32)
    cs = np.empty((STEPS + 1, BATCH, H), dtype=np.float32)
    tcs = np.empty((STEPS, BATCH, H), dtype=np.float32)
    hs = np.empty((STEPS + 1, BATCH, H), dtype=np.float32)
    hs[0] = cs[0] = 0
    for t in range(STEPS):
        z = xw[t] + hs[t] @ w_hh.T
        a = acts[t]
        a[:, : 2 * H] = _sigmoid(z[:, : 2 * H])
        a[:, 2 * H : 3 * H] = np.tanh(z[:, 2 * H : 3 * H])
        a[:, 3 * H :] = _sigmoid(z[:, 3 * H :])
        cs[t + 1] = a[:, H : 2 * H] * cs[t] + a[:, :H] * a[:, 2 * H : 3 * H]
        tcs[t] = np.tanh(cs[t + 1])
        hs[t + 1] = a[:, 3 * H :] * tcs[t]
    out = hs[1:].reshape(-1, H)
    logits = out @ w["linear.weight"].T + w["linear.bias"]
    shifted = logits - logits.max(axis=1, keepdims=True)
    probs = np.exp(shifted)
    total = probs.sum(axis=1, keepdims=True)
    y = Y.T.reshape(-1)
    rows = np.arange(len(y))
    loss = float((np.log(total[:, 0]) - shifted[rows, y]).mean())
    probs /= total
    probs[rows, y] -= 1
    probs /= len(y)
    grads = {"linear.weight": probs.T @ out, "linear.bias": probs.sum(axis=0)}
    dhs = (probs @ w["linear.weight"]).reshape(STEPS, BATCH, H)
    dz = np.empty_like(acts)
    dh = np.zeros((BATCH, H), dtype=np.float32)
    dc = np.zeros((BATCH, H), dtype=np.float32)
    for t in range(STEPS - 1, -1, -1):
        a = acts[t]
        i, f, g, o = a[:, :H], a[:, H : 2 * H], a[:, 2 * H : 3 * H], a[:, 3 * H :]
        dh = dh + dhs[t]
        dc = dc + dh * o * (1 - tcs[t] * tcs[t])
        d = dz[t]
        d[:, :H] = dc * g * i * (1 - i)
        d[:, H : 2 * H] = dc * cs[t] * f * (1 - f)
        d[:, 2 * H : 3 * H] = dc * i * (1 - g * g)
        d[:, 3 * H :] = dh * tcs[t] * o * (1 - o)
        dc = dc * f
        dh = d @ w_hh
    flat = dz.reshape(-1, 4 * H)
    grads["weight_ih_l0"] = flat.T @ x.reshape(-1, VOCAB)
    grads["weight_hh_l0"] = flat.T @ hs[:-1].reshape(-1, H)
    grads["bias_ih_l0"] = grads["bias_hh_l0"] = flat.sum(axis=0)
    norm = np.sqrt(sum(float(np.vdot(g, g)) for g in grads.values()))
    scale = min(1.0 / (norm + 1e-6), 1.0)
    return loss, {k: g * scale for k, g in grads.items()}


def ours_step_fn(w: dict[str, np.ndarray]):
    import autograd  # noqa: F401
    import nn
    from autograd.language_model import RNNModel

    net = RNNModel(nn.LSTM(VOCAB, HIDDEN), VOCAB)
    net.load_state_dict({("rnn." + k if "linear" not in k else k): autograd.tensor(v) for k, v in w.items()})
    loss_fn = nn.CrossEntropyLoss()
    params = list(net.parameters())

    def step(X, Y):
        net.zero_grad()
        logits, _ = net(X, net.begin_state(BATCH))
        loss = loss_fn(logits, autograd.tensor(Y.T.reshape(-1)))
        loss.backward()
        nn.utils.clip_grad_norm_(params, 1.0)
        names = [n.removeprefix("rnn.") for n, _ in net.named_parameters()]
        return loss.item(), {n: p.grad.detach().numpy() for n, p in zip(names, params)}

    return step


def torch_step_fn(w: dict[str, np.ndarray]):
    import torch

    lstm, linear = torch.nn.LSTM(VOCAB, HIDDEN), torch.nn.Linear(HIDDEN, VOCAB)
    with torch.no_grad():
        for k, v in w.items():
            module, name = (linear, k[7:]) if k.startswith("linear.") else (lstm, k)
            getattr(module, name).copy_(torch.tensor(v))
    params = list(lstm.parameters()) + list(linear.parameters())

    def step(X, Y):
        for p in params:
            p.grad = None
        x = torch.nn.functional.one_hot(torch.tensor(X.T), VOCAB).float()
        out, _ = lstm(x)
        loss = torch.nn.functional.cross_entropy(linear(out.reshape(-1, HIDDEN)), torch.tensor(Y.T.reshape(-1)))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        return loss.item(), None

    return step


def child(engine: str, repeats: int) -> None:
    """Time one engine in this process and print a JSON line."""
    import resource
    import time

    if engine == "torch":
        import torch

        torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    w, (X, Y) = weights(), batch()
    step = {"numpy": lambda X, Y: floor_step(w, X, Y), "ours": ours_step_fn(w), "torch": torch_step_fn(w)}[engine]
    if engine == "ours":  # the floor's hand-written gradients must be the engine's
        _, ref = floor_step(w, X, Y)
        _, got = step(X, Y)
        worst = max(float(np.abs(got[k] - ref[k]).max() / (np.abs(ref[k]).max() + 1e-12)) for k in ref)
        assert worst < 1e-4, f"floor and ours disagree: relative error {worst}"
    for _ in range(3):
        loss, _ = step(X, Y)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step(X, Y)
        times.append(time.perf_counter() - start)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"engine": engine, "ms": 1000 * float(np.median(times)), "loss": loss, "peak_mb": peak}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.repeats)
        return
    print(f"char LSTM LM step: vocab {VOCAB}, hidden {HIDDEN}, {STEPS} steps, batch {BATCH}, fwd+bwd+clipping")
    for threads in (1, 2):
        env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads))
        rows = {}
        for engine in ("numpy", "ours", "torch"):
            cmd = [sys.executable, "-m", "bench.lstm_lm", "--child", engine, "--repeats", str(args.repeats)]
            done = subprocess.run(cmd, env=env, capture_output=True, text=True)
            if done.returncode:
                print(f"  {engine}: failed\n{done.stderr[-2000:]}")
                continue
            rows[engine] = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"\n{threads} thread(s)   ms/step   peak MB   loss")
        for engine, r in rows.items():
            print(f"  {engine:8s} {r['ms']:9.2f} {r['peak_mb']:9.0f}   {r['loss']:.5f}")
        if "numpy" in rows and "ours" in rows:
            print(f"  ours / numpy floor: {rows['ours']['ms'] / rows['numpy']['ms']:.3f}")
        if "torch" in rows and "ours" in rows:
            print(f"  ours / torch:       {rows['ours']['ms'] / rows['torch']['ms']:.3f}")


if __name__ == "__main__":
    main()
