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


def as_map(t: torch.Tensor, grid: bool = True) -> tuple[torch.Tensor, str]:
    """A token output (N, T, D) channels-first: (N, D, h, w) on its grid (class token
    dropped), or (N, D, T) for a sequence; and a sentence saying which. ``grid=False``
    (text: 16 tokens are a sentence, not a 4 × 4 picture) always reads a sequence."""
    n, tokens, d = t.shape
    grid = grid_of(tokens) if grid else None
    if grid is None:
        return t.transpose(1, 2), f"tokens: {tokens} tokens × {d} features read as a sequence map over the tokens"
    skip, side = grid
    body = t[:, skip:].reshape(n, side, side, d).permute(0, 3, 1, 2)
    dropped = " (the class token dropped)" if skip else ""
    return body, f"tokens: {tokens} tokens × {d} features read as a {side} × {side} patch grid{dropped}"


def is_block(module: nn.Module) -> bool:
    """A transformer block: a module with an attention module among its children that is
    not itself one (BERT's ``BertAttention`` holds ``BertSelfAttention``: not a block)."""
    def attention(m: nn.Module) -> bool:
        return isinstance(m, nn.MultiheadAttention) or "Attention" in type(m).__name__

    return not attention(module) and any(attention(m) for m in module.children())


def real_tokens(mask: object, n: int, tokens: int) -> torch.Tensor | None:
    """An attention mask (N, T) as booleans (True: a real token), checked against the
    layer's (N, T, D) output; None when there is none."""
    if mask is None:
        return None
    if not isinstance(mask, torch.Tensor) or mask.dim() != 2 or mask.shape[1] != tokens or mask.shape[0] not in (1, n):
        got = tuple(mask.shape) if isinstance(mask, torch.Tensor) else type(mask).__name__
        raise ExplanationInputError(
            f"token_mask (an attention mask) must be a tensor of shape (N, T) = ({n}, {tokens}), 1 for the "
            f"tokens and 0 for padding, to match the layer's output; got {got}"
        )
    return (mask != 0).expand(n, tokens)


def is_tokens(model: nn.Module, t: torch.Tensor, layout: str = "auto") -> bool:
    """Whether the 3-D output ``t`` of a layer of ``model`` is read as tokens (N, T, D)."""
    if layout not in LAYOUTS:
        raise ExplanationInputError(f"layout must be one of {', '.join(map(repr, LAYOUTS))}; got {layout!r}")
    if t.dim() != 3 or layout == "channels":
        return False
    return layout == "tokens" or has_attention(model)
