"""Perturbed copies of a batch, evaluated in batched forward passes.

Shared by the perturbation methods (occlusion, feature ablation) and the
surrogates (kernel SHAP, LIME): checks on baselines and feature masks, the
surrogates' seeded coalition samplers, and the batched evaluation. A
perturbation is laid out as (P, N, ...): P perturbations of each of the N
examples, flattened to P·N rows per forward.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from .budget import PROBE_ROWS, SINGLE_ROWS, Budget
from .errors import ExplanationInputError, ModelCallError
from .passes import call_model
from .progress import step as report_step
from .targets import Target, resolve_target, select

# Bounds on one forward pass when perturbations_per_eval is chosen for us: the
# perturbed inputs it holds, and its rows (which also bounds the activations of
# models much wider than their input, e.g. a 30 -> 512 -> 512 MLP).
MAX_INPUT_BYTES = 32 * 2**20
MAX_ROWS = 4096
INF_WEIGHT = 1e6  # Captum's stand-in for the Shapley kernel's infinite weight on z = 0 and z = 1


def _broadcasts_to(shape: tuple[int, ...], full: tuple[int, ...]) -> bool:
    # By hand: torch.broadcast_shapes imports torch.fx machinery, seconds on a first call.
    return len(shape) <= len(full) and all(a in (1, b) for a, b in zip(reversed(shape), reversed(full)))


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


def baseline_values(inputs: torch.Tensor, baselines: object) -> torch.Tensor | float | int:
    """The replacement value(s): a Python number, or a tensor broadcastable to ``inputs`` on its device.

    A scalar or a tensor of shape (N, ...), (1, ...) or (...) — anything that
    broadcasts to the inputs. Integer inputs (token ids) need integer baselines.
    A number stays a number (``torch.where`` takes one, without a tensor to build).
    """
    shape = tuple(inputs.shape)
    if isinstance(baselines, bool) or not isinstance(baselines, (int, float, torch.Tensor)):
        raise ExplanationInputError(
            f"baselines must be a number or a tensor broadcastable to the inputs {shape}; "
            f"got {type(baselines).__name__}"
        )
    if not isinstance(baselines, torch.Tensor):
        if not math.isfinite(baselines):
            raise ExplanationInputError(f"baselines must be finite; got {baselines!r}")
        if inputs.is_floating_point():
            return float(baselines)
        if baselines != round(baselines):
            raise ExplanationInputError(
                f"integer inputs (token ids, dtype {inputs.dtype}) need an integer baseline id; "
                f"got {baselines!r}"
            )
        return int(baselines)
    base = baselines
    if base.device != inputs.device:
        raise ExplanationInputError(
            f"baselines are on {baselines.device} but the inputs are on {inputs.device}; "
            f"move them with baselines.to('{inputs.device}')"
        )
    if not _broadcasts_to(tuple(base.shape), shape):
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
    if not _broadcasts_to(tuple(feature_mask.shape), shape):
        raise ExplanationInputError(f"{expected}; got {tuple(feature_mask.shape)}")
    if feature_mask.device != inputs.device:
        raise ExplanationInputError(
            f"feature_mask is on {feature_mask.device} but the inputs are on {inputs.device}; "
            f"move it with feature_mask.to('{inputs.device}')"
        )
    mask = feature_mask.long()
    return mask.reshape((1,) * (inputs.dim() - mask.dim()) + tuple(mask.shape))


def generator(seed: object) -> tuple[torch.Generator, int]:
    """A private CPU generator (the global RNG is never touched) and the seed it used."""
    gen = torch.Generator()
    if seed is None:
        return gen, gen.seed()  # fresh entropy; reported so the result can be reproduced
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed < 2**64:
        raise ExplanationInputError(f"seed must be None or an int in [0, 2**64); got {seed!r}")
    gen.manual_seed(seed)
    return gen, seed


def kernel_shap_samples(n: int, n_samples: int, m: int, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Captum's kernel SHAP design: (n, n_samples, m) binary rows and their weights.

    Row 0 keeps every group, row 1 none (weight ``INF_WEIGHT`` each); the rest
    draw k ones with p(k) ∝ (m − 1) / (k (m − k)), k in [1, m − 1], and then a
    uniform k-subset, so every such row has weight 1 (the Shapley kernel).
    """
    z = torch.zeros(n, n_samples, m, dtype=torch.bool)
    z[:, :1] = True
    rest = n_samples - 2
    if rest > 0 and m > 1:
        k = torch.arange(1, m, dtype=torch.float64)
        size = torch.multinomial((m - 1) / (k * (m - k)), n * rest, replacement=True, generator=gen) + 1
        rank = torch.rand(n, rest, m, generator=gen).argsort(-1).argsort(-1)
        z[:, 2:] = rank < size.view(n, rest, 1)
    elif rest > 0:  # a single group: only the end points exist
        z[:, 2:] = torch.rand(n, rest, 1, generator=gen) < 0.5
    kept = z.sum(-1)
    weights = torch.where((kept == 0) | (kept == m), INF_WEIGHT, 1.0).double()
    return z, weights


def lime_samples(n: int, n_samples: int, m: int, gen: torch.Generator) -> torch.Tensor:
    """Captum's LIME design: (n, n_samples, m) rows, each group kept with probability ½."""
    return torch.rand(n, n_samples, m, generator=gen) < 0.5


@dataclass
class Reference:
    """The model on the unperturbed inputs: output, resolved target, target scalars."""

    output: torch.Tensor
    index: torch.Tensor | None
    scalars: torch.Tensor


def evaluate(
    model: nn.Module,
    inputs: torch.Tensor,
    target: Target,
    total: int,
    perturbations_per_eval: int | None,
    build: Callable[[int, int], torch.Tensor],
    *,
    time_limit: float | None = None,
    what: str = "this run",
    lower: str = "perturb fewer features",
) -> tuple[Reference, torch.Tensor]:
    """The model on the inputs, and the target scalars (total, N) of ``total`` perturbations.

    ``build(start, stop)`` returns perturbations ``start..stop-1`` of every
    example, shaped (stop - start, N, ...); ``perturbations_per_eval`` of them
    go in each forward. The unperturbed inputs ride along in the first forward
    (on small models the fixed cost of a call is much of its time) and the
    target ("predicted") is resolved on their rows. After each forward,
    :func:`~nnwidgets.engine.progress.step` reports (forwards done, forwards in all).
    A run of more than :data:`~.budget.SINGLE_ROWS` rows takes several forwards and keeps its first one small (:data:`~.budget.PROBE_ROWS`
    rows) and times it: when the rows still to come would take the whole run past
    ``time_limit`` seconds, it stops there with :class:`~.budget.TooSlow`.
    """
    n = inputs.shape[0]
    step = chunk_size(inputs, total + 1, perturbations_per_eval)
    # Automatic: the reference counts against the first forward's budget.
    first = step - 1 if perturbations_per_eval is None else step
    if first < total or (1 + total) * n > SINGLE_ROWS:  # several forwards: the first one is the timed probe
        first = max(1, min(first, PROBE_ROWS // n - 1))
    budget = Budget(time_limit, what, lower)
    ref, index, rows, start = None, None, [], 0
    forwards = 1 + -(-max(0, total - first) // step)  # for the progress report
    done = 0
    while ref is None or start < total:
        began = time.perf_counter()
        stop = min(total, start + (step if ref is not None else first))
        parts = [] if ref is not None else [inputs.unsqueeze(0)]
        if stop > start:
            parts.append(build(start, stop))
        batch = torch.cat(parts) if len(parts) > 1 else parts[0]
        p = batch.shape[0]
        try:
            output = call_model(model, batch.reshape((p * n,) + tuple(batch.shape[2:])))
        except ModelCallError as exc:
            if inputs.is_floating_point() or stop == start:
                raise
            raise ModelCallError(
                f"{exc}. This batch holds perturbed copies of the inputs, tokens set to the baseline id; a model that cannot take a sequence of only that id (e.g. lengths counted from the padding "
                "for pack_padded_sequence, when every token is switched off) needs another baseline id (an "
                "unknown or mask token), or a method that perturbs fewer tokens at a time (feature_ablation, "
                "occlusion, layer_integrated_gradients)"
            ) from exc
        if output.dim() == 0 or output.shape[0] != p * n:
            raise ExplanationInputError(
                f"the model must return one output row per example; on a batch of {p * n} "
                f"(perturbed) inputs it returned shape {tuple(output.shape)}"
            )
        if ref is None:
            index = resolve_target(output[:n], target)
        if index is None:
            scalars = select(output, None, target).reshape(p, n)
        else:  # the class of each example, gathered without repeating the indices p times
            scalars = output.reshape(p, n, -1).gather(2, index.view(1, n, 1).expand(p, n, 1)).view(p, n)
        if ref is None:
            ref = Reference(output[:n].detach(), index, scalars[0])
            scalars = scalars[1:]
        rows.append(scalars)
        if done == 0 and stop < total:
            budget.check((1 + stop) * n, (1 + total) * n)
        elif done == 1 and stop < total:  # the first full-sized forward: a closer estimate for the view
            budget.rest((1 + stop) * n, (1 + total) * n, p * n, time.perf_counter() - began, refuse=False)
        start = stop
        done += 1
        report_step(done, forwards)
    return ref, rows[0] if len(rows) == 1 else torch.cat(rows)
