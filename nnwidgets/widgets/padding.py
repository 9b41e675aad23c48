"""Padding in text views: positions where ``attention_mask`` is 0 are no input of the
model. They are drawn as padding (never as tokens with zero attribution) and kept out
of the colour scale, the sums and the ranks the view shows."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from ..transport import pack


def padded_scale(maps: torch.Tensor, padding: torch.Tensor | None) -> float:
    """The shared symmetric scale of (M, T) ``maps`` over the tokens that are not padding
    (1.0 when those are all zero, as the frame's own scale)."""
    if padding is None or not bool(padding.any()):
        m = float(maps.abs().max()) if maps.numel() else 0.0
    else:
        kept = maps[:, ~padding.reshape(-1).to(torch.bool)]
        m = float(kept.abs().max()) if kept.numel() else 0.0
    return m if m > 0 else 1.0


def padding_groups(padding: torch.Tensor | None) -> torch.Tensor | None:
    """The trust checks' features of a padded text (1, T): one per real token, and every
    padded position in one group (removing padding changes nothing, so T pads would
    flatten the deletion curve and tie the ranks); None without padding."""
    if padding is None or not bool(padding.any()):
        return None
    flags = padding.reshape(-1).to(torch.bool)
    ids = torch.arange(flags.numel())
    ids[flags] = flags.numel()
    return ids.reshape(1, -1)


def padding_payload(padding: torch.Tensor | None, tokens: int) -> dict[str, Any]:
    """The shown example's padding as the view reads it: (T,) uint8, 1 = padding; {} without."""
    if padding is None:
        return {}
    flags = padding.reshape(-1).to(torch.uint8).numpy().astype(np.uint8)
    if flags.shape[0] != tokens:
        raise ValueError(f"padding has {flags.shape[0]} flags for {tokens} tokens")
    return pack(flags, dtype="uint8")
