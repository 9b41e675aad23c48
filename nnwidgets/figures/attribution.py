"""The static form of the Attribution view."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.cm import ScalarMappable
from matplotlib.colors import ListedColormap, Normalize
from matplotlib.figure import Figure  # noqa: F401  (return type)

from .colormap import composite, display_image
from .figure import ViewFigure


def top_classes(probs: np.ndarray, k: int, target: int) -> list[int]:
    """Indices of the k most probable classes, descending, plus the target if missing."""
    order = [int(i) for i in np.argsort(-probs, kind="stable")[:k]]
    if target not in order:
        order.append(int(target))
    return order


def attribution_figure(
    *,
    image: np.ndarray,
    display_range: tuple[float, float],
    amap: np.ndarray,
    lut: np.ndarray,
    lo: float,
    hi: float,
    opacity: float,
    probs: np.ndarray,
    labels: Sequence[str],
    target: int,
    predicted: int,
    top_k: int,
    title: str,
) -> Figure:
    """Input with the attribution overlay, a colour bar, and the top predictions."""
    fig = ViewFigure(figsize=(7.2, 3.4), layout="constrained")
    ax_img, ax_bar = fig.subplots(1, 2, width_ratios=[1.0, 1.0])
    picture = composite(display_image(image, *display_range), amap, lut, lo, hi, opacity)
    ax_img.imshow(picture, interpolation="nearest")
    ax_img.set_xticks([])
    ax_img.set_yticks([])
    ax_img.set_title(title, fontsize=10)
    mappable = ScalarMappable(norm=Normalize(lo, hi), cmap=ListedColormap(lut / 255.0))
    fig.colorbar(mappable, ax=ax_img, fraction=0.05, label="attribution")

    shown = top_classes(probs, top_k, target)
    ypos = np.arange(len(shown))[::-1]
    colours = ["#d62728" if c == target else "#9aa5b1" for c in shown]
    ax_bar.barh(ypos, [probs[c] for c in shown], color=colours)
    ax_bar.set_yticks(ypos, [labels[c] + (" (predicted)" if c == predicted else "") for c in shown])
    ax_bar.set_xlim(0, 1)
    ax_bar.set_xlabel("probability")
    ax_bar.set_title(f"explaining: {labels[target]}", fontsize=10)
    for y, c in zip(ypos, shown):
        inside = probs[c] > 0.8  # long bars carry their label inside, in white
        x = probs[c] - 0.02 if inside else probs[c] + 0.02
        ax_bar.text(x, y, f"{probs[c]:.1%}", va="center", ha="right" if inside else "left",
                    color="white" if inside else "black", fontsize=8)
    return fig
