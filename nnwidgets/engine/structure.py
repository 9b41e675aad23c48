"""A model's structure as a view lists it: every module, its type, output shape
and parameter count, and what its output is, from one forward pass through hooks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import nn

from .hooks import hooked_forward


@dataclass
class LayerInfo:
    name: str  # as in model.named_modules(); "" is the model itself
    type: str
    depth: int  # 0 for the model, 1 for its children, ...
    output_shape: tuple[int, ...] | None  # of the first tensor output; None if never called
    params: int  # parameters owned by this module itself (not its children)
    trainable: int  # of those, how many require grad
    calls: int  # times called in the forward (shared or reused modules > 1)
    # The output (of a tuple or list: its first element) is a floating-point tensor.
    float_output: bool = False
    # The output is one plain tensor (what a hook-based capture or sweep can record).
    tensor_output: bool = False

    def per_example(self, batch: int) -> tuple[int, ...] | None:
        """The output shape without its batch dimension; None unless the batch comes first."""
        shape = self.output_shape
        return tuple(shape[1:]) if shape and shape[0] == batch else None


def _first_tensor(out: object) -> torch.Tensor | None:
    if isinstance(out, torch.Tensor):
        return out
    if isinstance(out, (tuple, list)):
        for item in out:
            found = _first_tensor(item)
            if found is not None:
                return found
    if isinstance(out, dict):
        for item in out.values():
            found = _first_tensor(item)
            if found is not None:
                return found
    return None


def structure(model: nn.Module, inputs: torch.Tensor) -> list[LayerInfo]:
    """Every module in definition order with its output shape for ``inputs`` (one forward)."""
    shapes: dict[str, tuple[int, ...] | None] = {}
    calls: dict[str, int] = {}
    kinds: dict[str, tuple[bool, bool]] = {}

    def watch(name: str, _module: nn.Module, out: object) -> None:
        t = _first_tensor(out)
        shapes[name] = None if t is None else tuple(t.shape)
        calls[name] = calls.get(name, 0) + 1
        # What a layer tap records: the output, or the first element of a tuple or list.
        first = out[0] if isinstance(out, (tuple, list)) and out else out
        if isinstance(first, torch.Tensor):
            kinds[name] = (first.is_floating_point(), isinstance(out, torch.Tensor))

    hooked_forward(model, inputs, watch)
    infos = []
    for name, module in model.named_modules():
        own = list(module.parameters(recurse=False))
        floating, plain = kinds.get(name, (False, False))
        infos.append(LayerInfo(
            name=name, type=type(module).__name__, depth=0 if not name else name.count(".") + 1,
            output_shape=shapes.get(name), params=sum(p.numel() for p in own),
            trainable=sum(p.numel() for p in own if p.requires_grad), calls=calls.get(name, 0),
            float_output=floating, tensor_output=plain,
        ))
    return infos


def viewable_layers(infos: Sequence[LayerInfo], batch: int) -> list[str]:
    """The submodules a layer view can show: they ran and gave a floating-point tensor
    with the batch first."""
    return [i.name for i in infos if i.name and i.float_output and i.per_example(batch) is not None]
