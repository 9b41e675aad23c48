"""The trust evidence in plain English: one line per check saying what it means for
THIS input, and the thresholds those lines judge by (all in one place).

- :data:`IG_RELATIVE_WARN`: relative IG delta above 5 % → "increase n_steps";
- :data:`IG_GAP_TINY`: |F(x) − F(baseline)| below 1e-6 · max(1, |F(x)|) → the
  relative delta says little;
- :data:`RANK_DISAGREE`: a pair of maps with ρ below 0.5 → "they disagree";
- :data:`RANDOMIZATION_WARN`: signed ρ above 0.8 after randomizing (over the
  features where either map is non-zero) → "may not depend on what the model
  learned"; only ρ of magnitudes above it → "signs come from the weights";
- a deletion area no smaller than the random orders' → "no better than a random order".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from .completeness import Completeness
from .deletion import Deletion
from .randomization import Randomization

IG_RELATIVE_WARN = 0.05  # relative convergence delta above this: the path integral has not converged
IG_GAP_TINY = 1e-6  # |F(x) − F(baseline)| below this · max(1, |F(x)|): nothing for IG to explain
RANK_DISAGREE = 0.5  # Spearman below this between two maps: they tell different stories
RANDOMIZATION_WARN = 0.8  # Spearman above this after randomizing the top layer(s): the map survived


def _rho(value: float) -> str:
    return f"{round(value, 2) or 0.0:.2f}"  # never "-0.00"


def _pct(value: float) -> str:
    return f"{100 * value:.2g} %"


def ig_line(c: Completeness | None, title: str, f_x: float) -> str:
    if c is None:
        return "Integrated gradients is not among the methods: no completeness check."
    if c.gap < IG_GAP_TINY * max(1.0, abs(f_x)):
        return (
            f"F(x) and F(baseline) are almost equal (gap {c.gap:.2g}): the {title} attributions must sum to "
            f"about zero, so their completeness gap ({c.delta:.2g}) says little; pick a baseline the model "
            "scores differently."
        )
    if c.relative > IG_RELATIVE_WARN:
        return (
            f"The completeness gap of {title} is {_pct(c.relative)} of F(x) − F(baseline), above "
            f"{_pct(IG_RELATIVE_WARN)}: the path integral has not converged; increase n_steps."
        )
    return f"The completeness gap of {title} is {_pct(c.relative)} of F(x) − F(baseline): the path integral converged."


def rank_line(matrix: np.ndarray, names: Sequence[str], titles: Mapping[str, str]) -> str:
    if len(names) < 2:
        return f"Only {titles[names[0]]}: add a second method to compare rankings."
    off = matrix + np.diag(np.full(len(names), np.inf))
    i, j = divmod(int(off.argmin()), len(names))
    low = float(matrix[i, j])
    pair = f"{titles[names[i]]} and {titles[names[j]]}"
    if low < RANK_DISAGREE:
        return (
            f"{pair} rank the features differently (ρ = {_rho(low)}): they cannot both describe this input; "
            "the deletion curves say which ranking the model follows."
        )
    return f"The methods rank the features alike (lowest ρ = {_rho(low)}, {pair}): their maps tell one story."


def _evidence(r: Randomization, name: str) -> str:
    k = -1  # the deepest step: every randomized layer re-initialised
    return (f"ρ = {_rho(r.signed[name][k])} signed, {_rho(r.absolute[name][k])} of magnitudes, "
            f"over the {r.compared[name][k]} features where either map is non-zero")


def randomization_line(r: Randomization, titles: Mapping[str, str]) -> str:
    """The verdict of the cascading randomization check, worded by the statistic that
    carries it: a map whose signed ranking survives, one whose magnitudes survive but
    not its signs, or every map changed."""
    if not r.layers:
        return "No layer was randomized: no model-randomization check."
    what = "the last layer" if len(r.layers) == 1 else f"the last {len(r.layers)} layers"
    them = "it" if len(r.layers) == 1 else "them"
    kept = [n for n in r.signed if r.signed[n][-1] > RANDOMIZATION_WARN]
    sizes = [n for n in r.signed if n not in kept and r.absolute[n][-1] > RANDOMIZATION_WARN]
    lines = []
    for n in kept:
        lines.append(
            f"Re-initialising {what} leaves the map of {titles[n]} almost unchanged ({_evidence(r, n)}): "
            f"it may not depend on what the model learned in {them} (the model may not use {them}, "
            "or the method may not follow the model)."
        )
    for n in sizes:
        lines.append(
            f"Re-initialising {what} keeps the ranking of |{titles[n]}| but changes the signed map more "
            f"({_evidence(r, n)}): which features stand out comes mostly from the input, which way they "
            "push depends on the learned weights."
        )
    if not lines:
        top = max(r.signed, key=lambda n: r.signed[n][-1])
        lines.append(
            f"Re-initialising {what} changes every map (highest: {titles[top]}, {_evidence(r, top)}): "
            f"the maps depend on what the model learned in {them}."
        )
    if len(r.layers) > 1:
        top = max(r.signed, key=lambda n: r.signed[n][-1])
        steps = ", ".join(f"{d} → {_rho(v)}" for d, v in zip(r.depths, r.signed[top]))
        lines.append(f"Signed ρ of {titles[top]} as layers are re-initialised from the top down (layers → ρ): {steps}.")
    return " ".join(lines)


def deletion_line(d: Deletion, titles: Mapping[str, str], kind: str) -> str:
    best = min(d.area, key=d.area.get)
    first = next(iter(d.scores.values()))[0]
    line = (
        f"Removing the features {titles[best]} ranks highest lowers the {kind} fastest "
        f"(from {first:.3g}; area {d.area[best]:.3g}, random order {d.random_area:.3g})."
    )
    poor = [titles[n] for n, a in d.area.items() if a >= d.random_area]
    if poor:
        line += f" {', '.join(poor)}: no better than a random order for this input."
    last = float(d.random[-1])  # every feature removed: the baseline's score, whatever the order
    if last > first + 0.05 * max(abs(first), abs(last), 1e-12):
        line += (
            f" The curves end at the baseline's {kind} ({last:.3g}), above this input's: the features that count "
            "against the class are removed last, so the curve rises towards it."
        )
    same = _identical(d)
    if same:
        line += f" {' = '.join(titles[n] for n in same)}: the same curve (the same order of the features)."
    return line


def _identical(d: Deletion) -> list[str]:
    """The methods whose curves coincide with another's (drawn on top of each other)."""
    names = list(d.scores)
    return [n for n in names if any(m != n and np.allclose(d.scores[n], d.scores[m]) for m in names)]
