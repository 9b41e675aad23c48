"""Baselines (the "absence" an attribution is measured from), checked once for every method."""

from __future__ import annotations

import torch

from .errors import ExplanationInputError
from .validate import describe


def baselines_like(inputs: torch.Tensor, baselines: object) -> torch.Tensor:
    """Baselines in input space, shaped like the inputs: None means zeros
    (token id 0 for integer inputs), a number fills every feature, a tensor
    broadcastable to the inputs ((N, ...), (...), ...) is expanded."""
    x = inputs.detach()
    if baselines is None:
        return torch.zeros_like(x)
    kind = "integer token ids" if not x.is_floating_point() else "real numbers"
    if isinstance(baselines, bool) or not isinstance(baselines, (int, float, torch.Tensor)):
        raise ExplanationInputError(
            f"baselines must be None, a number or a tensor broadcastable to the inputs "
            f"{tuple(x.shape)}; got {baselines!r}"
        )
    if not isinstance(baselines, torch.Tensor):
        if not x.is_floating_point() and not isinstance(baselines, int):
            raise ExplanationInputError(f"baselines for integer inputs must be {kind}; got {baselines!r}")
        baselines = torch.tensor(baselines, device=x.device)
    if baselines.device != x.device:
        raise ExplanationInputError(
            f"baselines are on {baselines.device} but the inputs are on {x.device}; "
            f"move them with baselines.to('{x.device}')"
        )
    if baselines.dtype == torch.bool or baselines.is_complex() or (
        not x.is_floating_point() and baselines.is_floating_point()
    ):
        raise ExplanationInputError(f"baselines must be {kind} like the inputs; got {describe(baselines)}")
    try:
        shape = torch.broadcast_shapes(baselines.shape, x.shape)
    except RuntimeError:
        shape = None
    if shape != x.shape:
        raise ExplanationInputError(
            f"baselines must have shape {tuple(x.shape)}, {tuple(x.shape[1:])} or any shape "
            f"broadcastable to the inputs {tuple(x.shape)}; got {tuple(baselines.shape)}"
        )
    base = baselines.detach().to(x.dtype).expand_as(x).clone()
    if base.is_floating_point() and not bool(torch.isfinite(base).all()):
        raise ExplanationInputError("baselines contain NaN or infinite values; every value must be finite")
    return base
