"""SHAP's waterfall of one tabular explanation, base f(baseline) → f(x): each feature's
attribution one step (largest |attribution| on top), the tail summed into one "N other
features" step. The steps add up to f(x) − base exactly: what the attributions leave of
it (IG's quadrature error; all of it for a method without completeness) is its own
labelled step. Mirrors js/src/attribution/waterfall.ts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .text import clip, wrap

WATERFALL_FEATURES = 10  # features drawn as their own steps; a longer table folds the rest into one
GAP_TOLERANCE = 1e-6  # a gap this small against the numbers' scale is rounding, not a step
LABEL = 26
POSITIVE, NEGATIVE, GAP = "#d6604d", "#4393c3", "#9e9e9e"


@dataclass(frozen=True)
class Step:
    kind: str  # "feature", "rest" or "gap"
    feature: int  # the feature's index; -1 for the tail and the gap
    count: int  # features the step sums (0 for the gap)
    value: float
    start: float  # the running total before and after the step
    end: float


def waterfall_steps(values: np.ndarray, base: float, fx: float, max_features: int = WATERFALL_FEATURES) -> list[Step]:
    """The steps top to bottom as drawn; the running total grows upward from ``base`` to ``fx``."""
    v = np.asarray(values, dtype=np.float64).reshape(-1)
    order = sorted(range(v.size), key=lambda i: (-abs(v[i]), i))
    own = order[:max_features] if v.size > max_features + 1 else order
    tail = order[len(own):]
    total = float(v.sum())
    gap = fx - base - total
    up: list[tuple[str, int, int, float]] = []
    if abs(gap) > GAP_TOLERANCE * max(abs(fx - base), float(np.abs(v).sum()), np.finfo(float).tiny):
        up.append(("gap", -1, 0, gap))
    if tail:
        up.append(("rest", -1, len(tail), float(v[tail].sum())))
    up += [("feature", f, 1, float(v[f])) for f in reversed(own)]
    steps, at = [], float(base)
    for kind, f, count, value in up:
        steps.append(Step(kind, f, count, value, at, at + value))
        at += value
    if steps:  # the last step ends at f(x) itself, not at a sum rounding moved by an ulp
        last = steps[-1]
        steps[-1] = Step(last.kind, last.feature, last.count, last.value, last.start, float(fx))
    return steps[::-1]


def output_axis(output_label: str, output: str, cls: str) -> str:
    """What the waterfall's axis measures: the raw output the attributions explain."""
    if output == "score":
        return f"model output (score) for {cls}"
    if "softmax" in output_label:
        return f"logit of {cls} (the raw output, before the softmax)"
    if "sigmoid" in output_label:
        return f"logit of {cls} (the raw output, before the sigmoid)"
    if "probabilit" in output_label:
        return f"probability of {cls} (the model's own output)"
    return f"model output for {cls}"


def step_name(step: Step, names: Sequence[str], inputs: np.ndarray, complete: bool) -> str:
    if step.kind == "feature":
        name = names[step.feature] if step.feature < len(names) else f"feature {step.feature}"
        return f"{clip(name, LABEL)} = {float(inputs[step.feature]):.4g}"
    if step.kind == "rest":
        return f"{step.count} other features"
    return "not in the sum (approx. error)" if complete else "not attributed (no completeness)"


def draw_waterfall(ax, values: np.ndarray, base: float, fx: float, *, names: Sequence[str], inputs: np.ndarray,
                   method: str, complete: bool, axis_label: str) -> list[Step]:
    """Draw the waterfall on ``ax``; returns the steps drawn (top to bottom)."""
    steps = waterfall_steps(values, base, fx)
    y = np.arange(len(steps))[::-1] + 1.0  # the base's row is 0, f(x)'s is len + 1
    for row, s in zip(y, steps):
        colour = GAP if s.kind == "gap" else POSITIVE if s.value > 0 else NEGATIVE
        ax.barh(row, s.end - s.start, left=s.start, height=0.7, color=colour, edgecolor="#555", linewidth=0.3,
                hatch="//" if s.kind == "gap" else None)
    ax.axvline(base, color="#222", linewidth=0.9)
    ax.axvline(fx, color="#222", linewidth=0.9, linestyle="--")
    lo = min([base, fx] + [min(s.start, s.end) for s in steps])
    hi = max([base, fx] + [max(s.start, s.end) for s in steps])
    if lo < 0 < hi:
        ax.axvline(0, color="#bbb", linewidth=0.6, zorder=0)
    pad = (hi - lo or abs(hi) or 1.0) * 0.05
    ax.set_xlim(lo - pad, hi + pad)
    ax.plot([base], [0], "o", color="#222", markersize=4)
    ax.plot([fx], [len(steps) + 1], "o", color="#222", markersize=4)
    ticks = [0.0, *y, len(steps) + 1.0]
    labels = [f"base f(baseline) = {base:.4g}"] + [step_name(s, names, inputs, complete) for s in steps] + \
        [f"f(x) = {fx:.4g}"]
    ax.set_yticks(ticks, labels, fontsize=7)
    ax.set_ylim(-0.6, len(steps) + 1.6)
    # each step's signed size as a column at the right, clear of the bars
    right = ax.secondary_yaxis("right")
    right.set_yticks(list(y), [f"{s.value:+.3g}" for s in steps], fontsize=7)
    right.tick_params(length=0)
    ax.tick_params(axis="x", labelsize=7)
    ax.set_xlabel(wrap(axis_label, 60), fontsize=8)
    total = sum(s.value for s in steps if s.kind != "gap")
    title = f"waterfall · {clip(method, 40)}: Σ attributions {total:.4g}, f(x) − base {fx - base:.4g}"
    if any(s.kind == "gap" for s in steps):
        title += "; the rest is its own step" if complete else "; the method need not sum to it: the rest is its own step"
    ax.set_title(wrap(title, 70), fontsize=8)
    return steps
