"""The What-if view's frames as the trait payloads its front end reads."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .arrays import pack

if TYPE_CHECKING:
    from ..engine.frames.whatif import ImageFrame, Origin, TabularFrame
    from ..engine.ranges import FeatureRanges
    from ..engine.whatif import Counterfactual


def tabular_setup(origin: Origin, ranges: FeatureRanges, flip: Counterfactual | None) -> dict[str, Any]:
    """What a tabular view is sent once: the original row, the sliders, the nearest flip."""
    return {
        "_original": pack(origin.x),
        "_lows": pack(ranges.lows),
        "_highs": pack(ranges.highs),
        "_steps": pack(ranges.steps),
        "_categorical": pack(ranges.categorical, dtype="uint8"),
        "_means": pack(ranges.means if ranges.means is not None else np.zeros(0)),
        "_probs_original": pack(origin.probabilities),
        "_counterfactual": {} if flip is None else {
            "feature": flip.feature, "value": flip.value, "new_class": flip.new_class,
            "relative_change": flip.relative_change,
        },
    }


def tabular_payload(frame: TabularFrame) -> dict[str, Any]:
    """The traits of one answer at an edited row (the ICE traits only when a feature is swept)."""
    payload = {
        "_current": pack(frame.x),
        "_probs": pack(frame.probabilities),
        "_attribution": pack(frame.attributions),
        "attribution_method": frame.method,
        "_taylor_estimate": pack(frame.taylor_estimate),
        "_taylor_actual": pack(frame.taylor_actual),
        "predicted": frame.predicted,
        "target": frame.target,
    }
    if frame.ice is not None:
        payload.update(_ice_values=pack(frame.ice.values), _ice_outputs=pack(frame.ice.outputs),
                       _pdp=pack(frame.ice.pdp), _ice_feature=frame.ice.feature)
    return payload


def image_setup(origin: Origin, display_range: tuple[float, float]) -> dict[str, Any]:
    """What an image view is sent once: the original image, its display range and probabilities."""
    return {
        "_original": pack(origin.x),
        "_display_range": list(display_range),
        "_probs_original": pack(origin.probabilities),
    }


def image_payload(frame: ImageFrame, lut: np.ndarray) -> dict[str, Any]:
    """The traits of one answer at an edited image; ``lut`` colours its map."""
    return {
        "_current": pack(frame.x),
        "_map": pack(frame.map),
        "_scale": frame.scale,
        "_signed": frame.signed,
        "_lut": pack(lut, dtype="uint8"),
        "_probs": pack(frame.probabilities),
        "attribution_method": frame.method,
        "predicted": frame.predicted,
        "target": frame.target,
    }
