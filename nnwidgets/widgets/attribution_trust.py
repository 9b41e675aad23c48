"""The Attribution view's trust panel: the engine's evidence as one message.

``engine.report.trust_report`` gathers the evidence (IG's completeness gap,
rank agreement between the maps, the model-randomization check, the deletion
curve); this turns it into what the view reads: names and sentences as JSON,
every array as a binary buffer.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from ..engine.explanation import Explanation
from ..engine.report import trust_report
from ..transport import pack
from .attribution_inputs import Inputs

IG_METHODS = ("integrated_gradients", "layer_integrated_gradients")


def trust_payload(
    model: nn.Module, inputs: Inputs, index: int, x: torch.Tensor, target: int, exps: dict[str, Explanation],
    options: dict[str, dict[str, Any]], embedding: str | None, randomize_layers: int,
    titles: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The trust panel for the maps of example ``index`` (one entry per method shown, in order)."""
    maps = {}
    for m, e in exps.items():
        a = e.attributions.detach()
        # A token's score is its embedding attribution summed over the embedding dimension.
        maps[m] = a.sum(-1) if inputs.kind == "text" and a.dim() == 3 else a
    ig = next((e for m, e in exps.items() if m in IG_METHODS), None)
    r = trust_report(
        model, x, target, maps, method_options=options, ig=ig, baseline=inputs.baseline(index), layer=embedding,
        randomize_layers=randomize_layers, titles=titles,
    )
    shown = list(exps)
    return {
        "methods": shown,
        "ig_delta": r.ig_delta,
        "ig_gap": r.ig_gap,
        "ig_relative": r.ig_relative,
        "rank": pack(np.asarray(r.rank_agreement, dtype=np.float32)),
        "randomization": {m: float(v) for m, v in r.randomization.items()},
        "randomized_layers": list(r.randomized_layers),
        "deletion_fractions": pack(np.asarray(r.deletion_fractions, dtype=np.float32)),
        "deletion_scores": pack(np.stack([np.asarray(r.deletion_scores[m], dtype=np.float32) for m in shown])),
        "deletion_area": {m: float(r.deletion_area[m]) for m in shown},
        "summary": dict(r.summary),
    }
