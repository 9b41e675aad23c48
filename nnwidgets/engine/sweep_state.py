"""A dataset sweep as a state that merges: the aggregate / combine / finalize
shape of Ray Data's ``AggregateFnV2``, torchmetrics' ``add_state`` and
torcheval's ``merge_state``.

Each layer keeps only what combines associatively and commutatively: example
counts, per-unit sums (float64, so that merge order moves results by rounding
only), minima and maxima, counts of active and saturated values with their
denominator, and the top-k scores with the examples' global ids, ties broken by
the smaller id. Means and fractions are made only by :meth:`SweepState.result`.
So shards swept anywhere (threads, Ray tasks, torchrun ranks) merge, in any
order, into the state one pass over all the data would have reached.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

import torch

from .errors import ExplanationInputError

Limits = tuple[float, float]  # the (lo, hi) range of a saturating layer
# Reduced batches a state holds, over all its layers (rows × units values, about 13
# bytes each), before folding them into the layers at once: bounded memory, and a
# handful of operations per layer and few thousand examples instead of per batch.
FOLD_VALUES = 1 << 20


def _sort_merge(values: torch.Tensor, ids: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor]:
    """:func:`top_merge` by two stable sorts of every candidate (any dtype, any ids)."""
    rank = torch.nan_to_num(values, nan=-torch.inf)
    by_id = ids.argsort(dim=1, stable=True)
    rank, values, ids = rank.gather(1, by_id), values.gather(1, by_id), ids.gather(1, by_id)
    keep = rank.argsort(dim=1, descending=True, stable=True)[:, :k]
    return values.gather(1, keep), ids.gather(1, keep)


def _order_key(values: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
    """One int64 per (float32 value, id in [0, 2³²)) that orders as "higher value,
    then smaller id": the value's bits made monotone (negatives flipped; -0 is +0,
    NaN is -inf) above, the id's complement below."""
    rank = torch.nan_to_num(values, nan=-torch.inf) + 0.0  # + 0.0 turns -0.0 into +0.0: they tie
    bits = rank.contiguous().view(torch.int32).long()
    bits = torch.where(bits < 0, bits ^ 0x7FFFFFFF, bits)
    return bits * (1 << 32) + ((1 << 32) - 1 - ids)


def top_merge(values: torch.Tensor, ids: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Per row, the ``k`` highest ``values`` with their ``ids``: descending, equal
    values by ascending id (NaN ranks lowest), so that the answer is one set
    whatever order the candidates came in."""
    k = min(k, values.shape[1])
    if values.dtype == torch.float32 and ids.numel() and 0 <= int(ids.min()) and int(ids.max()) < 1 << 32:
        # One topk of exact keys instead of two stable sorts of (units, k + batch)
        # per batch, which were most of a sweep's cost.
        pick = _order_key(values, ids).topk(k, dim=1).indices
        return values.gather(1, pick), ids.gather(1, pick)
    return _sort_merge(values, ids, k)


@dataclass
class Reduced:
    """One batch of one layer, reduced as soon as the layer has run (its output may be
    overwritten in place later in the forward): what :meth:`LayerState.fold` adds up."""

    ids: torch.Tensor  # (n,) int64 global example ids
    score: torch.Tensor  # (n, units) float32: each example's mean over positions
    peak: torch.Tensor  # (n, units) max over positions
    low: torch.Tensor  # (n, units) min over positions
    positive: torch.Tensor | None  # (n, units) "some value > 0" where a NaN hides it in ``peak``; else None
    saturated: torch.Tensor | None  # (units,) values near the limits (saturating layers only)
    values: int  # n × positions: what ``saturated`` counts out of


def reduce_batch(units: torch.Tensor, ids: torch.Tensor, limits: Limits | None, saturation: float) -> Reduced:
    """``units`` (n, units, positions) of one batch reduced over positions, ``ids`` (n,)."""
    units = units.float()
    n, positions = units.shape[0], units.shape[2]
    positive = None
    if positions == 1:  # a (N, D) output: score, max and min are the values (copied: see Reduced)
        score = units[:, :, 0].clone()
        peak = low = score  # and peak > 0 is "active", NaN included
    else:
        score = units.mean(dim=2)
        peak, low = units.amax(dim=2), units.amin(dim=2)  # (torch.aminmax is several times slower here)
        # A unit is active where some value is > 0; a NaN makes its peak NaN, so only
        # then count the values themselves.
        if peak.isnan().any():
            positive = (units > 0).any(dim=2)
    saturated = None
    if limits is not None:
        lo, hi = limits
        edge, centre = saturation * (hi - lo) / 2, (hi + lo) / 2
        saturated = ((units - centre).abs() >= edge).sum(dim=(0, 2))
    return Reduced(ids, score, peak, low, positive, saturated, n * positions)


@dataclass
class LayerState:
    """One layer's mergeable sums over the examples it has seen."""

    units: int
    limits: Limits | None = None  # set for saturating layers (sigmoid, tanh)
    count: int = 0  # examples
    values: int = 0  # values per unit of a saturating layer seen (examples × positions: the denominator)
    sum: torch.Tensor = field(default=None)  # type: ignore[assignment]  # (units,) float64, of unit scores
    max: torch.Tensor = field(default=None)  # type: ignore[assignment]  # (units,) over every value
    min: torch.Tensor = field(default=None)  # type: ignore[assignment]
    active: torch.Tensor = field(default=None)  # type: ignore[assignment]  # (units,) examples with a value > 0
    saturated: torch.Tensor = field(default=None)  # type: ignore[assignment]  # (units,) values near the limits
    top_values: torch.Tensor = field(default=None)  # type: ignore[assignment]  # (units, ≤k) scores
    top_ids: torch.Tensor = field(default=None)  # type: ignore[assignment]  # (units, ≤k) global example ids

    def __post_init__(self) -> None:
        u = self.units
        for name, value in (("sum", torch.zeros(u, dtype=torch.float64)), ("max", torch.full((u,), -torch.inf)),
                            ("min", torch.full((u,), torch.inf)), ("active", torch.zeros(u, dtype=torch.long)),
                            ("saturated", torch.zeros(u, dtype=torch.long)), ("top_values", torch.empty(u, 0)),
                            ("top_ids", torch.empty(u, 0, dtype=torch.long))):
            if getattr(self, name) is None:
                setattr(self, name, value)

    def update(self, units: torch.Tensor, ids: torch.Tensor, k: int, saturation: float) -> None:
        """Fold in one batch: ``units`` (n, units, positions), ``ids`` (n,)."""
        self.fold([reduce_batch(units, ids, self.limits, saturation)], k)

    def fold(self, parts: Sequence[Reduced], k: int) -> None:
        """Fold in batches already reduced (:func:`reduce_batch`), all at once: the same
        state as folding them one by one (sums up to float64 rounding), in a few
        operations on their concatenation instead of a dozen small ones per batch."""
        if not parts:
            return
        one = len(parts) == 1

        def cat(xs: list[torch.Tensor]) -> torch.Tensor:
            return xs[0] if one else torch.cat(xs)

        score, peak = cat([p.score for p in parts]), cat([p.peak for p in parts])
        dev = score.device
        if self.sum.device != dev:
            self._to(dev)
        self.count += score.shape[0]
        self.sum += score.sum(0, dtype=torch.float64)
        self.max = torch.maximum(self.max, peak.amax(dim=0))
        self.min = torch.minimum(self.min, cat([p.low for p in parts]).amin(dim=0))
        if all(p.positive is None for p in parts):
            active = peak > 0
        else:
            active = torch.cat([p.peak > 0 if p.positive is None else p.positive for p in parts])
        self.active += active.sum(0)
        if self.limits is not None:
            for p in parts:
                self.saturated += p.saturated
                self.values += p.values
        ids = cat([p.ids for p in parts]).to(dev)
        self.top_values, self.top_ids = top_merge(torch.cat([self.top_values, score.T], 1),
                                                  torch.cat([self.top_ids, ids.expand(self.units, -1)], 1), k)

    def merge(self, other: LayerState, k: int) -> LayerState:
        if other.units != self.units or other.limits != self.limits:
            raise ExplanationInputError(
                f"cannot merge sweeps of different layers: {self.units} units {self.limits} and "
                f"{other.units} units {other.limits}")
        other = other._on(self.sum.device)
        top_v, top_i = top_merge(torch.cat([self.top_values, other.top_values], 1),
                                 torch.cat([self.top_ids, other.top_ids], 1), k)
        return LayerState(
            self.units, self.limits, self.count + other.count, self.values + other.values, self.sum + other.sum,
            torch.maximum(self.max, other.max), torch.minimum(self.min, other.min), self.active + other.active,
            self.saturated + other.saturated, top_v, top_i)

    def _to(self, device: torch.device) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, torch.Tensor):
                setattr(self, f.name, value.to(device))

    def _on(self, device: torch.device) -> LayerState:
        """A copy on ``device`` that shares no tensor with this one (updates add in place)."""
        copy = LayerState(**{f.name: getattr(self, f.name) for f in fields(self)})
        for f in fields(copy):
            value = getattr(copy, f.name)
            if isinstance(value, torch.Tensor):
                setattr(copy, f.name, value.to(device, copy=True))
        return copy

    def state_dict(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        return {k: (v.detach().cpu() if isinstance(v, torch.Tensor) else v) for k, v in out.items()}


class SweepState:
    """Every swept layer's :class:`LayerState`, with the ``top_k`` and the
    ``saturation`` threshold they were made with. ``update`` per batch,
    ``merge`` with another shard's state, ``state_dict`` / ``from_state_dict``
    to send it between processes, ``result`` at the end."""

    def __init__(self, top_k: int = 9, saturation: float = 0.99) -> None:
        if top_k < 1:
            raise ExplanationInputError(f"top_k must be ≥ 1; got {top_k}")
        self.top_k, self.saturation = int(top_k), float(saturation)
        self._layers: dict[str, LayerState] = {}
        self._pending: dict[str, list[Reduced]] = {}  # reduced batches not folded in yet
        self._rows: dict[str, int] = {}  # their examples, per layer
        self._values = 0  # their values, over all layers

    @property
    def layers(self) -> dict[str, LayerState]:
        """Every swept layer's state, with all the batches seen folded in."""
        self._fold()
        return self._layers

    def update(self, name: str, units: torch.Tensor, ids: torch.Tensor, limits: Limits | None = None) -> None:
        """Fold one batch of layer ``name``'s output, seen as (n, units, positions), into the state."""
        if units.shape[0] != ids.shape[0]:
            raise ExplanationInputError(f"a batch of {units.shape[0]} examples came with {ids.shape[0]} ids")
        state = self._layers.get(name)
        if state is None:
            state = self._layers[name] = LayerState(units.shape[1], limits)
        self._pending.setdefault(name, []).append(reduce_batch(units, ids.long(), state.limits, self.saturation))
        self._rows[name] = self._rows.get(name, 0) + units.shape[0]
        self._values += units.shape[0] * state.units
        if self._values >= FOLD_VALUES:
            self._fold()

    def _fold(self) -> None:
        pending, self._pending, self._rows, self._values = self._pending, {}, {}, 0
        for name, parts in pending.items():
            self._layers[name].fold(parts, self.top_k)

    @property
    def count(self) -> int:
        """Examples seen (by the first layer: every layer sees every example)."""
        if not self._layers:
            return 0
        name = next(iter(self._layers))
        return self._layers[name].count + self._rows.get(name, 0)

    def merge(self, other: SweepState) -> SweepState:
        """The state of both shards together (neither is changed). Associative and
        commutative: merging shards in any grouping and order gives one state."""
        if (other.top_k, other.saturation) != (self.top_k, self.saturation):
            raise ExplanationInputError(
                f"cannot merge sweeps made with different top_k or saturation: "
                f"{(self.top_k, self.saturation)} and {(other.top_k, other.saturation)}")
        out = SweepState(self.top_k, self.saturation)
        for name in dict.fromkeys([*self.layers, *other.layers]):
            a, b = self.layers.get(name), other.layers.get(name)
            if a is not None and b is not None:
                out.layers[name] = a.merge(b, self.top_k)
            else:
                only = a if a is not None else b
                out.layers[name] = only._on(only.sum.device)
        return out

    @classmethod
    def merged(cls, states: Iterable[SweepState]) -> SweepState:
        """All ``states`` merged into one."""
        states = list(states)
        if not states:
            raise ExplanationInputError("no sweep states to merge")
        out = states[0]
        for s in states[1:]:
            out = out.merge(s)
        return out

    def state_dict(self) -> dict[str, Any]:
        """Plain tensors, ints and floats on the CPU: picklable, ``torch.save``-able."""
        return {"top_k": self.top_k, "saturation": self.saturation,
                "layers": {n: s.state_dict() for n, s in self.layers.items()}}

    @classmethod
    def from_state_dict(cls, state: Mapping[str, Any]) -> SweepState:
        out = cls(state["top_k"], state["saturation"])
        for name, s in state["layers"].items():
            s = dict(s)
            if s.get("limits") is not None:
                s["limits"] = tuple(s["limits"])
            out.layers[name] = LayerState(**s)
        return out

    def result(self) -> dict:
        """Each layer's :class:`~nnwidgets.engine.sweep.UnitStats`: means and fractions
        made from the sums and counts here, at the end."""
        from .sweep import UnitStats

        if self.count == 0:
            raise ExplanationInputError("data holds no examples")
        out = {}
        for name, s in self.layers.items():
            out[name] = UnitStats(
                mean=(s.sum / s.count).float(), max=s.max, active=s.active.float() / s.count, dead=s.active == 0,
                saturated=s.saturated.double().div(s.values).float() if s.limits is not None and s.values else None,
                top_values=s.top_values, top_indices=s.top_ids, min=s.min, count=s.count,
                saturated_values=s.values,
            )
        return out
