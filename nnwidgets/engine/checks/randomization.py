"""The model-randomization check (Adebayo et al. 2018), cascading: recompute every map
on copies of the model whose top 1, 2, … layers are re-initialised (output side
first, as in the paper); a map that hardly changes does not depend on what those
layers learned.

The statistic is Spearman's ρ, signed and of magnitudes, over the features where
either map is non-zero. Features whose attribution is exactly zero in both maps
(for gradient × input or integrated gradients: every feature equal to the
baseline, about half the pixels of a digit) tie at zero; counted, those ties alone
push ρ of |maps| towards 1 for any pair of maps, so they carry no evidence and are
left out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import torch
from torch import nn

from ..attribute import attribute
from ..progress import step
from ..trust import reinitialised, top_layers
from .features import Features
from .ranks import spearman


@dataclass
class Randomization:
    """The cascade's evidence; step k re-initialises the top ``depths[k]`` layers."""

    layers: list[str] = field(default_factory=list)  # re-initialised layers, output side first
    depths: list[int] = field(default_factory=list)  # how many top layers each step re-initialises
    signed: dict[str, list[float]] = field(default_factory=dict)  # method -> ρ of signed maps per step
    absolute: dict[str, list[float]] = field(default_factory=dict)  # method -> ρ of |maps| per step
    compared: dict[str, list[int]] = field(default_factory=dict)  # method -> features compared per step


def informative_spearman(own: torch.Tensor, other: torch.Tensor) -> tuple[float, float, int]:
    """(signed ρ, ρ of magnitudes, features compared) over the features where either
    map is non-zero; ρ is 0 when fewer than 3 are left (nothing to rank)."""
    own, other = own.reshape(-1).to(torch.float64), other.reshape(-1).to(torch.float64)
    keep = (own != 0) | (other != 0)
    n = int(keep.sum())
    if n < 3:
        return 0.0, 0.0, n
    a, b = own[keep], other[keep]
    return spearman(a, b), spearman(a.abs(), b.abs()), n


CASCADE_STEPS = 3  # at most this many steps: each recomputes every map on its own copy


def cascade_depths(layers: int, most: int = CASCADE_STEPS) -> list[int]:
    """The depths the cascade stops at: every one up to ``most`` layers, else ``most``
    spread geometrically from 1 to ``layers`` (always the top layer alone and all of them)."""
    if layers <= most:
        return list(range(1, layers + 1))
    out = sorted({max(1, min(layers, round(layers ** (k / (most - 1))))) for k in range(most)})
    return out


def randomization(
    model: nn.Module, x: torch.Tensor, target: int | None, scores: Mapping[str, torch.Tensor], features: Features,
    options: Callable[[str], dict], layers: int, seed: int = 0,
) -> Randomization:
    """Every method recomputed on the copies with the top 1 … ``layers`` layers
    re-initialised (one seed: a deeper step keeps the shallower step's new weights
    and resets more layers, the cascade of the paper; at most :data:`CASCADE_STEPS`
    depths, see :func:`cascade_depths`); nothing when ``layers`` is 0."""
    out = Randomization()
    if layers == 0:
        return out
    names = top_layers(model, layers, inputs=x)  # the layers that exist, top first
    out.layers, out.depths = names, cascade_depths(len(names))
    for name in scores:
        out.signed[name], out.absolute[name], out.compared[name] = [], [], []
    # Progress (and the view's cancel) after each copy and each map: a gradient map reports
    # nothing of its own, and a newer request must not wait for the whole cascade.
    done, total = 0, len(out.depths) * len(scores)
    step(done, total)
    for depth in out.depths:
        twin = reinitialised(model, names[:depth], seed=seed)  # the cascade: deeper copies extend shallower ones
        step(done, total)
        for name, own in scores.items():
            other = features.scores(name, attribute(twin, x, name, target, **options(name)).attributions)
            signed, absolute, n = informative_spearman(own, other)
            out.signed[name].append(signed)
            out.absolute[name].append(absolute)
            out.compared[name].append(n)
            done += 1
            step(done, total)
    return out
