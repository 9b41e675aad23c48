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
    if not _broadcasts_to(tuple(baselines.shape), tuple(x.shape)):
        raise ExplanationInputError(
            f"baselines must have shape {tuple(x.shape)}, {tuple(x.shape[1:])} or any shape "
            f"broadcastable to the inputs {tuple(x.shape)}; got {tuple(baselines.shape)}"
        )
    base = baselines.detach().to(x.dtype).expand_as(x).clone()
    if base.is_floating_point() and not bool(torch.isfinite(base).all()):
        raise ExplanationInputError("baselines contain NaN or infinite values; every value must be finite")
    return base


def _broadcasts_to(shape: tuple[int, ...], full: tuple[int, ...]) -> bool:
    # Plain arithmetic: torch.broadcast_shapes imports torch.fx's symbolic shapes and sympy
    # on its first call (about a second), on the path of every view's first display.
    return len(shape) <= len(full) and all(a in (1, b) for a, b in zip(reversed(shape), reversed(full)))


def blurred(x: torch.Tensor) -> torch.Tensor:
    """A strongly blurred copy of an image batch (N, C, H, W): a baseline without the fine detail."""
    k = max(3, (max(x.shape[-2:]) // 4) | 1)
    out = torch.nn.functional.avg_pool2d(x.float(), k, stride=1, padding=k // 2, count_include_pad=False)
    return out.to(x.dtype)


def reference(choice: str, x: torch.Tensor, *, given: torch.Tensor | None = None,
              batch: torch.Tensor | None = None) -> torch.Tensor:
    """The baseline a view's choice names for example ``x`` (1, ...): ``"given"``
    (the user's), ``"mean"`` (of ``batch``), ``"blur"`` (images), else zeros."""
    if choice == "given" and given is not None:
        return given
    if choice == "mean":
        return batch.mean(0, keepdim=True) if batch is not None else torch.zeros_like(x)
    if choice == "blur":
        return blurred(x)
    return torch.zeros_like(x)


def patch_mask(x: torch.Tensor, window: int) -> torch.Tensor:
    """Feature ids (1, 1, H, W) of square patches of side ``window``, row by row:
    perturbation methods then switch whole patches on and off, all channels together."""
    h, w = x.shape[-2:]
    rows = torch.arange(h, device=x.device) // window
    cols = torch.arange(w, device=x.device) // window
    per_row = -(-w // window)
    return (rows[:, None] * per_row + cols[None, :]).reshape(1, 1, h, w)


def value_span(x: torch.Tensor) -> float:
    """max − min of ``x`` (1.0 for a constant input): the scale of SmoothGrad's noise."""
    return float(x.max() - x.min()) or 1.0
