"""Finding a layer by name and tapping its output during a forward pass.

A *tap* is a forward hook on one module. It records the module's output as
the autograd graph holds it (so ``torch.autograd.grad`` can be taken w.r.t.
it), and optionally substitutes another tensor for that output (integrated
gradients along a layer). Either way the rest of the model receives a *clone*:
an in-place op further on (``ReLU(inplace=True)``) then modifies the clone,
never the recorded tensor, so both its value and the gradient w.r.t. it stay
those of the layer's output. (Captum's layer hooks do the same.)

Modules that return a tuple or list (``nn.LSTM``, ``nn.MultiheadAttention``)
are tapped at their first element: the output sequence, the attention output.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import torch
from torch import nn

from .contract import CallableModel
from .errors import ExplanationInputError
from .private import add_forward_hook


def resolve_layers(model: nn.Module, names: Sequence[str]) -> list[nn.Module]:
    """The modules called ``names``, or an error listing every valid name."""
    if isinstance(names, str):
        names = [names]
    if isinstance(model, CallableModel):
        raise ExplanationInputError(
            f"layer {list(names)[0]!r}: layer methods need a torch.nn.Module with named submodules; the model is a "
            "plain callable. Pass the module itself, or use a method that needs no layer"
        )
    modules = dict(model.named_modules())
    missing = [name for name in names if not isinstance(name, str) or name not in modules]
    if missing:
        valid = ", ".join(repr(n) for n in modules if n) or "(the model has no submodules)"
        raise ExplanationInputError(f"unknown layer name(s) {missing}; valid names: {valid}")
    return [modules[name] for name in names]


def resolve_layer(model: nn.Module, name: str) -> nn.Module:
    """The module called ``name``, or an error listing every valid name."""
    return resolve_layers(model, [name])[0]


@dataclass
class Tap:
    """What a tap saw: ``output`` is the layer's output in the autograd graph
    (the substitute, when one was given); ``calls`` how often the module ran."""

    name: str
    output: torch.Tensor | None = None
    calls: int = 0
    _replace: torch.Tensor | None = field(default=None, repr=False)

    @property
    def value(self) -> torch.Tensor:
        """The output, detached; an error if the layer never ran."""
        return self.require().detach()

    def require(self) -> torch.Tensor:
        """The output in the graph; an error if the layer never ran."""
        if self.output is None:
            raise ExplanationInputError(
                f"layer {self.name!r} did not run in the model's forward pass; pick a layer "
                "that the model calls on these inputs"
            )
        return self.output


def _first_tensor(name: str, out: object) -> torch.Tensor:
    first = out[0] if isinstance(out, (tuple, list)) and len(out) > 0 else out
    if not isinstance(first, torch.Tensor):
        raise ExplanationInputError(
            f"layer {name!r} returned {type(out).__name__}; layer methods need a module that "
            "returns a tensor (or a tuple whose first element is a tensor)"
        )
    return first


def _with_first(out: object, first: torch.Tensor) -> object:
    if isinstance(out, tuple):
        return (first, *out[1:])
    if isinstance(out, list):
        return [first, *out[1:]]
    return first


def _hook(tap: Tap):
    def hook(_module: nn.Module, _args: object, out: object) -> object:
        original = _first_tensor(tap.name, out)
        tap.calls += 1
        if tap._replace is not None:
            if tap.calls > 1:
                # One substitute for every call would silently change what is integrated.
                raise ExplanationInputError(
                    f"layer {tap.name!r} runs more than once per forward pass; pick a module "
                    "that the model calls once"
                )
            if tap._replace.shape != original.shape:
                raise ExplanationInputError(
                    f"layer {tap.name!r} gave an output of shape {tuple(original.shape)} on the "
                    f"expanded batch; expected {tuple(tap._replace.shape)}"
                )
            recorded = tap._replace
        else:
            recorded = original
            if torch.is_grad_enabled() and recorded.is_floating_point() and not recorded.requires_grad:
                # Nothing before the layer needs a gradient (frozen embedding on token
                # ids): start the graph here so the gradient w.r.t. the layer exists.
                recorded = recorded.detach().requires_grad_(True)
        tap.output = recorded
        return _with_first(out, recorded.clone())

    return hook


@contextlib.contextmanager
def tapped(
    model: nn.Module, names: Sequence[str], *, replace: dict[str, torch.Tensor] | None = None
) -> Iterator[dict[str, Tap]]:
    """Tap the named layers for the forward passes run inside the block.

    ``replace`` maps a layer name to a tensor that stands in for its output
    (it must have the output's shape). A module run several times keeps its
    last output (as ``capture`` does); substituting for such a module is an
    error. Hooks are removed on exit, also when the model raises.
    """
    names = list(dict.fromkeys([names] if isinstance(names, str) else names))
    modules = resolve_layers(model, names)
    replace = replace or {}
    taps = {name: Tap(name, _replace=replace.get(name)) for name in names}
    handles = []
    try:
        for name, module in zip(names, modules):
            handles.append(add_forward_hook(module, _hook(taps[name])))
        yield taps
    finally:
        for handle in handles:
            handle.remove()


class _Stop(BaseException):
    # A BaseException, so neither call_model's wrapping nor a model's own `except
    # Exception` takes it for the model's error.
    pass


def value_before_rest(model: nn.Module, inputs: torch.Tensor, name: str, call) -> torch.Tensor:
    """Layer ``name``'s output (detached) when ``call(inputs)`` runs the model, the
    forward stopped right after the layer's first call: what comes after never runs
    on these inputs (a baseline of padding ids the rest of a model cannot take)."""
    module = resolve_layer(model, name)
    seen: list[torch.Tensor] = []

    def hook(_module: nn.Module, _args: object, out: object) -> None:
        seen.append(_first_tensor(name, out).detach())
        raise _Stop

    handle = add_forward_hook(module, hook)
    try:
        call(inputs)
    except _Stop:
        pass
    finally:
        handle.remove()
    if not seen:
        raise ExplanationInputError(
            f"layer {name!r} did not run in the model's forward pass; pick a layer that the model calls on these inputs"
        )
    return seen[0]
