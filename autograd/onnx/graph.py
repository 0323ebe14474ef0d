"""`Graph`: the ONNX nodes, initializers and value names built while a recorded graph is converted."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..tensor import Tensor, data_of


class UnsupportedOperatorError(RuntimeError):
    """An operation in the model's graph has no ONNX form in `autograd.onnx.export`."""


class Graph:
    """Collects ONNX nodes and initializers; knows the ONNX name of every value the recorded graph refers to.

    `names` maps `id()` of an input Tensor, or of its array (integer indices reach their node as the array), to
    its name; `state` maps the model's parameters and buffers to their names in its state dict, which their
    initializers get when a node first uses them. Other constants get a new initializer each. `dynamic` says
    whether an input has an axis of varying size, so that a constant tied to the example's sizes is an error.
    """

    def __init__(
        self, onnx: Any, opset: int, names: dict[int, str], state: dict[str, Tensor], dynamic: bool = False
    ) -> None:
        self.onnx, self.opset, self.dynamic = onnx, opset, dynamic
        self.names = dict(names)
        self.state = {id(tensor): (name, tensor) for name, tensor in state.items()}
        self.keep: list[Any] = []  # the constants whose id() is a key below, so no id is reused while converting
        self.nodes: list[Any] = []
        self.initializers: dict[str, Any] = {}
        self.constants: dict[Any, str] = {}
        self.scope = ""  # the module path of the node being converted, for node names
        self._counts: dict[str, int] = {}

    def fresh(self, base: str) -> str:
        """A name not used yet, from `base`."""
        count = self._counts.get(base, 0)
        self._counts[base] = count + 1
        return base if count == 0 and base not in self.initializers else f"{base}_{count}"

    def initializer(self, array: np.ndarray, name: str | None = None) -> str:
        """Store `array` as an initializer (a constant of the model) and return its name."""
        name = name or self.fresh("constant")
        self.initializers[name] = self.onnx.numpy_helper.from_array(np.ascontiguousarray(array), name)
        return name

    def value(self, x: Any, dtype: np.dtype | None = None) -> str:
        """The ONNX name of input `x` of a node (a Tensor, an array or a Python number), as `dtype` if given: a
        named value (an input, a parameter, a node's output) through a Cast node, a constant made in `dtype`."""
        if id(x) in self.state and id(x) not in self.names:
            name, tensor = self.state[id(x)]
            self.names[id(x)] = self.initializer(tensor._data, name)
        name = self.names.get(id(x))
        if name is not None:
            current = _dtype(x)
            if dtype is None or current is None or current == dtype:
                return name
            return self.node("Cast", [name], to=self.onnx.helper.np_dtype_to_tensor_dtype(np.dtype(dtype)))
        array = np.asarray(data_of(x), dtype=dtype)
        if isinstance(x, (Tensor, np.ndarray)):
            key: Any = (id(x), array.dtype.str)
            self.keep.append(x)
        else:  # a Python number: the same value in the same dtype is one constant
            key = (type(x).__name__, repr(x), array.dtype.str)
        if key not in self.constants:
            self.constants[key] = self.initializer(array)
        return self.constants[key]

    def node(self, op_type: str, inputs: Sequence[str], output: str | None = None, **attributes: Any) -> str:
        """Add one node with a single output (named `output`, or a new name) and return the output's name."""
        return self.node_outputs(op_type, inputs, [output], **attributes)[0]

    def node_outputs(self, op_type: str, inputs: Sequence[str], outputs: Sequence[str | None], **attributes: Any):
        """Add one node with several outputs ("" for an output left out); their names."""
        base = f"{self.scope}/{op_type}"
        node_name = self.fresh(base)
        names = [self.fresh(f"{node_name}_output") if out is None else out for out in outputs]
        self.nodes.append(self.onnx.helper.make_node(op_type, list(inputs), names, name=node_name, **attributes))
        return names

    def ints(self, values: Sequence[int]) -> str:
        """An int64 1-d constant (shapes, axes, pads), as ONNX wants them."""
        return self.initializer(np.asarray(values, dtype=np.int64))


def _dtype(x: Any) -> np.dtype | None:
    """The dtype of an array or Tensor; None for a Python number (its constant is made in the dtype asked for)."""
    if isinstance(x, Tensor):
        return x.dtype
    if isinstance(x, (np.ndarray, np.generic)):
        return x.dtype
    return None
