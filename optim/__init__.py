"""Optimizers and learning-rate schedules with PyTorch's names and update rules: `import optim`.

>>> import autograd, nn, optim
>>> w = nn.Parameter(autograd.tensor([1.0, 2.0]))
>>> opt = optim.SGD([w], lr=0.1)  # or net.parameters()
>>> loss = (w**2).sum()  # its gradient is 2w
>>> opt.zero_grad(); loss.backward(); opt.step()  # w - 0.1 * 2w
>>> w
Parameter containing:
tensor([0.8, 1.6], requires_grad=True)
"""

from . import lr_scheduler
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["SGD", "Adagrad", "Adam", "AdamW", "Optimizer", "RMSprop", "lr_scheduler"]
