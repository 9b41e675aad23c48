"""Integrated gradients' completeness: how far the attributions' sum is from F(x) − F(baseline)."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..errors import ExplanationInputError
from ..explanation import Explanation

IG_METHODS = ("integrated_gradients", "layer_integrated_gradients")
# Methods whose attributions sum to F(x) − F(baseline): IG up to its quadrature delta, Kernel SHAP
# by its end-point coalitions' weights (Lundberg & Lee's efficiency). A waterfall of any other
# method shows what its sum leaves of F(x) − F(baseline) as a gap, not as part of a feature.
COMPLETE_METHODS = IG_METHODS + ("kernel_shap",)


def relative_delta(exp: Explanation) -> torch.Tensor:
    """|delta| / |F(x) − F(baseline)| per example, for integrated-gradients methods."""
    if exp.delta is None:
        raise ExplanationInputError(f"method {exp.method!r} has no convergence delta; use integrated_gradients")
    total = exp.totals()  # over every input of a tuple
    change = total - exp.delta  # Σ attr − delta = F(x) − F(baseline)
    return exp.delta.abs() / change.abs().clamp_min(torch.finfo(change.dtype).tiny)


@dataclass
class Completeness:
    delta: float  # |convergence delta|
    gap: float  # |F(x) − F(baseline)| for the target
    relative: float  # delta / gap


def completeness(ig: object) -> Completeness:
    """The completeness numbers of ONE example's integrated-gradients Explanation."""
    if not isinstance(ig, Explanation) or ig.delta is None or ig.delta.numel() != 1:
        raise ExplanationInputError(
            "ig must be the integrated-gradients Explanation of this one example (with a delta of shape (1,))"
        )
    total = float(ig.totals()[0])
    return Completeness(
        delta=float(ig.delta.abs()[0]), gap=abs(total - float(ig.delta[0])), relative=float(relative_delta(ig)[0]),
    )
