"""Neural-network layers, losses and initialisation with PyTorch's names: `import nn` replaces `from torch import nn`.

>>> import nn
>>> net = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
>>> loss = nn.CrossEntropyLoss()
"""

from . import functional, init, utils
from .activation import LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from .container import Sequential
from .dropout import Dropout
from .linear import Flatten, Identity, Linear
from .loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss, NLLLoss
from .mlp import MLP
from .module import IncompatibleKeys, Module
from .parameter import Parameter
from .rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNBase, RNNCell, RNNCellBase
from .sparse import Embedding

__all__ = [
    "BCELoss",
    "BCEWithLogitsLoss",
    "CrossEntropyLoss",
    "Dropout",
    "Embedding",
    "Flatten",
    "GRU",
    "GRUCell",
    "Identity",
    "IncompatibleKeys",
    "L1Loss",
    "LSTM",
    "LSTMCell",
    "LeakyReLU",
    "Linear",
    "LogSoftmax",
    "MLP",
    "MSELoss",
    "Module",
    "NLLLoss",
    "Parameter",
    "RNN",
    "RNNBase",
    "RNNCell",
    "RNNCellBase",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Softmax",
    "Tanh",
    "functional",
    "init",
    "utils",
]
