"""Recurrent layers as fused operations: one graph node runs one layer in one direction over a whole sequence.

`RNNLayer` computes, for x of shape (T, B, I) and a start state h0 (B, H) (and c0 (B, H) for an LSTM), the hidden
states of every step with PyTorch's equations, weights and gate order (G gates, weight_ih (G H, I), weight_hh
(G H, H), biases (G H,)):

- 'RNN_TANH' / 'RNN_RELU' (G = 1): h' = act(W_ih x + b_ih + W_hh h + b_hh);
- 'LSTM' (G = 4, gates i, f, g, o): i, f, o = sigmoid(.), g = tanh(.) of W_ih x + b_ih + W_hh h + b_hh,
  c' = f c + i g, h' = o tanh(c');
- 'GRU' (G = 3, gates r, z, n): r, z = sigmoid(W_i{r,z} x + b_i{r,z} + W_h{r,z} h + b_h{r,z}),
  n = tanh(W_in x + b_in + r (W_hn h + b_hn)), h' = (1 - z) n + z h.

Its output is the (T, B, H) hidden states in time order (with `reverse`, the steps run from t = T-1 down to 0, as
the backward half of a bidirectional layer); an LSTM's output has one more row, (T + 1, B, H), the last being the
final cell state c_T. `nn.RNN`, `nn.GRU`, `nn.LSTM` and the cells slice h_n and c_n from it.

The input projection W_ih x is one matrix product over all steps; the loop runs only the recurrent product. Backward
is backpropagation through time written by hand: one pass from the last step to the first gives the gradient of
every pre-activation, and then the gradients of x, W_ih, W_hh and the biases are each one matrix product (or sum)
over all steps. `jvp` pushes tangents through the same recurrence forward.

Second order: forward and backward are written with operators and `Op.call` (`Sigmoid`, `Tanh`, `Cat`, `Stack`), so
under `create_graph=True` backward first recomputes the forward steps from the saved inputs as Tensor operations,
then runs the same backpropagation through time on Tensors: the gradient it returns is itself a graph of ordinary
operations (many small nodes), which can be differentiated again. Only the first-order path is fused.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..function import Function, sum_rows
from .elementwise import Relu, Sigmoid, Tanh
from .shape import Cat, Stack

MODES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}  # mode -> number of gates


def _relu_slope(h: Any) -> np.ndarray:
    """d relu / d input at the output h: 1 where h > 0 (a constant even under create_graph: relu'' = 0)."""
    values = np.asarray(h)
    return (values > 0).astype(values.dtype)


def _order(steps: int, reverse: bool) -> range:
    return range(steps - 1, -1, -1) if reverse else range(steps)


def _run(mode, x, h, c, w_ih, w_hh, b_ih, b_hh, reverse):
    """The forward recurrence: hidden states in time order, the final cell state, and each step's cache."""
    steps, batch = x.shape[0], x.shape[1]
    hidden = w_hh.shape[1]
    xw = x.reshape(steps * batch, x.shape[2]) @ w_ih.T
    if b_ih is not None:
        xw = xw + b_ih
    xw = xw.reshape(steps, batch, xw.shape[-1])
    hs: list[Any] = [None] * steps
    cache: list[Any] = [None] * steps
    for t in _order(steps, reverse):
        hh = h @ w_hh.T
        if b_hh is not None:
            hh = hh + b_hh
        if mode == "LSTM":
            z = xw[t] + hh
            sig_if = Sigmoid.apply_or_run(z[:, : 2 * hidden])
            i, f = sig_if[:, :hidden], sig_if[:, hidden:]
            g = Tanh.apply_or_run(z[:, 2 * hidden : 3 * hidden])
            o = Sigmoid.apply_or_run(z[:, 3 * hidden :])
            c_prev = c
            c = f * c + i * g
            tc = Tanh.apply_or_run(c)
            cache[t] = (h, c_prev, i, f, g, o, tc)
            h = o * tc
        elif mode == "GRU":
            xt = xw[t]
            rz = Sigmoid.apply_or_run(xt[:, : 2 * hidden] + hh[:, : 2 * hidden])
            r, u = rz[:, :hidden], rz[:, hidden:]
            hh_n = hh[:, 2 * hidden :]
            n = Tanh.apply_or_run(xt[:, 2 * hidden :] + r * hh_n)
            cache[t] = (h, r, u, n, hh_n)
            h = n + u * (h - n)
        else:
            cache[t] = (h,)
            a = xw[t] + hh
            h = Tanh.apply_or_run(a) if mode == "RNN_TANH" else Relu.apply_or_run(a)
        hs[t] = h
    return hs, c, cache


def _bptt(mode, grad, cache, hs, needs, x, w_ih, w_hh, has_bias_ih, has_bias_hh, reverse):
    """Backpropagation through time: the gradients of (x, h0, c0, w_ih, w_hh, b_ih, b_hh) from the output's."""
    steps, batch = x.shape[0], x.shape[1]
    hidden = w_hh.shape[1]
    d_xw: list[Any] = [None] * steps  # d loss / d (W_ih x + b_ih) at each step
    d_hh: list[Any] = [None] * steps  # d loss / d (W_hh h + b_hh), the same except for a GRU's n gate
    dh = None
    dc = grad[steps] if mode == "LSTM" else None
    for t in reversed(_order(steps, reverse)):
        dh = grad[t] if dh is None else dh + grad[t]
        if mode == "LSTM":
            h_prev, c_prev, i, f, g, o, tc = cache[t]
            dc = dh * o * (1 - tc * tc) + dc
            d = Cat.apply_or_run(
                dc * g * i * (1 - i), dc * c_prev * f * (1 - f), dc * i * (1 - g * g), dh * tc * o * (1 - o), axis=1
            )
            d_xw[t] = d_hh[t] = d
            dc = dc * f
            dh = d @ w_hh
        elif mode == "GRU":
            h_prev, r, u, n, hh_n = cache[t]
            dn = dh * (1 - u) * (1 - n * n)
            dr = dn * hh_n * r * (1 - r)
            du = dh * (h_prev - n) * u * (1 - u)
            d_xw[t] = Cat.apply_or_run(dr, du, dn, axis=1)
            d_hh[t] = Cat.apply_or_run(dr, du, dn * r, axis=1)
            dh = dh * u + d_hh[t] @ w_hh
        else:
            h_out = hs[t]
            d = dh * (1 - h_out * h_out) if mode == "RNN_TANH" else dh * _relu_slope(h_out)
            d_xw[t] = d_hh[t] = d
            dh = d @ w_hh
    rows = steps * batch
    gates = w_hh.shape[0]
    dxw = Stack.apply_or_run(*d_xw, axis=0).reshape(rows, gates)
    dhh = dxw if mode != "GRU" else Stack.apply_or_run(*d_hh, axis=0).reshape(rows, gates)
    gx = (dxw @ w_ih).reshape(x.shape) if needs[0] else None
    gw_ih = dxw.T @ x.reshape(rows, x.shape[2]) if needs[3] else None
    gw_hh = None
    if needs[4]:
        h_prevs = Stack.apply_or_run(*(entry[0] for entry in cache), axis=0).reshape(rows, hidden)
        gw_hh = dhh.T @ h_prevs
    gb_ih = sum_rows(dxw) if has_bias_ih and needs[5] else None
    gb_hh = sum_rows(dhh) if has_bias_hh and needs[6] else None
    return gx, dh, dc, gw_ih, gw_hh, gb_ih, gb_hh


class RNNLayer(Function):
    """One recurrent layer in one direction over a sequence: x (T, B, I), h0 (B, H), c0 (B, H) or None (LSTM only),
    weight_ih (G H, I), weight_hh (G H, H), bias_ih and bias_hh (G H,) or None -> (T, B, H), or (T + 1, B, H) for
    an LSTM (the last row is c_T). `mode` is 'RNN_TANH', 'RNN_RELU', 'LSTM' or 'GRU'; see the module docstring."""

    saves = (0, 1, 2, 3, 4, 5, 6)

    def forward(self, x, h0, c0, w_ih, w_hh, b_ih, b_hh, mode, reverse=False):
        self.mode, self.reverse = mode, reverse
        self.has_bias = (b_ih is not None, b_hh is not None)
        self.saved = (x, h0, c0, w_ih, w_hh, b_ih, b_hh)
        hs, c, self.cache = _run(mode, x, h0, c0, w_ih, w_hh, b_ih, b_hh, reverse)
        self.hs = hs
        return np.stack(hs + [c] if mode == "LSTM" else hs)

    def backward(self, grad):
        x, h0, c0, w_ih, w_hh, b_ih, b_hh = self.saved
        cache, hs = self.cache, self.hs
        if not isinstance(grad, np.ndarray):  # create_graph: recompute the steps as Tensor operations
            hs, _, cache = _run(self.mode, x, h0, c0, w_ih, w_hh, b_ih, b_hh, self.reverse)
        needs = [self.needs_grad(k) for k in range(7)]
        return _bptt(self.mode, grad, cache, hs, needs, x, w_ih, w_hh, *self.has_bias, self.reverse)

    def jvp(self, tx, th0, tc0, tw_ih, tw_hh, tb_ih, tb_hh):
        x, h0, c0, w_ih, w_hh, b_ih, b_hh = self.saved
        mode, hidden = self.mode, w_hh.shape[1]
        steps, batch = x.shape[0], x.shape[1]
        txw = np.zeros((steps, batch, w_hh.shape[0]), dtype=np.result_type(x, w_ih))
        if tx is not None:
            txw += tx @ w_ih.T
        if tw_ih is not None:
            txw += x @ tw_ih.T
        if tb_ih is not None:
            txw += tb_ih
        dh = np.zeros_like(h0) if th0 is None else th0
        dc = None
        if mode == "LSTM":
            dc = np.zeros_like(c0) if tc0 is None else tc0
        out = []
        for t in _order(steps, self.reverse):
            entry = self.cache[t]
            h_prev = entry[0]
            dhh = dh @ w_hh.T
            if tw_hh is not None:
                dhh = dhh + h_prev @ tw_hh.T
            if tb_hh is not None:
                dhh = dhh + tb_hh
            if mode == "LSTM":
                _, c_prev, i, f, g, o, tc = entry
                dz = txw[t] + dhh
                di = dz[:, :hidden] * i * (1 - i)
                df = dz[:, hidden : 2 * hidden] * f * (1 - f)
                dg = dz[:, 2 * hidden : 3 * hidden] * (1 - g * g)
                do = dz[:, 3 * hidden :] * o * (1 - o)
                dc = df * c_prev + f * dc + di * g + i * dg
                dh = do * tc + o * (1 - tc * tc) * dc
            elif mode == "GRU":
                _, r, u, n, hh_n = entry
                xt = txw[t]
                dr = (xt[:, :hidden] + dhh[:, :hidden]) * r * (1 - r)
                du = (xt[:, hidden : 2 * hidden] + dhh[:, hidden : 2 * hidden]) * u * (1 - u)
                dn = (xt[:, 2 * hidden :] + dr * hh_n + r * dhh[:, 2 * hidden :]) * (1 - n * n)
                dh = dn + du * (h_prev - n) + u * (dh - dn)
            else:
                h_out = self.hs[t]
                slope = 1 - h_out * h_out if mode == "RNN_TANH" else _relu_slope(h_out)
                dh = slope * (txw[t] + dhh)
            out.append((t, dh))
        result = np.empty((steps + (mode == "LSTM"), batch, hidden), dtype=txw.dtype)
        for t, value in out:
            result[t] = value
        if mode == "LSTM":
            result[steps] = dc
        return result
