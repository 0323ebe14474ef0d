"""Optimizers and learning-rate schedules with PyTorch's names and update rules: `import optim`.

>>> opt = optim.SGD(net.parameters(), lr=0.1)
>>> opt.zero_grad(); loss.backward(); opt.step()
"""

from . import lr_scheduler
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["SGD", "Adagrad", "Adam", "AdamW", "Optimizer", "RMSprop", "lr_scheduler"]
