"""Export to ONNX: `autograd.onnx.export(model, args, f)`, with `torch.onnx.export`'s arguments.

The model runs once; the graph it records (each Tensor's `grad_fn` and its `inputs`) becomes ONNX nodes, one
rule per operation (`autograd/onnx/rules.py`), and its parameters initializers under their state-dict names. The
file passes `onnx.checker.check_model` and runs in ONNX Runtime. Needs the `onnx` extra:
`pip install "autograd-tensor[onnx]"`.

>>> import io
>>> import numpy as np, onnxruntime
>>> import autograd, nn
>>> from autograd.onnx import export
>>> net = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
>>> x = autograd.randn(5, 4)
>>> file = io.BytesIO()  # or a path, "net.onnx"
>>> model = export(net, x, file)
>>> [node.op_type for node in model.graph.node]
['Gemm', 'Relu', 'Gemm']
>>> session = onnxruntime.InferenceSession(file.getvalue(), providers=["CPUExecutionProvider"])
>>> np.allclose(session.run(None, {"input": x.numpy()})[0], net(x).detach().numpy(), atol=1e-6)
True
"""

from .export import export
from .graph import UnsupportedOperatorError

__all__ = ["UnsupportedOperatorError", "export"]
