"""One call that gathers the trust evidence an attribution view shows beside its maps.

:func:`trust_report` takes ONE example and the maps the caller already
computed (method name → attributions) and returns a :class:`TrustReport`:

- integrated gradients' convergence: |delta|, |F(x) − F(baseline)| and their
  ratio (from ``ig``, or from one IG run when IG is among the maps);
- rank agreement: Spearman between every pair of maps, as an (M, M) matrix;
- the model-randomization check (Adebayo et al. 2018): the top
  ``randomize_layers`` modules of ONE deep copy (the last to run on ``x``,
  normalization layers skipped: their reset is an identity) are re-initialised
  and every method is recomputed on it; Spearman of |map| vs |randomized map|;
- the deletion curve (Samek et al. 2017): features are removed from most to
  least important by the SIGNED attribution (the deletion metric's
  convention: the features that push the target up go first, so a faithful
  map makes the score fall fast and the area under the curve small), replaced
  by ``baseline``; the same curve for random orders (mean of
  :data:`DELETION_RANDOM_ORDERS` seeded permutations) is the reference;
- one plain-English line per figure saying what it means for THIS input.

What a "feature" is:

- by default every element of ``x``: an image map (1, C, H, W) is ranked and
  deleted per element, as :func:`~nnwidgets.engine.trust.deletion_curve` does;
- token ids ``x`` (1, T) with per-token maps (1, T): deletion replaces the
  ids at the removed positions by the ids of ``baseline`` (a tensor of x's
  shape, e.g. [CLS] [PAD] … [SEP]); a layer map (1, T, D) (layer integrated
  gradients through the embedding) is summed over D first — any map whose
  leading dimensions are x's shape is summed over the rest;
- with ``feature_mask`` (integer ids of x's shape, or x's shape without the
  batch dim), the elements sharing an id form one feature: maps of x's shape
  are summed per feature, or maps may give one score per feature, (1, F) or
  (F,), in the order of the sorted ids.

Thresholds of the summary lines: :data:`IG_RELATIVE_WARN` (relative IG delta
above 5 % → "increase n_steps"), :data:`IG_GAP_TINY` (|F(x) − F(baseline)|
below 1e-6 · max(1, |F(x)|) → the relative delta says little),
:data:`RANK_DISAGREE` (a pair of maps with ρ below 0.5 → "they disagree"),
:data:`RANDOMIZATION_WARN` (ρ above 0.8 after randomizing → "may not depend
on what the model learned"), and a deletion area no smaller than the random
orders' → "no better than a random order".
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from .attribute import attribute
from .baselines import baselines_like
from .batching import rows_within_budget
from .errors import ExplanationInputError
from .explanation import Explanation
from .passes import call_model
from .registry import METHODS, lookup
from .state import preserved
from .targets import resolve_target, select
from .trust import _ranks, randomized_copy, relative_delta
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

IG_METHODS = ("integrated_gradients", "layer_integrated_gradients")
_IG_SHORT = {"integrated_gradients": "IG", "layer_integrated_gradients": "Layer IG"}
IG_RELATIVE_WARN = 0.05  # relative convergence delta above this: the path integral has not converged
IG_GAP_TINY = 1e-6  # |F(x) − F(baseline)| below this · max(1, |F(x)|): nothing for IG to explain
RANK_DISAGREE = 0.5  # Spearman below this between two maps: they tell different stories
RANDOMIZATION_WARN = 0.8  # Spearman above this after randomizing the top layer(s): a warning
DELETION_RANDOM_ORDERS = 4  # random orders averaged for the deletion curve's reference


@dataclass
class TrustReport:
    """The trust evidence for one input; arrays are numpy on the CPU."""

    methods: list[str]  # the maps' names, in the order of rank_agreement's rows
    target: int | None  # the class explained (None for a single-output model)
    ig_delta: float | None  # |convergence delta| of IG for this input (None when IG was not among the methods)
    ig_gap: float | None  # |F(x) − F(baseline)| for the target
    ig_relative: float | None  # ig_delta / ig_gap
    rank_agreement: np.ndarray  # (M, M) float64 Spearman between the methods' maps, 1 on the diagonal
    randomization: dict[str, float]  # method -> Spearman |original| vs |randomized top layer(s)|
    randomized_layers: list[str]  # the modules re-initialised, output side first
    deletion_fractions: np.ndarray  # (S + 1,) share of the features removed
    deletion_scores: dict[str, np.ndarray]  # method -> (S + 1,) target score (probability) after removing the top features
    deletion_area: dict[str, float]  # method -> area under its deletion curve (trapezoid): smaller = more faithful
    deletion_random: np.ndarray  # (S + 1,) the same curve for random orders (mean), the reference
    deletion_random_area: float
    summary: dict[str, str] = field(default_factory=dict)  # "ig", "rank_agreement", "randomization", "deletion"


def _rho(value: float) -> str:
    return f"{round(value, 2) or 0.0:.2f}"  # never "-0.00"


def _pct(value: float) -> str:
    return f"{100 * value:.2g} %"


def _check_int(name: str, value: object, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ExplanationInputError(f"{name} must be an int ≥ {low}; got {value!r}")
    return value


class _Features:
    """Turns maps into one score per feature, and removes features from ``x``."""

    def __init__(self, x: torch.Tensor, feature_mask: torch.Tensor | None) -> None:
        self.x = x
        self.mask: torch.Tensor | None = None  # (D,) feature index of every element of x
        self.count = x[0].numel()
        if feature_mask is not None:
            if not isinstance(feature_mask, torch.Tensor) or feature_mask.is_floating_point() or feature_mask.dtype == torch.bool:
                got = describe(feature_mask) if isinstance(feature_mask, torch.Tensor) else type(feature_mask).__name__
                raise ExplanationInputError(
                    f"feature_mask must be an integer tensor of shape {tuple(x.shape)} or {tuple(x.shape[1:])} "
                    f"giving each element's feature id; got {got}"
                )
            if tuple(feature_mask.shape) not in (tuple(x.shape), tuple(x.shape[1:])):
                raise ExplanationInputError(
                    f"feature_mask must have shape {tuple(x.shape)} or {tuple(x.shape[1:])}; got {tuple(feature_mask.shape)}"
                )
            _, inverse = torch.unique(feature_mask.to(x.device).reshape(-1), return_inverse=True)
            self.mask = inverse
            self.count = int(inverse.max()) + 1

    def scores(self, name: str, t: object) -> torch.Tensor:
        """(F,) float scores of one map."""
        x = self.x
        if not isinstance(t, torch.Tensor):
            raise ExplanationInputError(f"map {name!r} must be a torch.Tensor; got {type(t).__name__}")
        t = t.detach().to(x.device)
        if not t.is_floating_point():
            t = t.float()
        if t.dim() == x.dim() and t.shape[0] == 1 and all(a in (1, b) for a, b in zip(t.shape, x.shape)):
            t = t.expand_as(x)  # e.g. Grad-CAM's (1, 1, H, W): one score per pixel, shared by its channels
        if t.dim() >= x.dim() and tuple(t.shape[: x.dim()]) == tuple(x.shape):
            flat = t.reshape(x[0].numel(), -1).sum(1)  # a layer map (1, T, D) → per token
            if self.mask is None:
                return flat
            return torch.zeros(self.count, dtype=flat.dtype, device=flat.device).index_add_(0, self.mask, flat)
        if self.mask is not None and tuple(t.shape) in ((self.count,), (1, self.count)):
            return t.reshape(-1)
        expected = f"the input's shape {tuple(x.shape)}"
        if x.dim() == 2:
            expected += f" (a layer map ({', '.join(map(str, x.shape))}, D) is summed over D)"
        if self.mask is not None:
            expected += f", or one score per feature of feature_mask: (1, {self.count}) or ({self.count},)"
        raise ExplanationInputError(f"map {name!r} has shape {tuple(t.shape)}; expected {expected}")

    def deleted(self, order_positions: torch.Tensor, counts: torch.Tensor, base: torch.Tensor) -> torch.Tensor:
        """Rows (R·(S+1), ...) of x with the first counts[s] features of each order replaced by ``base``.

        ``order_positions`` (R, F): the position of every feature in each order."""
        removed = order_positions.unsqueeze(1) < counts.view(1, -1, 1)  # (R, S+1, F)
        if self.mask is not None:
            removed = removed[..., self.mask]  # (R, S+1, D)
        flat_x, flat_b = self.x.reshape(1, 1, -1), base.reshape(1, 1, -1)
        rows = torch.where(removed, flat_b, flat_x)
        return rows.reshape(-1, *self.x.shape[1:])


def _positions(scores: torch.Tensor) -> torch.Tensor:
    """(R, F) scores → each feature's position when sorted most-important-first (signed)."""
    r, f = scores.shape
    order = scores.argsort(dim=1, descending=True, stable=True)
    return torch.empty_like(order).scatter_(1, order, torch.arange(f, device=order.device).expand(r, f).contiguous())


def _spearman_matrix(features: torch.Tensor) -> torch.Tensor:
    """(M, F) → (M, M) Spearman, the formula of :func:`~nnwidgets.engine.trust.rank_agreement`."""
    ranks = _ranks(features)
    ranks = ranks - ranks.mean(1, keepdim=True)
    unit = ranks / ranks.norm(dim=1, keepdim=True).clamp_min(1e-12)
    matrix = unit @ unit.T
    matrix.fill_diagonal_(1.0)
    return matrix


def _spearman(a: torch.Tensor, b: torch.Tensor) -> float:
    return float(_spearman_matrix(torch.stack([a, b]).to(torch.float64))[0, 1])


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
    probability: bool = True,
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
    the softmax probability of the target (multi-output models), else the raw output.
    ``titles``: the names the summary lines use for the methods (default: the
    engine's titles), so they match what a view calls them.
    The model is left as found; randomization works on a deep copy.
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
    feats = _Features(x, feature_mask)
    names = list(maps)
    scores = torch.stack([feats.scores(name, maps[name]) for name in names]).to(torch.float64)  # (M, F)

    with preserved(model), torch.no_grad():
        output = call_model(model, x)
        index = resolve_target(output, target)  # out of range → ExplanationInputError
        f_x = float(select(output, index, target)[0])
    fixed = target if index is None else int(index[0])  # "predicted" etc. → the class it names

    def options(name: str) -> dict:
        opts = dict(method_options.get(name, {}))
        taken = METHODS[name].options
        if layer is not None and "layer" in taken:
            opts.setdefault("layer", layer)
        if "baselines" in taken:
            opts.setdefault("baselines", base)
        return opts

    summary: dict[str, str] = {}

    # Integrated gradients' convergence.
    ig_delta = ig_gap = ig_relative = None
    ig_name = ig.method if ig is not None else next((m for m in names if m in IG_METHODS), None)
    if ig is None and ig_name is not None:
        ig = attribute(model, x, ig_name, fixed, **options(ig_name))
    if ig is not None:
        if not isinstance(ig, Explanation) or ig.delta is None or ig.delta.numel() != 1:
            raise ExplanationInputError(
                "ig must be the integrated-gradients Explanation of this one example (with a delta of shape (1,))"
            )
        ig_relative = float(relative_delta(ig)[0])
        ig_delta = float(ig.delta.abs()[0])
        total = float(ig.attributions.reshape(1, -1).sum(1)[0])
        ig_gap = abs(total - float(ig.delta[0]))
        title = (titles or {}).get(ig.method) or _IG_SHORT.get(ig.method, ig.method)
        if ig_gap < IG_GAP_TINY * max(1.0, abs(f_x)):
            summary["ig"] = (
                f"F(x) and F(baseline) are almost equal (gap {ig_gap:.2g}): the {title} attributions must sum to "
                f"about zero, so their completeness gap ({ig_delta:.2g}) says little; pick a baseline the model "
                "scores differently."
            )
        elif ig_relative > IG_RELATIVE_WARN:
            summary["ig"] = (
                f"The completeness gap of {title} is {_pct(ig_relative)} of F(x) − F(baseline), above "
                f"{_pct(IG_RELATIVE_WARN)}: the path integral has not converged; increase n_steps."
            )
        else:
            summary["ig"] = (
                f"The completeness gap of {title} is {_pct(ig_relative)} of F(x) − F(baseline): "
                "the path integral converged."
            )
    else:
        summary["ig"] = "Integrated gradients is not among the methods: no completeness check."

    # Rank agreement between the maps.
    titles = {name: (titles or {}).get(name) or METHODS[name].title for name in names}
    matrix = _spearman_matrix(scores)
    if len(names) < 2:
        summary["rank_agreement"] = f"Only {titles[names[0]]}: add a second method to compare rankings."
    else:
        off = matrix + torch.diag(torch.full((len(names),), float("inf"), dtype=matrix.dtype, device=matrix.device))
        i, j = divmod(int(off.argmin()), len(names))
        low = float(matrix[i, j])
        pair = f"{titles[names[i]]} and {titles[names[j]]}"
        if low < RANK_DISAGREE:
            summary["rank_agreement"] = (
                f"{pair} rank the features differently (ρ = {_rho(low)}): they cannot both describe this input; "
                "the deletion curves say which ranking the model follows."
            )
        else:
            summary["rank_agreement"] = (
                f"The methods rank the features alike (lowest ρ = {_rho(low)}, {pair}): their maps tell one story."
            )

    # Model randomization: one copy, every method recomputed on it.
    randomization: dict[str, float] = {}
    randomized_layers: list[str] = []
    if randomize_layers > 0:
        twin, randomized_layers = randomized_copy(model, randomize_layers, seed=0, inputs=x)
        for k, name in enumerate(names):
            other = attribute(twin, x, name, fixed, **options(name)).attributions
            randomization[name] = _spearman(scores[k].abs(), feats.scores(name, other).to(torch.float64).abs())
        del twin
    what = "the last layer" if len(randomized_layers) == 1 else f"the last {len(randomized_layers)} layers"
    if not randomized_layers:
        summary["randomization"] = "No layer was randomized: no model-randomization check."
    else:
        high = {n: r for n, r in randomization.items() if r > RANDOMIZATION_WARN}
        if high:
            listed = " and ".join(f"{titles[n]} (ρ = {_rho(r)})" for n, r in high.items())
            one = len(high) == 1
            summary["randomization"] = (
                f"Randomizing {what} changes the {'map' if one else 'maps'} of {listed} little: "
                f"{'it' if one else 'they'} may not depend on what the model learned."
            )
        else:
            top = max(randomization, key=randomization.get)
            summary["randomization"] = (
                f"Randomizing {what} changes every map (highest ρ = {_rho(randomization[top])}, {titles[top]}): "
                "the maps depend on what the model learned."
            )

    # Deletion: every method's order and the random orders in batched forwards.
    n_feat = feats.count
    generator = torch.Generator().manual_seed(0)
    random_orders = torch.stack([torch.randperm(n_feat, generator=generator) for _ in range(DELETION_RANDOM_ORDERS)])
    # a random permutation read as positions is a random order
    positions = torch.cat([_positions(scores), random_orders.to(x.device)])  # (R, F)
    counts = torch.round(torch.linspace(0, n_feat, steps + 1, device=x.device, dtype=torch.float64)).long()
    rows = feats.deleted(positions, counts, base)
    chunk = max(1, rows_within_budget(model, x))
    with preserved(model), torch.no_grad():
        outs = [call_model(model, rows[i:i + chunk]) for i in range(0, rows.shape[0], chunk)]
        out = torch.cat(outs)
        if probability and index is not None:
            out = torch.softmax(out, dim=1)
        picked = None if index is None else index[:1].expand(out.shape[0])
        curve = select(out, picked, fixed).to(torch.float64).view(-1, steps + 1)
    fractions = counts.to(torch.float64) / n_feat
    areas = torch.trapezoid(curve, fractions, dim=1)
    curve_np, areas_np = curve.cpu().numpy(), areas.cpu().numpy()
    m = len(names)
    deletion_scores = {name: curve_np[k] for k, name in enumerate(names)}
    deletion_area = {name: float(areas_np[k]) for k, name in enumerate(names)}
    random_curve = curve_np[m:].mean(0)
    random_area = float(areas_np[m:].mean())
    best = min(deletion_area, key=deletion_area.get)
    kind = "probability" if probability and index is not None else "score"
    line = (
        f"Removing the features {titles[best]} ranks highest lowers the {kind} fastest "
        f"(from {curve_np[0, 0]:.3g}; area {deletion_area[best]:.3g}, random order {random_area:.3g})."
    )
    poor = [titles[n] for n, a in deletion_area.items() if a >= random_area]
    if poor:
        line += f" {', '.join(poor)}: no better than a random order for this input."
    summary["deletion"] = line

    return TrustReport(
        methods=names,
        target=None if index is None else fixed,
        ig_delta=ig_delta,
        ig_gap=ig_gap,
        ig_relative=ig_relative,
        rank_agreement=matrix.cpu().numpy(),
        randomization=randomization,
        randomized_layers=randomized_layers,
        deletion_fractions=fractions.cpu().numpy(),
        deletion_scores=deletion_scores,
        deletion_area=deletion_area,
        deletion_random=random_curve,
        deletion_random_area=random_area,
        summary=summary,
    )
