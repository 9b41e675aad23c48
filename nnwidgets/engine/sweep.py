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
from .validate import check_inputs

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


def unit_of(neuron: Sequence[int]) -> int:
    """The unit (as :func:`_unit_view` counts them) that holds the neuron at index
    ``neuron`` of one example's output: the last axis of (T, D), else the first."""
    return int(neuron[-1]) if len(neuron) == 2 else int(neuron[0])


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


def gather(data: torch.Tensor | Iterable, indices: Sequence[int]) -> torch.Tensor:
    """The examples at ``indices`` (the sweep's data order) of a tensor or an iterable of batches."""
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


def check_data(model: nn.Module, data: object, like: torch.Tensor) -> None:
    """Check that ``data`` can be swept and read again (:func:`gather`) with inputs
    shaped like the examples of ``like``: a tensor (M, ...) or a re-iterable of batches."""
    if data is None:
        return
    if not isinstance(data, torch.Tensor) and not isinstance(data, Iterable):
        raise ExplanationInputError(
            "data must be a torch.Tensor of inputs (M, ...) like x, or an iterable of batches "
            f"(a DataLoader, or (x, y) pairs); got {type(data).__name__}"
        )
    if not isinstance(data, torch.Tensor) and iter(data) is data:
        raise ExplanationInputError(
            "data must be iterable more than once (a tensor, a DataLoader or a list of batches): it is "
            f"swept once and read again for the top inputs; got a one-shot {type(data).__name__}"
        )
    if isinstance(data, torch.Tensor):
        if data.shape[1:] != like.shape[1:]:
            raise ExplanationInputError(
                f"data must hold inputs shaped like x's examples, (M, {', '.join(map(str, like.shape[1:]))}); "
                f"got {tuple(data.shape)}"
            )
        check_inputs(model, data, needs_grad=False)
