"""Every differentiable operation, as free functions (`autograd.exp(x)`) and as `Tensor` methods."""

from types import ModuleType as _ModuleType

import numpy as np

from .activation import log_softmax, softmax
from .arithmetic import (
    add,
    allclose,
    cast,
    clone,
    div,
    eq,
    equal,
    ge,
    gt,
    le,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    lt,
    mul,
    ne,
    neg,
    pow,
    square,
    sub,
)
from .conv import conv1d, conv2d
from .cumulative import cumprod, cumsum, prod
from .einsum import einsum
from .elementwise import (
    abs,
    clamp,
    cos,
    cosh,
    exp,
    leaky_relu,
    log,
    maximum,
    minimum,
    relu,
    sigmoid,
    sin,
    sinh,
    sqrt,
    tanh,
    where,
)
from .indexing import gather, index_select, masked_fill, masked_select, nonzero, scatter, scatter_add, select
from .linalg import addmm, bmm, dot, ger, matmul, mm, mv, outer
from .normalization import batch_norm, layer_norm
from .pointwise import (
    arctan2,
    atan2,
    ceil,
    erf,
    erfc,
    expm1,
    fix,
    floor,
    fmod,
    isfinite,
    isinf,
    isnan,
    lerp,
    log1p,
    log2,
    log10,
    nan_to_num,
    reciprocal,
    remainder,
    round,
    rsqrt,
    sign,
    softplus,
    tan,
    trunc,
)
from .pool import (
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    adaptive_max_pool1d,
    adaptive_max_pool2d,
    avg_pool1d,
    avg_pool2d,
    max_pool1d,
    max_pool2d,
)
from .rearrange import (
    contiguous,
    diag,
    flip,
    hstack,
    is_contiguous,
    is_floating_point,
    moveaxis,
    movedim,
    repeat,
    roll,
    row_stack,
    tile,
    tril,
    triu,
    unflatten,
    vstack,
)
from .reduce import all, amax, amin, any, argmax, argmin, logsumexp, max, mean, min, norm, std, sum, var
from .scatter_reduce import scatter_reduce
from .shape import (
    broadcast_to,
    cat,
    chunk,
    concat,
    concatenate,
    expand,
    expand_as,
    flatten,
    getitem,
    index_key,
    index_put,
    meshgrid,
    narrow,
    pad,
    permute,
    reshape,
    split,
    squeeze,
    stack,
    t,
    transpose,
    unbind,
    unsqueeze,
    view,
)
from .sorting import argsort, msort, sort, topk

UFUNCS = {
    np.add: add,
    np.subtract: sub,
    np.multiply: mul,
    np.true_divide: div,
    np.power: pow,
    np.negative: neg,
    np.positive: lambda x: x,
    np.matmul: matmul,
    np.exp: exp,
    np.log: log,
    np.sqrt: sqrt,
    np.absolute: abs,
    np.sin: sin,
    np.cos: cos,
    np.sinh: sinh,
    np.cosh: cosh,
    np.tanh: tanh,
    np.square: square,
    np.maximum: maximum,
    np.minimum: minimum,
    np.sign: sign,
    np.equal: eq,
    np.not_equal: ne,
    np.less: lt,
    np.less_equal: le,
    np.greater: gt,
    np.greater_equal: ge,
    np.logical_and: logical_and,
    np.logical_or: logical_or,
    np.logical_not: logical_not,
    np.log1p: log1p,
    np.expm1: expm1,
    np.log2: log2,
    np.log10: log10,
    np.tan: tan,
    np.floor: floor,
    np.ceil: ceil,
    np.trunc: trunc,
    np.rint: round,
    np.reciprocal: reciprocal,
    np.arctan2: atan2,
    np.fmod: fmod,
    np.remainder: remainder,
    np.isnan: isnan,
    np.isinf: isinf,
    np.isfinite: isfinite,
}

# the operations, not the modules they live in (`autograd.linalg` is torch.linalg's namespace, not ops/linalg.py)
__all__ = [
    name
    for name, value in globals().items()
    if not name.startswith("_") and name not in ("np", "UFUNCS") and not isinstance(value, _ModuleType)
]
