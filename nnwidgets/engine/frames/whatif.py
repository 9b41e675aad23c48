"""The What-if view's frames: for one edited input, everything the view shows.

:func:`whatif_origin` is computed once, on the input the view opened on; each
request then asks :func:`tabular_frame` (a row of features, the sliders) or
:func:`image_frame` (an edited image) for the model's answer at the edited input.
Tabular frames are computed on every slider move, so the sweeps are cached
(:class:`Sweeps`) and the Taylor check reuses the Jacobian taken at the origin.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from ..attribute import attribute
from ..errors import ExplanationInputError
from ..outputs import Reading, readable, reading_of
from ..passes import call_model
from ..ranges import FeatureRanges
from ..registry import METHODS
from ..private import private_view
from ..validate import check_inputs
from ..whatif import Counterfactual, counterfactual, ice, partial_dependence, sweep_grid, taylor_check

ICE_POINTS = 64


@dataclass
class Origin:
    """The input the view opened on and the model's outputs there, as read."""

    x: torch.Tensor  # the input, detached (model's device and dtype)
    probabilities: torch.Tensor  # (K,) float32, CPU: the outputs as ``reading`` shows them
    jacobian: torch.Tensor | None = None  # (K, F) ∂p/∂x at x, float32 CPU (tabular inputs)
    reading: Reading = field(default_factory=Reading)  # softmax / sigmoid probabilities or raw scores

    @property
    def predicted(self) -> int:
        return int(self.probabilities.argmax())


def whatif_origin(model: nn.Module, x: torch.Tensor, *, jacobian: bool = False) -> Origin:
    """The model's answer at ``x`` (one unbatched input); ``jacobian`` also takes the
    gradient of every shown output, for the Taylor check of later frames.

    The outputs are read as the model's task says (:mod:`~nnwidgets.engine.outputs`):
    class probabilities, independent probabilities or raw scores (a regressor)."""
    x = x.detach().clone()
    model = private_view(model)
    with torch.no_grad():
        out = call_model(model, x.unsqueeze(0))
    if out.dim() > 2 or out.shape[0] != 1:
        raise ExplanationInputError(
            f"WhatIf needs a model whose output has shape (1, outputs) or (1,) for one input; got {tuple(out.shape)}"
        )
    out = out.reshape(1, -1)
    reading = reading_of(model, out)
    jac = taylor_check(model, x, x, output=reading).gradient.float().cpu() if jacobian else None
    return Origin(x=x, probabilities=readable(out[0], reading), jacobian=jac, reading=reading)


def method_options(method: str, data: torch.Tensor | None) -> dict[str, Any]:
    """Options for ``method`` on tabular inputs: the data mean as the baseline where
    the method takes one (a more neutral reference than zeros for raw features)."""
    if "baselines" in METHODS[method].options and data is not None:
        return {"baselines": data.mean(0, keepdim=True)}
    return {}


def steepest_feature(origin: Origin, ranges: FeatureRanges) -> int:
    """The feature the predicted class is most sensitive to across its slider's range."""
    assert origin.jacobian is not None, "the origin of a tabular view carries its Jacobian"
    reach = origin.jacobian[origin.predicted].abs() * (ranges.highs - ranges.lows)
    return int(reach.argmax())


def nearest_flip(model: nn.Module, origin: Origin, ranges: FeatureRanges) -> Counterfactual | None:
    """The smallest single-slider move that changes the predicted class (None if none does)."""
    return counterfactual(model, origin.x, ranges.lows, ranges.highs)


def value_range(x: torch.Tensor) -> tuple[float, float]:
    """The range an image is displayed in: its min and max (never an empty range)."""
    lo, hi = float(x.min()), float(x.max())
    return lo, hi if hi > lo else lo + 1.0


# -- tabular --------------------------------------------------------------------------------


@dataclass
class IceCurve:
    """How p(target) follows one feature across its slider's range."""

    feature: int
    values: torch.Tensor  # (G,) float32, the feature's grid
    outputs: torch.Tensor  # (G,) this input (ICE)
    pdp: torch.Tensor  # (G,) the data average (PDP); empty without data


@dataclass
class Sweeps:
    """The ICE and PDP curves of a tabular view, cached: the ICE curve is recomputed
    only when another feature than the swept one changes (one curve at a time, the
    one being dragged); the PDP once per (feature, target)."""

    model: nn.Module
    ranges: FeatureRanges
    data: torch.Tensor | None = None
    reading: Reading = field(default_factory=Reading)  # the origin's: curves show what the bars show
    _ice: dict[tuple, torch.Tensor] = field(default_factory=dict)
    _pdp: dict[tuple[int, int], torch.Tensor] = field(default_factory=dict)

    def curve(self, x: torch.Tensor, feature: int, target: int) -> IceCurve:
        r = self.ranges
        values = sweep_grid(float(r.lows[feature]), float(r.highs[feature]), float(r.steps[feature]),
                            bool(r.categorical[feature]), ICE_POINTS)
        others = x.detach().clone()
        others[feature] = 0
        key = (feature, target, others.cpu().numpy().tobytes())
        if key not in self._ice:
            self._ice.clear()
            self._ice[key] = ice(self.model, x, feature, values.to(x.device), output=self.reading)[:, target].float().cpu()
        pdp = torch.zeros(0)
        if self.data is not None:
            if (feature, target) not in self._pdp:
                avg = partial_dependence(self.model, self.data, feature, values.to(self.data.device),
                                         output=self.reading)
                self._pdp[(feature, target)] = avg[:, target].float().cpu()
            pdp = self._pdp[(feature, target)]
        return IceCurve(feature=feature, values=values, outputs=self._ice[key], pdp=pdp)


@dataclass
class TabularFrame:
    """The model's answer at an edited row of features."""

    x: torch.Tensor  # (F,) the edited row
    method: str  # the attribution method that answered
    target: int
    probabilities: torch.Tensor  # (K,) float32 CPU
    attributions: torch.Tensor  # (F,) for ``target``
    taylor_estimate: torch.Tensor  # (K,) J(x0)·(x − x0)
    taylor_actual: torch.Tensor  # (K,) p(x) − p(x0)
    ice: IceCurve | None  # None when no feature is swept

    @property
    def predicted(self) -> int:
        return int(self.probabilities.argmax())


def tabular_frame(
    model: nn.Module,
    x: Any,
    origin: Origin,
    *,
    target: int,
    method: str,
    options: dict[str, Any],
    feature: int,
    sweeps: Sweeps,
) -> TabularFrame:
    """Prediction, ``method``'s attribution for ``target``, the Taylor check against
    ``origin`` and (``feature`` ≥ 0) that feature's ICE / PDP curves, at row ``x``."""
    x = torch.as_tensor(x, dtype=origin.x.dtype, device=origin.x.device).reshape(-1)
    _check_target(target, origin)
    if x.shape != origin.x.shape:
        raise ExplanationInputError(f"x must have {origin.x.shape[0]} features; got {tuple(x.shape)}")
    check_inputs(model, x.unsqueeze(0))
    exp = attribute(model, x.unsqueeze(0), method, target, **options)
    probs = readable(exp.prediction[0].reshape(-1), origin.reading)
    assert origin.jacobian is not None, "the origin of a tabular view carries its Jacobian"
    return TabularFrame(
        x=x, method=method, target=target, probabilities=probs, attributions=exp.attributions[0].detach(),
        taylor_estimate=origin.jacobian @ (x - origin.x).float().cpu(),
        taylor_actual=probs - origin.probabilities,
        ice=sweeps.curve(x, feature, target) if feature >= 0 else None,
    )


# -- image ----------------------------------------------------------------------------------


@dataclass
class ImageFrame:
    """The model's answer at an edited image."""

    x: torch.Tensor  # (C, H, W) the edited image
    method: str
    target: int
    probabilities: torch.Tensor  # (K,) float32 CPU
    map: torch.Tensor  # (H, W) attribution summed over channels, float32 CPU
    scale: float  # the map's largest magnitude (1 for an all-zero map)
    signed: bool  # whether the method's map has a sign

    @property
    def predicted(self) -> int:
        return int(self.probabilities.argmax())


def image_frame(model: nn.Module, x: Any, origin: Origin, *, target: int | None, method: str) -> ImageFrame:
    """Prediction and ``method``'s attribution map at the edited image ``x`` (for
    ``target``; the predicted class when None)."""
    x = torch.as_tensor(x, dtype=origin.x.dtype, device=origin.x.device)
    if x.numel() == origin.x.numel():
        x = x.reshape(origin.x.shape)  # the view sends the image flat or as (C, H, W)
    if x.shape != origin.x.shape:
        raise ExplanationInputError(f"the edited image must have shape {tuple(origin.x.shape)}; got {tuple(x.shape)}")
    if target is not None:
        _check_target(target, origin)
    exp = attribute(model, x.unsqueeze(0), method, "predicted" if target is None else target)
    amap = exp.attributions[0].sum(dim=0).detach().float().cpu()
    scale = float(amap.abs().max())
    return ImageFrame(
        x=x, method=exp.method, target=0 if exp.target is None else int(exp.target[0]), probabilities=readable(exp.prediction[0].reshape(-1), origin.reading),
        map=amap, scale=scale if scale > 0 else 1.0, signed=METHODS[exp.method].signed,
    )


def _check_target(target: int, origin: Origin) -> None:
    n = origin.probabilities.shape[0]
    if not 0 <= target < n:
        raise ExplanationInputError(f"target {target} is out of range: [0, {n - 1}]")
