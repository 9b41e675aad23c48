"""The frame of a model with several inputs: one map per input, each on its own scale.

A tuple input (an image and a metadata vector, say) is explained as one tuple
(:mod:`~nnwidgets.engine.tuples`); each part is then shown as its kind asks: an
image part (C, H, W) as a map (H, W) summed over its channels, anything else as
one bar per scalar. The parts' numbers are in different units of different
counts of elements, so each keeps its own symmetric scale (max |attribution| of
that part), and its share of the total |attribution| says how much it counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from ..attribute import attribute
from ..errors import ExplanationInputError
from ..outputs import Reading, readable, reading_of
from ..private import private_view
from ..registry import lookup
from ..targets import Target

# Methods that explain every part of a tuple (input methods; the layer methods explain a layer).
PART_METHODS = ("integrated_gradients", "input_x_gradient", "gradient", "saliency", "smoothgrad", "occlusion",
                "feature_ablation", "kernel_shap")
IMAGE_CHANNELS = (1, 3)


def part_kind(shape: Sequence[int]) -> str:
    """``"image"`` for a part of non-batch shape (C, H, W), C in 1 or 3, H and W ≥ 4; else ``"vector"``."""
    return "image" if len(shape) == 3 and shape[0] in IMAGE_CHANNELS and min(shape[1:]) >= 4 else "vector"


@dataclass
class PartMap:
    """One input's map: ``values`` (H, W) for an image (channels summed), (F,) else;
    ``shown`` the input as given ((C, H, W) or (F,)); ``scale`` its own max |value|;
    ``total`` Σ of its attributions; ``share`` its part of Σ |attribution| over all inputs."""

    kind: str
    values: torch.Tensor
    shown: torch.Tensor
    scale: float
    total: float
    share: float


@dataclass
class PartsFrame:
    method: str
    parts: list[PartMap]
    scores: torch.Tensor  # (K,) as the bars show them (see ``reading``)
    reading: Reading
    target: int  # -1: a single-output model (no class)
    predicted: int
    delta: float | None  # integrated gradients: Σ over every input − (F(x) − F(b))


def check_parts(inputs: object) -> tuple[torch.Tensor, ...]:
    """A tuple of batched float tensors (N, ...), one per input of the model, one N for all."""
    if not isinstance(inputs, tuple) or not inputs or not all(isinstance(p, torch.Tensor) for p in inputs):
        raise ExplanationInputError("x must be a tuple of tensors, one per input of the model (each (N, ...))")
    if any(p.dim() < 2 for p in inputs):
        raise ExplanationInputError(
            f"each input of the tuple needs a batch dimension first (N, ...); got shapes "
            f"{[tuple(p.shape) for p in inputs]}. For one example use x[None] (or unsqueeze(0)) on every part")
    if len({p.shape[0] for p in inputs}) > 1:
        raise ExplanationInputError(f"every input of the tuple needs the same batch size; got shapes "
                                    f"{[tuple(p.shape) for p in inputs]}")
    return inputs


def parts_frame(model: nn.Module, inputs: tuple[torch.Tensor, ...], index: int, method: str, target: Target,
                options: dict[str, Any] | None = None, additional_forward_args: Any = None) -> PartsFrame:
    """Example ``index`` of the tuple ``inputs`` explained with ``method``, one map per input."""
    if method not in PART_METHODS:
        lookup(method)  # an unknown name: the error lists them all
        raise ExplanationInputError(f"method {method!r} does not explain the inputs themselves; for a model with "
                                    f"several inputs choose one of {', '.join(PART_METHODS)}")
    one = tuple(p[index : index + 1] for p in inputs)
    args = additional_forward_args
    if isinstance(args, tuple):
        args = tuple(a[index : index + 1] if _per_example(a, inputs) else a for a in args)
    elif _per_example(args, inputs):
        args = args[index : index + 1]
    exp = attribute(model, one, method, target, additional_forward_args=args, **(options or {}))
    out = exp.prediction.reshape(1, -1)
    reading = reading_of(private_view(model), out)
    scores = readable(out, reading)[0]
    predicted = int(out[0].argmax()) if out.shape[1] > 1 else -1
    chosen = int(exp.target[0]) if exp.target is not None else (predicted if out.shape[1] > 1 else -1)
    maps = []
    for x, a in zip(one, exp.parts):
        a = a[0].detach().float().cpu()
        kind = part_kind(tuple(x.shape[1:]))
        values = a.sum(0) if kind == "image" else a.reshape(-1)
        shown = x[0].detach().float().cpu() if kind == "image" else x[0].detach().float().cpu().reshape(-1)
        maps.append(PartMap(kind, values, shown, float(values.abs().max()), float(a.sum()), float(a.abs().sum())))
    whole = sum(m.share for m in maps)
    for m in maps:
        m.share = m.share / whole if whole > 0 else 0.0
    delta = float(exp.delta[0]) if exp.delta is not None else None
    return PartsFrame(method, maps, scores, reading, chosen, predicted, delta)


def _per_example(value: object, inputs: tuple[torch.Tensor, ...]) -> bool:
    n = inputs[0].shape[0]
    return isinstance(value, torch.Tensor) and value.dim() > 0 and value.shape[0] == n and n > 1
