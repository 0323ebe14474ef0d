"""Convolution layers: `Conv1d` and `Conv2d`, with PyTorch's arguments, attributes, initialisation and repr."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from autograd.ops.conv import ntuple
from autograd.tensor import Tensor, float32, to_dtype

from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter

_PADDING_MODES = {"zeros": "constant", "reflect": "reflect", "replicate": "replicate", "circular": "circular"}


class _ConvNd(Module):
    """What Conv1d and Conv2d share: weight (out, in/groups, *kernel), bias (out,), and the padding modes."""

    dims: int

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        dilation: Any = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        dtype: Any = None,
    ) -> None:
        super().__init__()
        name, n = type(self).__name__, self.dims
        for what, value in (("in_channels", in_channels), ("out_channels", out_channels), ("groups", groups)):
            if isinstance(value, bool) or not isinstance(value, int) or value < (1 if what == "groups" else 0):
                raise ValueError(
                    f"{name}: {what} must be a {'positive' if what == 'groups' else 'non-negative'} int, got {value!r}"
                )
        if in_channels % groups:
            raise ValueError(f"{name}: in_channels must be divisible by groups ({in_channels} % {groups})")
        if out_channels % groups:
            raise ValueError(f"{name}: out_channels must be divisible by groups ({out_channels} % {groups})")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(
                f"{name}: padding_mode must be one of {', '.join(map(repr, _PADDING_MODES))}, got {padding_mode!r}"
            )
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = ntuple(kernel_size, n, "kernel_size", name)
        self.stride = ntuple(stride, n, "stride", name)
        self.dilation = ntuple(dilation, n, "dilation", name)
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"Invalid padding string {padding!r}, should be one of {{'valid', 'same'}}")
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
            self.padding: Any = padding
        else:
            self.padding = ntuple(padding, n, "padding", name, minimum=0)
        self.padding_mode = padding_mode
        self.output_padding, self.transposed = (0,) * n, False
        dtype = to_dtype(dtype) or float32
        self.weight = Parameter(np.empty((out_channels, in_channels // groups, *self.kernel_size), dtype=dtype))
        if bias:
            self.bias = Parameter(np.empty((out_channels,), dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """weight ~ kaiming_uniform_(a=sqrt(5)) = U(-1/sqrt(fan_in), 1/sqrt(fan_in)), bias likewise, as PyTorch."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.weight.shape[1] * math.prod(self.kernel_size)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
            init.uniform_(self.bias, -bound, bound)

    def _explicit_padding(self, input: Tensor) -> tuple[Tensor, Any]:  # noqa: A002
        """For a padding mode other than zeros: the input padded by F.pad, and the convolution's own padding (0)."""
        if self.padding_mode == "zeros":
            return input, self.padding
        if isinstance(self.padding, str):
            if self.padding == "valid":
                return input, 0
            totals = [d * (k - 1) for d, k in zip(self.dilation, self.kernel_size)]
            pairs = [(t // 2, t - t // 2) for t in totals]
        else:
            pairs = [(p, p) for p in self.padding]
        widths = [w for pair in reversed(pairs) for w in pair]  # F.pad lists the last dimension first
        return F.pad(input, widths, mode=_PADDING_MODES[self.padding_mode]), 0

    def extra_repr(self) -> str:
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * self.dims:
            text += f", padding={self.padding}"
        if self.dilation != (1,) * self.dims:
            text += f", dilation={self.dilation}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        if self.padding_mode != "zeros":
            text += f", padding_mode={self.padding_mode}"
        return text


class Conv2d(_ConvNd):
    """2-d convolution (cross-correlation): (N, C_in, H, W) -> (N, C_out, OH, OW), weight (C_out, C_in/G, kh, kw).

    Arguments as PyTorch's: in_channels, out_channels, kernel_size, stride=1, padding=0 (ints, pairs, 'valid' or
    'same'), dilation=1, groups=1, bias=True, padding_mode='zeros', dtype=None.
    """

    dims = 2

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002 (PyTorch's name)
        x, padding = self._explicit_padding(input)
        return F.conv2d(x, self.weight, self.bias, self.stride, padding, self.dilation, self.groups)


class Conv1d(_ConvNd):
    """1-d convolution (cross-correlation): (N, C_in, L) -> (N, C_out, OL); weight (C_out, C_in/groups, k), with
    Conv2d's arguments (ints for the sizes)."""

    dims = 1

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002 (PyTorch's name)
        x, padding = self._explicit_padding(input)
        return F.conv1d(x, self.weight, self.bias, self.stride, padding, self.dilation, self.groups)
