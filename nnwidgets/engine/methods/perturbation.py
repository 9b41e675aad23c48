"""Perturbation methods: occlusion and feature ablation (no gradients).

Both equal Captum's ``Occlusion`` and ``FeatureAblation``: the attribution of
an element is F(x) − F(x with its window / feature group set to the baseline),
averaged over the windows that cover it. Unlike Captum's default of one
perturbation per forward, many perturbations share each forward pass.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import nn

from ..budget import TIME_LIMIT, auto_mask, auto_window, grouping_note
from ..errors import ExplanationInputError
from ..explanation import Explanation
from ..perturb import baseline_values, evaluate, feature_mask_tensor
from ..registry import register
from ..targets import Target

DENSE_LIMIT = 2**20  # windows × elements up to which the window masks are kept as one matrix


def _int_tuple(name: str, value: object, dims: tuple[int, ...], example: str) -> tuple[int, ...]:
    k = len(dims)
    if isinstance(value, int) and not isinstance(value, bool) and name == "strides":
        value = (value,) * k
    ok = isinstance(value, Sequence) and not isinstance(value, str)
    if not ok or len(value) != k or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        raise ExplanationInputError(
            f"{name} must be {example} of {k} ints, one per non-batch dim of the inputs "
            f"{dims}; got {value!r}"
        )
    if any(v < 1 for v in value):
        raise ExplanationInputError(f"{name} must all be ≥ 1; got {tuple(value)}")
    return tuple(value)


def _windows(
    shape: tuple[int, ...], sliding_window_shapes: object, strides: object
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Check window and stride against the (non-batch) input shape; return both as tuples."""
    window = _int_tuple("sliding_window_shapes", sliding_window_shapes, shape, "a tuple")
    step = _int_tuple("strides", 1 if strides is None else strides, shape, "an int or a tuple")
    for i, (w, s, d) in enumerate(zip(window, step, shape)):
        if w > d:
            raise ExplanationInputError(
                f"sliding_window_shapes {window} is larger than the inputs' non-batch shape "
                f"{shape} in dim {i} ({w} > {d})"
            )
        if w < d and s > w:
            raise ExplanationInputError(
                f"strides {step} leave elements uncovered: in dim {i} the stride {s} exceeds "
                f"the window {w}; use strides ≤ sliding_window_shapes"
            )
    return window, step


@dataclass(frozen=True, eq=False)  # hashed by identity, for the cache below
class _Grid:
    """Every window position, as per-dim factors (windows are their Cartesian product)."""

    factors: tuple[torch.Tensor, ...]  # per dim, (starts, size) bool: what each start covers
    counts: tuple[int, ...]  # window starts per dim; windows are numbered in C order
    places: tuple[int, ...]  # place value of each dim in a window's number


# Live views call occlusion again and again with one setting: keep the small factors.
@functools.lru_cache(maxsize=32)
def _grid(shape: tuple[int, ...], window: tuple[int, ...], step: tuple[int, ...], device: torch.device) -> _Grid:
    factors = []
    for d, w, s in zip(shape, window, step):
        # The last window in a dim may be cut off at the edge, as in Captum.
        starts = torch.arange(0, d - w + s, s, device=device)  # ceil((d - w) / s) + 1 of them
        offset = torch.arange(d, device=device) - starts[:, None]
        factors.append((offset >= 0) & (offset < w))
    counts = tuple(f.shape[0] for f in factors)
    places = tuple(math.prod(counts[i + 1 :]) for i in range(len(counts)))
    return _Grid(tuple(factors), counts, places)


@functools.lru_cache(maxsize=32)
def _coverage(
    grid: _Grid, dtype: torch.dtype, device: torch.device
) -> tuple[tuple[torch.Tensor, ...], torch.Tensor, torch.Tensor | None]:
    """The factors as numbers, how many windows cover each element, and — where
    small — every window's mask as a (windows, elements) matrix."""
    weights = tuple(f.to(dtype) for f in grid.factors)
    cover = torch.ones((), dtype=dtype, device=device)
    for w in weights:
        cover = cover.unsqueeze(-1) * w.sum(0)
    total = math.prod(grid.counts)
    dense = None
    if total * cover.numel() <= DENSE_LIMIT:
        dense = _window_masks(grid, 0, total, device).reshape(total, -1).to(dtype)
    return weights, cover, dense


def _window_masks(grid: _Grid, start: int, stop: int, device: torch.device) -> torch.Tensor:
    """Boolean masks (stop - start, *shape) of windows start..stop-1, in one vectorised step."""
    k = len(grid.factors)
    if k and stop - start == math.prod(grid.counts):  # every window: one broadcast product
        for i, factor in enumerate(grid.factors):
            view = [1] * (2 * k)
            view[i], view[k + i] = factor.shape
            mask = factor.view(view) if i == 0 else mask & factor.view(view)
        return mask.reshape((stop - start,) + tuple(f.shape[1] for f in grid.factors))
    index = torch.arange(start, stop, device=device)
    mask = torch.ones(stop - start, dtype=torch.bool, device=device)  # 1-d inputs: one window
    for i, (factor, count, place) in enumerate(zip(grid.factors, grid.counts, grid.places)):
        coord = index if place == 1 else index // place
        coord = coord if i == 0 else coord % count
        view = [stop - start] + [1] * k
        view[i + 1] = factor.shape[1]
        rows = factor[coord].view(view)
        mask = rows if i == 0 else mask & rows
    return mask


@register("occlusion", title="Occlusion", needs_grad=False)
def occlusion(
    model: nn.Module,
    inputs: torch.Tensor,
    target: Target,
    *,
    sliding_window_shapes: tuple[int, ...] | None = None,
    strides: int | tuple[int, ...] | None = None,
    baselines: float | torch.Tensor = 0.0,
    perturbations_per_eval: int | None = None,
    time_limit: float | None = TIME_LIMIT,
) -> Explanation:
    """Occlusion (Zeiler & Fergus 2014), as Captum's ``Occlusion``.

    A window of ``sliding_window_shapes`` (one size per non-batch dim) slides by
    ``strides`` over the input; each position is replaced by ``baselines`` and
    the drop F(x) − F(occluded) is credited to every element it covers, averaged
    over the windows covering the element. ``perturbations_per_eval`` windows
    share one forward pass (None: as many as a memory budget allows).
    Without ``sliding_window_shapes`` the windows tile the input
    (:func:`~nnwidgets.engine.budget.auto_window`: one element each up to
    1024 elements, else patches of a 16 × 16 grid), strides equal to them.
    A run estimated (from its timed first forward) to take more than
    ``time_limit`` seconds is refused, naming the estimate (None: no limit).
    """
    shape = tuple(inputs.shape[1:])
    auto = sliding_window_shapes is None
    if auto:
        sliding_window_shapes = auto_window(shape) or (1,) * len(shape)
        strides = sliding_window_shapes if strides is None else strides
    window, step = _windows(shape, sliding_window_shapes, strides)
    base = baseline_values(inputs, baselines)
    grid = _grid(shape, window, step, inputs.device)
    total = math.prod(grid.counts)
    n = inputs.shape[0]
    with torch.no_grad():

        def build(start: int, stop: int) -> torch.Tensor:
            mask = _window_masks(grid, start, stop, inputs.device).unsqueeze(1)
            return torch.where(mask, base, inputs)

        ref, scalars = evaluate(model, inputs, target, total, perturbations_per_eval, build, time_limit=time_limit,
                                what=f"occlusion with {total} windows of {window}",
                                lower="use a larger sliding_window_shapes or strides")
        drops = ref.scalars.unsqueeze(0) - scalars
        # Σ over windows of drop ⊗ mask: one product where the masks are small (the
        # inputs live views use); else, as the masks are outer products of the
        # per-dim factors, contract one dim at a time instead of building them.
        weights, cover, dense = _coverage(grid, drops.dtype, inputs.device)
        if dense is not None:
            attr = (drops.T @ dense).view(inputs.shape)
        else:
            attr = drops.T.reshape((n,) + grid.counts)
            for i, f in enumerate(weights):
                attr = torch.movedim(torch.tensordot(attr, f, dims=([i + 1], [0])), -1, i + 1)
    extras = {"windows": total, "window": window, "strides": step}
    if auto:
        extras["grouping"] = f"automatic windows {window}, strides {step} (no sliding_window_shapes was given)"
    return Explanation("occlusion", attr / cover, ref.output, ref.index, extras=extras)


@register("feature_ablation", title="Feature ablation", needs_grad=False)
def feature_ablation(
    model: nn.Module,
    inputs: torch.Tensor,
    target: Target,
    *,
    feature_mask: torch.Tensor | None = None,
    baselines: float | torch.Tensor = 0.0,
    perturbations_per_eval: int | None = None,
    time_limit: float | None = TIME_LIMIT,
) -> Explanation:
    """Feature ablation, as Captum's ``FeatureAblation``.

    ``feature_mask`` (integer, broadcastable to the inputs; None = every element
    its own feature) groups elements; each group in turn is set to
    ``baselines`` and every element of it gets F(x) − F(ablated). Works on
    integer token ids with an integer baseline id.
    ``perturbations_per_eval`` groups share one forward pass (None: automatic).
    Without a ``feature_mask``, inputs of more than 1024 elements per example
    are grouped (:func:`~nnwidgets.engine.budget.auto_mask`: image patches of a
    16 × 16 grid, else about 256 contiguous runs); ``extras["grouping"]`` says so.
    ``time_limit`` as for occlusion.
    """
    note = None
    if feature_mask is None and (grouped := auto_mask(inputs)) is not None:
        feature_mask = grouped
        note = grouping_note(inputs, int(grouped.max()) + 1)
    if feature_mask is None:
        inverse = torch.arange(inputs[0].numel(), device=inputs.device).reshape((1,) + tuple(inputs.shape[1:]))
        total = inverse.numel()
    else:
        mask = feature_mask_tensor(inputs, feature_mask)
        ids, inverse = torch.unique(mask, return_inverse=True)
        total = ids.numel()
    base = baseline_values(inputs, baselines)
    n = inputs.shape[0]
    with torch.no_grad():
        ones = (1,) * inverse.dim()

        def build(start: int, stop: int) -> torch.Tensor:
            group = torch.arange(start, stop, device=inputs.device).view((-1,) + ones)
            return torch.where(inverse.unsqueeze(0) == group, base, inputs)

        ref, scalars = evaluate(model, inputs, target, total, perturbations_per_eval, build, time_limit=time_limit,
                                what=f"feature ablation of {total} features",
                                lower="group the elements into fewer features with a coarser feature_mask")
        drops = ref.scalars.unsqueeze(0) - scalars
        # Each element lies in exactly one group: pick its group's drop.
        groups = inverse.expand(inputs.shape).reshape(n, -1)
        attr = torch.gather(drops.T, 1, groups).reshape(inputs.shape)
    extras = {"features": total} if note is None else {"features": total, "grouping": note,
                                                       "feature_mask": feature_mask}
    return Explanation("feature_ablation", attr, ref.output, ref.index, extras=extras)
