"""`export`: run a model once, walk the graph it recorded, and write that computation as an ONNX model."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any, BinaryIO

import numpy as np

from ..files import atomic_write
from ..grad_mode import enable_grad
from ..tensor import Tensor, data_of
from .graph import Graph, UnsupportedOperatorError
from .rules import RULES

DEFAULT_OPSET = 17
MIN_OPSET = 13  # Squeeze, Unsqueeze, ReduceSum and Split take their axes as inputs from opset 13 on


def _onnx() -> Any:
    try:
        import onnx
    except ImportError:
        raise ImportError(
            'autograd.onnx.export needs the onnx package: pip install "autograd-tensor[onnx]" (or: pip install '
            "onnx onnxruntime, onnxruntime to run the exported model)"
        ) from None
    return onnx


def export(
    model: Any,
    args: Any,
    f: str | os.PathLike | BinaryIO,
    input_names: Sequence[str] | None = None,
    output_names: Sequence[str] | None = None,
    dynamic_axes: Mapping[str, Mapping[int, str] | Sequence[int]] | None = None,
    opset_version: int = DEFAULT_OPSET,
) -> Any:
    """Write `model` as an ONNX model to `f` (a path or a binary file), as `torch.onnx.export` does, and return it.

    `model` runs once on `args` (a Tensor or a tuple of them) in eval mode (its modes are restored after); the
    operations it recorded become ONNX nodes, its parameters and buffers initializers named as in
    `model.state_dict()` (`0.weight`). `input_names` and `output_names` name the graph's inputs and outputs
    (default `input`, `output`, numbered when there are several); `dynamic_axes` maps such a name to the axes whose
    size may vary, `{"input": {0: "batch"}, "output": {0: "batch"}}` or `{"input": [0]}`. An operation with no
    ONNX form raises UnsupportedOperatorError naming it.
    """
    onnx = _onnx()
    if not MIN_OPSET <= opset_version <= onnx.defs.onnx_opset_version():
        raise ValueError(
            f"onnx.export: opset_version must be between {MIN_OPSET} and {onnx.defs.onnx_opset_version()} (the "
            f"installed onnx's newest), got {opset_version}"
        )
    arguments, inputs = _inputs(args)
    outputs = _run(model, arguments)
    input_names = _names(input_names, "input", len(inputs))
    output_names = _names(output_names, "output", len(outputs))
    proto = _convert(onnx, model, inputs, outputs, input_names, output_names, dynamic_axes or {}, opset_version)
    onnx.checker.check_model(proto)
    data = proto.SerializeToString()
    if hasattr(f, "write"):
        f.write(data)
    else:
        with atomic_write(f, "the ONNX model") as stream:
            stream.write(data)
    return proto


def _inputs(args: Any) -> tuple[tuple[Any, ...], list[Tensor]]:
    """The model's arguments rebuilt with new leaf Tensors (floating ones require grad, so every operation on them
    is recorded), and those leaves in order: the graph's inputs. Nested tuples and lists, an LSTM's (h0, c0), keep
    their nesting in the arguments and are flattened in the inputs, as in `torch.onnx.export`."""
    leaves: list[Tensor] = []

    def rebuild(item: Any, where: str) -> Any:
        if isinstance(item, (tuple, list)):
            return type(item)(rebuild(part, f"{where}[{i}]") for i, part in enumerate(item))
        if not isinstance(item, (Tensor, np.ndarray)):
            raise TypeError(
                f"onnx.export: args must be tensors (or tuples of them), got {type(item).__name__} at args{where}"
            )
        array = data_of(item)
        leaves.append(Tensor(array, requires_grad=array.dtype.kind == "f"))
        return leaves[-1]

    items = args if isinstance(args, tuple) else (args,)
    return tuple(rebuild(item, f"[{i}]") for i, item in enumerate(items)), leaves


def _run(model: Any, arguments: tuple[Any, ...]) -> list[Tensor]:
    """The model's outputs on `arguments`, run in eval mode with the graph recorded; nested tuples are flattened."""
    modes = [(module, module.training) for module in model.modules()] if hasattr(model, "modules") else []
    if hasattr(model, "eval"):
        model.eval()
    try:
        with enable_grad():
            result = model(*arguments)
    finally:
        for module, training in modes:
            module.training = training
    outputs: list[Tensor] = []

    def flatten(value: Any) -> None:
        if isinstance(value, (tuple, list)):
            for item in value:
                flatten(item)
        elif isinstance(value, Tensor):
            outputs.append(value)
        else:
            raise TypeError(f"onnx.export: the model returned a {type(value).__name__}; expected tensors")

    flatten(result)
    return outputs


def _names(names: Sequence[str] | None, base: str, count: int) -> list[str]:
    if names is None:
        return [base] if count == 1 else [f"{base}_{i}" for i in range(count)]
    names = list(names)
    if len(names) != count or len(set(names)) != count:
        raise ValueError(f"onnx.export: {count} distinct {base} names needed, got {names}")
    return names


def _recorded(outputs: list[Tensor]) -> list[tuple[Any, Tensor]]:
    """Every node the outputs depend on with the Tensor it produced, in the order they ran."""
    found: dict[int, tuple[Any, Tensor]] = {}
    stack = [t for t in outputs if t.grad_fn is not None]
    while stack:
        tensor = stack.pop()
        fn = tensor.grad_fn
        if id(fn) in found:
            continue
        found[id(fn)] = (fn, tensor)
        stack.extend(x for x in fn.inputs if isinstance(x, Tensor) and x.grad_fn is not None)
    return sorted(found.values(), key=lambda pair: pair[0].seq)


def _convert(onnx, model, inputs, outputs, input_names, output_names, dynamic_axes, opset) -> Any:
    helper = onnx.helper
    unknown = set(dynamic_axes) - set(input_names) - set(output_names)
    if unknown:
        raise ValueError(f"onnx.export: dynamic_axes names {sorted(unknown)}, which are not inputs or outputs")
    names: dict[int, str] = {}
    for name, tensor in zip(input_names, inputs):
        names[id(tensor)] = names[id(tensor._data)] = name
    state = {}
    if hasattr(model, "named_parameters"):
        state = dict(model.named_parameters()) | dict(model.named_buffers())
    graph = Graph(onnx, opset, names, state, dynamic=any(dynamic_axes.get(name) for name in input_names))
    scopes = {id(m): path for path, m in model.named_modules()} if hasattr(model, "named_modules") else {}

    nodes = _recorded(outputs)
    produced = {id(tensor): name for tensor, name in zip(outputs, output_names)}
    for fn, tensor in nodes:
        rule = RULES.get(type(fn).__name__)
        where = ""
        if fn.module is not None:
            where = f" (in module '{scopes.get(id(fn.module), '?')}', a {type(fn.module).__name__})"
        if rule is None:
            raise UnsupportedOperatorError(
                f"onnx.export: the operation {type(fn).__name__}{where} has no ONNX form; supported: "
                f"{', '.join(sorted(RULES))}"
            )
        graph.scope = "/" + scopes.get(id(fn.module), "").replace(".", "/") if fn.module is not None else ""
        name = produced.pop(id(tensor), None) or graph.fresh(f"{graph.scope}/{type(fn).__name__}_output")
        rule(graph, fn, tensor, name)
        graph.names[id(tensor)] = name
    graph.scope = ""
    for tensor, name in zip(outputs, output_names):
        if graph.names.get(id(tensor)) != name:  # an input, a parameter, or a value already given another name
            graph.node("Identity", [graph.value(tensor)], name)

    def info(name: str, tensor: Tensor) -> Any:
        axes = dynamic_axes.get(name, {})
        axes = axes if isinstance(axes, Mapping) else {axis: f"{name}_dim_{axis}" for axis in axes}
        for axis in axes:
            if not -tensor.ndim <= axis < tensor.ndim:
                raise ValueError(f"onnx.export: dynamic axis {axis} of {name} is out of range for shape {tensor.shape}")
        axes = {axis % tensor.ndim: label for axis, label in axes.items()}
        shape = [axes.get(i, n) for i, n in enumerate(tensor.shape)]
        return helper.make_tensor_value_info(name, helper.np_dtype_to_tensor_dtype(tensor.dtype), shape)

    proto_graph = helper.make_graph(
        graph.nodes,
        type(model).__name__,
        [info(name, tensor) for name, tensor in zip(input_names, inputs)],
        [info(name, tensor) for name, tensor in zip(output_names, outputs)],
        list(graph.initializers.values()),
    )
    return helper.make_model(
        proto_graph,
        producer_name="autograd",
        opset_imports=[helper.make_opsetid("", opset)],
        ir_version=min(onnx.IR_VERSION, _IR_FOR_OPSET.get(opset, onnx.IR_VERSION)),
    )


# The newest IR version each opset's runtimes accept (onnx's table of releases), so that an older onnxruntime
# can load a model written by a newer onnx.
_IR_FOR_OPSET = {13: 7, 14: 7, 15: 8, 16: 8, 17: 8, 18: 8, 19: 9, 20: 9, 21: 10, 22: 10}
