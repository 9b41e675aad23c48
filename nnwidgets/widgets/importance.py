"""``Importance``: global feature importance of a model over a table of data,
shown as one figure (permutation importance with intervals, mean |attribution|,
the beeswarm of attributions), inline in the notebook and in static exports."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from ..engine import ExplanationInputError
from ..engine.data import as_data, batches
from ..engine.importance import AttributionSpread, PermutationImportance, attribution_spread, permutation_importance
from ..figures.importance import importance_figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure


class Importance:
    """``Importance(model, data, feature_names=None, targets=None, method="integrated_gradients",
    repeats=10, metric="accuracy", seed=0, top=15)``: ``data`` is rows (N, F) in any form
    ``Embedding`` takes ((x, y) pairs give the true classes; else ``targets``).

    ``permutation`` holds each feature's drop in the score with a 95% interval over
    ``repeats`` shuffles; ``spread`` holds ``method``'s attribution of every row. A
    static view: it displays as its figure (``to_figure()``) wherever a PNG shows."""

    def __init__(self, model: nn.Module, data: Any, *, feature_names: Sequence[str] | None = None,
                 targets: Any = None, method: str = "integrated_gradients", repeats: int = 10,
                 metric: str = "accuracy", seed: int = 0, top: int = 15, **method_options: Any) -> None:
        xs, ys = [], []
        for b in batches(as_data(data), 1024):
            xs.append(b.x)
            if b.y is not None:
                ys.append(b.y.reshape(-1))
        x = torch.cat(xs)
        y = torch.as_tensor(targets) if targets is not None else (torch.cat(ys) if ys else None)
        if y is None:
            raise ExplanationInputError("Importance needs the true classes: data of (x, y) pairs, or targets=")
        self.feature_names = [str(f) for f in feature_names] if feature_names is not None else [
            f"x{j}" for j in range(x.shape[1] if x.dim() == 2 else 0)]
        if x.dim() == 2 and len(self.feature_names) != x.shape[1]:
            raise ExplanationInputError(f"feature_names must name all {x.shape[1]} features; got {len(self.feature_names)}")
        self.top = top
        self.permutation: PermutationImportance = permutation_importance(
            model, x, y, repeats=repeats, metric=metric, seed=seed)
        self.spread: AttributionSpread = attribution_spread(model, x, method=method, **method_options)

    def to_figure(self) -> Figure:
        p, s = self.permutation, self.spread
        return importance_figure(self.feature_names, perm_mean=p.mean.numpy(), perm_low=p.low.numpy(),
                                 perm_high=p.high.numpy(), metric=p.metric, attributions=s.values.numpy(),
                                 inputs=s.inputs.numpy(), method=s.method, top=self.top)

    def _repr_png_(self) -> bytes:
        return self.to_figure().to_png()  # type: ignore[attr-defined]
