"""What the Layers view needs beyond the engine calls: which layers can be shown,
per-layer health, and choosing how precisely to send an activation stack."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from ..engine.errors import ExplanationInputError
from ..engine.structure import LayerInfo
from ..engine.sweep import UnitStats
from ..engine.validate import describe

# Above this many values per array, activations and gradients go as float16
# (half the bytes; the view only colours and reads them). Below it, float32, so
# that the hover shows Python's exact numbers.
FLOAT16_ABOVE = 1 << 18


def wire_dtype(numel: int) -> str:
    return "float16" if numel > FLOAT16_ABOVE else "float32"


def as_batch(x: Any) -> torch.Tensor:
    """``x`` as a batch of examples (N, ...), with a clear error for anything else."""
    if not isinstance(x, torch.Tensor):
        raise ExplanationInputError(
            "x must be a torch.Tensor batch of inputs with the examples first, e.g. images "
            f"(N, C, H, W), feature rows (N, F) or token ids (N, T); got {type(x).__name__}"
        )
    if x.dim() < 2 or x.shape[0] == 0:
        raise ExplanationInputError(
            "x must be a batch of inputs with the examples first, e.g. images (N, C, H, W), "
            f"feature rows (N, F) or token ids (N, T), N ≥ 1; got {describe(x)}. "
            "For one example, add the batch dimension: x.unsqueeze(0)"
        )
    return x


def input_kind(x: torch.Tensor) -> str:
    """How the view shows one example: 'image' (C, H, W), 'features' (F,), 'tokens', 'other'."""
    if not x.is_floating_point():
        return "tokens" if x.dim() == 2 else "other"
    if x.dim() == 4:
        return "image"
    if x.dim() == 2:
        return "features"
    return "other"


def layer_rows(infos: Sequence[LayerInfo], batch: int, tensor_layers: set[str]) -> list[dict]:
    """One JSON-able row per module for the view's structure table."""
    rows = []
    for info in infos:
        shape = info.output_shape
        per_example = list(shape[1:]) if shape and shape[0] == batch else None
        rows.append({
            "name": info.name, "type": info.type, "depth": info.depth,
            "shape": per_example if per_example is not None else (list(shape) if shape else None),
            "params": info.params, "trainable": info.trainable, "calls": info.calls,
            # Selectable: ran, gave a float tensor with the batch first.
            "selectable": bool(info.name) and info.name in tensor_layers and per_example is not None,
        })
    return rows


def viewable(act: torch.Tensor) -> torch.Tensor:
    """One example's activation in a form the view draws: (C, H, W) maps, (T, D) or (D,).

    Outputs of other ranks are flattened to units (D,).
    """
    if act.dim() in (1, 2, 3):
        return act
    return act.reshape(-1)


def unit_of(neuron: Sequence[int], rank: int) -> int:
    """The sweep's unit for a neuron index: the channel of (C, H, W), the last axis
    of (T, D), the feature of (D,)."""
    if rank == 3:
        return int(neuron[0])
    return int(neuron[-1])


SIGNED_NOTE = "signed output: a unit never above 0 here is not dead; see the activation after it"
NOT_SWEPT_NOTE = "not measured: the layer's output is not one tensor"
NOT_SATURATING_NOTE = "saturation is measured on sigmoid and tanh layers only"


def health_arrays(
    names: Sequence[str], stats: dict[str, UnitStats]
) -> tuple[np.ndarray, np.ndarray, list[str], list[str]]:
    """Per layer: fraction of dead units and of saturated values (NaN where not
    applicable), and why each NaN is one (the view's tooltip; "" where a number stands).

    "Dead" applies only to layers whose output was ≥ 0 everywhere over the data
    (ReLU, ReLU6, and pools or flattens of them): a signed output that never
    rises above 0 is not a dead unit of that layer."""
    dead = np.full(len(names), np.nan, np.float32)
    saturated = np.full(len(names), np.nan, np.float32)
    dead_why, sat_why = [], []
    for i, name in enumerate(names):
        s = stats.get(name)
        if s is None:
            dead_why.append(NOT_SWEPT_NOTE)
            sat_why.append(NOT_SWEPT_NOTE)
            continue
        dead[i] = s.dead_fraction
        dead_why.append("" if s.nonnegative else SIGNED_NOTE)
        if s.saturated is not None:
            saturated[i] = float(s.saturated.mean())
        sat_why.append("" if s.saturated is not None else NOT_SATURATING_NOTE)
    return dead, saturated, dead_why, sat_why


def gather(data: torch.Tensor | Iterable, indices: Sequence[int]) -> torch.Tensor:
    """The examples at ``indices`` (data order) of a tensor or an iterable of batches."""
    if isinstance(data, torch.Tensor):
        return data[torch.as_tensor(list(indices), dtype=torch.long, device=data.device)]
    wanted = {int(i): None for i in indices}
    seen = 0
    for batch in data:
        batch = batch[0] if isinstance(batch, (tuple, list)) else batch
        for j in range(batch.shape[0]):
            if seen + j in wanted:
                wanted[seen + j] = batch[j]
        seen += batch.shape[0]
    missing = [i for i, v in wanted.items() if v is None]
    if missing:
        raise ExplanationInputError(f"the data gave fewer examples than the sweep saw (missing {missing})")
    return torch.stack([wanted[int(i)] for i in indices])


def weight_of(model: nn.Module, layer: str) -> torch.Tensor | None:
    module = dict(model.named_modules())[layer]
    w = getattr(module, "weight", None)
    return w if isinstance(w, nn.Parameter) and w.is_floating_point() and w.dim() in (2, 4) else None


def probe(model: nn.Module, x: torch.Tensor, names: Sequence[str]) -> dict[str, tuple[bool, bool]]:
    """For each named module, from one forward without gradients: (its output is a
    plain tensor, its first tensor output is floating point). Modules that did not
    run are left out."""
    from ..engine.passes import call_model
    from ..engine.state import preserved

    seen: dict[str, tuple[bool, bool]] = {}
    modules = dict(model.named_modules())

    def hook_for(name: str):
        def hook(_m: nn.Module, _a: object, out: object) -> None:
            first = out[0] if isinstance(out, (tuple, list)) and out else out
            if isinstance(first, torch.Tensor):
                seen[name] = (isinstance(out, torch.Tensor), first.is_floating_point())

        return hook

    handles = []
    with preserved(model):
        try:
            for name in names:
                handles.append(modules[name].register_forward_hook(hook_for(name)))
            with torch.no_grad():
                call_model(model, x)
        finally:
            for handle in handles:
                handle.remove()
    return seen
