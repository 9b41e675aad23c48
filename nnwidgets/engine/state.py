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
    training: dict[nn.Module, bool]
    requires_grad: dict[nn.Parameter, bool]
    grads: dict[nn.Parameter, torch.Tensor | None]
    hooks: dict[nn.Module, dict[str, list[int]]]


def _snapshot(model: nn.Module) -> _Snapshot:
    modules = list(model.modules())
    params = list(model.parameters())
    return _Snapshot(
        training={m: m.training for m in modules},
        requires_grad={p: p.requires_grad for p in params},
        grads={p: p.grad for p in params},
        hooks={
            m: {name: list(getattr(m, name, {}).keys()) for name in _HOOK_DICTS}
            for m in modules
        },
    )


def _restore(snap: _Snapshot) -> None:
    for module, training in snap.training.items():
        module.training = training
    for param, flag in snap.requires_grad.items():
        if param.requires_grad != flag:
            param.requires_grad_(flag)
    for param, grad in snap.grads.items():
        if param.grad is not grad:
            param.grad = grad
    # Hooks we added are removed through their handles; this only drops any
    # that a failure left behind, never the user's own.
    for module, by_name in snap.hooks.items():
        for name, keys in by_name.items():
            hooks = getattr(module, name, None)
            if hooks is None:
                continue
            for key in [k for k in hooks.keys() if k not in keys]:
                del hooks[key]


@contextlib.contextmanager
def preserved(model: nn.Module, *, train_mode: bool = False) -> Iterator[nn.Module]:
    """Run a block with ``model`` in eval mode (or train mode if asked) and
    restore mode, ``requires_grad``, ``.grad`` and hooks afterwards."""
    snap = _snapshot(model)
    try:
        model.train(train_mode)
        yield model
    finally:
        _restore(snap)


def model_device(model: nn.Module) -> torch.device | None:
    """The device of the model's first parameter or buffer (None if it has neither)."""
    for tensor in model.parameters():
        return tensor.device
    for tensor in model.buffers():
        return tensor.device
    return None


def model_dtype(model: nn.Module) -> torch.dtype | None:
    """The floating dtype of the model's first floating parameter or buffer."""
    for tensor in list(model.parameters()) + list(model.buffers()):
        if tensor.is_floating_point():
            return tensor.dtype
    return None
