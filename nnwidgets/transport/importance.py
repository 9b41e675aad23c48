"""The Importance view's payloads: permutation importance with its interval, and one
method's attribution of every shown example with the feature values that colour it,
as binary arrays packed once (feature names travel as text traits)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..figures.importance import value_ranges
from .arrays import pack

if TYPE_CHECKING:
    from ..engine.importance import AttributionSpread, PermutationImportance


def permutation_state(p: PermutationImportance) -> dict[str, Any]:
    """(3, F) float32 rows: mean drop, 95% interval low, high; the score it dropped from."""
    import torch

    return {"_permutation": pack(torch.stack([p.mean, p.low, p.high])), "metric": p.metric,
            "baseline": float(p.baseline), "repeats": int(p.drops.shape[0])}


def spread_state(s: AttributionSpread) -> dict[str, Any]:
    """Every shown example's attribution (M, F), its feature values (M, F), its id in the
    data (M,), each feature's colour range (F, 2) and mean |attribution| (F,)."""
    return {
        "_attributions": pack(s.values), "_values": pack(s.inputs), "_ids": pack(s.example_ids, "int32"),
        "_value_range": pack(value_ranges(s.inputs.numpy())), "_mean_abs": pack(s.mean_abs),
        "method": s.method, "n_shown": int(s.values.shape[0]),
    }
