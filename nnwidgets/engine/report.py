"""One call that gathers the trust evidence an attribution view shows beside its maps.

:func:`trust_report` takes ONE example and the maps the caller already
computed (method name → attributions) and returns a :class:`TrustReport`:

- integrated gradients' convergence: |delta|, |F(x) − F(baseline)| and their
  ratio (from ``ig``, or from one IG run when IG is among the maps);
- rank agreement: Spearman between every pair of maps, as an (M, M) matrix;
- the model-randomization check (Adebayo et al. 2018), cascading: the top 1, 2,
  … ``randomize_layers`` modules of deep copies (the last to run on ``x``,
  normalization layers skipped: their reset is an identity) are re-initialised
  and every method is recomputed on each; Spearman of the signed maps and of
  their magnitudes, over the features where either map is non-zero (features
  at zero in both, e.g. the pixels equal to the baseline under gradient ×
  input, tie and would inflate ρ of |maps| towards 1);
- the deletion curve (Samek et al. 2017): features are removed from most to
  least important by the SIGNED attribution (the deletion metric's
  convention: the features that push the target up go first, so a faithful
  map makes the score fall fast and the area under the curve small), replaced
  by ``baseline``; the same curve for random orders (mean of
  :data:`DELETION_RANDOM_ORDERS` seeded permutations) is the reference;
- one plain-English line per figure saying what it means for THIS input
  (``checks.sentences``, with the thresholds they judge by).

What a "feature" is:

- by default every element of ``x``: an image map (1, C, H, W) is ranked and
  deleted per element;
- token ids ``x`` (1, T) with per-token maps (1, T): deletion replaces the
  ids at the removed positions by the ids of ``baseline`` (a tensor of x's
  shape, e.g. [CLS] [PAD] … [SEP]); a layer map (1, T, D) (layer integrated
  gradients through the embedding) is summed over D first — any map whose
  leading dimensions are x's shape is summed over the rest;
- with ``feature_mask`` (integer ids of x's shape, or x's shape without the
  batch dim), the elements sharing an id form one feature: maps of x's shape
  are summed per feature, or maps may give one score per feature, (1, F) or
  (F,), in the order of the sorted ids.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from .attribute import attribute
from .baselines import baselines_like
from .checks.completeness import IG_METHODS, completeness
from .checks.deletion import DELETION_RANDOM_ORDERS, deletion
from .checks.features import Features
from .checks.randomization import Randomization, randomization
from .checks.ranks import spearman_matrix
from .checks.sentences import (
    IG_GAP_TINY, IG_RELATIVE_WARN, RANDOMIZATION_WARN, RANK_DISAGREE, deletion_line, ig_line, randomization_line,
    rank_line,
)
from .errors import ExplanationInputError, ModelCallError
from .explanation import Explanation
from .outputs import SCORES, Reading, reading_of
from .passes import call_model
from .registry import METHODS, lookup
from .private import private_view
from .targets import resolve_target, select
from .validate import check_inputs, describe

__all__ = [
    "DELETION_RANDOM_ORDERS",
    "IG_GAP_TINY",
    "IG_METHODS",
    "IG_RELATIVE_WARN",
    "RANDOMIZATION_WARN",
    "RANK_DISAGREE",
    "TrustReport",
    "trust_report",
]

_IG_SHORT = {"integrated_gradients": "IG", "layer_integrated_gradients": "Layer IG"}


@dataclass
class TrustReport:
    """The trust evidence for one input; arrays are numpy on the CPU."""

    methods: list[str]  # the maps' names, in the order of rank_agreement's rows
    target: int | None  # the class explained (None for a single-output model)
    ig_delta: float | None  # |convergence delta| of IG for this input (None when IG was not among the methods)
    ig_gap: float | None  # |F(x) − F(baseline)| for the target
    ig_relative: float | None  # ig_delta / ig_gap
    rank_agreement: np.ndarray  # (M, M) float64 Spearman between the methods' maps, 1 on the diagonal
    randomization: dict[str, float]  # method -> Spearman |original| vs |randomized top layer(s)| (non-zero features)
    randomized_layers: list[str]  # the modules re-initialised, output side first
    deletion_fractions: np.ndarray  # (S + 1,) share of the features removed
    deletion_scores: dict[str, np.ndarray]  # method -> (S + 1,) target score (probability) after removing the top features
    deletion_area: dict[str, float]  # method -> area under its deletion curve (trapezoid): smaller = more faithful
    deletion_random: np.ndarray  # (S + 1,) the same curve for random orders (mean), the reference
    deletion_random_area: float
    summary: dict[str, str] = field(default_factory=dict)  # "ig", "rank_agreement", "randomization", "deletion"
    randomization_signed: dict[str, float] = field(default_factory=dict)  # method -> Spearman of the signed maps
    # the cascade: method -> (K,) ρ after re-initialising the top randomization_depths[k] layers (signed, of
    # magnitudes) and the number of features each compared (those where either map is non-zero)
    randomization_depths: list[int] = field(default_factory=list)
    randomization_cascade: dict[str, np.ndarray] = field(default_factory=dict)
    randomization_cascade_abs: dict[str, np.ndarray] = field(default_factory=dict)
    randomization_compared: dict[str, np.ndarray] = field(default_factory=dict)
    # the target's raw output (what the maps explain) at x and at the baseline: the ends of a
    # waterfall base → f(x); completeness methods' attributions sum to their difference
    f_x: float | None = None
    f_baseline: float | None = None


def _check_int(name: str, value: object, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ExplanationInputError(f"{name} must be an int ≥ {low}; got {value!r}")
    return value


def trust_report(
    model: nn.Module,
    x: torch.Tensor,
    target: int,
    maps: dict[str, torch.Tensor],
    *,
    method_options: dict[str, dict] | None = None,
    ig: Explanation | None = None,
    baseline: float | torch.Tensor = 0.0,
    steps: int = 20,
    randomize_layers: int = 1,
    feature_mask: torch.Tensor | None = None,
    layer: str | None = None,
    probability: bool | Reading = True,
    titles: dict[str, str] | None = None,
) -> TrustReport:
    """The trust evidence for ``maps`` of ONE example ``x`` (1, ...) and class ``target``.

    ``maps``: method name (a registered method) → the attributions the caller
    computed, of x's shape (or see the module doc for layer maps and
    ``feature_mask``). ``method_options``: per method, the options the maps
    were computed with; the randomization check recomputes each method with
    them, filling ``layer`` (methods that take one) and ``baselines`` (methods
    that take them; ``baseline`` expanded to x's shape) where not given.
    ``ig``: the caller's integrated-gradients Explanation for x; without it,
    the first IG method among the maps is run once for its delta.
    ``baseline``: what a removed feature becomes (a number, or a tensor
    broadcastable to x; token ids for id inputs). ``steps``: points of the
    deletion curve after the first. ``probability``: score the deletion rows by
    the target's output as the view reads it (True: as the model's task reads it,
    softmax / sigmoid probability or raw score; a :class:`Reading`: that one),
    False: the raw output.
    ``titles``: the names the summary lines use for the methods (default: the
    engine's titles), so they match what a view calls them.
    The model object is never written to; randomization works on a deep copy.
    """
    check_inputs(model, x, needs_grad=False)
    if x.shape[0] != 1:
        raise ExplanationInputError(
            f"x must be ONE example with its batch dimension, shape (1, ...); got {describe(x)}"
        )
    if not isinstance(maps, dict) or not maps:
        raise ExplanationInputError("maps must be a non-empty dict of method name → attributions of x's shape")
    for name in maps:
        lookup(name)  # unknown names fail with the list of methods
    method_options = dict(method_options or {})
    unknown = sorted(set(method_options) - set(maps))
    if unknown:
        raise ExplanationInputError(f"method_options for {unknown}, which are not among the maps {sorted(maps)}")
    steps = _check_int("steps", steps, 1)
    randomize_layers = _check_int("randomize_layers", randomize_layers, 0)
    base = baselines_like(x, baseline)
    feats = Features(x, feature_mask)
    names = list(maps)
    scores = {name: feats.scores(name, maps[name]).to(torch.float64) for name in names}  # (F,) each

    model = private_view(model)
    with torch.no_grad():
        output = call_model(model, x)
        index = resolve_target(output, target)  # out of range → ExplanationInputError
        f_x = float(select(output, index, target)[0])
        f_base = _at_baseline(model, x, base, index, target)
    fixed = target if index is None else int(index[0])  # "predicted" etc. → the class it names
    reading = (reading_of(model, output) if probability is True else probability) if probability is not False else SCORES

    def options(name: str) -> dict:
        opts = dict(method_options.get(name, {}))
        taken = METHODS[name].options
        if layer is not None and "layer" in taken:
            opts.setdefault("layer", layer)
        if "baselines" in taken:
            opts.setdefault("baselines", base)
        return opts

    ig_name = ig.method if ig is not None else next((m for m in names if m in IG_METHODS), None)
    if ig is None and ig_name is not None:
        ig = attribute(model, x, ig_name, fixed, **options(ig_name))
    ig_check = completeness(ig) if ig is not None else None
    matrix = spearman_matrix(torch.stack([scores[n] for n in names])).cpu().numpy()
    rnd = randomization(model, x, fixed, scores, feats, options, randomize_layers)
    curves = deletion(model, feats, scores, base, index, fixed, steps=steps, reading=reading)

    named = {name: (titles or {}).get(name) or METHODS[name].title for name in names}
    ig_title = None if ig is None else (titles or {}).get(ig.method) or _IG_SHORT.get(ig.method, ig.method)
    summary = {
        "ig": ig_line(ig_check, ig_title, f_x),
        "rank_agreement": rank_line(matrix, names, named),
        "randomization": randomization_line(rnd, named),
        "deletion": deletion_line(curves, named, "probability" if reading.kind != "score" and index is not None else "score"),
    }
    return TrustReport(
        methods=names,
        target=None if index is None else fixed,
        ig_delta=None if ig_check is None else ig_check.delta,
        ig_gap=None if ig_check is None else ig_check.gap,
        ig_relative=None if ig_check is None else ig_check.relative,
        rank_agreement=matrix,
        deletion_fractions=curves.fractions,
        deletion_scores=curves.scores,
        deletion_area=curves.area,
        deletion_random=curves.random,
        deletion_random_area=curves.random_area,
        summary=summary,
        f_x=f_x,
        f_baseline=f_base,
        **_randomization_fields(rnd),
    )


def _randomization_fields(rnd: Randomization) -> dict:
    """The report's randomization fields: the deepest step's ρ (|maps| and signed) and the cascade."""
    last = {"randomization": rnd.absolute, "randomization_signed": rnd.signed}
    steps = {"randomization_cascade": rnd.signed, "randomization_cascade_abs": rnd.absolute,
             "randomization_compared": rnd.compared}
    # No layer to re-initialise (randomize_layers=0, or none that runs): no ρ to report.
    out: dict = {key: {n: v[-1] if v else float("nan") for n, v in d.items()} for key, d in last.items()}
    out.update({key: {n: np.asarray(v) for n, v in d.items()} for key, d in steps.items()})
    out["randomized_layers"] = rnd.layers
    out["randomization_depths"] = rnd.depths
    return out


def _at_baseline(model, x: torch.Tensor, base: torch.Tensor, index, target) -> float | None:
    """F(baseline), or None where it has no meaning: a baseline of another shape, or token ids the
    model cannot run on (a packed sequence of only padding; layer IG never needs that forward)."""
    if base.shape != x.shape:
        return None
    try:
        return float(select(call_model(model, base), index, target)[0])
    except ModelCallError:
        if x.is_floating_point():
            raise
        return None
