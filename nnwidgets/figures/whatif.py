"""The static form of the What-if view."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .figure import ViewFigure
from .text import clip, wrap

LABEL = 26  # characters of a feature or class name the figure keeps
CLASSES = 8  # probability rows at most: the most probable now or originally, and the target

POSITIVE, NEGATIVE = "#b2182b", "#2166ac"  # the ends of RdBu_r, as in the maps


def whatif_figure(
    *,
    names: Sequence[str],
    labels: Sequence[str],
    current: np.ndarray,
    original: np.ndarray,
    attribution: np.ndarray,
    probs: np.ndarray,
    probs_original: np.ndarray,
    target: int,
    taylor: tuple[float, float],
    ice_feature: int,
    ice_values: np.ndarray,
    ice_outputs: np.ndarray,
    pdp: np.ndarray,
    method_title: str,
    top: int = 12,
    output_label: str = "",  # what the bars show; "raw scores" drops the [0, 1] axes
) -> Figure:
    """Top attributions, class probabilities (now vs original), Taylor check, ICE curve."""
    fig = ViewFigure(figsize=(11, 5.2), layout="constrained")
    label = clip(labels[target], LABEL)
    left, right = fig.subfigures(1, 2, width_ratios=[1.1, 1.0])
    ax_attr = left.subplots()
    ax_prob, ax_taylor, ax_ice = right.subplots(3, 1, height_ratios=[1.0, 0.6, 1.4])

    order = np.argsort(-np.abs(attribution), kind="stable")[:top][::-1]
    changed = ~np.isclose(current, original)
    ax_attr.barh(range(len(order)), attribution[order], color=[POSITIVE if a >= 0 else NEGATIVE for a in attribution[order]])
    ax_attr.set_yticks(range(len(order)), [f"{clip(names[i], LABEL)} = {current[i]:.4g}" + (" *" if changed[i] else "")
                                           for i in order], fontsize=8)
    ax_attr.axvline(0, color="#444", lw=0.8)
    ax_attr.set_title(wrap(f"{method_title} for {label} (* changed)", 44), fontsize=10)
    ax_attr.xaxis.set_major_locator(MaxNLocator(4))
    ax_attr.tick_params(axis="x", labelsize=7)

    # the most probable classes now or originally, and the target: at most CLASSES rows
    rank = np.argsort(-np.maximum(probs, probs_original), kind="stable")
    classes = [int(k) for k in rank[:CLASSES]]
    if target not in classes:
        classes[-1] = int(target)
    classes.sort()
    y = np.arange(len(classes))[::-1]
    ax_prob.barh(y, probs_original[classes], color="none", edgecolor="#888", label="original")
    ax_prob.barh(y, probs[classes], color=["#d62728" if k == target else "#9aa5b1" for k in classes], alpha=0.8,
                 label="now")
    ax_prob.set_yticks(y, [clip(labels[k], LABEL) for k in classes], fontsize=8)
    bounded = output_label != "raw scores"
    if bounded:
        ax_prob.set_xlim(0, 1)
    ax_prob.tick_params(axis="x", labelsize=7)
    # beside the bars, never over them
    ax_prob.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, borderaxespad=0.0)
    shown = "" if len(classes) == len(labels) else f" (top {len(classes)} of {len(labels)} classes)"
    ax_prob.set_title(f"{output_label or 'probability'}{shown}", fontsize=9)

    estimate, actual = taylor
    ax_taylor.barh([1, 0], [estimate, actual], color=["#999", "#d62728"])
    ax_taylor.set_yticks([1, 0], ["first-order estimate", "actual change"], fontsize=8)
    ax_taylor.axvline(0, color="#444", lw=0.8)
    ax_taylor.set_title(wrap(f"change of p({label}): first-order {estimate:+.3g}, actual {actual:+.3g}", 56), fontsize=9)
    ax_taylor.xaxis.set_major_locator(MaxNLocator(3))
    ax_taylor.tick_params(axis="x", labelsize=7)
    ax_taylor.ticklabel_format(axis="x", style="sci", scilimits=(-2, 3))

    if ice_feature >= 0 and len(ice_values):
        ax_ice.plot(ice_values, ice_outputs, color="#d62728", label="this input (ICE)")
        if len(pdp):
            ax_ice.plot(ice_values, pdp, color="#555", ls="--", label="data average (PDP)")
        ax_ice.axvline(current[ice_feature], color="#d62728", lw=0.8)
        ax_ice.axvline(original[ice_feature], color="#888", lw=0.8, ls=":")
        ax_ice.set_xlabel(clip(names[ice_feature], 50), fontsize=8)
        ax_ice.set_ylabel(wrap(f"p({label})" if bounded else f"score ({label})", 16), fontsize=8)
        if bounded:
            ax_ice.set_ylim(-0.02, 1.02)
        ax_ice.tick_params(labelsize=7)
        ax_ice.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, borderaxespad=0.0)
    return fig
