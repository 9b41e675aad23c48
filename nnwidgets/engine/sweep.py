"""Dataset sweeps over layer activations: per-unit statistics, dead and saturated
units, and the inputs that excite each unit most. One batched pass on the model's
device, with a progress callback, since a sweep can take a while. The pass
updates a mergeable :class:`~nnwidgets.engine.sweep_state.SweepState`, so
shards swept elsewhere (Ray Data, torchrun ranks: see ``distributed``) combine
into what one pass would give."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import torch
from torch import nn
from torch.utils.data import Dataset

from .data import batches, length, take
from .errors import ExplanationInputError
from .hooks import watched
from .layers import resolve_layers
from .passes import call_model
from .progress import step as report_step
from .sweep_state import Limits, SweepState
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
    count: int = 0  # examples swept
    saturated_values: int = 0  # the values ``saturated`` is a fraction of (saturating layers)

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


def layer_limits(module: nn.Module) -> Limits | None:
    """The output range of a saturating layer, else None."""
    if not isinstance(module, SATURATING):
        return None
    return (-1.0, 1.0) if isinstance(module, (nn.Tanh, nn.Hardtanh)) else (0.0, 1.0)


def sweep_batch(
    model: nn.Module, x: torch.Tensor, layers: Sequence[str], state: SweepState, ids: torch.Tensor | None = None,
    *, keep: torch.Tensor | None = None, also: Callable[[str, torch.Tensor], None] | None = None,
) -> torch.Tensor:
    """Fold one batch into ``state``: one hooked forward, each layer reduced in its
    hook (no copy of the activations). ``ids`` are the examples' global ids
    (default: the next positions after what ``state`` has seen); ``keep`` (bool,
    (n,)) drops rows, e.g. a DistributedSampler's padding, before they count.
    ``also(name, output)`` sees each raw layer output first. Returns the model's output."""
    return SweepPass(model, layers)(x, state, ids, keep=keep, also=also)


class SweepPass:
    """The hooked private view of a model that a sweep runs every batch through: made
    once per sweep (its hooks then only need to know which batch they see), so a batch
    costs a forward and each layer's few reductions, not a new view as well."""

    def __init__(self, model: nn.Module, layers: Sequence[str]) -> None:
        modules = dict(zip(layers, resolve_layers(model, layers)))
        self._limits = {name: layer_limits(m) for name, m in modules.items()}
        self._batch: tuple | None = None
        self._view = watched(model, self._watch, modules)

    def _watch(self, name: str, _module: nn.Module, output: object) -> None:
        if not isinstance(output, torch.Tensor) or self._batch is None:
            return
        state, ids, keep, also = self._batch
        if also is not None:
            also(name, output)
        units = _unit_view(output.detach())
        if keep is not None:
            units = units[keep.to(units.device)]
        if units.shape[0]:
            state.update(name, units, ids, self._limits[name])

    def __call__(
        self, x: torch.Tensor, state: SweepState, ids: torch.Tensor | None = None, *,
        keep: torch.Tensor | None = None, also: Callable[[str, torch.Tensor], None] | None = None,
    ) -> torch.Tensor:
        """:func:`sweep_batch` of ``x`` on this pass's model and layers."""
        n = x.shape[0]
        if ids is None:
            ids = torch.arange(state.count, state.count + n)
        if keep is not None:
            keep = keep.to(torch.bool).cpu()
            ids = ids[keep]
        check_inputs(self._view, x, needs_grad=False)
        self._batch = (state, ids, keep, also)
        try:
            with torch.no_grad():
                return call_model(self._view, x)
        finally:
            self._batch = None


def sweep_state(
    model: nn.Module, data: object, layers: Sequence[str], *, top_k: int = 9, batch_size: int = 256,
    progress: Progress | None = None, saturation: float = 0.99, state: SweepState | None = None,
) -> SweepState:
    """Run ``data`` (see :func:`~nnwidgets.engine.data.batches`) through the model
    once and return the mergeable :class:`SweepState` of every named layer
    (``state``, if given, is updated and returned: a shard's running state).

    ``progress(examples done, examples in all)`` is called after each batch, and
    so is :func:`~nnwidgets.engine.progress.step` with the same counts (total 0
    while unknown; a last ``step(seen, seen)`` then ends the report)."""
    if isinstance(layers, str):
        layers = [layers]
    resolve_layers(model, layers)
    if top_k < 1 or batch_size < 1:
        raise ExplanationInputError(f"top_k and batch_size must be ≥ 1; got {top_k} and {batch_size}")
    state = SweepState(top_k, saturation) if state is None else state
    total, seen, offset = length(data), 0, state.count
    run = SweepPass(model, layers)
    for batch in batches(data, batch_size):
        run(batch.x, state, batch.ids + offset)
        seen += batch.x.shape[0]
        if progress is not None:
            progress(seen, total)
        report_step(seen, total)
    if seen == 0:
        raise ExplanationInputError("data holds no examples")
    if seen != total:  # the length was unknown (0) or the loader dropped rows: end at done == total
        report_step(seen, seen)
    return state


def sweep(
    model: nn.Module, data: object, layers: Sequence[str], *, top_k: int = 9,
    batch_size: int = 256, progress: Progress | None = None, saturation: float = 0.99,
) -> dict[str, UnitStats]:
    """Run ``data`` (a tensor, a Dataset, a DataLoader or an iterable of batches /
    (x, y) pairs) through the model once and gather every named layer's per-unit
    statistics: :func:`sweep_state` finalised."""
    return sweep_state(model, data, layers, top_k=top_k, batch_size=batch_size, progress=progress,
                       saturation=saturation).result()


def gather(data: object, indices: Sequence[int]) -> torch.Tensor:
    """The examples at ``indices`` (the sweep's data order) of the data."""
    return take(data, indices)


def check_data(model: nn.Module, data: object, like: torch.Tensor) -> None:
    """Check that ``data`` can be swept and read again (:func:`gather`) with inputs
    shaped like the examples of ``like``: a tensor (M, ...) or a re-iterable of batches."""
    if data is None or isinstance(data, Dataset):
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
