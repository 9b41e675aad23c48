"""Leave the user's model exactly as we found it.

Explaining a model must not change it: not its train/eval mode, not the
``requires_grad`` flag or ``.grad`` of any parameter, not its registered hooks.
``preserved`` records all of these and restores them on exit, also when the
model (or our own code) raises.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

import torch
from torch import nn
from torch.utils.hooks import RemovableHandle

_HOOK_DICTS = (
    "_forward_hooks",
    "_forward_pre_hooks",
    "_backward_hooks",
    "_backward_pre_hooks",
    "_state_dict_hooks",
    "_load_state_dict_pre_hooks",
)


@dataclass
class _Snapshot:
    modules: list[nn.Module]
    training: list[bool]
    params: list[nn.Parameter]
    requires_grad: list[bool]
    grads: list[torch.Tensor | None]
    next_hook_id: int


def _snapshot(model: nn.Module) -> _Snapshot:
    # Lists, not dicts keyed by module: this runs on every live-view refresh,
    # and the cheapest record is the one restored by position.
    modules = list(model.modules())
    # Read off the module list: model.parameters() would walk the tree again.
    params = [p for m in modules for p in m._parameters.values() if p is not None]
    return _Snapshot(
        modules=modules,
        training=[m.training for m in modules],
        params=params,
        requires_grad=[p.requires_grad for p in params],
        grads=[p.grad for p in params],
        next_hook_id=RemovableHandle.next_id,
    )


def _restore(snap: _Snapshot) -> None:
    for module, training in zip(snap.modules, snap.training):
        if module.training != training:
            module.training = training
    for param, flag, grad in zip(snap.params, snap.requires_grad, snap.grads):
        if param.requires_grad != flag:
            param.requires_grad_(flag)
        if param.grad is not grad:
            param.grad = grad
    # Hook ids come from one global counter, so any id at or above the one
    # recorded was added inside the block. Our own hooks are removed through
    # their handles; this only drops any that a failure left behind, never the
    # user's own.
    if RemovableHandle.next_id != snap.next_hook_id:
        for module in snap.modules:
            for name in _HOOK_DICTS:
                hooks = getattr(module, name, None)
                if hooks:
                    for key in [k for k in hooks if isinstance(k, int) and k >= snap.next_hook_id]:
                        del hooks[key]


@contextlib.contextmanager
def preserved(model: nn.Module, *, train_mode: bool = False) -> Iterator[_Snapshot]:
    """Run a block with ``model`` in eval mode (or train mode if asked) and
    restore mode, ``requires_grad``, ``.grad`` and hooks afterwards.

    Yields the snapshot, whose ``params`` list saves callers another walk
    over the module tree (the walk is a large part of a small model's call).
    """
    snap = _snapshot(model)
    try:
        if any(flag != train_mode for flag in snap.training):
            model.train(train_mode)  # through train(): modules may override it
        yield snap
    finally:
        _restore(snap)


def model_device(model: nn.Module, params: list[nn.Parameter] | None = None) -> torch.device | None:
    """The device of the model's first parameter or buffer (None if it has neither)."""
    for tensor in model.parameters() if params is None else params:
        return tensor.device
    for tensor in model.buffers():
        return tensor.device
    return None


def model_dtype(model: nn.Module, params: list[nn.Parameter] | None = None) -> torch.dtype | None:
    """The floating dtype of the model's first floating parameter or buffer."""
    for tensor in model.parameters() if params is None else params:
        if tensor.is_floating_point():
            return tensor.dtype
    for tensor in model.buffers():
        if tensor.is_floating_point():
            return tensor.dtype
    return None
