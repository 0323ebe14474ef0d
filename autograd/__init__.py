"""autograd: reverse-mode automatic differentiation on numpy, with a PyTorch-like API.

>>> import autograd
>>> x = autograd.tensor([1.0, 2.0, 3.0], requires_grad=True)
>>> y = 2 * x @ x
>>> y.backward()
>>> x.grad
tensor([ 4.,  8., 12.])
"""

# isort: off
from . import tensor as _tensor  # first: the operations attach themselves to Tensor

# isort: on
from . import autograd_api as autograd  # torch.autograd's place: autograd.autograd.grad, .backward
from . import cuda, distributions, forward, linalg, math, ops
from .animator import Animator
from .autograd_api import grad
from .device import device
from .dual import Dual
from .factories import (
    arange,
    as_tensor,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    normal,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
    randperm,
    tensor,
    zeros,
    zeros_like,
)
from .function import Function
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .ops import *  # noqa: F403 (every operation as a free function, as in PyTorch)
from .random import Generator, manual_seed
from .scalar import Scalar
from .serialization import load, save
from .size import Size
from .tensor import (
    Tensor,
    bool_,
    double,
    float16,
    float32,
    float64,
    half,
    int32,
    int64,
    long,
    uint8,
)
from .tensor_types import (
    BoolTensor,
    ByteTensor,
    DoubleTensor,
    FloatTensor,
    HalfTensor,
    IntTensor,
    LongTensor,
    is_tensor,
    numel,
)
from .training import History, accuracy, evaluate_accuracy, train

bool = bool_  # noqa: A001 (PyTorch's name: autograd.bool)

__version__ = "0.1.0"
