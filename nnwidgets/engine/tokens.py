"""Token sequences read as maps: a transformer layer's (N, T, D) output on its patch grid.

A vision transformer's block returns (N, [1 +] h·w, D): one D-vector per image
patch (after an optional class token). Grad-CAM and the layer views need it
channels-first on the grid, (N, D, h, w), with the class token dropped, as
pytorch-grad-cam's ``reshape_transform``; a text transformer's layer becomes
(N, D, T), a map over tokens. Whether a 3-D output is tokens (N, T, D) or
channels (N, C, L) — a 1-d convolution's — is not in its shape: a model with an
attention module anywhere is read as a transformer, any other as channels-first.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from .errors import ExplanationInputError

LAYOUTS = ("auto", "channels", "tokens")


def has_attention(model: nn.Module) -> bool:
    """Whether any submodule is an attention module (torch's, or a library's by its class name)."""
    return any(isinstance(m, (nn.MultiheadAttention, nn.TransformerEncoderLayer))
               or "Attention" in type(m).__name__ for m in model.modules())


def grid_of(tokens: int) -> tuple[int, int] | None:
    """(skipped leading tokens, grid side) when ``tokens`` is a square grid, maybe after
    one class token; None for a plain sequence."""
    for skip in (0, 1):
        side = math.isqrt(tokens - skip)
        if side >= 2 and side * side == tokens - skip:
            return skip, side
    return None


def as_map(t: torch.Tensor) -> tuple[torch.Tensor, str]:
    """A token output (N, T, D) channels-first: (N, D, h, w) on its grid (class token
    dropped), or (N, D, T) for a sequence; and a sentence saying which."""
    n, tokens, d = t.shape
    grid = grid_of(tokens)
    if grid is None:
        return t.transpose(1, 2), f"tokens: {tokens} tokens × {d} features read as a sequence map over the tokens"
    skip, side = grid
    body = t[:, skip:].reshape(n, side, side, d).permute(0, 3, 1, 2)
    dropped = " (the class token dropped)" if skip else ""
    return body, f"tokens: {tokens} tokens × {d} features read as a {side} × {side} patch grid{dropped}"


def is_tokens(model: nn.Module, t: torch.Tensor, layout: str = "auto") -> bool:
    """Whether the 3-D output ``t`` of a layer of ``model`` is read as tokens (N, T, D)."""
    if layout not in LAYOUTS:
        raise ExplanationInputError(f"layout must be one of {', '.join(map(repr, LAYOUTS))}; got {layout!r}")
    if t.dim() != 3 or layout == "channels":
        return False
    return layout == "tokens" or has_attention(model)
