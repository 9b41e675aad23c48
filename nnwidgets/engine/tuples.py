"""Models with several inputs: ``inputs`` a tuple of tensors, as in Captum.

The methods stay single-tensor: the tuple (each part (N, ...)) is packed into one
flat tensor (N, D), D the parts' sizes summed, and every call of the model splits
it back (split + reshape, exact for gradients) into the model's positional
inputs, before any ``additional_forward_args``. Options given per input (a tuple
of ``baselines``, of ``feature_mask``\\ s, SmoothGrad's ``stdevs``) are packed the
same way; the attributions come back as a tuple shaped like the inputs.

Where packing is not exact it is not used: occlusion slides a window over each
input in turn, the other inputs unperturbed (Captum's ``Occlusion`` with one
window shape per input), and SmoothGrad draws each input's noise in turn from one
generator (Captum's order). Feature ids shared by two inputs' masks form one
feature, as in Captum (0.9's cross-tensor masks); without a mask every scalar is
its own feature, except that a large part is grouped as a single tensor would be
(:func:`~nnwidgets.engine.budget.auto_mask`) — never a group spanning two inputs.
Integer parts (token ids) are refused: pass them as ``additional_forward_args``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from .arguments import Bound, per_example
from .baselines import baselines_like
from .budget import auto_mask
from .contract import with_bound
from .errors import ExplanationInputError
from .explanation import Explanation
from .perturb import feature_mask_tensor
from .registry import MethodInfo
from .targets import Target
from .validate import check_inputs

_MASKED = ("feature_ablation", "kernel_shap", "lime", "learned_mask")


@dataclass(frozen=True)
class Packing:
    """How a tuple of inputs lies in one flat (N, D) tensor."""

    shapes: tuple[tuple[int, ...], ...]  # each part's non-batch shape
    dtypes: tuple[torch.dtype, ...]
    dtype: torch.dtype  # of the packed tensor (the parts' promoted dtype)

    @property
    def sizes(self) -> list[int]:
        return [math.prod(s) for s in self.shapes]

    def pack(self, parts: Sequence[torch.Tensor]) -> torch.Tensor:
        """Parts (R, *shape_i) (R rows each) as one (R, D) tensor."""
        return torch.cat([p.reshape(p.shape[0], -1).to(self.dtype) for p in parts], dim=1)

    def unpack(self, flat: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """A packed (M, D) tensor as the parts (M, *shape_i), each in its own dtype."""
        m = flat.shape[0]
        chunks = torch.split(flat, self.sizes, dim=1)
        return tuple(c.reshape(m, *s).to(d) for c, s, d in zip(chunks, self.shapes, self.dtypes))


def check_parts(model: nn.Module, inputs: tuple, *, needs_grad: bool) -> tuple[torch.Tensor, ...]:
    """Each part checked as a single input would be, all with one batch size, none integer."""
    if not inputs:
        raise ExplanationInputError("inputs is an empty tuple; give one tensor (N, ...) per input of the model")
    for i, x in enumerate(inputs):
        if isinstance(x, torch.Tensor) and x.dim() > 0 and not x.is_floating_point():
            raise ExplanationInputError(
                f"input {i} of the tuple holds integers ({x.dtype}, shape {tuple(x.shape)}); the parts of a tuple "
                "are explained together as real numbers. Pass token ids or other integer arguments as "
                "additional_forward_args (not explained), or explain them alone through their embedding "
                "layer (layer_integrated_gradients with layer=...)"
            )
        try:
            check_inputs(model, x, needs_grad=needs_grad)
        except ExplanationInputError as exc:
            raise ExplanationInputError(f"input {i} of the tuple: {exc}") from None
    n = {x.shape[0] for x in inputs}
    if len(n) > 1:
        raise ExplanationInputError(
            f"every input of the tuple needs the same batch size (first dimension); got shapes "
            f"{[tuple(x.shape) for x in inputs]}"
        )
    if len({x.device for x in inputs}) > 1:
        raise ExplanationInputError(f"every input of the tuple must be on one device; got {[str(x.device) for x in inputs]}")
    return tuple(inputs)


def packing_of(parts: tuple[torch.Tensor, ...]) -> Packing:
    dtype = parts[0].dtype
    for p in parts[1:]:
        dtype = torch.promote_types(dtype, p.dtype)
    return Packing(tuple(tuple(p.shape[1:]) for p in parts), tuple(p.dtype for p in parts), dtype)


def _per_input(name: str, value: object, k: int) -> tuple:
    """A per-input option as a tuple of k entries (a tuple or list of k; None: k Nones)."""
    if value is None:
        return (None,) * k
    if isinstance(value, (tuple, list)) and len(value) == k:
        return tuple(value)
    raise ExplanationInputError(
        f"{name} for tuple inputs must be a tuple with one entry per input ({k}); got {_show(value)}"
    )


def _show(value: object) -> str:
    if isinstance(value, torch.Tensor):
        return f"a tensor of shape {tuple(value.shape)}"
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of {len(value)}"
    return repr(value)


def pack_baselines(packing: Packing, parts: tuple[torch.Tensor, ...], baselines: object) -> object:
    """``baselines`` for the packed tensor: a number stays one; a tuple (one number,
    tensor or None = 0 per input) becomes an (N, D) or (1, D) tensor."""
    if baselines is None or (isinstance(baselines, (int, float)) and not isinstance(baselines, bool)):
        return baselines
    if isinstance(baselines, torch.Tensor) and len(parts) > 1:
        raise ExplanationInputError(
            f"baselines for tuple inputs must be a number or a tuple with one number or tensor per input "
            f"({len(parts)}); got {_show(baselines)}"
        )
    entries = (baselines,) if isinstance(baselines, torch.Tensor) else _per_input("baselines", baselines, len(parts))
    rows = 1
    for b, x in zip(entries, parts):
        if isinstance(b, torch.Tensor) and b.dim() == x.dim() and b.shape[0] == x.shape[0]:
            rows = x.shape[0]
    out = []
    for i, (b, x) in enumerate(zip(entries, parts)):
        try:
            full = baselines_like(x[:rows] if rows == 1 else x, b)
        except ExplanationInputError as exc:
            raise ExplanationInputError(f"baselines[{i}] (for input {i}): {exc}") from None
        out.append(full[:rows] if rows == 1 else full.expand(rows, *full.shape[1:]))
    return packing.pack(out)


def pack_masks(packing: Packing, parts: tuple[torch.Tensor, ...], feature_mask: object) -> tuple[object, str | None]:
    """``feature_mask`` for the packed tensor, and a note when the grouping was chosen here.

    A tuple of integer masks (each broadcastable to its input) is joined as given:
    an id used in two inputs is one feature across them (Captum's meaning). None:
    each large input grouped as a single tensor would be, every other scalar its
    own feature, ids running on from input to input (None again when no input is large).
    """
    k = len(parts)
    if feature_mask is None:
        masks = [auto_mask(x) for x in parts]
        if all(m is None for m in masks):
            return None, None
        out, start, groups = [], 0, []
        for x, m in zip(parts, masks):
            ids = torch.arange(x[0].numel(), device=x.device).view(1, *x.shape[1:]) if m is None else m
            out.append(ids + start)
            count = int(ids.max()) + 1
            groups.append(f"{count} over {x[0].numel()}")
            start += count
        note = (f"{start} automatic feature groups, per input {', '.join(groups)} elements (no feature_mask was "
                f"given; inputs above 1024 elements are grouped, no group spans two inputs)")
        return torch.cat([m.reshape(1, -1) for m in out], dim=1), note
    if isinstance(feature_mask, torch.Tensor) and k > 1:
        raise ExplanationInputError(
            f"feature_mask for tuple inputs must be a tuple with one integer tensor per input ({k}); "
            f"got {_show(feature_mask)}"
        )
    entries = (feature_mask,) if isinstance(feature_mask, torch.Tensor) else _per_input("feature_mask", feature_mask, k)
    checked = []
    for i, (m, x) in enumerate(zip(entries, parts)):
        if m is None:
            raise ExplanationInputError(f"feature_mask[{i}] is None; give an integer tensor for every input")
        try:
            checked.append(feature_mask_tensor(x, m))
        except ExplanationInputError as exc:
            raise ExplanationInputError(f"feature_mask[{i}] (for input {i}): {exc}") from None
    rows = max(m.shape[0] for m in checked)
    full = [m.expand(rows, *x.shape[1:]) for m, x in zip(checked, parts)]
    return torch.cat([m.reshape(rows, -1) for m in full], dim=1), None


def _stdevs(value: object, k: int) -> tuple[float, ...]:
    entries = _per_input("stdevs", value, k) if isinstance(value, (tuple, list)) else (value,) * k
    for s in entries:
        ok = isinstance(s, (int, float)) and not isinstance(s, bool) and math.isfinite(s) and s >= 0
        if not ok:
            raise ExplanationInputError(f"stdevs must be a finite number ≥ 0 or one per input; got {value!r}")
    return tuple(float(s) for s in entries)


def noise_drawer(packing: Packing, stdevs: tuple[float, ...]):
    """SmoothGrad's noise for the packed rows: each input's in turn from one generator (Captum's order)."""

    def draw(shape: tuple[int, ...], like: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        rows = shape[0]
        parts = [torch.randn((rows, *s), generator=generator, dtype=like.dtype, device=like.device) * sd
                 for s, sd in zip(packing.shapes, stdevs)]
        return packing.pack(parts)

    return draw


def _strides(strides: object, k: int) -> tuple:
    if strides is None or (isinstance(strides, int) and not isinstance(strides, bool)):
        return (strides,) * k
    return _per_input("strides", strides, k)


def _occlusion(info: MethodInfo, view: nn.Module, bound: Bound, packing: Packing, flat: torch.Tensor,
               target: Target, options: dict[str, Any]) -> Explanation:
    """Occlusion of each input in turn, the others as they are (Captum's per-input windows)."""
    parts = packing.unpack(flat)
    n, k = flat.shape[0], len(parts)
    options = dict(options)
    windows = _per_input("sliding_window_shapes", options.pop("sliding_window_shapes", None), k)
    strides = _strides(options.pop("strides", None), k)
    base = options.pop("baselines", 0.0)
    bases = packing.unpack(base.expand(n, -1)) if isinstance(base, torch.Tensor) else (base,) * k
    results = []
    for i in range(k):
        def unpack(x: torch.Tensor, i: int = i) -> tuple[torch.Tensor, ...]:
            r = x.shape[0] // n  # perturbation-major rows: row p·N + e is example e
            return tuple(x if j == i else (p if r == 1 else p.repeat(r, *([1] * (p.dim() - 1))))
                         for j, p in enumerate(parts))

        model = with_bound(view, Bound(None, bound.kwargs, bound.args, unpack))
        try:
            results.append(info.fn(model, parts[i], target, sliding_window_shapes=windows[i], strides=strides[i],
                                   baselines=bases[i], **options))
        except ExplanationInputError as exc:
            raise ExplanationInputError(f"input {i} of the tuple: {exc}") from None
    first = results[0]
    extras = {"windows": sum(e.extras["windows"] for e in results),
              "window": tuple(e.extras["window"] for e in results),
              "strides": tuple(e.extras["strides"] for e in results)}
    notes = [f"input {i}: {e.extras['grouping']}" for i, e in enumerate(results) if "grouping" in e.extras]
    if notes:
        extras["grouping"] = "; ".join(notes)
    return Explanation(info.name, packing.pack([e.attributions for e in results]), first.prediction, first.target,
                       extras=extras)


def attribute_tuple(info: MethodInfo, view: nn.Module, inputs: tuple, target: Target, additional_forward_args: Any,
                    options: dict[str, Any]) -> Explanation:
    """``info``'s method on a tuple of inputs: attributions (for input and neuron methods) as a tuple."""
    parts = check_parts(view, inputs, needs_grad=info.needs_grad)
    packing = packing_of(parts)
    flat = packing.pack(parts).detach()
    options = dict(options)
    note = None
    if "baselines" in options:
        options["baselines"] = pack_baselines(packing, parts, options["baselines"])
    if info.name in _MASKED:
        options["feature_mask"], note = pack_masks(packing, parts, options.get("feature_mask"))
    if info.name == "smoothgrad":
        options["_noise"] = noise_drawer(packing, _stdevs(options.get("stdevs", 1.0), len(parts)))
        options["stdevs"] = 1.0  # each input's own is in the drawer

    def run(bound: Bound, x: torch.Tensor, t: Target, opts: dict[str, Any]) -> Explanation:
        if info.name == "occlusion":
            return _occlusion(info, view, bound, packing, x, t, opts)
        return info.fn(with_bound(view, Bound(None, bound.kwargs, bound.args, packing.unpack)), x, t, **opts)

    if additional_forward_args is None:
        result = run(Bound(None, {}, ()), flat, target, options)
    else:
        result = per_example(run, flat, None, {}, additional_forward_args, target, options)
    if note is not None:
        result.extras.update(grouping=note, feature_mask=options["feature_mask"])
    return unpack_explanation(result, packing, in_input_space=info.kind in ("input", "neuron"))


def unpack_explanation(exp: Explanation, packing: Packing, *, in_input_space: bool) -> Explanation:
    """The packed result as the user's: input-space attributions (and masks) as tuples."""
    d = sum(packing.sizes)
    attributions = exp.attributions
    if in_input_space:
        attributions = packing.unpack(attributions)
    extras = dict(exp.extras)
    mask = extras.get("feature_mask")
    if isinstance(mask, torch.Tensor) and mask.dim() == 2 and mask.shape[1] == d:
        split = torch.split(mask, packing.sizes, dim=1)
        extras["feature_mask"] = tuple(m.reshape(m.shape[0], *s) for m, s in zip(split, packing.shapes))
    extras["inputs"] = len(packing.shapes)
    return Explanation(exp.method, attributions, exp.prediction, exp.target, exp.delta, extras)
