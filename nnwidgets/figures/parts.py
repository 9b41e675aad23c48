"""The static figure of a several-input Attribution view: one panel per input, each on its own scale."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .figure import ViewFigure
from .text import clip


def parts_figure(frame: Any, names: Sequence[str], feature_names: Sequence[Sequence[str]],
                 labels: Sequence[str]) -> ViewFigure:
    """The image parts as maps, the others as bars; each titled with its own scale and share."""
    k = len(frame.parts)
    fig = ViewFigure(figsize=(4.2 * k, 4.0), layout="constrained")
    axes = fig.subplots(1, k, squeeze=False)[0]
    for ax, part, name, feats in zip(axes, frame.parts, names, feature_names):
        s = part.scale or 1.0
        values = part.values.numpy()
        if part.kind == "image":
            im = ax.imshow(values, cmap="RdBu_r", vmin=-s, vmax=s, interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            fig.colorbar(im, ax=ax, shrink=0.8)
        else:
            y = np.arange(values.size)
            ax.barh(y, values, color=np.where(values >= 0, "#b2182b", "#2166ac"))
            ax.axvline(0, color="black", linewidth=0.8)
            ax.set_xlim(-1.05 * s, 1.05 * s)
            ax.set_yticks(y, [clip(f, 24) for f in feats])
            ax.invert_yaxis()
        ax.set_title(f"{clip(name, 30)}\nown scale ±{s:.3g} · {100 * part.share:.0f}% of |attribution|", fontsize=9)
    what = clip(labels[frame.target], 30) if 0 <= frame.target < len(labels) else "the output"
    fig.suptitle(f"{frame.method} for {what}", fontsize=10)
    return fig
