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
from .private import add_forward_hook, origin, private_view, tag, tag_of
from .progress import step as report_step
from .targets import Target, select

# Memory one chunk's forward may hold for the backward, when the caller gives
# no explicit rows-per-forward: about 10 ResNet-18 images at 224×224.
CHUNK_BUDGET_BYTES = 256 * 2**20

Rows = Union[torch.Tensor, Callable[[int, int], torch.Tensor]]
Index = Union[torch.Tensor, None, Callable[[Union[torch.Tensor, None]], Union[torch.Tensor, None]]]


@dataclass
class Chunk:
    """Rows ``start:stop`` of the expanded batch: their gradient and output."""

    start: int
    stop: int
    gradient: torch.Tensor  # d(sum of the selected outputs)/d(rows), shape of the rows
    output: torch.Tensor  # the model's output on the rows, detached


@dataclass
class Lead:
    """Rows run with the expanded batch but not differentiated (e.g. inputs, baselines).

    ``output`` and ``values`` (their selected target scalars) are filled in before
    the first chunk is yielded; ``index`` is the resolved index of the lead and
    expanded rows together.
    """

    rows: tuple[torch.Tensor, ...]
    fuse: bool = True
    output: torch.Tensor | None = None
    values: torch.Tensor | None = None
    index: torch.Tensor | None = None

    @property
    def n_rows(self) -> int:
        return sum(int(r.shape[0]) for r in self.rows)


def chunk_gradients(
    forward: Callable[[torch.Tensor], torch.Tensor],
    rows: Rows,
    n_rows: int,
    target: Target,
    *,
    chunk_rows: int,
    index: Index = None,
    lead: Lead | None = None,
) -> Iterator[Chunk]:
    """Yield the gradient of the target w.r.t. each row, ``chunk_rows`` rows at a time.

    ``forward`` maps a batch of rows to the model output (e.g. ``model_forward(model)``).
    ``rows`` is the expanded batch, or a function building rows ``[start, stop)``
    so the whole expanded batch never has to exist at once. ``index`` gives the
    target class of the lead rows followed by every expanded row, (L + n_rows,):
    a tensor, None (callable or single-output targets), or a function of the
    lead rows' output (so ``"predicted"`` is resolved on the original inputs
    carried as lead rows; called with None when there are none). ``lead`` rows go first into the first chunk's
    forward when ``lead.fuse`` (saving a model call), else into a forward of
    their own without gradient. After each chunk, :func:`~nnwidgets.engine.progress.step`
    reports (chunks done, chunks in all).
    """
    n_lead = 0 if lead is None else lead.n_rows
    resolved = None if callable(index) else index
    carried: tuple[torch.Tensor, ...] = ()
    if lead is not None:
        if lead.fuse:
            carried = lead.rows
        else:
            with torch.no_grad():
                out = forward(torch.cat(lead.rows) if len(lead.rows) > 1 else lead.rows[0]).detach()
            if callable(index):
                resolved = index(out)
            lead.output, lead.index = out, resolved
            lead.values = select(out, _rows(resolved, 0, n_lead), target).detach()
    elif callable(index):
        resolved = index(None)
    n_chunks = -(-n_rows // chunk_rows)
    for start in range(0, n_rows, chunk_rows):
        stop = min(start + chunk_rows, n_rows)
        part = rows[start:stop] if isinstance(rows, torch.Tensor) else rows(start, stop)
        skip = n_lead if carried else 0  # lead rows at the head of this forward
        with torch.enable_grad():
            leaf = (torch.cat([*carried, part]) if carried else part).detach().requires_grad_(True)
            output = forward(leaf)
            detached = output.detach()
            if carried and callable(index):
                resolved = index(detached[:n_lead])
            # A callable target sees the whole output of a forward (lead rows
            # included), as it would any batch: it must map each row on its own.
            values = select(output, _rows(resolved, n_lead + start - skip, n_lead + stop), target)
            if not values.requires_grad:
                raise ExplanationInputError(
                    "the target output does not depend on the inputs through a differentiable "
                    "path (it has no gradient); check that the model does not detach its input"
                )
            # The lead rows' gradients come in the same backward and are dropped:
            # summing every value spares a slice and its backward.
            (grad,) = torch.autograd.grad(values.sum(), leaf, allow_unused=True)
        if carried:
            # A copy: a view would keep the whole chunk's output alive.
            lead.output, lead.index, lead.values = detached[:n_lead].clone(), resolved, values.detach()[:n_lead]
            carried = ()
        if grad is None:
            grad = torch.zeros_like(part)
        elif skip:
            grad = grad[skip:]
        # Before the yield: a callback that raises (Cancelled) stops the loop
        # here, and the consumer's ``for`` sees the exception.
        report_step(start // chunk_rows + 1, n_chunks)
        yield Chunk(start, stop, grad, detached[skip:] if skip else detached)


def _rows(index: torch.Tensor | None, lo: int, hi: int) -> torch.Tensor | None:
    # Small-tensor slicing costs as much as a tiny model's layer: skip it when whole.
    if index is None or (lo == 0 and hi == index.shape[0]):
        return index
    return index[lo:hi]


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
    cache = _ROW_BYTES.setdefault(origin(model), {})
    if key in cache:
        return cache[key]
    total = [0]

    def count(_module: nn.Module, _inputs: object, output: object) -> None:
        for t in output if isinstance(output, (tuple, list)) else (output,):
            if isinstance(t, torch.Tensor):
                total[0] += t.numel() * t.element_size()

    # An eval-mode view of its own for the measurement: one example through
    # train-mode BatchNorm fails, and it must neither update running statistics
    # nor draw dropout masks from the global RNG. Output sizes do not depend on the mode.
    view = private_view(origin(model))
    if tag_of(model) is not None:  # what the engine was told (output=, bound arguments) holds here too
        tag(view, tag_of(model))
    for m in view.modules():
        add_forward_hook(m, count)
    with torch.no_grad():
        call_model(view, example.detach())
    size = total[0] + 2 * example.numel() * example.element_size()
    cache[key] = size
    return size


def rows_within_budget(model: nn.Module, inputs: torch.Tensor, budget: int | None = None) -> int:
    """How many rows of the inputs' form one forward may take within ``budget`` bytes
    (default :data:`CHUNK_BUDGET_BYTES`, read at call time)."""
    budget = CHUNK_BUDGET_BYTES if budget is None else budget
    return max(1, budget // max(1, row_bytes(model, inputs[:1])))


def check_batch_size(value: object, name: str = "internal_batch_size") -> int | None:
    """Validate an optional rows-per-forward option."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ExplanationInputError(f"{name} must be None or an int ≥ 1 (rows per forward); got {value!r}")
    return value
