"""Perturbed copies of a batch, evaluated in batched forward passes.

Shared by the perturbation methods (occlusion, feature ablation) and the
surrogates (kernel SHAP, LIME). A perturbation is laid out as (P, N, ...):
P perturbations of each of the N examples, flattened to P·N rows per forward.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from .errors import ExplanationInputError
from .passes import call_model
from .targets import Target, resolve_target, select

# Bounds on one forward pass when perturbations_per_eval is chosen for us: the
# perturbed inputs it holds, and its rows (which also bounds the activations of
# models much wider than their input, e.g. a 30 -> 512 -> 512 MLP).
MAX_INPUT_BYTES = 32 * 2**20
MAX_ROWS = 4096


def check_int(name: str, value: object, minimum: int = 1) -> int:
    """``value`` as an int ≥ ``minimum``, or an error naming ``name``."""
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise ExplanationInputError(f"{name} must be an int ≥ {minimum}; got {value!r}")
    return value


def chunk_size(inputs: torch.Tensor, total: int, perturbations_per_eval: int | None) -> int:
    """Perturbations per forward: the user's choice, or as many as the budget allows."""
    if perturbations_per_eval is not None:
        return min(check_int("perturbations_per_eval", perturbations_per_eval), max(total, 1))
    n = inputs.shape[0]
    per_copy = max(inputs.numel() * inputs.element_size(), 1)
    fit = min(MAX_INPUT_BYTES // per_copy, MAX_ROWS // n)
    return max(1, min(total, fit))


def baseline_tensor(inputs: torch.Tensor, baselines: object) -> torch.Tensor:
    """The replacement value(s) as a tensor broadcastable to ``inputs``, on its device.

    A scalar or a tensor of shape (N, ...), (1, ...) or (...) — anything that
    broadcasts to the inputs. Integer inputs (token ids) need integer baselines.
    """
    shape = tuple(inputs.shape)
    if isinstance(baselines, bool) or not isinstance(baselines, (int, float, torch.Tensor)):
        raise ExplanationInputError(
            f"baselines must be a number or a tensor broadcastable to the inputs {shape}; "
            f"got {type(baselines).__name__}"
        )
    base = torch.as_tensor(baselines)
    if isinstance(baselines, torch.Tensor) and baselines.device != inputs.device:
        raise ExplanationInputError(
            f"baselines are on {baselines.device} but the inputs are on {inputs.device}; "
            f"move them with baselines.to('{inputs.device}')"
        )
    try:
        torch.broadcast_shapes(tuple(base.shape), shape)
        fits = torch.broadcast_shapes(tuple(base.shape), shape) == shape
    except RuntimeError:
        fits = False
    if not fits:
        raise ExplanationInputError(
            f"baselines must be a number or a tensor broadcastable to the inputs {shape}, "
            f"e.g. shape {shape} or {shape[1:]}; got {tuple(base.shape)}"
        )
    if base.is_floating_point() and not bool(torch.isfinite(base).all()):
        raise ExplanationInputError("baselines contain NaN or infinite values; every value must be finite")
    if not inputs.is_floating_point():
        # Token ids: a replacement must itself be an id; 0.0 (the default) is one.
        if base.is_floating_point() and not bool((base == base.round()).all()):
            raise ExplanationInputError(
                f"integer inputs (token ids, dtype {inputs.dtype}) need an integer baseline id; "
                f"got {baselines!r}"
            )
    return base.to(device=inputs.device, dtype=inputs.dtype)


def feature_mask_tensor(inputs: torch.Tensor, feature_mask: object) -> torch.Tensor:
    """An integer feature mask with the inputs' number of dims, broadcastable to them."""
    shape = tuple(inputs.shape)
    expected = (
        f"feature_mask must be an integer tensor broadcastable to the inputs {shape}, "
        f"e.g. shape {shape} or {shape[1:]}"
    )
    if not isinstance(feature_mask, torch.Tensor):
        raise ExplanationInputError(f"{expected}; got {type(feature_mask).__name__}")
    if feature_mask.is_floating_point() or feature_mask.is_complex() or feature_mask.dtype == torch.bool:
        raise ExplanationInputError(f"{expected}; got dtype {feature_mask.dtype}")
    try:
        fits = torch.broadcast_shapes(tuple(feature_mask.shape), shape) == shape
    except RuntimeError:
        fits = False
    if not fits or feature_mask.dim() > inputs.dim():
        raise ExplanationInputError(f"{expected}; got {tuple(feature_mask.shape)}")
    if feature_mask.device != inputs.device:
        raise ExplanationInputError(
            f"feature_mask is on {feature_mask.device} but the inputs are on {inputs.device}; "
            f"move it with feature_mask.to('{inputs.device}')"
        )
    mask = feature_mask.long()
    return mask.reshape((1,) * (inputs.dim() - mask.dim()) + tuple(mask.shape))


@dataclass
class Reference:
    """The model on the unperturbed inputs: output, resolved target, target scalars."""

    output: torch.Tensor
    index: torch.Tensor | None
    scalars: torch.Tensor


def reference(model: nn.Module, inputs: torch.Tensor, target: Target) -> Reference:
    """Forward the original inputs; resolve the target on their output."""
    output = call_model(model, inputs).detach()
    index = resolve_target(output, target)
    return Reference(output, index, select(output, index, target).detach())


def evaluate(
    model: nn.Module,
    ref: Reference,
    target: Target,
    n_examples: int,
    total: int,
    chunk: int,
    build: Callable[[int, int], torch.Tensor],
) -> torch.Tensor:
    """Target scalars (total, N) of ``total`` perturbations, ``chunk`` per forward.

    ``build(start, stop)`` returns perturbations ``start..stop-1`` of every
    example, shaped (stop - start, N, ...).
    """
    rows = []
    for start in range(0, total, chunk):
        stop = min(total, start + chunk)
        batch = build(start, stop)
        p = stop - start
        output = call_model(model, batch.reshape((p * n_examples,) + tuple(batch.shape[2:])))
        if output.dim() == 0 or output.shape[0] != p * n_examples:
            raise ExplanationInputError(
                f"the model must return one output row per example; on a batch of "
                f"{p * n_examples} perturbed inputs it returned shape {tuple(output.shape)}"
            )
        index = None if ref.index is None else ref.index.repeat(p)
        rows.append(select(output, index, target).reshape(p, n_examples))
    return torch.cat(rows)
