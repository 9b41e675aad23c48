"""The deletion curve (Samek et al. 2017): remove features from most to least
important by the SIGNED attribution and follow the target's score; a faithful map
makes it fall fast (a small area). Random orders are the reference."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from ..batching import rows_within_budget
from ..outputs import Reading
from ..errors import ModelCallError
from ..passes import call_model
from ..private import private_view
from ..progress import step
from ..targets import select
from .features import Features

DELETION_RANDOM_ORDERS = 4  # random orders averaged for the deletion curve's reference


@dataclass
class Deletion:
    fractions: np.ndarray  # (S + 1,) share of the features removed
    scores: dict[str, np.ndarray]  # method -> (S + 1,) target score after removing its top features
    area: dict[str, float]  # method -> area under its curve (trapezoid): smaller = more faithful
    random: np.ndarray  # (S + 1,) the same curve for random orders (mean), the reference
    random_area: float


def positions(scores: torch.Tensor) -> torch.Tensor:
    """(R, F) scores → each feature's position when sorted most-important-first (signed)."""
    r, f = scores.shape
    order = scores.argsort(dim=1, descending=True, stable=True)
    return torch.empty_like(order).scatter_(1, order, torch.arange(f, device=order.device).expand(r, f).contiguous())


def deletion(
    model: nn.Module, features: Features, scores: Mapping[str, torch.Tensor], base: torch.Tensor,
    index: torch.Tensor | None, target: int, *, steps: int, reading: Reading,
) -> Deletion:
    """Every map's deletion curve and the random orders' mean, in batched forwards.

    ``index``: the target's class index (None for a single-output model, scored
    by its one output); ``reading`` turns the outputs into the scores the view
    shows (softmax / sigmoid probabilities, raw scores), so the curve follows those."""
    x = features.x
    names = list(scores)
    n_feat = features.count
    generator = torch.Generator().manual_seed(0)
    random_orders = torch.stack([torch.randperm(n_feat, generator=generator) for _ in range(DELETION_RANDOM_ORDERS)])
    # a random permutation read as positions is a random order
    order = torch.cat([positions(torch.stack([scores[n] for n in names])), random_orders.to(x.device)])  # (R, F)
    counts = torch.round(torch.linspace(0, n_feat, steps + 1, device=x.device, dtype=torch.float64)).long()
    rows = features.deleted(order, counts, base)
    chunk = max(1, rows_within_budget(model, x))
    model = private_view(model)
    starts = range(0, rows.shape[0], chunk)
    parts = []
    with torch.no_grad():
        try:
            for k, i in enumerate(starts):
                parts.append(call_model(model, rows[i:i + chunk]))
                step(k + 1, len(starts))  # progress, and where a cancel stops the curve
        except ModelCallError as exc:
            if x.is_floating_point():
                raise
            raise ModelCallError(
                f"deletion curve: {exc}. The curve ends with every token set to the baseline id, which this model "
                "cannot take (e.g. lengths counted from the padding for pack_padded_sequence); give another "
                "baseline id (an unknown or mask token) to check it"
            ) from exc
        out = torch.cat(parts)
        if index is not None:
            out = reading.apply(out.reshape(out.shape[0], -1), dim=1)
        picked = None if index is None else index[:1].expand(out.shape[0])
        curve = select(out, picked, target).to(torch.float64).view(-1, steps + 1)
    fractions = counts.to(torch.float64) / n_feat
    areas = torch.trapezoid(curve, fractions, dim=1).cpu().numpy()
    curve_np, m = curve.cpu().numpy(), len(names)
    return Deletion(
        fractions=fractions.cpu().numpy(),
        scores={name: curve_np[k] for k, name in enumerate(names)},
        area={name: float(areas[k]) for k, name in enumerate(names)},
        random=curve_np[m:].mean(0),
        random_area=float(areas[m:].mean()),
    )
