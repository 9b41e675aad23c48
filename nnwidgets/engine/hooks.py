"""One hooked forward pass: every engine function that watches modules run
(capture, structure, the trust checks, the layer view) goes through it."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import torch
from torch import nn

from .passes import call_model
from .state import preserved
from .validate import check_inputs

# Called as each watched module finishes: (name, module, output).
Watch = Callable[[str, nn.Module, object], None]


def hooked_forward(
    model: nn.Module,
    inputs: torch.Tensor,
    watch: Watch,
    modules: Mapping[str, nn.Module] | None = None,
    *,
    train_mode: bool = False,
) -> torch.Tensor:
    """Run one no-grad forward of ``model`` on ``inputs`` with ``watch`` called for
    every module in ``modules`` (name → module; all named modules when None)
    as it finishes, and return the model's output.

    The model is checked first and left as it was found (``preserved``); the
    hooks are removed also when the model raises.
    """
    check_inputs(model, inputs, needs_grad=False)
    watched = dict(model.named_modules()) if modules is None else modules

    def hook_for(name: str):
        def hook(module: nn.Module, _args: object, output: object) -> None:
            watch(name, module, output)

        return hook

    handles = []
    with preserved(model, train_mode=train_mode):
        try:
            for name, module in watched.items():
                handles.append(module.register_forward_hook(hook_for(name)))
            with torch.no_grad():
                return call_model(model, inputs)
        finally:
            for handle in handles:
                handle.remove()
