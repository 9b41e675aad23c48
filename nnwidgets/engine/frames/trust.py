"""The Attribution view's trust frame: the evidence for the maps of one request."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from torch import nn

from ..checks.completeness import IG_METHODS
from ..explanation import Explanation
from ..outputs import Reading
from ..report import TrustReport, trust_report


def trust_frame(
    model: nn.Module,
    x: torch.Tensor,
    target: int,
    explanations: Mapping[str, Explanation],
    options: Mapping[str, Mapping[str, Any]],
    *,
    kind: str,
    baseline: torch.Tensor,
    layer: str | None,
    randomize_layers: int,
    titles: Mapping[str, str] | None = None,
    reading: Reading | None = None,
    feature_mask: torch.Tensor | None = None,
) -> TrustReport:
    """The trust evidence for the maps of ONE example (one entry per method, in order):
    the view's own IG result gives the completeness numbers, ``baseline`` is what
    deletion removes features to, ``layer`` the embedding text maps go through, ``reading`` how the
    view shows the outputs (the deletion curve scores by the same numbers); ``feature_mask``
    groups elements into the features the checks rank and remove (text padding: one group)."""
    maps = {}
    for m, e in explanations.items():
        a = e.attributions.detach()
        # A token's score is its embedding attribution summed over the embedding dimension.
        maps[m] = a.sum(-1) if kind == "text" and a.dim() == 3 else a
    ig = next((e for m, e in explanations.items() if m in IG_METHODS), None)
    return trust_report(
        model, x, target, maps, method_options={m: dict(o) for m, o in options.items()}, ig=ig, baseline=baseline,
        layer=layer, randomize_layers=randomize_layers, titles=dict(titles or {}),
        probability=True if reading is None else reading, feature_mask=feature_mask,
    )
