"""``WhatIf``: drag a feature and watch prediction and attribution follow, live."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
import traitlets as t
from matplotlib.figure import Figure
from torch import nn

from ..engine import METHODS, ExplanationInputError, attribute
from ..engine.state import preserved
from ..engine.registry import check_methods
from ..engine.validate import check_inputs
from ..engine.whatif import counterfactual, ice, partial_dependence, taylor_check
from ..figures.whatif import whatif_figure
from ..transport import pack, unpack
from .base import STATIC, Widget
from .ranges import FeatureRanges, feature_ranges

ICE_POINTS = 64


def _as_row(x: Any) -> torch.Tensor:
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


class WhatIf(Widget):
    """Perturb the features of one tabular input, or paint over an image, and
    watch the model's prediction and attribution answer.

    An image ``(C, H, W)`` gets a paint / erase / occlusion editor (see
    ``ImageWhatIf``); a row of features gets one slider per feature:

    ``WhatIf(model, x, feature_names=None, labels=None, data=None, ranges=None,
    categorical=None, drag_method="input_x_gradient", method="integrated_gradients")``

    ``data`` (rows × features) gives slider ranges, means and the partial
    dependence curve; ``ranges`` (one (low, high) per feature) overrides them.
    While a slider moves, ``drag_method`` answers; on release, ``method``.
    """

    _esm = STATIC / "whatif.js"

    kind = t.Unicode("tabular", help="'tabular' or 'image': which view the front end draws.").tag(sync=True)

    feature_names = t.List(t.Unicode()).tag(sync=True)
    labels = t.List(t.Unicode()).tag(sync=True)
    target = t.Int(0).tag(sync=True)
    predicted = t.Int(0).tag(sync=True)
    attribution_method = t.Unicode("").tag(sync=True)
    method_titles = t.Dict().tag(sync=True)

    _original = t.Dict().tag(sync=True)
    _current = t.Dict().tag(sync=True)
    _lows = t.Dict().tag(sync=True)
    _highs = t.Dict().tag(sync=True)
    _steps = t.Dict().tag(sync=True)
    _categorical = t.Dict().tag(sync=True)
    _means = t.Dict().tag(sync=True)
    _probs = t.Dict().tag(sync=True)
    _probs_original = t.Dict().tag(sync=True)
    _attribution = t.Dict().tag(sync=True)
    _taylor_estimate = t.Dict().tag(sync=True)
    _taylor_actual = t.Dict().tag(sync=True)
    _ice_feature = t.Int(-1).tag(sync=True)
    _ice_values = t.Dict().tag(sync=True)
    _ice_outputs = t.Dict().tag(sync=True)
    _pdp = t.Dict().tag(sync=True)
    _counterfactual = t.Dict().tag(sync=True)
    _request = t.Dict().tag(sync=True, echo_update=False)

    def __new__(cls, model: Any = None, x: Any = None, *args: Any, **kwargs: Any):
        # One public class for both kinds of input: an image gets the image editor.
        if cls is WhatIf and isinstance(x, torch.Tensor) and (x.dim() == 3 or (x.dim() == 4 and x.shape[0] == 1)):
            from .whatif_image import ImageWhatIf

            return ImageWhatIf(model, x, *args, **kwargs)
        return super().__new__(cls, model, x, *args, **kwargs)

    def __init__(
        self,
        model: nn.Module,
        x: torch.Tensor,
        *,
        feature_names: Sequence[str] | None = None,
        labels: Sequence[str] | None = None,
        data: torch.Tensor | np.ndarray | None = None,
        ranges: Sequence[tuple[float, float]] | None = None,
        categorical: Sequence[int | str] | None = None,
        drag_method: str = "input_x_gradient",
        method: str = "integrated_gradients",
        **kwargs: Any,
    ) -> None:
        x = _as_row(x)
        check_inputs(model, x.unsqueeze(0))
        check_methods([drag_method, method])
        n = x.shape[0]
        names = [f"x{i}" for i in range(n)] if feature_names is None else [str(f) for f in feature_names]
        if len(names) != n:
            raise ExplanationInputError(f"feature_names must name all {n} features; got {len(names)}")
        reference = None
        if data is not None:
            reference = torch.as_tensor(data, dtype=x.dtype, device=x.device)
            if reference.dim() != 2 or reference.shape[1] != n:
                raise ExplanationInputError(
                    f"data must have shape (rows, {n}) to match x; got {tuple(reference.shape)}"
                )
            check_inputs(model, reference)
        self._model, self._x0, self._data = model, x.detach().clone(), reference
        self._ranges: FeatureRanges = feature_ranges(self._x0, reference, ranges, categorical, names)
        self._drag_method, self._method = drag_method, method
        self._options = self._method_options(method)
        probs0 = self._probabilities(self._x0)
        k = probs0.shape[0]
        label_list = [str(c) for c in range(k)] if labels is None else [str(c) for c in labels]
        if len(label_list) != k:
            raise ExplanationInputError(f"labels must name every one of the model's {k} outputs; got {len(label_list)}")
        self._probs0 = probs0
        self._jacobian = taylor_check(model, self._x0, self._x0).gradient
        self._pdp_cache: dict[tuple[int, int], np.ndarray] = {}
        self._ice_cache: dict[tuple, np.ndarray] = {}
        cf = counterfactual(model, self._x0, torch.as_tensor(self._ranges.lows), torch.as_tensor(self._ranges.highs))
        r = self._ranges
        super().__init__(
            feature_names=names,
            labels=label_list,
            method_titles={m: METHODS[m].title for m in (drag_method, method)},
            _original=pack(self._x0),
            _lows=pack(r.lows),
            _highs=pack(r.highs),
            _steps=pack(r.steps),
            _categorical=pack(r.categorical, dtype="uint8"),
            _means=pack(r.means if r.means is not None else np.zeros(0)),
            _probs_original=pack(probs0),
            _counterfactual={} if cf is None else {
                "feature": cf.feature, "value": cf.value, "new_class": cf.new_class,
                "relative_change": cf.relative_change,
            },
            **kwargs,
        )
        predicted = int(probs0.argmax())
        # Open the ICE chart on the feature the prediction is most sensitive to.
        steepest = int(np.argmax(np.abs(self._jacobian[predicted].numpy()) * (r.highs - r.lows)))
        with self.hold_sync():
            self._update(self._x0, "release", predicted, feature=steepest)
        self.observe(self._on_request, names="_request")

    # -- computing -------------------------------------------------------------------

    def _method_options(self, method: str) -> dict:
        opts = METHODS[method].options
        if "baselines" in opts and self._data is not None:
            # The data mean is a more neutral reference than zeros for raw features.
            return {"baselines": self._data.mean(0, keepdim=True)}
        return {}

    def _probabilities(self, x: torch.Tensor) -> torch.Tensor:
        with preserved(self._model), torch.no_grad():
            out = self._model(x.unsqueeze(0))[0]
        if out.dim() != 1 or out.shape[0] < 2:
            raise ExplanationInputError(
                f"WhatIf needs a classifier whose output has shape (1, classes); got {tuple(out.shape)}"
            )
        return torch.softmax(out.float(), 0).cpu()

    def _ice(self, x: torch.Tensor, feature: int, target: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        r = self._ranges
        values = np.linspace(r.lows[feature], r.highs[feature], ICE_POINTS, dtype=np.float32)
        if r.categorical[feature]:
            values = np.arange(r.lows[feature], r.highs[feature] + 0.5 * r.steps[feature], r.steps[feature], dtype=np.float32)
        others = x.clone()
        others[feature] = 0
        key = (feature, target, others.cpu().numpy().tobytes())
        if key not in self._ice_cache:
            self._ice_cache.clear()  # one curve at a time: the one being dragged
            curve = ice(self._model, x, feature, torch.as_tensor(values, device=x.device))
            self._ice_cache[key] = curve[:, target].cpu().numpy()
        pdp = np.zeros(0, np.float32)
        if self._data is not None:
            if (feature, target) not in self._pdp_cache:
                avg = partial_dependence(self._model, self._data, feature, torch.as_tensor(values, device=x.device))
                self._pdp_cache[(feature, target)] = avg[:, target].cpu().numpy()
            pdp = self._pdp_cache[(feature, target)]
        return values, self._ice_cache[key], pdp

    def _update(self, x: torch.Tensor, phase: str, target: int, feature: int) -> None:
        """Set every trait for input ``x`` (caller holds sync)."""
        n_classes = len(self.labels) or self._probs0.shape[0]
        if not 0 <= target < n_classes:
            raise ExplanationInputError(f"target {target} is out of range: [0, {n_classes - 1}]")
        if x.shape != self._x0.shape:
            raise ExplanationInputError(f"x must have {self._x0.shape[0]} features; got {tuple(x.shape)}")
        check_inputs(self._model, x.unsqueeze(0))
        method = self._drag_method if phase == "drag" else self._method
        options = self._options if method == self._method else self._method_options(method)
        exp = attribute(self._model, x.unsqueeze(0), method, target, **options)
        probs = torch.softmax(exp.prediction[0].float(), 0).cpu()
        delta = (x - self._x0).cpu()
        feature = feature if feature >= 0 else self._ice_feature
        self._current = pack(x)
        self._probs = pack(probs)
        self._attribution = pack(exp.attributions[0])
        self.attribution_method = method
        self._taylor_estimate = pack(self._jacobian @ delta)
        self._taylor_actual = pack(probs - self._probs0)
        if feature >= 0:
            values, outputs, pdp = self._ice(x, feature, target)
            self._ice_values, self._ice_outputs, self._pdp = pack(values), pack(outputs), pack(pdp)
            self._ice_feature = feature
        self.predicted = int(probs.argmax())
        self.target = target

    def _on_request(self, change: dict) -> None:
        request = change["new"] or {}
        seq = int(request.get("seq", self._seq + 1))
        if seq <= self._seq:
            return

        def compute() -> None:
            values = unpack(request["x"]) if "x" in request else unpack(self._current)
            x = torch.as_tensor(values, dtype=self._x0.dtype, device=self._x0.device).reshape(-1)
            self._update(x, str(request.get("phase", "release")), int(request.get("target", self.target)),
                         int(request.get("feature", -1)))

        self._latest(seq, compute)

    # -- Python-side API ------------------------------------------------------------

    @property
    def current(self) -> torch.Tensor:
        """The input the view currently shows."""
        return torch.as_tensor(unpack(self._current))

    @property
    def probabilities(self) -> np.ndarray:
        """Class probabilities at the current input."""
        return unpack(self._probs)

    @property
    def attributions(self) -> np.ndarray:
        """Attribution of each feature at the current input, for the current target."""
        return unpack(self._attribution)

    def set_values(self, values: dict[str | int, float] | None = None, *, target: int | None = None) -> None:
        """Set features (by name or index) from Python, as if dragged and released."""
        x = self.current.to(self._x0.device, self._x0.dtype)
        for key, value in (values or {}).items():
            idx = self.feature_names.index(key) if isinstance(key, str) else int(key)
            x[idx] = float(value)
        self._answer(self._seq + 1, lambda: self._update(x, "release", self.target if target is None else target, -1))
        if self.error:
            raise ExplanationInputError(self.error)

    def reset(self) -> None:
        """Back to the original input."""
        self._answer(self._seq + 1, lambda: self._update(self._x0.clone(), "release", self.target, -1))

    def to_figure(self) -> Figure:
        """Attribution bars, prediction, Taylor check and ICE curve as a matplotlib Figure."""
        return whatif_figure(
            names=self.feature_names, labels=self.labels, current=unpack(self._current),
            original=unpack(self._original), attribution=unpack(self._attribution),
            probs=unpack(self._probs), probs_original=unpack(self._probs_original), target=self.target,
            taylor=(float(unpack(self._taylor_estimate)[self.target]), float(unpack(self._taylor_actual)[self.target])),
            ice_feature=self._ice_feature, ice_values=unpack(self._ice_values), ice_outputs=unpack(self._ice_outputs),
            pdp=unpack(self._pdp), method_title=self.method_titles.get(self.attribution_method, self.attribution_method),
        )
