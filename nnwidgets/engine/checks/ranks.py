"""Spearman rank correlation between attribution maps (ties get their average rank)."""

from __future__ import annotations

import torch

from ..errors import ExplanationInputError


def ranks(values: torch.Tensor) -> torch.Tensor:
    """Ranks along the last dim of (R, F) values, ties given their average rank (as Spearman needs)."""
    order = values.argsort(dim=-1)
    out = torch.empty_like(values, dtype=torch.float64)
    n = values.shape[-1]
    out.scatter_(-1, order, torch.arange(n, dtype=torch.float64, device=values.device).expand_as(values).contiguous())
    # average the ranks of equal values, row by row (rows are few: one per map)
    for row in range(values.shape[0]):
        uniq, inverse = values[row].unique(return_inverse=True)
        if uniq.numel() < n:
            sums = torch.zeros(uniq.numel(), dtype=torch.float64, device=values.device).index_add_(0, inverse, out[row])
            counts = torch.bincount(inverse, minlength=uniq.numel()).to(torch.float64)
            out[row] = (sums / counts)[inverse]
    return out


def spearman_matrix(features: torch.Tensor) -> torch.Tensor:
    """(M, F) scores of M maps → (M, M) float64 Spearman between every pair, 1 on the diagonal."""
    r = ranks(features)
    r = r - r.mean(1, keepdim=True)
    unit = r / r.norm(dim=1, keepdim=True).clamp_min(1e-12)
    matrix = unit @ unit.T
    matrix.fill_diagonal_(1.0)
    return matrix


def spearman(a: torch.Tensor, b: torch.Tensor) -> float:
    """Spearman between two maps of the same shape, compared element by element."""
    if a.shape != b.shape:
        raise ExplanationInputError(f"maps to compare must have the same shape; got {tuple(a.shape)} and {tuple(b.shape)}")
    pair = torch.stack([a.detach().reshape(-1), b.detach().reshape(-1)]).to(torch.float64)
    return float(spearman_matrix(pair)[0, 1])
