"""What a "feature" is for the trust checks: one score per feature from a map, and
the input with some features removed (see :mod:`nnwidgets.engine.report`)."""

from __future__ import annotations

import torch

from ..errors import ExplanationInputError
from ..validate import describe


class Features:
    """Turns maps into one score per feature, and removes features from ``x``.

    A feature is an element of ``x``, or with ``feature_mask`` (integer ids of
    x's shape, or x's shape without the batch dim) the elements sharing an id."""

    def __init__(self, x: torch.Tensor, feature_mask: torch.Tensor | None) -> None:
        self.x = x
        self.mask: torch.Tensor | None = None  # (D,) feature index of every element of x
        self.count = x[0].numel()
        if feature_mask is not None:
            if not isinstance(feature_mask, torch.Tensor) or feature_mask.is_floating_point() or feature_mask.dtype == torch.bool:
                got = describe(feature_mask) if isinstance(feature_mask, torch.Tensor) else type(feature_mask).__name__
                raise ExplanationInputError(
                    f"feature_mask must be an integer tensor of shape {tuple(x.shape)} or {tuple(x.shape[1:])} "
                    f"giving each element's feature id; got {got}"
                )
            if tuple(feature_mask.shape) not in (tuple(x.shape), tuple(x.shape[1:])):
                raise ExplanationInputError(
                    f"feature_mask must have shape {tuple(x.shape)} or {tuple(x.shape[1:])}; got {tuple(feature_mask.shape)}"
                )
            _, inverse = torch.unique(feature_mask.to(x.device).reshape(-1), return_inverse=True)
            self.mask = inverse
            self.count = int(inverse.max()) + 1

    def scores(self, name: str, t: object) -> torch.Tensor:
        """(F,) float scores of one map."""
        x = self.x
        if not isinstance(t, torch.Tensor):
            raise ExplanationInputError(f"map {name!r} must be a torch.Tensor; got {type(t).__name__}")
        t = t.detach().to(x.device)
        if not t.is_floating_point():
            t = t.float()
        if t.dim() == x.dim() + 1 and t.shape[:2] == (1, 1) and tuple(t.shape[2:]) == tuple(x.shape[1:]):
            t = t[:, 0]  # Grad-CAM on a text model's block: (1, 1, T), one score per token of x (1, T)
        if t.dim() == x.dim() and t.shape[0] == 1 and all(a in (1, b) for a, b in zip(t.shape, x.shape)):
            t = t.expand_as(x)  # e.g. Grad-CAM's (1, 1, H, W): one score per pixel, shared by its channels
        if t.dim() >= x.dim() and tuple(t.shape[: x.dim()]) == tuple(x.shape):
            flat = t.reshape(x[0].numel(), -1).sum(1)  # a layer map (1, T, D) → per token
            if self.mask is None:
                return flat
            return torch.zeros(self.count, dtype=flat.dtype, device=flat.device).index_add_(0, self.mask, flat)
        if self.mask is not None and tuple(t.shape) in ((self.count,), (1, self.count)):
            return t.reshape(-1)
        expected = f"the input's shape {tuple(x.shape)}"
        if x.dim() == 2:
            expected += f" (a layer map ({', '.join(map(str, x.shape))}, D) is summed over D)"
        if self.mask is not None:
            expected += f", or one score per feature of feature_mask: (1, {self.count}) or ({self.count},)"
        raise ExplanationInputError(f"map {name!r} has shape {tuple(t.shape)}; expected {expected}")

    def deleted(self, order_positions: torch.Tensor, counts: torch.Tensor, base: torch.Tensor) -> torch.Tensor:
        """Rows (R·(S+1), ...) of x with the first counts[s] features of each order replaced by ``base``.

        ``order_positions`` (R, F): the position of every feature in each order."""
        removed = order_positions.unsqueeze(1) < counts.view(1, -1, 1)  # (R, S+1, F)
        if self.mask is not None:
            removed = removed[..., self.mask]  # (R, S+1, D)
        flat_x, flat_b = self.x.reshape(1, 1, -1), base.reshape(1, 1, -1)
        rows = torch.where(removed, flat_b, flat_x)
        return rows.reshape(-1, *self.x.shape[1:])
