"""Forward and backward over an expanded batch, in chunks that bound memory.

Integrated gradients, SmoothGrad and layer IG all differentiate the model on
many rows built from the user's batch (path steps, noisy samples). This module
runs those rows through the model a chunk at a time: one forward and one
``torch.autograd.grad`` of the summed target scalars per chunk, never one
backward per example.

A few extra *lead* rows (the original inputs, the baselines) may ride along:
their outputs are returned but they are not differentiated. Fusing them into
the only chunk saves a model call, which is most of the cost on small models.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Union

import torch
from torch import nn

from .errors import ExplanationInputError
from .passes import call_model
from .targets import Target, select

# Memory one chunk's forward may hold for the backward, when the caller gives
# no explicit rows-per-forward: about 10 ResNet-18 images at 224×224.
CHUNK_BUDGET_BYTES = 256 * 2**20

Rows = Union[torch.Tensor, Callable[[int, int], torch.Tensor]]
Index = Union[torch.Tensor, None, Callable[[torch.Tensor], Union[torch.Tensor, None]]]


@dataclass
class Chunk:
    """Rows ``start:stop`` of the expanded batch: their gradient and output."""

    start: int
    stop: int
    gradient: torch.Tensor  # d(sum of the selected outputs)/d(rows), shape of the rows
    output: torch.Tensor  # the model's output on the rows, detached
    index: torch.Tensor | None  # the target index of each row (None: callable / single output)


@dataclass
class LeadOutput:
    """The output on the lead rows; filled in before the first chunk is yielded."""

    output: torch.Tensor | None = None


def chunk_gradients(
    forward: Callable[[torch.Tensor], torch.Tensor],
    rows: Rows,
    n_rows: int,
    target: Target,
    *,
    chunk_rows: int,
    index: Index = None,
    lead: torch.Tensor | None = None,
    fuse_lead: bool = True,
    lead_output: LeadOutput | None = None,
) -> Iterator[Chunk]:
    """Yield the gradient of the target w.r.t. each row, ``chunk_rows`` rows at a time.

    ``forward`` maps a batch of rows to the model output (e.g. ``lambda r:
    call_model(model, r)``). ``rows`` is the expanded batch, or a function
    building rows ``[start, stop)`` so the whole expanded batch never has to
    exist at once. ``index`` holds each row's target class, or is a function
    from the lead rows' output to it (so ``"predicted"`` can be resolved on the
    original inputs carried as lead rows), or None for callable and
    single-output targets. ``lead`` rows are run with the first chunk when
    ``fuse_lead`` (else in a separate forward without gradient); their output
    is stored in ``lead_output``.
    """
    lead_output = lead_output if lead_output is not None else LeadOutput()
    resolved = index if not callable(index) else None
    if lead is not None and not fuse_lead:
        with torch.no_grad():
            lead_output.output = forward(lead).detach()
        lead = None
    if callable(index):
        if lead is None:
            resolved = index(lead_output.output)
    for start in range(0, n_rows, chunk_rows):
        stop = min(start + chunk_rows, n_rows)
        part = rows[start:stop] if isinstance(rows, torch.Tensor) else rows(start, stop)
        m = stop - start
        carried = lead if start == 0 else None
        with torch.enable_grad():
            leaf = (part if carried is None else torch.cat([part, carried])).detach().requires_grad_(True)
            output = forward(leaf)
            if carried is not None:
                lead_output.output = output[m:].detach()
                if callable(index):
                    resolved = index(lead_output.output)
            chunk_index = None if resolved is None else resolved[start:stop]
            scalars = _select_rows(output, m, chunk_index, target)
            if not scalars.requires_grad:
                raise ExplanationInputError(
                    "the target output does not depend on the inputs through a differentiable "
                    "path (it has no gradient); check that the model does not detach its input"
                )
            (grad,) = torch.autograd.grad(scalars.sum(), leaf, allow_unused=True)
        grad = torch.zeros_like(part) if grad is None else grad[:m]
        yield Chunk(start, stop, grad.detach(), output[:m].detach(), chunk_index)


def _select_rows(output: torch.Tensor, m: int, index: torch.Tensor | None, target: Target) -> torch.Tensor:
    # A callable target sees the whole output it was computed on (lead rows
    # included), as it would for any batch; only the first m rows count.
    if callable(target) and not isinstance(target, torch.Tensor):
        return select(output, None, target)[:m]
    return select(output[:m], index, target)


def model_forward(model: nn.Module) -> Callable[[torch.Tensor], torch.Tensor]:
    """The model call with the engine's error wrapping, as ``chunk_gradients`` wants it."""
    return lambda rows: call_model(model, rows)


# Bytes one example's forward keeps, per model and input form; measuring costs a
# forward, so it is done once. Only a chunk size depends on it, never a result.
_ROW_BYTES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def row_bytes(model: nn.Module, example: torch.Tensor) -> int:
    """Estimate the memory one row's forward keeps for the backward, in bytes.

    Runs ``example`` (one row, shape (1, ...)) once with forward hooks on every
    module, summing the bytes of every tensor a module returns (an upper-ish
    estimate of what autograd saves), plus the row itself and its gradient.
    Cached per model, input shape, dtype and device.
    """
    key = (tuple(example.shape[1:]), example.dtype, example.device)
    cache = _ROW_BYTES.setdefault(model, {})
    if key in cache:
        return cache[key]
    total = [0]

    def count(_module: nn.Module, _inputs: object, output: object) -> None:
        for t in output if isinstance(output, (tuple, list)) else (output,):
            if isinstance(t, torch.Tensor):
                total[0] += t.numel() * t.element_size()

    handles = [m.register_forward_hook(count) for m in model.modules()]
    try:
        with torch.no_grad():
            call_model(model, example.detach())
    finally:
        for handle in handles:
            handle.remove()
    size = total[0] + 2 * example.numel() * example.element_size()
    cache[key] = size
    return size


def rows_within_budget(model: nn.Module, inputs: torch.Tensor, budget: int = CHUNK_BUDGET_BYTES) -> int:
    """How many rows of the inputs' form one forward may take within ``budget`` bytes."""
    return max(1, budget // max(1, row_bytes(model, inputs[:1])))


def check_batch_size(value: object, name: str = "internal_batch_size") -> int | None:
    """Validate an optional rows-per-forward option."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ExplanationInputError(f"{name} must be None or an int ≥ 1 (rows per forward); got {value!r}")
    return value
