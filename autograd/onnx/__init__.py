"""Export to ONNX: `autograd.onnx.export(model, args, f)`, with `torch.onnx.export`'s arguments.

The model runs once; the graph it records (each Tensor's `grad_fn` and its `inputs`) becomes ONNX nodes, one
rule per operation (`autograd/onnx/rules.py`), and its parameters initializers under their state-dict names. The
file passes `onnx.checker.check_model` and runs in ONNX Runtime. Needs the `onnx` extra:
`pip install "autograd-tensor[onnx]"`.
"""

from .export import export
from .graph import UnsupportedOperatorError

__all__ = ["UnsupportedOperatorError", "export"]
