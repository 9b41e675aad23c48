"""Global feature importance over a data set: permutation importance with
confidence intervals over repeats (Breiman 2001; scikit-learn's
``permutation_importance``), and the distribution of one attribution method's
values per feature (what SHAP's summary plot shows)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import nn

from .attribute import attribute
from .errors import ExplanationInputError
from .groups import Groups, groups_for
from .hooks import hooked_forward
from .progress import current, reporting, step

# Two-sided 95% Student-t quantiles for 1..30 degrees of freedom; 1.96 beyond.
_T95 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145,
        2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048,
        2.045, 2.042)
METRICS = ("accuracy", "log_loss")


def t95(df: int) -> float:
    return _T95[df - 1] if 1 <= df <= len(_T95) else 1.96


@dataclass
class PermutationImportance:
    """Per feature: the mean drop of the score when the feature's column is shuffled,
    and its 95% confidence interval over the repeats (Student t)."""

    mean: torch.Tensor  # (F,)
    low: torch.Tensor  # (F,)
    high: torch.Tensor  # (F,)
    drops: torch.Tensor  # (repeats, F)
    baseline: float  # the score on the data as it is
    metric: str


def _ignore(*_: object) -> None:
    pass


def _row_scores(model: nn.Module, x: torch.Tensor, y: torch.Tensor, metric: str, batch_size: int) -> torch.Tensor:
    """Each row's score (1/0 for accuracy, minus its cross-entropy for log loss), float64."""
    parts = []
    with torch.no_grad():
        for i in range(0, x.shape[0], batch_size):
            out = hooked_forward(model, x[i : i + batch_size], _ignore, {}).float()
            yy = y[i : i + batch_size].to(out.device)
            if out.shape[1] == 1:  # one logit: class 1 above 0
                out = torch.cat([torch.zeros_like(out), out], 1)
            if metric == "accuracy":
                parts.append((out.argmax(1) == yy).double().cpu())
            else:
                parts.append(-torch.nn.functional.cross_entropy(out, yy, reduction="none").double().cpu())
    return torch.cat(parts)


def permutation_importance(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor, *, repeats: int = 10, metric: str = "accuracy",
    seed: int = 0, batch_size: int = 1024, groups: Groups | None = None,
) -> PermutationImportance:
    """Shuffle each feature of ``x`` across the examples ``repeats`` times and measure how
    much the score (accuracy, or minus the mean cross-entropy for ``"log_loss"``) drops
    against the true classes ``y``. A feature is a column of rows (N, F), a token position
    of token ids (N, T) or a patch of images (N, C, H, W), all its elements moved together
    (``groups``, default :func:`~nnwidgets.engine.groups.groups_for`). A feature the model
    ignores drops it by exactly 0."""
    groups = groups if groups is not None else groups_for(x)
    if y is None or torch.as_tensor(y).reshape(-1).shape[0] != x.shape[0]:
        raise ExplanationInputError(f"permutation importance needs one true class per row ({x.shape[0]})")
    if metric not in METRICS:
        raise ExplanationInputError(f"metric must be one of {', '.join(METRICS)}; got {metric!r}")
    if repeats < 2:
        raise ExplanationInputError(f"repeats must be ≥ 2 for a confidence interval; got {repeats}")
    y = torch.as_tensor(y).reshape(-1).long()
    base = float(_row_scores(model, x, y, metric, batch_size).mean())
    g = torch.Generator().manual_seed(seed)
    n, f = x.shape[0], groups.count
    flat = x.reshape(n, -1)
    drops = torch.zeros(repeats, f, dtype=torch.float64)
    # Small data: several shuffled copies go through one forward (a batch of at most
    # ``batch_size`` rows, or one copy), which the model's per-call cost dominates otherwise.
    per = max(1, min(repeats, batch_size // max(n, 1)))
    for j, cols in enumerate(groups.members()):
        cols = cols.to(x.device)
        for r0 in range(0, repeats, per):
            k = min(per, repeats - r0)
            shuffled = flat.repeat(k, 1)
            for c in range(k):  # the same permutations, in the same order, as one copy at a time
                perm = torch.randperm(n, generator=g).to(x.device)
                shuffled[c * n : (c + 1) * n, cols] = flat[perm[:, None], cols[None, :]]
            scores = _row_scores(model, shuffled.view(k * n, *x.shape[1:]), y.repeat(k), metric,
                                 batch_size).view(k, n).mean(1)
            drops[r0 : r0 + k, j] = base - scores
            step(j * repeats + r0 + k, f * repeats)  # a step per forward pass: cancel stops within one
    mean, sd = drops.mean(0), drops.std(0, unbiased=True)
    half = t95(repeats - 1) * sd / repeats ** 0.5
    return PermutationImportance(mean.float(), (mean - half).float(), (mean + half).float(), drops.float(), base,
                                 metric)


@dataclass
class AttributionSpread:
    """One method's attribution of every example (or of a sample, ``ids``) to every feature."""

    values: torch.Tensor  # (M, F)
    inputs: torch.Tensor  # (M, F) the feature values (for the colours)
    method: str
    ids: torch.Tensor | None = None  # (M,) int64: each row's index in the data; None: 0..M-1

    @property
    def example_ids(self) -> torch.Tensor:
        return self.ids if self.ids is not None else torch.arange(self.values.shape[0])

    @property
    def mean_abs(self) -> torch.Tensor:
        return self.values.abs().mean(0)


def attribution_spread(model: nn.Module, x: torch.Tensor, *, method: str = "integrated_gradients",
                       target: object = "predicted", batch_size: int = 256, groups: Groups | None = None,
                       **options: object) -> AttributionSpread:
    """``method``'s attributions of every example of ``x``, batch by batch, summed over each
    feature's elements (``groups``, as :func:`permutation_importance`'s); the values that
    colour them are each feature's mean input value (for token ids: the id)."""
    groups = groups if groups is not None else groups_for(x)
    parts = []
    n, outer = x.shape[0], current()
    for i in range(0, n, batch_size):
        chunk = x[i : i + batch_size]
        t = target[i : i + batch_size] if isinstance(target, (torch.Tensor, Sequence)) and not isinstance(
            target, str) else target
        # The method's own loop steps show as rows of this pass (and still reach cancel).
        inner = None if outer is None else (lambda d, k, i=i, m=chunk.shape[0]: outer(i + (m * d) // max(k, 1), n))
        with reporting(inner):
            a = attribute(model, chunk, method=method, target=t, **options).attributions
        a = a.detach().float().cpu().reshape(chunk.shape[0], -1)
        if a.shape[1] != groups.ids.shape[0]:  # token ids: one attribution per token, summed over its embedding
            a = a.reshape(chunk.shape[0], groups.ids.shape[0], -1).sum(-1)
        parts.append(groups.sum(a))
        step(min(i + batch_size, n), n)
    values = groups.mean(x.detach().float().cpu().reshape(n, -1))
    return AttributionSpread(torch.cat(parts), values, method)


def sample_ids(n: int, limit: int | None, seed: int = 0) -> torch.Tensor | None:
    """Which of ``n`` examples a spread shows: all (None) up to ``limit``, else ``limit``
    of them drawn without replacement (seeded), ascending, so each keeps its id."""
    if limit is None or n <= limit:
        return None
    if limit < 1:
        raise ExplanationInputError(f"max_examples must be ≥ 1; got {limit}")
    g = torch.Generator().manual_seed(seed)
    return torch.randperm(n, generator=g)[:limit].sort().values
