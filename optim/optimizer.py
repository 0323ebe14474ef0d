"""`Optimizer`: parameter groups with per-group options, per-parameter state, `zero_grad`, `step`, state dicts."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

from autograd.grad_mode import enable_grad
from autograd.tensor import Tensor, next_modification
from nn.utils import zero_grad_


class Optimizer:
    """Base of the optimizers: `params` is an iterable of tensors, or of dicts (parameter groups with options)."""

    def __init__(self, params: Iterable[Tensor] | Iterable[dict[str, Any]], defaults: dict[str, Any]) -> None:
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or dicts, but got a Tensor"
            )
        self.defaults = dict(defaults)
        self.state: dict[Tensor, dict[str, Any]] = {}
        self.param_groups: list[dict[str, Any]] = []
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], Mapping):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group: Mapping[str, Any]) -> None:
        """Add a group of parameters with its own options (the others come from the defaults)."""
        if not isinstance(param_group, Mapping):
            raise TypeError(f"param_group must be a dict, got {type(param_group).__name__}")
        group = dict(param_group)
        params = group.get("params")
        if params is None:
            raise ValueError("param_group needs a 'params' entry")
        group["params"] = [params] if isinstance(params, Tensor) else list(params)
        for p in group["params"]:
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, but one of the params is {type(p).__name__}")
            if not p.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
        if len({id(p) for p in group["params"]}) != len(group["params"]):
            raise ValueError("optimizer got a parameter group with duplicate parameters")
        existing = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in existing for p in group["params"]):
            raise ValueError("some parameters appear in more than one parameter group")
        for name, default in self.defaults.items():
            group.setdefault(name, default)
        self.param_groups.append(group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of every optimized parameter: to None (default), or to zeros in place."""
        zero_grad_((p for group in self.param_groups for p in group["params"]), set_to_none)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; `closure` (re-evaluating the loss) is called first."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        self._check_grads()  # before any parameter changes: a bad gradient leaves them all as they were
        states = self.state
        # Every updated parameter is changed in place: a backward that saved its old values raises.
        now = next_modification()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    state = states.get(p)
                    if state is None:
                        state = states[p] = {}
                    self._update(p, p.grad._data, state, group)
                    p._version[0] = now
        return loss

    def _check_grads(self) -> None:
        """Raise unless every gradient is a floating point tensor of its parameter's shape."""
        for g, group in enumerate(self.param_groups):
            for i, p in enumerate(group["params"]):
                grad = p.grad
                if grad is None:
                    continue
                if not isinstance(grad, Tensor) or grad._data.shape != p._data.shape or grad._data.dtype.kind != "f":
                    self._raise_bad_gradient(p, grad, f"params[{i}] of param group {g}")

    def _raise_bad_gradient(self, p: Tensor, grad: Any, position: str) -> None:
        """The error for a gradient `_check_grads` refuses, naming the parameter (and its name, when it has one)."""
        name = f"{p.name!r} " if p.name else ""
        where = f"parameter {name}({position}, shape {tuple(p.shape)})"
        if not isinstance(grad, Tensor):
            raise TypeError(f"{type(self).__name__}.step: the gradient of {where} is a {type(grad).__name__}")
        if grad.shape != p.shape:
            raise RuntimeError(
                f"{type(self).__name__}.step: the gradient of {where} has shape {tuple(grad.shape)}; "
                "it must have the parameter's shape"
            )
        raise RuntimeError(
            f"{type(self).__name__}.step: the gradient of {where} has dtype {grad.dtype}; "
            "it must be a floating point dtype"
        )

    def _update(self, param: Tensor, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]) -> None:
        """Apply this optimizer's rule to one parameter, in place on `param._data`."""
        raise NotImplementedError(f"{type(self).__name__}._update")

    # ---- state dicts --------------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """{'state': {index: {name: value}}, 'param_groups': [options with 'params' as indices]}."""
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            for p in group["params"]:
                index.setdefault(id(p), len(index))
            groups.append(
                {**{k: v for k, v in group.items() if k != "params"}, "params": [index[id(p)] for p in group["params"]]}
            )
        state = {index[id(p)]: dict(values) for p, values in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore options and state saved by `state_dict` (copied, cast to each parameter's dtype); all or nothing."""
        saved_groups = state_dict.get("param_groups") if isinstance(state_dict, Mapping) else None
        saved_state = state_dict.get("state") if isinstance(state_dict, Mapping) else None
        if not isinstance(saved_groups, (list, tuple)) or not isinstance(saved_state, Mapping):
            raise ValueError("optimizer state dict must have 'state' (a dict) and 'param_groups' (a list)")
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"loaded state dict has {len(saved_groups)} parameter groups, "
                f"the optimizer has {len(self.param_groups)}"
            )
        by_index: dict[Any, Tensor] = {}
        for i, (saved, group) in enumerate(zip(saved_groups, self.param_groups)):
            saved_params = saved.get("params") if isinstance(saved, Mapping) else None
            if not isinstance(saved_params, (list, tuple)) or len(saved_params) != len(group["params"]):
                raise ValueError(
                    f"loaded state dict contains a parameter group {i} that doesn't match the size of optimizer's group"
                )
            by_index.update(zip(saved_params, group["params"]))
        new_state: dict[Tensor, dict[str, Any]] = {}
        for key, values in saved_state.items():
            if key not in by_index:
                raise ValueError(f"loaded optimizer state refers to parameter {key!r}, which no parameter group holds")
            param = by_index[key]
            new_state[param] = {name: _cast_state(value, param, name) for name, value in values.items()}
        new_groups = [
            {**{k: copy.deepcopy(v) for k, v in saved.items() if k != "params"}, "params": group["params"]}
            for saved, group in zip(saved_groups, self.param_groups)
        ]
        self.state = new_state
        self.param_groups = new_groups

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {key}: {value}" for key, value in sorted(group.items()) if key != "params"]
        return "\n".join(lines) + "\n)"


def _cast_state(value: Any, param: Tensor, name: str) -> Any:
    """A private copy of a saved state value; floating arrays take the parameter's dtype and must match its shape."""
    if isinstance(value, (Tensor, np.ndarray)):
        array = value._data if isinstance(value, Tensor) else value
        if array.dtype.kind == "f":
            if array.ndim and array.shape != param.shape:
                raise ValueError(
                    f"loaded optimizer state {name!r} has shape {array.shape}, the parameter has shape {param.shape}"
                )
            array = array.astype(param.dtype)
        return Tensor(np.array(array))
    return copy.deepcopy(value)
