"""One runner per engine. Each defines VERSION and the builders it can, each returning a callable to time.

- `mlp(params, lr)`: params [W1, b1, ...] float32 with W of shape (in, out); returns `step(x, y)` doing
  one SGD step on softmax cross-entropy (mean) and returning the loss (still holding its graph, if any).
- `op_chain(x, n)`: returns `run()`: forward + backward of `common.chain(x, n, tanh)` summed; the input
  gradient's sum.
- `scalar_chain(n)`: returns `run()`: forward + backward of `common.chain(0.5, n)` on a scalar; its grad.
- `scalar_mlp(weights, xs, ys)`: returns `run()`: one iteration of micrograd's demo (forward, SVM loss
  with L2 reg, backward, SGD update with lr `common.MOONS_LR`); the loss.
- `lenet(params, lr)`: params `common.init_lenet()` (PyTorch's names and shapes); returns `step(x, y)`, one SGD
  step of d2l's LeNet on x (N, 1, 28, 28) float32, cross-entropy (mean); the loss.
- `resnet(params, blocks, lr)`: params `common.init_resnet(blocks, channels)`; returns `step(x, y)`, one SGD step
  of `blocks` d2l Residual blocks (batch norm in training mode), global average pooling and a Linear head; the loss.
- `conv2d(pad)`: returns `step(x, w, b, g)`: `conv2d(x, w, b)` (stride 1, padding `pad`) and the backward of the
  output gradient g; a dict of numpy arrays: the output "y" and the gradients "x", "w", "b".
- `setup(threads)`, optional: called once before the benchmark.
"""
