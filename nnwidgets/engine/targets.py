"""Turning the user's ``target`` into one scalar per example."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Union

import torch

from .errors import ExplanationInputError

Target = Union[int, str, Sequence[int], torch.Tensor, Callable[[torch.Tensor], torch.Tensor], None]


def resolve_target(output: torch.Tensor, target: Target) -> torch.Tensor | None:
    """Resolve ``target`` against a model output of shape (N, K) (or (N,)/(N, 1)).

    Returns a LongTensor of class indices (N,) on the output's device, or None
    when the target is a callable or the model has a single output.
    """
    if callable(target) and not isinstance(target, torch.Tensor):
        return None
    n = output.shape[0]
    if output.dim() == 1 or (output.dim() == 2 and output.shape[1] == 1):
        if target in (None, "predicted", 0):
            return None
        raise ExplanationInputError(
            f"the model has a single output (output shape {tuple(output.shape)}); "
            f"pass target=None, got {target!r}"
        )
    if output.dim() != 2:
        raise ExplanationInputError(
            f"a class target needs a model output of shape (N, classes); got "
            f"{tuple(output.shape)}. Pass a callable target mapping the output to one "
            "scalar per example."
        )
    k = output.shape[1]
    if target is None or (isinstance(target, str) and target == "predicted"):
        return output.detach().argmax(dim=1)
    if isinstance(target, str):
        raise ExplanationInputError(
            f"target must be 'predicted', an int in [0, {k}), one int per example, "
            f"or a callable; got {target!r}"
        )
    if isinstance(target, bool):
        raise ExplanationInputError(f"target must be an int class index in [0, {k}), got {target!r}")
    if isinstance(target, int):
        if not 0 <= target < k:  # checked in Python: no device sync for the common case
            raise ExplanationInputError(
                f"target {target} is out of range: the model has {k} outputs, so a target must be "
                f"in [0, {k - 1}]"
            )
        return torch.full((n,), target, dtype=torch.long, device=output.device)
    else:
        idx = torch.as_tensor(target, device=output.device)
        if idx.is_floating_point() or idx.dtype == torch.bool:
            raise ExplanationInputError(
                f"target must hold integer class indices in [0, {k}); got dtype {idx.dtype}"
            )
        idx = idx.long().reshape(-1)
        if idx.numel() == 1:
            idx = idx.expand(n).clone()
        if idx.numel() != n:
            raise ExplanationInputError(
                f"target needs one class index per example ({n}), got {idx.numel()}"
            )
    if idx.numel() <= 4096:  # one copy to the host, then plain Python: this runs on every refresh
        values = idx.tolist()
        lo, hi = min(values), max(values)
    else:
        lo, hi = (int(v) for v in torch.aminmax(idx))
    if lo < 0 or hi >= k:
        bad = sorted(set(idx[(idx < 0) | (idx >= k)].tolist()))
        raise ExplanationInputError(
            f"target {bad if len(bad) > 1 else bad[0]} is out of range: the model has {k} "
            f"outputs, so a target must be in [0, {k - 1}]"
        )
    return idx


def select(output: torch.Tensor, index: torch.Tensor | None, target: Target) -> torch.Tensor:
    """One scalar per example: the target class's output, or the callable's value."""
    if callable(target) and not isinstance(target, torch.Tensor):
        value = target(output)
        if not isinstance(value, torch.Tensor) or value.shape != (output.shape[0],):
            got = tuple(value.shape) if isinstance(value, torch.Tensor) else type(value).__name__
            raise ExplanationInputError(
                f"a callable target must return one scalar per example, a tensor of shape "
                f"({output.shape[0]},); got {got}"
            )
        return value
    if index is None:
        return output.reshape(output.shape[0], -1)[:, 0]
    return output.gather(1, index.view(-1, 1)).squeeze(1)
