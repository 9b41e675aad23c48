"""Slider ranges, steps and categorical features for tabular inputs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from ..engine import ExplanationInputError

MAX_CATEGORIES = 12  # more distinct integer values than this reads better as a slider
SLIDER_STEPS = 200


@dataclass
class FeatureRanges:
    lows: np.ndarray  # (F,) float32
    highs: np.ndarray
    steps: np.ndarray
    categorical: np.ndarray  # (F,) bool
    means: np.ndarray | None  # (F,) or None without reference data


def feature_ranges(
    x: torch.Tensor,
    data: torch.Tensor | None,
    ranges: Sequence[tuple[float, float]] | None,
    categorical: Sequence[int | str] | None,
    names: Sequence[str],
) -> FeatureRanges:
    """Ranges from explicit ``ranges``, else the data's min and max, else around x.

    Every range contains the original value, so its slider can always return to it.
    """
    x_np = x.detach().cpu().double().numpy()
    n = x_np.shape[0]
    if ranges is not None:
        r = np.asarray(ranges, dtype=np.float64)
        if r.shape != (n, 2):
            raise ExplanationInputError(f"ranges must give (low, high) for each of the {n} features; got shape {r.shape}")
        if np.any(r[:, 0] > r[:, 1]):
            bad = int(np.argmax(r[:, 0] > r[:, 1]))
            raise ExplanationInputError(f"range of feature {names[bad]!r} has low > high: {tuple(r[bad])}")
        lows, highs = r[:, 0], r[:, 1]
    elif data is not None:
        d = data.detach().cpu().double().numpy()
        lows, highs = d.min(0), d.max(0)
    else:
        pad = np.maximum(np.abs(x_np), 1.0)
        lows, highs = x_np - pad, x_np + pad
    lows, highs = np.minimum(lows, x_np), np.maximum(highs, x_np)
    highs = np.where(highs > lows, highs, lows + 1.0)

    is_cat = np.zeros(n, dtype=bool)
    if categorical is not None:
        for key in categorical:
            if isinstance(key, str):
                if key not in names:
                    raise ExplanationInputError(f"categorical names unknown feature {key!r}; features: {list(names)}")
                is_cat[list(names).index(key)] = True
            else:
                if not 0 <= int(key) < n:
                    raise ExplanationInputError(f"categorical index {key} is out of range [0, {n - 1}]")
                is_cat[int(key)] = True
    elif data is not None:
        d = data.detach().cpu().double().numpy()
        for i in range(n):
            col = d[:, i]
            is_cat[i] = np.all(col == np.round(col)) and len(np.unique(col)) <= MAX_CATEGORIES
    steps = np.where(is_cat, 1.0, (highs - lows) / SLIDER_STEPS)
    means = None if data is None else data.detach().cpu().double().numpy().mean(0).astype(np.float32)
    return FeatureRanges(
        lows=lows.astype(np.float32), highs=highs.astype(np.float32), steps=steps.astype(np.float32),
        categorical=is_cat, means=means,
    )
