"""The Embedding view's static form, and the colour tables the browser colours
points with (the same ones, so both look the same)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from matplotlib import colormaps

if TYPE_CHECKING:
    from .figure import ViewFigure

COLOR_MODES = ("label", "predicted", "correct", "confidence", "neuron")
CORRECT_RGB = np.array([[44, 160, 44], [214, 39, 40]], np.uint8)  # right, wrong


def category_table(k: int) -> np.ndarray:
    """(max(k, 10), 3) uint8 class colours: tab10, tab20 above 10 classes, then repeated."""
    name = "tab10" if k <= 10 else "tab20"
    base = np.round(np.asarray(colormaps[name].colors)[:, :3] * 255).astype(np.uint8)
    return np.resize(base, (max(k, len(base)), 3))


def continuous_table() -> np.ndarray:
    """(256, 3) uint8 viridis: confidence and a unit's activation."""
    return np.round(colormaps["viridis"](np.linspace(0, 1, 256))[:, :3] * 255).astype(np.uint8)


def point_colors(color_by: str, labels: np.ndarray, predicted: np.ndarray, confidence: np.ndarray,
                 neuron: np.ndarray, n_classes: int) -> tuple[np.ndarray, tuple[float, float] | None]:
    """(N, 3) uint8 colours and, for continuous modes, the (lo, hi) of the scale; the
    browser's ``embedding/colors.ts`` computes the same."""
    if color_by in ("label", "predicted"):
        classes = labels if color_by == "label" else predicted
        table = category_table(n_classes)
        out = table[np.clip(classes, 0, len(table) - 1)]
        out[classes < 0] = 160  # unknown class: grey
        return out, None
    if color_by == "correct":
        return CORRECT_RGB[(labels != predicted).astype(int)], None
    values = confidence if color_by == "confidence" else neuron
    lo, hi = float(np.nanmin(values)), float(np.nanmax(values))
    span = hi - lo if hi > lo else 1.0
    index = np.clip(np.round((values - lo) / span * 255), 0, 255).astype(int)
    return continuous_table()[index], (lo, hi)


def embedding_figure(coords: np.ndarray, *, color_by: str, labels: np.ndarray, predicted: np.ndarray,
                     confidence: np.ndarray, neuron: np.ndarray, class_names: Sequence[str], title: str = "",
                     selected: Sequence[int] = (), unit: int = 0) -> ViewFigure:
    """The scatter: one dot per example, coloured by ``color_by``, mistakes ringed,
    the selection (if any) outlined; a legend or a colour bar."""
    from .figure import ViewFigure  # matplotlib.figure loads on the first figure only

    fig = ViewFigure(figsize=(6.4, 5.2), layout="constrained")
    ax = fig.add_subplot()
    colors, scale = point_colors(color_by, labels, predicted, confidence, neuron, len(class_names))
    size = 12 if len(coords) <= 2000 else max(0.5, 12 * 2000 / len(coords))
    ax.scatter(coords[:, 0], coords[:, 1], c=colors / 255.0, s=size, linewidths=0)
    wrong = (labels >= 0) & (labels != predicted)
    if wrong.any() and color_by != "correct":
        ax.scatter(coords[wrong, 0], coords[wrong, 1], s=size * 4, facecolors="none", edgecolors="black",
                   linewidths=0.8, label="mistake")
    if len(selected):
        sel = np.asarray(selected, dtype=int)
        ax.scatter(coords[sel, 0], coords[sel, 1], s=size * 3, facecolors="none", edgecolors="#ff7f0e",
                   linewidths=0.8)
    if scale is None:
        if color_by == "correct":
            entries = [("correct", CORRECT_RGB[0]), ("wrong", CORRECT_RGB[1])]
        else:
            table = category_table(len(class_names))
            entries = [(str(c), table[i]) for i, c in enumerate(class_names)]
        for name, rgb in entries:
            ax.scatter([], [], color=rgb / 255.0, s=20, label=name)
        ax.legend(loc="best", fontsize=7, markerscale=1, frameon=False, ncol=2 if len(entries) > 6 else 1)
    else:
        import matplotlib.cm as cm
        from matplotlib.colors import ListedColormap, Normalize

        mappable = cm.ScalarMappable(Normalize(*scale), ListedColormap(continuous_table() / 255.0))
        fig.colorbar(mappable, ax=ax, label="confidence" if color_by == "confidence" else f"unit {unit}")
    ax.set_title(title, fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])
    mode = {"label": "true class", "predicted": "predicted class", "correct": "correct / wrong"}.get(color_by, color_by)
    ax.set_xlabel(f"coloured by {mode}", fontsize=8)
    return fig
