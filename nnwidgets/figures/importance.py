"""Global importance as a figure: permutation importance with its intervals, the
mean |attribution| and the beeswarm of every example's attribution per feature,
coloured by the feature's value, side by side, features in one order."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from matplotlib import cm, colormaps
from matplotlib.colors import Normalize

from .text import clip, literal

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


SORTS = ("attribution", "permutation", "given")
VALUE_CMAP = "coolwarm"


def value_table() -> np.ndarray:
    """(256, 4) uint8 RGBA coolwarm, opaque: a dot's colour from its feature's value, low blue → high red."""
    return np.round(colormaps[VALUE_CMAP](np.linspace(0, 1, 256)) * 255).astype(np.uint8)


GRID_CMAPS = ("Reds", "RdBu_r")  # mean |attribution| from 0 up; permutation drops around 0


def grid_tables() -> np.ndarray:
    """(2, 256, 4) uint8 RGBA, opaque: the patch heat maps' colours, mean |attribution| then permutation."""
    return np.stack([np.round(colormaps[c](np.linspace(0, 1, 256)) * 255) for c in GRID_CMAPS]).astype(np.uint8)


def grid_ranges(mean_abs: np.ndarray, perm_mean: np.ndarray) -> tuple[tuple[float, float], tuple[float, float]]:
    """The heat maps' scales: [0, max] for mean |attribution|, symmetric about 0 for the
    permutation drops (so white is no drop). The twin of js/src/importance/grid.ts."""
    top = float(np.nanmax(mean_abs)) if len(mean_abs) else 0.0
    m = float(np.nanmax(np.abs(perm_mean))) if len(perm_mean) else 0.0
    return (0.0, top if top > 0 else 1.0), (-m if m > 0 else -1.0, m if m > 0 else 1.0)


def value_ranges(inputs: np.ndarray) -> np.ndarray:
    """(F, 2) the 5th and 95th percentile of each feature's values: the ends of its colour
    scale (an outlier does not wash the others out); a constant feature gets [v, v + 1]."""
    if inputs.shape[0] == 0:
        return np.zeros((inputs.shape[1], 2), np.float32)
    lo, hi = np.percentile(inputs, 5, axis=0), np.percentile(inputs, 95, axis=0)
    hi = np.where(hi > lo, hi, lo + 1)
    return np.stack([lo, hi], 1).astype(np.float32)


def feature_order(mean_abs: np.ndarray, perm_mean: np.ndarray, sort: str = "attribution",
                  top: int = 15) -> np.ndarray:
    """The ``top`` features shown, first = the top row: by mean |attribution| or by
    permutation importance, descending (ties: the lower index first), or as given.
    The twin of js/src/importance/order.ts."""
    if sort not in SORTS:
        raise ValueError(f"sort must be one of {', '.join(SORTS)}; got {sort!r}")
    f = len(mean_abs)
    if sort == "given":
        order = np.arange(f)
    else:
        key = mean_abs if sort == "attribution" else perm_mean
        order = np.lexsort((np.arange(f), -np.nan_to_num(np.asarray(key, np.float64), nan=-np.inf)))
    return order[: max(1, min(int(top), f))]


def importance_figure(names: Sequence[str], *, perm_mean: np.ndarray, perm_low: np.ndarray, perm_high: np.ndarray,
                      metric: str, attributions: np.ndarray, inputs: np.ndarray, method: str,
                      top: int = 15, sort: str = "attribution", grid: tuple[int, int] | None = None) -> ViewFigure:
    """Three panels over the ``top`` features (``sort``: see :func:`feature_order`); for
    patches (``grid``: rows, columns) two heat maps over the whole grid under them."""
    mean_abs = np.abs(attributions).mean(0) if len(attributions) else np.zeros(len(names))
    order = feature_order(mean_abs, perm_mean, sort, top)[::-1]  # barh draws bottom up: the first on top
    from .figure import ViewFigure  # matplotlib.figure loads on the first figure only

    height = 0.32 * len(order) + 1.6
    fig = ViewFigure(figsize=(12, height + (3.2 if grid else 0)), layout="constrained")
    top_fig, grid_fig = fig.subfigures(2, 1, height_ratios=[height, 3.2]) if grid else (fig, None)
    ax_p, ax_m, ax_b = top_fig.subplots(1, 3, sharey=True, gridspec_kw={"width_ratios": [1, 1, 2]})
    rows = np.arange(len(order))
    err = np.vstack([perm_mean[order] - perm_low[order], perm_high[order] - perm_mean[order]])
    ax_p.barh(rows, perm_mean[order], xerr=err, color="#7f7f7f", capsize=2)
    ax_p.axvline(0, color="black", lw=0.6)
    ax_p.set_yticks(rows, [literal(clip(str(names[i]), 40)) for i in order], fontsize=8)
    ax_p.set_xlabel(f"permutation: drop in {metric.replace('_', ' ')} (95% CI)", fontsize=8)
    ax_m.barh(rows, mean_abs[order], color="#1f77b4")
    ax_m.set_xlabel(f"mean |{method}|", fontsize=8)
    cmap = colormaps[VALUE_CMAP]
    ranges = value_ranges(inputs)
    for r, j in zip(rows, order):
        if not len(attributions):
            break
        lo, hi = ranges[j]
        ax_b.scatter(attributions[:, j], r + swarm_offsets(attributions[:, j]), s=4,
                     c=cmap(Normalize(lo, hi, clip=True)(inputs[:, j])), linewidths=0)
    ax_b.axvline(0, color="black", lw=0.6)
    ax_b.set_xlabel(f"{method} per example", fontsize=8)
    bar = fig.colorbar(cm.ScalarMappable(Normalize(0, 1), cmap), ax=ax_b, fraction=0.04, pad=0.01, ticks=[0, 1])
    bar.ax.set_yticklabels(["low", "high"], fontsize=7)
    bar.set_label("feature value", fontsize=8)
    for ax in (ax_p, ax_m, ax_b):
        ax.tick_params(labelsize=7)
    if grid_fig is not None and grid is not None:
        _grid_maps(grid_fig, grid, mean_abs, perm_mean, metric, method)
    return fig


def _grid_maps(fig, grid: tuple[int, int], mean_abs: np.ndarray, perm_mean: np.ndarray, metric: str,
               method: str) -> None:
    """Mean |attribution| and the permutation drop of every patch, on the image's grid."""
    from matplotlib.colors import ListedColormap

    tables = grid_tables() / 255.0
    ranges = grid_ranges(mean_abs, perm_mean)
    titles = (f"mean |{method}| per patch", f"drop in {metric.replace('_', ' ')} per patch")
    for ax, values, table, (lo, hi), title in zip(fig.subplots(1, 2), (mean_abs, perm_mean), tables, ranges, titles):
        shown = ax.imshow(np.asarray(values).reshape(grid), cmap=ListedColormap(table), vmin=lo, vmax=hi,
                          interpolation="nearest")
        ax.set_title(title, fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
        fig.colorbar(shown, ax=ax, fraction=0.05)
