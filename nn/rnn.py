"""Recurrent layers with PyTorch's names, shapes and parameters: `RNN`, `LSTM`, `GRU` and the cells `RNNCell`,
`LSTMCell`, `GRUCell`.

Each layer and direction runs as one fused graph node (`autograd.ops.rnn.RNNLayer`: the whole sequence, with
backpropagation through time written by hand). Parameters are named as in PyTorch (`weight_ih_l0`, `weight_hh_l0`,
`bias_ih_l0`, `bias_hh_l0`, `..._reverse` for the second direction) and laid out the same (gates stacked in
PyTorch's order: LSTM i, f, g, o; GRU r, z, n), so state dicts move between the two unchanged.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

import autograd
from autograd.ops.rnn import MODES, RNNLayer
from autograd.tensor import Tensor, float32, to_dtype

from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter


def _positive(value: Any, name: str, op: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{op}: {name} must be a positive int, got {value!r}")
    return int(value)


def _run_layer(mode: str, x: Tensor, h0: Any, c0: Any, weights: list[Any], reverse: bool) -> Tensor:
    w_ih, w_hh, b_ih, b_hh = weights if len(weights) == 4 else (*weights, None, None)
    return RNNLayer.apply(x, h0, c0, w_ih, w_hh, b_ih, b_hh, mode=mode, reverse=reverse)


class RNNBase(Module):
    """The shared machinery of `RNN`, `LSTM` and `GRU`: parameters, checks, layers and directions."""

    def __init__(
        self,
        mode: str,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        self.mode = mode
        self.input_size = _positive(input_size, "input_size", name)
        self.hidden_size = _positive(hidden_size, "hidden_size", name)
        self.num_layers = _positive(num_layers, "num_layers", name)
        self.bias, self.batch_first, self.bidirectional = bool(bias), bool(batch_first), bool(bidirectional)
        if isinstance(dropout, bool) or not isinstance(dropout, numbers.Real) or not 0 <= dropout <= 1:
            raise ValueError(f"{name}: dropout should be a number in range [0, 1], got {dropout!r}")
        self.dropout = float(dropout)
        dtype = to_dtype(dtype) or float32
        gate_size = MODES[mode] * self.hidden_size
        directions = 2 if self.bidirectional else 1
        self._flat_weights_names: list[str] = []
        for layer in range(self.num_layers):
            layer_input = self.input_size if layer == 0 else self.hidden_size * directions
            for direction in range(directions):
                suffix = f"_l{layer}" + ("_reverse" if direction else "")
                shapes = {"weight_ih": (gate_size, layer_input), "weight_hh": (gate_size, self.hidden_size)}
                if self.bias:
                    shapes.update(bias_ih=(gate_size,), bias_hh=(gate_size,))
                for kind, shape in shapes.items():
                    setattr(self, kind + suffix, Parameter(np.empty(shape, dtype=dtype)))
                    self._flat_weights_names.append(kind + suffix)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every weight and bias ~ U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), as PyTorch."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for weight in self.parameters():
            init.uniform_(weight, -bound, bound)

    @property
    def num_directions(self) -> int:
        return 2 if self.bidirectional else 1

    def _layer_weights(self, layer: int, direction: int) -> list[Parameter]:
        suffix = f"_l{layer}" + ("_reverse" if direction else "")
        kinds = ("weight_ih", "weight_hh", "bias_ih", "bias_hh") if self.bias else ("weight_ih", "weight_hh")
        return [getattr(self, kind + suffix) for kind in kinds]

    def _check_input(self, input: Any) -> bool:  # noqa: A002
        """Checks the input's rank, features and dtype; True when it is batched (3-d)."""
        name = type(self).__name__
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}: expected a Tensor as input, got {type(input).__name__}")
        if input.ndim not in (2, 3):
            raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.ndim}D tensor of shape {input.shape}")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(
                f"{name}: input.size(-1) must be equal to input_size. Expected {self.input_size}, got {input.shape[-1]}"
            )
        if input.dtype.kind != "f":
            raise TypeError(f"{name}: expected a floating point input, got dtype {input.dtype}")
        if input.shape[1 if self.batch_first and input.ndim == 3 else 0] == 0:
            raise RuntimeError(f"{name}: the input sequence is empty (input of shape {input.shape})")
        return input.ndim == 3

    def _check_state(self, state: Any, batch: int, batched: bool, what: str) -> Tensor:
        expected = (self.num_layers * self.num_directions, batch, self.hidden_size)
        if not batched:
            expected = (expected[0], expected[2])
        if not isinstance(state, Tensor):
            raise TypeError(f"{type(self).__name__}: expected {what} to be a Tensor, got {type(state).__name__}")
        if tuple(state.shape) != expected:
            raise RuntimeError(
                f"{type(self).__name__}: Expected {what} size {expected}, got {tuple(state.shape)}"
                + ("" if batched else " (for unbatched 2-D input, hx should also be 2-D)")
            )
        return state if batched else state.unsqueeze(1)

    def _initial_states(self, hx: Any, batch: int, batched: bool, dtype: np.dtype) -> tuple[Any, Any]:
        """h0 and c0 (None except for an LSTM), each (num_layers * num_directions, B, H): given or zeros."""
        lstm = self.mode == "LSTM"
        if hx is None:
            zeros = np.zeros((self.num_layers * self.num_directions, batch, self.hidden_size), dtype=dtype)
            return zeros, (zeros if lstm else None)
        if lstm:
            if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                raise TypeError(f"LSTM: expected hx to be a tuple (h_0, c_0), got {type(hx).__name__}")
            return self._check_state(hx[0], batch, batched, "hidden[0]"), self._check_state(
                hx[1], batch, batched, "hidden[1]"
            )
        return self._check_state(hx, batch, batched, "hidden"), None

    def forward(self, input: Tensor, hx: Any = None) -> tuple[Tensor, Any]:  # noqa: A002 (PyTorch's name)
        """input (T, B, input_size), or (B, T, input_size) with batch_first, or unbatched (T, input_size);
        hx: h_0 (num_layers * num_directions, B, hidden_size) (an LSTM takes (h_0, c_0)), zeros when None.

        Returns (output, h_n) (an LSTM: (output, (h_n, c_n))): output (T, B, num_directions * hidden_size)
        (batch first with batch_first), h_n and c_n (num_layers * num_directions, B, hidden_size); without the
        batch dimension for unbatched input.
        """
        batched = self._check_input(input)
        x = input if batched else input.unsqueeze(1)
        if self.batch_first and batched:
            x = x.transpose(0, 1)
        steps, batch = x.shape[0], x.shape[1]
        h0, c0 = self._initial_states(hx, batch, batched, x.dtype)
        lstm = self.mode == "LSTM"
        h_n, c_n = [], []
        for layer in range(self.num_layers):
            if layer and self.dropout and self.training:
                x = F.dropout(x, self.dropout, True)
            outputs = []
            for direction in range(self.num_directions):
                k = layer * self.num_directions + direction
                out = _run_layer(
                    self.mode, x, h0[k], c0[k] if lstm else None, self._layer_weights(layer, direction), bool(direction)
                )
                if lstm:
                    c_n.append(out[steps])
                    out = out[:steps]
                h_n.append(out[0 if direction else steps - 1])
                outputs.append(out)
            x = outputs[0] if len(outputs) == 1 else autograd.cat(outputs, dim=2)
        output = x.transpose(0, 1) if self.batch_first and batched else x
        h = autograd.stack(h_n)
        state: Any = (h, autograd.stack(c_n)) if lstm else h
        if not batched:
            output = output.squeeze(1)
            state = (state[0].squeeze(1), state[1].squeeze(1)) if lstm else state.squeeze(1)
        return output, state

    def extra_repr(self) -> str:
        parts = [f"{self.input_size}, {self.hidden_size}"]
        if self.num_layers != 1:
            parts.append(f"num_layers={self.num_layers}")
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            parts.append(f"nonlinearity={self.nonlinearity!r}")
        if not self.bias:
            parts.append("bias=False")
        if self.batch_first:
            parts.append("batch_first=True")
        if self.dropout:
            parts.append(f"dropout={self.dropout}")
        if self.bidirectional:
            parts.append("bidirectional=True")
        return ", ".join(parts)


class RNN(RNNBase):
    """Elman RNN: h_t = tanh(W_ih x_t + b_ih + W_hh h_(t-1) + b_hh) (nonlinearity='relu' for ReLU)."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        dtype: Any = None,
    ) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        self.nonlinearity = nonlinearity
        mode = "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"
        super().__init__(mode, input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, dtype)


class LSTM(RNNBase):
    """Long short-term memory: gates i, f, g, o; c_t = f c_(t-1) + i g, h_t = o tanh(c_t). hx is (h_0, c_0)."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, **kwargs: Any) -> None:
        super().__init__("LSTM", input_size, hidden_size, num_layers, **kwargs)


class GRU(RNNBase):
    """Gated recurrent unit: gates r, z, n = tanh(W_in x + b_in + r (W_hn h + b_hn)); h_t = (1 - z) n + z h."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, **kwargs: Any) -> None:
        super().__init__("GRU", input_size, hidden_size, num_layers, **kwargs)


class RNNCellBase(Module):
    """One step of a recurrent layer: parameters weight_ih, weight_hh, bias_ih, bias_hh (no layer suffix)."""

    def __init__(self, mode: str, input_size: int, hidden_size: int, bias: bool = True, dtype: Any = None) -> None:
        super().__init__()
        name = type(self).__name__
        self.mode = mode
        self.input_size = _positive(input_size, "input_size", name)
        self.hidden_size = _positive(hidden_size, "hidden_size", name)
        self.bias = bool(bias)
        dtype = to_dtype(dtype) or float32
        gate_size = MODES[mode] * self.hidden_size
        self.weight_ih = Parameter(np.empty((gate_size, self.input_size), dtype=dtype))
        self.weight_hh = Parameter(np.empty((gate_size, self.hidden_size), dtype=dtype))
        if self.bias:
            self.bias_ih = Parameter(np.empty((gate_size,), dtype=dtype))
            self.bias_hh = Parameter(np.empty((gate_size,), dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    reset_parameters = RNNBase.reset_parameters

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:  # noqa: A002
        """h' (B, H) from input (B, input_size) and hx (B, H), or the same without the batch dim."""
        out, batched = self._step(input, hx)
        return out[0] if batched else out[0, 0]

    def _step(self, input: Tensor, hx: Any) -> Tensor:  # noqa: A002
        """The fused layer on a one-step sequence; returns its (1, B, H) or (2, B, H) output and batchedness."""
        name = type(self).__name__
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}: expected a Tensor as input, got {type(input).__name__}")
        if input.ndim not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.ndim}D instead")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(
                f"{name}: input has inconsistent input_size: got {input.shape[-1]} expected {self.input_size}"
            )
        batched = input.ndim == 2
        x = input if batched else input.unsqueeze(0)
        expected = (x.shape[0], self.hidden_size)
        lstm = self.mode == "LSTM"
        if hx is None:
            zeros = np.zeros(expected, dtype=x.dtype)
            h, c = zeros, (zeros if lstm else None)
        else:
            states = list(hx) if lstm else [hx]
            if lstm and len(states) != 2:
                raise TypeError("LSTMCell: expected hx to be a tuple (h_0, c_0)")
            checked = []
            for state in states:
                if not isinstance(state, Tensor) or tuple(state.shape) != (expected if batched else expected[1:]):
                    shape = tuple(state.shape) if isinstance(state, Tensor) else type(state).__name__
                    raise RuntimeError(
                        f"{name}: Expected hidden size {expected if batched else expected[1:]}, got {shape}"
                    )
                checked.append(state if batched else state.unsqueeze(0))
            h, c = checked[0], (checked[1] if lstm else None)
        weights = [self.weight_ih, self.weight_hh] + ([self.bias_ih, self.bias_hh] if self.bias else [])
        return _run_layer(self.mode, x.unsqueeze(0), h, c, weights, False), batched

    def extra_repr(self) -> str:
        extra = "" if self.bias else ", bias=False"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            extra += f", nonlinearity={self.nonlinearity!r}"
        return f"{self.input_size}, {self.hidden_size}{extra}"


class RNNCell(RNNCellBase):
    """h' = tanh(W_ih x + b_ih + W_hh h + b_hh) (or relu): input (B, input_size) or (input_size,) -> h' (B, H)."""

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh", dtype: Any = None
    ) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: Unknown nonlinearity: {nonlinearity}")
        mode = "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"
        super().__init__(mode, input_size, hidden_size, bias, dtype)
        self.nonlinearity = nonlinearity


class GRUCell(RNNCellBase):
    """One GRU step: input (B, input_size) or (input_size,), hx (B, H) -> h' (B, H)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, dtype: Any = None) -> None:
        super().__init__("GRU", input_size, hidden_size, bias, dtype)


class LSTMCell(RNNCellBase):
    """One LSTM step: input (B, input_size) or (input_size,), hx (h, c) each (B, H) -> (h', c')."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, dtype: Any = None) -> None:
        super().__init__("LSTM", input_size, hidden_size, bias, dtype)

    def forward(self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None) -> tuple[Tensor, Tensor]:  # noqa: A002
        out, batched = self._step(input, hx)
        return (out[0], out[1]) if batched else (out[0, 0], out[1, 0])
