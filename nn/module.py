"""`Module`: the base of every layer and model; it registers parameters, buffers and submodules by assignment."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple

import numpy as np

from autograd.device import check_device, parse_to
from autograd.grad_mode import no_grad, this_thread
from autograd.tensor import Tensor

from .parameter import Parameter
from .utils import zero_grad_


class IncompatibleKeys(NamedTuple):
    """What `load_state_dict` found missing from, or unexpected in, the state dict it was given."""

    missing_keys: list[str]
    unexpected_keys: list[str]


class Module:
    """Base class of layers and models: subclasses set attributes in `__init__` and define `forward`."""

    training: bool
    _parameters: dict[str, Parameter | None]
    _buffers: dict[str, Tensor | None]
    _modules: dict[str, Module | None]

    def __init__(self) -> None:
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_buffers", {})
        object.__setattr__(self, "_non_persistent", set())
        object.__setattr__(self, "_modules", {})

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required "forward" function')

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        # this thread's stack; what module_scope does, without a context manager's cost
        modules = this_thread.state.module_stack
        modules.append(self)
        try:
            return self.forward(*args, **kwargs)
        finally:
            modules.pop()

    # ---- registration -------------------------------------------------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        registries = self.__dict__.get("_parameters"), self.__dict__.get("_buffers"), self.__dict__.get("_modules")
        params, buffers, modules = registries
        if isinstance(value, (Parameter, Module)):
            if params is None:
                kind = "parameters" if isinstance(value, Parameter) else "module"
                raise AttributeError(f"cannot assign {kind} before Module.__init__() call")
            self._discard(name)
            (params if isinstance(value, Parameter) else modules)[name] = value
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{type(value).__name__}' as parameter '{name}' (Parameter or None expected)"
                )
            params[name] = None
        elif modules is not None and name in modules:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{type(value).__name__}' as child module '{name}' (Module or None expected)"
                )
            modules[name] = None
        elif buffers is not None and name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign '{type(value).__name__}' as buffer '{name}' (Tensor or None expected)")
            buffers[name] = value
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        self._discard(name)
        object.__delattr__(self, name)

    def _discard(self, name: str) -> None:
        """Forget `name` in every registry (before it is registered again, possibly as another kind)."""
        self._parameters.pop(name, None)
        self._buffers.pop(name, None)
        self._non_persistent.discard(name)
        self._modules.pop(name, None)

    def _check_new_name(self, name: Any, kind: str) -> None:
        if not isinstance(name, str):
            raise TypeError(f"{kind} name should be a string, got {type(name).__name__}")
        if not name or "." in name:
            raise KeyError(f'{kind} name can\'t be empty or contain ".", got {name!r}')
        registered = name in self._parameters or name in self._buffers or name in self._modules
        if hasattr(self, name) and not registered:
            raise KeyError(f"attribute '{name}' already exists")

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add a parameter (or None, a declared but absent one, like `Linear(bias=False).bias`)."""
        self._check_new_name(name, "parameter")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"cannot assign '{type(param).__name__}' object to parameter '{name}' (Parameter or None required)"
            )
        self._discard(name)
        self._parameters[name] = param
        object.__setattr__(self, name, param)

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Add a tensor that is state but not a parameter; persistent buffers are part of `state_dict`."""
        self._check_new_name(name, "buffer")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(
                f"cannot assign '{type(tensor).__name__}' object to buffer '{name}' (Tensor or None required)"
            )
        self._discard(name)
        self._buffers[name] = tensor
        if not persistent:
            self._non_persistent.add(name)
        object.__setattr__(self, name, tensor)

    def add_module(self, name: str, module: Module | None) -> None:
        """Add a child module, reachable as an attribute `name`."""
        self._check_new_name(name, "module")
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        self._discard(name)
        self._modules[name] = module
        object.__setattr__(self, name, module)

    # ---- traversal ----------------------------------------------------------------------------------
    def named_modules(self, memo: set[int] | None = None, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """(name, module) for this module and every descendant, each once, depth first."""
        memo = set() if memo is None else memo
        if id(self) in memo:
            return
        memo.add(id(self))
        yield prefix, self
        for name, module in self._modules.items():
            if module is not None:
                yield from module.named_modules(memo, f"{prefix}.{name}" if prefix else name)

    def modules(self) -> Iterator[Module]:
        """This module and every descendant, each once."""
        for _, module in self.named_modules():
            yield module

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """(name, module) for the direct submodules."""
        seen: set[int] = set()
        for name, module in self._modules.items():
            if module is not None and id(module) not in seen:
                seen.add(id(module))
                yield name, module

    def children(self) -> Iterator[Module]:
        """The direct submodules."""
        for _, module in self.named_children():
            yield module

    def _named_members(self, registry: str, prefix: str, recurse: bool) -> Iterator[tuple[str, Tensor]]:
        seen: set[int] = set()
        owners = self.named_modules(prefix=prefix) if recurse else iter([(prefix, self)])
        for owner_name, owner in owners:
            for name, value in getattr(owner, registry).items():
                if value is None or id(value) in seen:
                    continue
                seen.add(id(value))
                yield (f"{owner_name}.{name}" if owner_name else name), value

    def named_parameters(self, prefix: str = "", recurse: bool = True) -> Iterator[tuple[str, Parameter]]:
        """(dotted name, parameter) for every parameter, each shared one once."""
        return self._named_members("_parameters", prefix, recurse)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """Every parameter of this module and (with `recurse`) its descendants, each once."""
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix: str = "", recurse: bool = True) -> Iterator[tuple[str, Tensor]]:
        """(dotted name, buffer) for every buffer."""
        return self._named_members("_buffers", prefix, recurse)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        """Every buffer of this module and (with `recurse`) its descendants."""
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    # ---- modes and bulk operations ------------------------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        """Set training mode (dropout active) on this module and its descendants; returns self."""
        if not isinstance(mode, bool):
            raise ValueError(f"training mode is expected to be boolean, got {type(mode).__name__}")
        for module in self.modules():
            object.__setattr__(module, "training", mode)
        return self

    def eval(self) -> Module:
        """Set evaluation mode (dropout off): `train(False)`; returns self."""
        return self.train(False)

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        """Call `fn` on every submodule (children first) and then on self; returns self."""
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all parameters: to None, or to zeros in place."""
        zero_grad_(self.parameters(), set_to_none)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Set `requires_grad` on every parameter (False freezes them); returns self."""
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def to(self, *args: Any, **kwargs: Any) -> Module:
        """Convert every floating parameter and buffer (and gradient) in place; returns self.

        Takes `Tensor.to`'s arguments: `to(dtype)`, `to(device)`, `to(device, dtype)`, `to(tensor)`, keywords. The
        only device is the CPU (another raises RuntimeError); the dtype must be floating point.
        """
        target, _ = parse_to(args, kwargs, "Module.to")
        if target is None:
            return self
        if target.kind != "f":
            raise TypeError(f"Module.to only accepts floating point dtypes, got {target}")
        for tensor in [*self.parameters(), *self.buffers()]:
            if tensor._data.dtype.kind == "f":
                tensor._data = tensor._data.astype(target)
                if tensor.grad is not None:
                    tensor.grad = Tensor(tensor.grad._data.astype(target))
        return self

    def cpu(self) -> Module:
        """Itself: parameters always live on the CPU."""
        return self

    def cuda(self, device: Any = None) -> Module:
        """Raises RuntimeError: autograd has no CUDA device."""
        check_device("cuda" if device is None else device, "Module.cuda")
        return self

    def float(self) -> Module:
        """Convert floating parameters and buffers to float32; returns self."""
        return self.to(np.float32)

    def double(self) -> Module:
        """Convert floating parameters and buffers to float64; returns self."""
        return self.to(np.float64)

    # ---- state --------------------------------------------------------------------------------------
    def state_dict(self, prefix: str = "", keep_vars: bool = False) -> OrderedDict[str, Tensor]:
        """Every parameter and persistent buffer by dotted name (detached, sharing memory unless `keep_vars`)."""
        state: OrderedDict[str, Tensor] = OrderedDict()
        for owner_name, owner in self.named_modules(prefix=prefix):
            entries = [*owner._parameters.items()]
            entries += [(k, v) for k, v in owner._buffers.items() if k not in owner._non_persistent]
            for name, value in entries:
                if value is not None:
                    state[f"{owner_name}.{name}" if owner_name else name] = value if keep_vars else value.detach()
        return state

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True) -> IncompatibleKeys:
        """Copy values into the parameters and buffers, all or nothing: every key, shape and dtype is checked, and
        every value converted to its target's dtype, before anything changes.

        Shape mismatches and values a tensor cannot hold (str, bytes, object, complex arrays) always raise
        RuntimeError; missing and unexpected keys raise when `strict`, else are returned.
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict).__name__}.")
        own = self.state_dict(keep_vars=True)
        missing = [key for key in own if key not in state_dict]
        unexpected = [key for key in state_dict if key not in own]
        errors = []
        if strict and unexpected:
            errors.append("Unexpected key(s) in state_dict: " + ", ".join(f'"{k}"' for k in unexpected) + ".")
        if strict and missing:
            errors.append("Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in missing) + ".")
        updates = []
        for key, target in own.items():
            if key in state_dict:
                problem, array = _checked_value(key, state_dict[key], target)
                if problem:
                    errors.append(problem)
                else:
                    updates.append((target, array))
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t" + "\n\t".join(errors))
        with no_grad():
            for target, array in updates:
                target.copy_(array)
        return IncompatibleKeys(missing, unexpected)

    # ---- representation -----------------------------------------------------------------------------
    def extra_repr(self) -> str:
        """The layer's settings, shown inside the parentheses of its repr."""
        return ""

    def __repr__(self) -> str:
        extra = self.extra_repr()
        children = [f"({name}): {_indent(repr(module))}" for name, module in self._modules.items()]
        if not children:
            return f"{type(self).__name__}({extra})"
        body = "\n  ".join(([_indent(extra)] if extra else []) + children)
        return f"{type(self).__name__}(\n  {body}\n)"


def _checked_value(key: str, value: Any, target: Tensor) -> tuple[str | None, np.ndarray | None]:
    """(what is wrong with `value` as the new value of `target`, None) or (None, value as an array of its dtype)."""
    array = value._data if isinstance(value, Tensor) else value
    if not isinstance(array, (np.ndarray, np.generic)):
        what = type(value).__name__
        return f'While copying the parameter named "{key}", expected a Tensor or array, got {what}.', None
    if array.dtype.kind not in "biuf":
        return (
            f'While copying the parameter named "{key}", the checkpoint holds dtype {array.dtype}, '
            "which a tensor cannot hold (bool, integer and float dtypes only)."
        ), None
    if np.shape(array) != target.shape:
        return (
            f"size mismatch for {key}: copying a param with shape {tuple(np.shape(array))} from checkpoint, "
            f"the shape in current model is {tuple(target.shape)}."
        ), None
    return None, np.asarray(array, dtype=target.dtype)


def _indent(text: str) -> str:
    """`text` with every line after the first indented by two spaces."""
    return text.replace("\n", "\n  ")
