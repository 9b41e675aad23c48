"""Dataset sweeps over layer activations: per-unit statistics, dead and saturated
units, and the inputs that excite each unit most. One batched pass on the model's
device, with a progress callback, since a sweep can take a while."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import torch
from torch import nn

from .capture import capture
from .errors import ExplanationInputError
from .layers import resolve_layers
from .progress import step as report_step

Progress = Callable[[int, int], None]  # (examples done, examples in all; 0 if unknown)
SATURATING = (nn.Sigmoid, nn.Tanh, nn.Hardtanh, nn.Hardsigmoid)


@dataclass
class UnitStats:
    """Per-unit results over the data (a unit is a channel of (N, C, ...) outputs,
    a feature of (N, D) outputs, the last axis of (N, T, D) sequence outputs)."""

    mean: torch.Tensor  # (units,) mean unit score
    max: torch.Tensor  # (units,)
    active: torch.Tensor  # (units,) fraction of examples where the unit is > 0 somewhere
    dead: torch.Tensor  # (units,) bool: never > 0 over the data (meaningful only where ``nonnegative``)
    saturated: torch.Tensor | None  # (units,) fraction of values near the limits; saturating layers only
    top_values: torch.Tensor  # (units, k) highest scores, descending
    top_indices: torch.Tensor  # (units, k) their example indices in the data's order
    min: torch.Tensor | None = None  # (units,) smallest value over the data

    @property
    def nonnegative(self) -> bool:
        """Every value of the layer was ≥ 0 over the data (a ReLU, ReLU6, or a pool or
        flatten of one). Only then is a unit that is never > 0 dead: a signed output
        (a Linear or Conv before its activation, logits) that stays ≤ 0 is not."""
        return self.min is not None and bool((self.min >= 0).all())

    @property
    def dead_fraction(self) -> float:
        """Fraction of dead units; NaN where the layer's output is signed (see ``nonnegative``)."""
        return float(self.dead.float().mean()) if self.nonnegative else float("nan")


def _unit_view(act: torch.Tensor) -> torch.Tensor:
    """(N, units, positions): channels of conv maps, features, or the last axis of sequences."""
    if act.dim() == 2:
        return act.unsqueeze(2)
    if act.dim() == 3:  # (N, T, D): units are the last axis
        return act.transpose(1, 2)
    return act.reshape(act.shape[0], act.shape[1], -1)


def _batches(data: torch.Tensor | Iterable, batch_size: int) -> tuple[Iterable[torch.Tensor], int]:
    if isinstance(data, torch.Tensor):
        return (data[i : i + batch_size] for i in range(0, data.shape[0], batch_size)), data.shape[0]
    total = len(data.dataset) if hasattr(data, "dataset") else 0  # a DataLoader

    def inputs_only():
        for batch in data:
            yield batch[0] if isinstance(batch, (tuple, list)) else batch

    return inputs_only(), total


def sweep(
    model: nn.Module, data: torch.Tensor | Iterable, layers: Sequence[str], *, top_k: int = 9,
    batch_size: int = 256, progress: Progress | None = None, saturation: float = 0.99,
) -> dict[str, UnitStats]:
    """Run ``data`` (a tensor or an iterable of batches / (x, y) pairs) through the
    model once and gather every named layer's per-unit statistics.

    ``progress(examples done, examples in all)`` is called after each batch, and
    so is :func:`~nnwidgets.engine.progress.step` with the same counts (total 0
    while unknown; a last ``step(seen, seen)`` then ends the report)."""
    if isinstance(layers, str):
        layers = [layers]
    modules = dict(zip(layers, resolve_layers(model, layers)))
    if top_k < 1 or batch_size < 1:
        raise ExplanationInputError(f"top_k and batch_size must be ≥ 1; got {top_k} and {batch_size}")
    batches, total = _batches(data, batch_size)
    acc: dict[str, dict] = {}
    seen = 0
    for batch in batches:
        acts = capture(model, batch, layers)
        n = batch.shape[0]
        for name in layers:
            units = _unit_view(acts[name].float())
            score = units.mean(dim=2)  # (n, units)
            a = acc.setdefault(name, {
                "sum": torch.zeros(units.shape[1], device=units.device),
                "max": torch.full((units.shape[1],), -torch.inf, device=units.device),
                "min": torch.full((units.shape[1],), torch.inf, device=units.device),
                "active": torch.zeros(units.shape[1], device=units.device),
                "sat": torch.zeros(units.shape[1], device=units.device), "values": 0,
                "top_v": torch.empty(units.shape[1], 0, device=units.device),
                "top_i": torch.empty(units.shape[1], 0, dtype=torch.long, device=units.device),
            })
            a["sum"] += score.sum(0)
            a["max"] = torch.maximum(a["max"], units.amax(dim=(0, 2)))
            a["min"] = torch.minimum(a["min"], units.amin(dim=(0, 2)))
            a["active"] += (units > 0).any(dim=2).float().sum(0)
            if isinstance(modules[name], SATURATING):
                lo, hi = (-1.0, 1.0) if isinstance(modules[name], (nn.Tanh, nn.Hardtanh)) else (0.0, 1.0)
                edge = saturation * (hi - lo) / 2
                centre = (hi + lo) / 2
                a["sat"] += ((units - centre).abs() >= edge).float().sum(dim=(0, 2))
                a["values"] += n * units.shape[2]
            index = torch.arange(seen, seen + n, device=units.device).expand(units.shape[1], n)
            v = torch.cat([a["top_v"], score.T], 1)
            i = torch.cat([a["top_i"], index], 1)
            keep = v.topk(min(top_k, v.shape[1]), dim=1)
            a["top_v"], a["top_i"] = keep.values, i.gather(1, keep.indices)
        seen += n
        if progress is not None:
            progress(seen, total)
        report_step(seen, total)
    if seen == 0:
        raise ExplanationInputError("data holds no examples")
    if seen != total:  # the length was unknown (0) or the loader dropped rows: end at done == total
        report_step(seen, seen)
    result = {}
    for name in layers:
        a = acc[name]
        result[name] = UnitStats(
            mean=a["sum"] / seen, max=a["max"], active=a["active"] / seen, dead=a["active"] == 0,
            saturated=a["sat"] / a["values"] if a["values"] else None,
            top_values=a["top_v"], top_indices=a["top_i"], min=a["min"],
        )
    return result
