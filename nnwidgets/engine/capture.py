"""Capturing layer outputs through forward hooks."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from .contract import OutputSpec, with_contract
from .hooks import hooked_forward
from .layers import resolve_layers


def capture(
    model: nn.Module, inputs: torch.Tensor, layers: Sequence[str], *, train_mode: bool = False,
    output: OutputSpec = None,
) -> dict[str, torch.Tensor]:
    """Run one forward pass and return each named module's output, detached.

    Outputs are cloned as they are produced, so an in-place activation later in
    the model (``ReLU(inplace=True)``) cannot overwrite what was captured.
    ``output`` selects the model's output tensor as in :func:`~nnwidgets.engine.attribute`.
    """
    layers = [layers] if isinstance(layers, str) else list(layers)
    model = with_contract(model, output=output)
    modules = dict(zip(layers, resolve_layers(model, layers)))
    captured: dict[str, torch.Tensor] = {}

    def watch(name: str, _module: nn.Module, output: object) -> None:
        if isinstance(output, torch.Tensor):
            captured[name] = output.detach().clone()

    hooked_forward(model, inputs, watch, modules, train_mode=train_mode)
    return {name: captured[name] for name in layers if name in captured}
