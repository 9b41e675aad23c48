"""The static form of the Layers view, and the atlas layout the browser shares.

``atlas_layout`` and ``atlas_image`` do what ``js/src/layers/atlas.ts`` does:
feature maps side by side in one picture, 1 pixel apart, coloured through the
same opaque 256-entry table, so the figure looks like the live view.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING
from collections.abc import Sequence

import numpy as np
from matplotlib import colormaps
from matplotlib.cm import ScalarMappable
from matplotlib.colors import ListedColormap, Normalize

from .colormap import lut_index
from .text import clip, wrap

if TYPE_CHECKING:
    from .figure import ViewFigure

SIGNED_MAP = "RdBu_r"
UNSIGNED_MAP = "viridis"
STRIP = 64  # dense units per row of the heat strip
GAP = 1


def opaque_table(*, signed: bool) -> np.ndarray:
    """(256, 4) uint8 RGBA, fully opaque: activations and weights drawn on their own."""
    rgba = colormaps[SIGNED_MAP if signed else UNSIGNED_MAP](np.linspace(0.0, 1.0, 256))
    return np.round(rgba * 255.0).astype(np.uint8)


def grid_of(shape: Sequence[int]) -> tuple[int, int, int, int]:
    """(tiles, tile_h, tile_w, cols) for a (C, H, W), (T, D) or (D,) activation."""
    if len(shape) == 3:
        c, h, w = shape
        return c, h, w, max(1, math.ceil(math.sqrt(c)))
    if len(shape) == 2:
        return 1, shape[0], shape[1], 1
    d = shape[0]
    w = min(d, STRIP) if d else 1
    return 1, math.ceil(d / w) if d else 1, w, 1


def atlas_layout(shape: Sequence[int]) -> dict:
    tiles, th, tw, cols = grid_of(shape)
    rows = math.ceil(tiles / cols)
    return {
        "tiles": tiles, "th": th, "tw": tw, "cols": cols, "rows": rows,
        "width": cols * tw + (cols - 1) * GAP, "height": rows * th + (rows - 1) * GAP,
    }


def atlas_image(values: np.ndarray, lut: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """(height, width, 4) uint8 RGBA of the activation laid out as the view draws it."""
    values = np.asarray(values)
    lay = atlas_layout(values.shape)
    out = np.zeros((lay["height"], lay["width"], 4), np.uint8)
    if values.ndim == 1:
        flat = np.full(lay["th"] * lay["tw"], np.nan)
        flat[: values.size] = values
        colours = lut[lut_index(flat, lo, hi)].reshape(lay["th"], lay["tw"], 4)
        colours[np.isnan(flat).reshape(lay["th"], lay["tw"])] = 0
        out[:] = colours
        return out
    maps = values if values.ndim == 3 else values[None]
    for i in range(lay["tiles"]):
        r, c = divmod(i, lay["cols"])
        y, x = r * (lay["th"] + GAP), c * (lay["tw"] + GAP)
        out[y : y + lay["th"], x : x + lay["tw"]] = lut[lut_index(maps[i], lo, hi)]
    return out


FIGURE_ROWS = 40  # layers the static figure lists; a bigger model is summarised


def summary_rows(names: Sequence[str], grad_norms: np.ndarray, dead: np.ndarray, saturated: np.ndarray,
                 layer: str, limit: int = FIGURE_ROWS) -> np.ndarray:
    """Indices (model order) of at most ``limit`` layers worth a static row: the shown one,
    the smallest and largest gradient norms (vanishing, exploding) and the deadest or most saturated."""
    n = len(names)
    if n <= limit:
        return np.arange(n)
    picked: dict[int, None] = {}
    if layer in names:
        picked[list(names).index(layer)] = None
    norms = np.where(np.asarray(grad_norms) > 0, grad_norms, np.nan)
    worst = np.nan_to_num(np.asarray(dead, dtype=float)) + np.nan_to_num(np.asarray(saturated, dtype=float))
    third = (limit - 1) // 3
    finite = np.flatnonzero(np.isfinite(norms))
    order = finite[np.argsort(norms[finite], kind="stable")]
    unhealthy = np.flatnonzero(worst > 0)
    candidates = (list(order[:third]) + list(order[::-1][:third])
                  + list(unhealthy[np.argsort(-worst[unhealthy], kind="stable")]) + list(range(n)))
    for i in candidates:
        if len(picked) >= limit:
            break
        picked[int(i)] = None
    return np.array(sorted(picked))


def layers_figure(
    *, layer: str, layer_type: str, activation: np.ndarray, lut: np.ndarray, lo: float, hi: float,
    names: Sequence[str], grad_norms: np.ndarray, dead: np.ndarray, saturated: np.ndarray, label: str,
    example: int, stats_source: str,
) -> ViewFigure:
    """The selected layer's activation atlas beside each layer's gradient norm and dead units
    (NaN dead: a signed output, where "dead" does not apply; NaN saturated: not sigmoid/tanh)."""
    from matplotlib.ticker import NullFormatter  # with the figure: matplotlib.figure is slow to import

    from .figure import ViewFigure

    total = len(names)
    keep = summary_rows(names, grad_norms, dead, saturated, layer)
    names = [names[i] for i in keep]
    grad_norms, dead, saturated = (np.asarray(a)[keep] for a in (grad_norms, dead, saturated))
    fig = ViewFigure(figsize=(9.0, max(3.4, 0.22 * len(names) + 1.2)), layout="constrained")
    ax_act, ax_norm, ax_dead = fig.subplots(1, 3, width_ratios=[1.6, 1.0, 0.8])
    picture = atlas_image(activation, lut, lo, hi)
    # A heat strip of a few units is one pixel row: give it some height.
    aspect = "auto" if picture.shape[0] * 8 < picture.shape[1] else "equal"
    ax_act.imshow(picture, interpolation="nearest", aspect=aspect)
    ax_act.set_xticks([])
    ax_act.set_yticks([])
    shape = "×".join(str(s) for s in activation.shape)
    ax_act.set_title(wrap(f"{clip(layer, 40)} ({layer_type}) {shape}, example {example}", 34), fontsize=9)
    mappable = ScalarMappable(norm=Normalize(lo, hi), cmap=ListedColormap(lut / 255.0))
    fig.colorbar(mappable, ax=ax_act, fraction=0.05, label="activation")

    y = np.arange(len(names))[::-1]
    norms = np.where(grad_norms > 0, grad_norms, np.nan)
    colours = ["#1976d2" if n == layer else "#9aa5b1" for n in names]
    ax_norm.barh(y, norms, color=colours)
    ax_norm.set_xscale("log")
    ax_norm.xaxis.set_minor_formatter(NullFormatter())
    ax_norm.set_yticks(y, [clip(n, 30) for n in names], fontsize=7)
    # "∂9/∂a" would read as arithmetic for a class named 9: name the output in words
    ax_norm.set_title(wrap(f"gradient norm ‖∂y/∂a‖, y = score of “{clip(label, 20)}”", 24), fontsize=9)
    ax_norm.tick_params(axis="x", labelsize=7)
    if len(names) < total:
        ax_norm.set_xlabel(f"{len(names)} of {total} layers: the shown one, the smallest and largest\n"
                           "‖∂y/∂a‖, the deadest; the live view lists them all", fontsize=7)
    ax_dead.barh(y, np.nan_to_num(dead), color="#d32f2f", label="dead")
    ax_dead.barh(y, np.nan_to_num(saturated), left=np.nan_to_num(dead), color="#f9a825", label="saturated")
    ax_dead.set_xlim(0, 1)
    ax_dead.set_yticks(y, [])
    # "Dead" only for outputs ≥ 0 over the data (ReLU-like), "saturated" only for
    # sigmoid / tanh: elsewhere neither means anything, and the row says so.
    for yi, d, s in zip(y, dead, saturated):
        if not (np.isfinite(d) or np.isfinite(s)):
            ax_dead.text(0.02, yi, "–", va="center", fontsize=7, color="#6b7280")
    ax_dead.set_title("dead (ReLU-like)\n/ saturated", fontsize=9)
    ax_dead.set_xlabel(wrap(f"share of units, over the {stats_source}; –: signed output, not dead", 26), fontsize=8)
    ax_dead.tick_params(axis="x", labelsize=7)
    ax_dead.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False, borderaxespad=0.0)
    return fig
