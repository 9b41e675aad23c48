"""The tabular form of ``WhatIf``: one slider per feature of one row."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from matplotlib.figure import Figure
from torch import nn

from ..engine import ExplanationInputError
from ..engine.frames.whatif import (
    Sweeps, TabularFrame, method_options, nearest_flip, steepest_feature, tabular_frame, whatif_origin,
)
from ..engine.ranges import feature_ranges
from ..engine.registry import check_methods
from ..engine.validate import check_inputs
from ..figures.whatif import whatif_figure
from ..transport import unpack
from ..transport.whatif import tabular_payload, tabular_setup
from .whatif_editor import Editor

if TYPE_CHECKING:
    from .whatif import WhatIf


def as_row(x: Any) -> torch.Tensor:
    """``x`` as one row of features (F,), from (F,) or (1, F)."""
    if not isinstance(x, torch.Tensor):
        raise ExplanationInputError(f"x must be a torch.Tensor row of features (F,) or (1, F); got {type(x).__name__}")
    if x.dim() == 2 and x.shape[0] == 1:
        x = x[0]
    if x.dim() != 1:
        raise ExplanationInputError(
            f"x must be one row of features, shape (F,) or (1, F), or one image (C, H, W) or "
            f"(1, C, H, W); got shape {tuple(x.shape)}"
        )
    return x


class TabularEditor(Editor):
    """Sliders over one row of features: ranges from ``ranges``, else ``data``, else
    around the row; ICE and (with ``data``) PDP curves for the swept feature."""

    kind = "tabular"

    def __init__(
        self,
        model: nn.Module,
        x: torch.Tensor,
        *,
        feature_names: Sequence[str] | None,
        labels: Sequence[str] | None,
        data: torch.Tensor | np.ndarray | None,
        ranges: Sequence[tuple[float, float]] | None,
        categorical: Sequence[int | str] | None,
        drag_method: str,
        method: str,
    ) -> None:
        x = as_row(x)
        check_inputs(model, x.unsqueeze(0))
        check_methods(list(dict.fromkeys([drag_method, method])))
        n = x.shape[0]
        names = [f"x{i}" for i in range(n)] if feature_names is None else [str(f) for f in feature_names]
        if len(names) != n:
            raise ExplanationInputError(f"feature_names must name all {n} features; got {len(names)}")
        reference = None
        if data is not None:
            reference = torch.as_tensor(data, dtype=x.dtype, device=x.device)
            if reference.dim() != 2 or reference.shape[1] != n:
                raise ExplanationInputError(f"data must have shape (rows, {n}) to match x; got {tuple(reference.shape)}")
            check_inputs(model, reference)
        self.ranges = feature_ranges(x, reference, ranges, categorical, names)
        super().__init__(model, whatif_origin(model, x, jacobian=True), labels, drag_method, method)
        self.feature_names, self.data = names, reference
        self.sweeps = Sweeps(model, self.ranges, reference)
        self.options = {m: method_options(m, reference) for m in (drag_method, method)}

    def setup(self) -> dict[str, Any]:
        return {
            **super().setup(),
            "feature_names": self.feature_names,
            **tabular_setup(self.origin, self.ranges, nearest_flip(self.model, self.origin, self.ranges)),
        }

    def first(self) -> TabularFrame:
        # Open the ICE chart on the feature the prediction is most sensitive to.
        return self.frame(self.origin.x, phase="release", target=self.origin.predicted,
                          feature=steepest_feature(self.origin, self.ranges))

    def frame(self, x: Any, *, phase: str, target: int, feature: int) -> TabularFrame:
        method = self.method_for(phase)
        return tabular_frame(self.model, x, self.origin, target=target, method=method, options=self.options[method],
                             feature=feature, sweeps=self.sweeps)

    def payload(self, frame: TabularFrame) -> dict[str, Any]:
        return tabular_payload(frame)

    def edited_row(self, current: np.ndarray, values: Mapping[str | int, float], names: Sequence[str]) -> np.ndarray:
        row = current.copy()
        for key, value in values.items():
            row[names.index(key) if isinstance(key, str) else int(key)] = float(value)
        return row

    def figure(self, view: WhatIf) -> Figure:
        target = view.target
        return whatif_figure(
            names=view.feature_names, labels=view.labels, current=unpack(view._current),
            original=unpack(view._original), attribution=unpack(view._attribution),
            probs=unpack(view._probs), probs_original=unpack(view._probs_original), target=target,
            taylor=(float(unpack(view._taylor_estimate)[target]), float(unpack(view._taylor_actual)[target])),
            ice_feature=view._ice_feature, ice_values=unpack(view._ice_values), ice_outputs=unpack(view._ice_outputs),
            pdp=unpack(view._pdp), method_title=view.method_titles.get(view.attribution_method, view.attribution_method),
        )
