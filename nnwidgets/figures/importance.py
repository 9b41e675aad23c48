"""Global importance as a figure: permutation importance with its intervals, the
mean |attribution| and the beeswarm of every example's attribution per feature,
coloured by the feature's value, side by side, features in one order."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from matplotlib import colormaps
from matplotlib.colors import Normalize

if TYPE_CHECKING:
    from .figure import ViewFigure



def swarm_offsets(values: np.ndarray, bins: int = 60, step: float = 0.06, limit: float = 0.42) -> np.ndarray:
    """Vertical offsets that spread dots with close values apart (alternating up and
    down within each of ``bins`` bins of the value range), capped at ± ``limit``."""
    lo, hi = float(np.min(values)), float(np.max(values))
    index = np.clip(((values - lo) / (hi - lo if hi > lo else 1.0) * bins).astype(int), 0, bins - 1)
    out = np.zeros(len(values))
    seen = np.zeros(bins, int)
    for i in np.argsort(np.abs(values - np.median(values)), kind="stable"):
        k = seen[index[i]]
        seen[index[i]] += 1
        out[i] = ((k + 1) // 2) * step * (1 if k % 2 else -1)
    return np.clip(out, -limit, limit)


def importance_figure(names: Sequence[str], *, perm_mean: np.ndarray, perm_low: np.ndarray, perm_high: np.ndarray,
                      metric: str, attributions: np.ndarray, inputs: np.ndarray, method: str,
                      top: int = 15) -> ViewFigure:
    """Three panels over the ``top`` features by mean |attribution|."""
    mean_abs = np.abs(attributions).mean(0)
    order = np.argsort(-mean_abs, kind="stable")[:top][::-1]  # most important at the top
    from .figure import ViewFigure  # matplotlib.figure loads on the first figure only

    fig = ViewFigure(figsize=(12, 0.32 * len(order) + 1.6), layout="constrained")
    ax_p, ax_m, ax_b = fig.subplots(1, 3, sharey=True, gridspec_kw={"width_ratios": [1, 1, 2]})
    rows = np.arange(len(order))
    err = np.vstack([perm_mean[order] - perm_low[order], perm_high[order] - perm_mean[order]])
    ax_p.barh(rows, perm_mean[order], xerr=err, color="#7f7f7f", capsize=2)
    ax_p.axvline(0, color="black", lw=0.6)
    ax_p.set_yticks(rows, [str(names[i]) for i in order], fontsize=8)
    ax_p.set_xlabel(f"permutation: drop in {metric.replace('_', ' ')} (95% CI)", fontsize=8)
    ax_m.barh(rows, mean_abs[order], color="#1f77b4")
    ax_m.set_xlabel(f"mean |{method}|", fontsize=8)
    cmap = colormaps["coolwarm"]
    for r, j in zip(rows, order):
        v = inputs[:, j]
        lo, hi = np.percentile(v, 5), np.percentile(v, 95)
        ax_b.scatter(attributions[:, j], r + swarm_offsets(attributions[:, j]), s=4,
                     c=cmap(Normalize(lo, hi if hi > lo else lo + 1, clip=True)(v)), linewidths=0)
    ax_b.axvline(0, color="black", lw=0.6)
    ax_b.set_xlabel(f"{method} per example (colour: the feature's value, low blue → high red)", fontsize=8)
    for ax in (ax_p, ax_m, ax_b):
        ax.tick_params(labelsize=7)
    return fig
