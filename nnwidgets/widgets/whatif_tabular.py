"""The tabular form of ``WhatIf``: one slider per feature of one row."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from torch import nn

from ..engine import ExplanationInputError
from ..engine.frames.whatif import (
    Sweeps, TabularFrame, method_options, nearest_flip, steepest_feature, tabular_frame, whatif_origin,
)
from ..engine.ranges import feature_ranges
from ..engine.registry import check_methods
from ..engine.state import model_dtype
from ..engine.tables import as_table
from ..engine.validate import check_inputs
from ..transport import unpack
from ..transport.whatif import tabular_payload, tabular_setup
from .whatif_editor import Editor

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from .whatif import WhatIf


def as_row(x: Any) -> torch.Tensor:
    """``x`` as one row of features (F,), from (F,) or (1, F)."""
    if not isinstance(x, torch.Tensor):
        raise ExplanationInputError(
            f"x must be a row of features (F,) or (1, F): a torch.Tensor, numpy array, Series or one-row DataFrame; "
            f"got {type(x).__name__}"
        )
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
        dtype = model_dtype(model) or torch.float32
        table = as_table(data, dtype=dtype, what="data") if data is not None else None
        row = as_table(x, dtype=dtype, categories=table.categories if table is not None else None)
        x = as_row(row.values)
        check_inputs(model, x.unsqueeze(0))
        check_methods(list(dict.fromkeys([drag_method, method])))
        n = x.shape[0]
        columns = row.names or (table.names if table is not None else None)
        names = [str(f) for f in feature_names] if feature_names is not None else columns or [f"x{i}" for i in range(n)]
        if len(names) != n:
            raise ExplanationInputError(f"feature_names must name all {n} features; got {len(names)}")
        self.categories = {**(table.categories if table is not None else {}), **row.categories}
        reference = None
        if table is not None:
            if not isinstance(table.values, (torch.Tensor, np.ndarray)):
                raise ExplanationInputError(f"data must be a tensor, numpy array or DataFrame (rows, {n}); got "
                                            f"{type(data).__name__}")
            reference = torch.as_tensor(table.values, dtype=x.dtype, device=x.device)
            if reference.dim() != 2 or reference.shape[1] != n:
                raise ExplanationInputError(f"data must have shape (rows, {n}) to match x; got {tuple(reference.shape)}")
            check_inputs(model, reference)
        if self.categories:  # a DataFrame's categorical columns are selects
            categorical = [*(categorical or ()), *self.categories]
        self.ranges = feature_ranges(x, reference, ranges, categorical, names)
        for i, cats in self.categories.items() if ranges is None else ():  # every category, not only the data's
            self.ranges.lows[i], self.ranges.highs[i] = 0.0, float(max(len(cats) - 1, 1))
        super().__init__(model, whatif_origin(model, x, jacobian=True), labels, drag_method, method)
        self.feature_names, self.data = names, reference
        self.sweeps = Sweeps(model, self.ranges, reference, reading=self.origin.reading)
        self.options = {m: method_options(m, reference) for m in (drag_method, method)}

    def refresh(self) -> None:
        super().refresh()
        self.sweeps = Sweeps(self.model, self.ranges, self.data)

    def setup(self) -> dict[str, Any]:
        return {
            **super().setup(),
            "feature_names": self.feature_names,
            "category_names": {str(i): cats for i, cats in self.categories.items()},
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
        from ..figures.whatif import whatif_figure

        target = view.target
        return whatif_figure(
            names=view.feature_names, labels=view.labels, current=unpack(view._current),
            original=unpack(view._original), attribution=unpack(view._attribution),
            probs=unpack(view._probs), probs_original=unpack(view._probs_original), target=target,
            taylor=(float(unpack(view._taylor_estimate)[target]), float(unpack(view._taylor_actual)[target])),
            ice_feature=view._ice_feature, ice_values=unpack(view._ice_values), ice_outputs=unpack(view._ice_outputs),
            pdp=unpack(view._pdp), method_title=view.method_titles.get(view.attribution_method, view.attribution_method),
            output_label=view.output_label,
        )
