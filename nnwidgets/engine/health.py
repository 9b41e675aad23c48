"""Each layer's health from a sweep's unit statistics: the fraction of dead units,
of saturated values, and why a measure does not apply where it does not."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import torch

from .sweep import UnitStats

SIGNED_NOTE = "signed output: a unit never above 0 here is not dead; see the activation after it"
NOT_SWEPT_NOTE = "not measured: the layer's output is not one tensor"
NOT_SATURATING_NOTE = "saturation is measured on sigmoid and tanh layers only"


@dataclass
class Health:
    """Per layer, in the order asked for: ``dead`` and ``saturated`` fractions
    (float32, NaN where the measure does not apply) and, for each NaN, why
    (the view's tooltip; "" where a number stands)."""

    dead: torch.Tensor
    saturated: torch.Tensor
    dead_why: list[str]
    saturated_why: list[str]


def layer_health(names: Sequence[str], stats: Mapping[str, UnitStats]) -> Health:
    """The health of each named layer from ``stats`` (a :func:`~.sweep.sweep` result).

    "Dead" applies only to layers whose output was ≥ 0 everywhere over the data
    (ReLU, ReLU6, and pools or flattens of them): a signed output that never
    rises above 0 is not a dead unit of that layer. "Saturated" applies to
    sigmoid and tanh layers."""
    dead, saturated, dead_why, sat_why = [], [], [], []
    for name in names:
        s = stats.get(name)
        if s is None:
            dead.append(float("nan"))
            saturated.append(float("nan"))
            dead_why.append(NOT_SWEPT_NOTE)
            sat_why.append(NOT_SWEPT_NOTE)
            continue
        dead.append(s.dead_fraction)
        dead_why.append("" if s.nonnegative else SIGNED_NOTE)
        saturated.append(float(s.saturated.mean()) if s.saturated is not None else float("nan"))
        sat_why.append("" if s.saturated is not None else NOT_SATURATING_NOTE)
    f32 = torch.float32
    return Health(torch.tensor(dead, dtype=f32), torch.tensor(saturated, dtype=f32), dead_why, sat_why)
