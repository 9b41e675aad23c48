"""Capturing layer outputs through forward hooks."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from .layers import resolve_layers
from .passes import call_model
from .state import preserved
from .validate import check_inputs


def capture(
    model: nn.Module, inputs: torch.Tensor, layers: Sequence[str], *, train_mode: bool = False
) -> dict[str, torch.Tensor]:
    """Run one forward pass and return each named module's output, detached.

    Outputs are cloned as they are produced, so an in-place activation later in
    the model (``ReLU(inplace=True)``) cannot overwrite what was captured.
    """
    layers = [layers] if isinstance(layers, str) else list(layers)
    modules = dict(zip(layers, resolve_layers(model, layers)))
    check_inputs(model, inputs, needs_grad=False)
    captured: dict[str, torch.Tensor] = {}

    def hook_for(name: str):
        def hook(_module: nn.Module, _args: object, output: object) -> None:
            if isinstance(output, torch.Tensor):
                captured[name] = output.detach().clone()

        return hook

    handles = []
    with preserved(model, train_mode=train_mode):
        try:
            for name in layers:
                handles.append(modules[name].register_forward_hook(hook_for(name)))
            with torch.no_grad():
                call_model(model, inputs)
        finally:
            for handle in handles:
                handle.remove()
    return {name: captured[name] for name in layers if name in captured}
