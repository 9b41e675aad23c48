"""The engine's private view of a user's model.

Explaining a model must not write to it, not even for a moment: code in other
cells and other views use the same object while a computation runs. So the
engine never runs on the user's module tree: :func:`private_view` makes a
structural copy of it (a new object per module, with its own ``training`` flag
and, once hooked, its own hook dictionaries) that shares every parameter and buffer tensor.
Our mode switch and our hooks live on the copy and die with it; the user's own
hooks are kept (they are part of what the model computes, e.g. weight norm or
pruning masks) and the user may add or remove theirs meanwhile without either
side noticing the other. Gradients are taken with ``torch.autograd.grad`` w.r.t.
inputs or detached parameter aliases, so ``.grad`` and ``requires_grad`` of the
shared parameters are never touched either.

The hook dictionaries are shared with the user's modules until the engine hooks a
module of the view: :func:`add_forward_hook` first gives that one module its own
copies (copying every module's eleven dictionaries up front cost more than the
rest of a small model's call). So every hook the engine adds goes through
:func:`add_forward_hook`; a test keeps any other ``register_*hook`` call out of the
engine.

In train mode (``train_mode=True``) the buffers are cloned, so BatchNorm's
running statistics of the user's model stay as they are.

Limits: a module reached only through a plain attribute (a Python list of
modules rather than an ``nn.ModuleList``) is the user's own object, not copied.
"""

from __future__ import annotations

import weakref
from collections import OrderedDict
from collections.abc import Callable

import torch
from torch import nn
from torch.utils.hooks import RemovableHandle

# The dictionaries register_forward_hook writes to.
_FORWARD_HOOK_DICTS = ("_forward_hooks", "_forward_hooks_with_kwargs", "_forward_hooks_always_called")

# view -> the user's model it was made from (for caches keyed by the user's model).
_ORIGIN: weakref.WeakKeyDictionary[nn.Module, nn.Module] = weakref.WeakKeyDictionary()
# In a view module's __dict__: False while it shares the user's hook dictionaries, True once it has its own.
_MARK = "_nnw_private"
# view -> what the engine was told about the model (its contract, see contract.py):
# kept beside the view, never on the user's object, and inherited by views of a view.
_TAGS: weakref.WeakKeyDictionary[nn.Module, object] = weakref.WeakKeyDictionary()


def private_view(model: nn.Module, *, train_mode: bool = False) -> nn.Module:
    """A copy of ``model``'s module tree in eval mode (train mode if asked) that
    shares its parameter and buffer tensors (buffers cloned in train mode).

    Cheap: one object and a few small dictionaries per module, no tensor copied
    in eval mode. A module used twice in the tree is copied once.
    """
    memo: dict[int, nn.Module] = {}
    overrides = [False]
    view = _copy(model, train_mode, memo, overrides)
    if overrides[0]:
        # Some module overrides train() (e.g. to keep BatchNorm frozen): honour it,
        # on the copy, which is ours to change.
        view.train(train_mode)
    _ORIGIN[view] = origin(model)
    if model in _TAGS:
        _TAGS[view] = _TAGS[model]
    return view


def tag(view: nn.Module, value: object) -> None:
    """Attach ``value`` to a view (the engine's own object); views made of it inherit it."""
    _TAGS[view] = value


def tag_of(model: object, default: object = None) -> object:
    """What :func:`tag` attached to ``model`` (``default`` if nothing)."""
    try:
        return _TAGS.get(model, default)  # type: ignore[arg-type]
    except TypeError:  # not weak-referenceable: nothing was attached
        return default


def origin(model: nn.Module) -> nn.Module:
    """The user's model a private view was made from (``model`` itself otherwise)."""
    return _ORIGIN.get(model, model)


def _copy(module: nn.Module, train_mode: bool, memo: dict[int, nn.Module], overrides: list[bool]) -> nn.Module:
    found = memo.get(id(module))
    if found is not None:
        return found
    cls = type(module)
    new = cls.__new__(cls)
    memo[id(module)] = new
    state = module.__dict__.copy()
    state[_MARK] = False
    state["_parameters"] = dict(module._parameters)
    state["_buffers"] = {k: (b.clone() if train_mode and b is not None else b) for k, b in module._buffers.items()}
    state["_modules"] = {
        k: (None if child is None else _copy(child, train_mode, memo, overrides)) for k, child in module._modules.items()
    }
    state["training"] = train_mode
    object.__setattr__(new, "__dict__", state)
    if cls.train is not nn.Module.train:
        overrides[0] = True
    return new


def add_forward_hook(view_module: nn.Module, hook: Callable[..., object]) -> RemovableHandle:
    """Register a forward hook on a module of a private view, never on the user's module:
    the view's module first gets its own copies of the hook dictionaries it shares."""
    state = view_module.__dict__
    owned = state.get(_MARK)
    if owned is None:
        raise RuntimeError("add_forward_hook takes a module of a private view, not the user's module")
    if not owned:
        for name in _FORWARD_HOOK_DICTS:
            if name in state:
                state[name] = OrderedDict(state[name])
        state[_MARK] = True
    return view_module.register_forward_hook(hook)


def weights_token(model: nn.Module) -> tuple:
    """A value that changes whenever the model's weights may have: a parameter or
    buffer replaced, moved or updated in place (an optimizer step, BatchNorm's
    running statistics in train mode, ``load_state_dict``). Compare the tokens
    taken before and after a computation to know whether it saw one model."""
    return tuple(
        (id(t), t._version, t.data_ptr())
        for m in model.modules()
        for d in (m._parameters, m._buffers)
        for t in d.values()
        if t is not None
    )
