"""The model-randomization check (Adebayo et al. 2018): recompute every map on a copy
of the model whose top layers are re-initialised; a map that hardly changes does
not depend on what the model learned."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import torch
from torch import nn

from ..attribute import attribute
from ..trust import randomized_copy
from .features import Features
from .ranks import spearman


def randomization(
    model: nn.Module, x: torch.Tensor, target: int | None, scores: Mapping[str, torch.Tensor], features: Features,
    options: Callable[[str], dict], layers: int, seed: int = 0,
) -> tuple[dict[str, float], list[str]]:
    """Method → Spearman of |scores| against |scores on ONE randomized copy|, and the
    layers re-initialised (output side first; none when ``layers`` is 0)."""
    if layers == 0:
        return {}, []
    twin, names = randomized_copy(model, layers, seed=seed, inputs=x)
    out: dict[str, float] = {}
    for name, own in scores.items():
        other = attribute(twin, x, name, target, **options(name)).attributions
        out[name] = spearman(own.abs(), features.scores(name, other).to(torch.float64).abs())
    return out, names
