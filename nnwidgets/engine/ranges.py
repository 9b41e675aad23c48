"""Slider ranges, steps and categorical features for the features of one tabular input."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from .errors import ExplanationInputError

MAX_CATEGORIES = 12  # more distinct integer values than this reads better as a slider
SLIDER_STEPS = 200


@dataclass
class FeatureRanges:
    """One slider per feature: its range, its step and whether it is categorical (CPU tensors)."""

    lows: torch.Tensor  # (F,) float32
    highs: torch.Tensor  # (F,) float32
    steps: torch.Tensor  # (F,) float32
    categorical: torch.Tensor  # (F,) bool
    means: torch.Tensor | None  # (F,) float32, or None without reference data


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
    # float64 on the CPU: a slider step is a small fraction of the range.
    row = x.detach().cpu().double()
    table = None if data is None else data.detach().cpu().double()
    n = row.shape[0]
    if ranges is not None:
        r = torch.as_tensor(ranges, dtype=torch.float64)
        if tuple(r.shape) != (n, 2):
            raise ExplanationInputError(
                f"ranges must give (low, high) for each of the {n} features; got shape {tuple(r.shape)}"
            )
        inverted = r[:, 0] > r[:, 1]
        if bool(inverted.any()):
            bad = int(inverted.to(torch.uint8).argmax())
            raise ExplanationInputError(f"range of feature {names[bad]!r} has low > high: {tuple(r[bad].tolist())}")
        lows, highs = r[:, 0], r[:, 1]
    elif table is not None:
        lows, highs = table.min(0).values, table.max(0).values
    else:
        pad = row.abs().clamp_min(1.0)
        lows, highs = row - pad, row + pad
    lows, highs = torch.minimum(lows, row), torch.maximum(highs, row)
    highs = torch.where(highs > lows, highs, lows + 1.0)
    is_cat = _categorical(categorical, table, names, n)
    steps = torch.where(is_cat, torch.ones_like(lows), (highs - lows) / SLIDER_STEPS)
    return FeatureRanges(
        lows=lows.float(), highs=highs.float(), steps=steps.float(), categorical=is_cat,
        means=None if table is None else table.mean(0).float(),
    )


def _categorical(
    categorical: Sequence[int | str] | None, table: torch.Tensor | None, names: Sequence[str], n: int
) -> torch.Tensor:
    """Which features are categorical: those named, else integer columns with few values."""
    is_cat = torch.zeros(n, dtype=torch.bool)
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
    elif table is not None:
        for i in range(n):
            col = table[:, i]
            is_cat[i] = bool((col == col.round()).all()) and col.unique().numel() <= MAX_CATEGORIES
    return is_cat
