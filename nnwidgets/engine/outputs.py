"""What a model's output means to a reader: probabilities or raw scores.

Every view and figure shows a model's outputs through :func:`readable`, so the
rule for when an output is softmaxed lives here once.
"""

from __future__ import annotations

from typing import Literal

import torch

OutputKind = Literal["probability", "score"]


def output_kind(n_outputs: int) -> OutputKind:
    """Several outputs are read as class logits (shown as softmax probabilities);
    a single output is a score."""
    return "probability" if n_outputs >= 2 else "score"


def readable(output: torch.Tensor, kind: OutputKind | None = None, dim: int = -1) -> torch.Tensor:
    """``output`` as shown to the user, in float32 on the CPU: softmax probabilities
    over ``dim`` for ``"probability"``, the raw values for ``"score"``.
    ``kind`` None decides from the size of ``dim``."""
    out = output.detach().float()
    if kind is None:
        kind = output_kind(out.shape[dim] if out.dim() else 1)
    if kind == "probability":
        out = torch.softmax(out, dim=dim)
    return out.cpu()


def probabilities(output: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """Softmax probabilities over ``dim`` in the output's own dtype and device (for
    engine computations that score a class, e.g. deletion curves and ICE)."""
    return torch.softmax(output, dim=dim)
