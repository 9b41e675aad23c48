"""The Attribution view's frames: everything it shows for one request, from one engine call.

- :func:`batch_frame`: what the view needs of the whole batch once (every
  example's readable output for the batch strip, the layers Grad-CAM can use);
- :func:`attribution_frame`: one example's maps (one per method, reduced to
  what the view draws, on one shared scale) and the prediction they explain;
- :func:`given_frame`: the same frame for maps computed elsewhere (``from_tensor``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ContextManager

import torch
from torch import nn

from ..attribute import attribute
from ..errors import ExplanationInputError
from ..explanation import Explanation
from ..methods.gradients import FROM_GRADIENT, from_gradient
from ..outputs import OutputKind, Reading, readable, reading_of
from ..passes import call_model
from ..private import private_view
from ..notes import map_notes
from ..hooks import hooked_forward, watched
from ..targets import Target
from ..tokens import grid_of, has_attention, is_block
from ..validate import check_inputs

# Wraps the engine call of method ``name``, the ``i``-th of those shown (e.g. to show progress).
Stage = Callable[[int, str], ContextManager[Any]]


@dataclass
class BatchFrame:
    """The batch as the view shows it before any map: one row of readable scores per example."""

    scores: torch.Tensor  # (N, K) as ``reading`` shows them (softmax / sigmoid probabilities, raw scores), float32 CPU
    output: OutputKind  # reading.kind
    reading: Reading = field(default_factory=Reading)
    spatial_layers: list[str] = field(default_factory=list)  # modules with (N, C, H, W) output, H·W > 1
    spatial_default: str | None = None  # the last convolution among them: Grad-CAM's usual layer
    gradient: Explanation | None = None  # the one example's plain gradient, when asked (``gradient_for``)


@dataclass
class AttributionFrame:
    """One example's maps and prediction; tensors are float32 on the CPU."""

    methods: list[str]  # the maps' methods, main first
    maps: torch.Tensor  # (M, H, W), (M, F) or (M, T): one reduced map per method
    scale: float  # the shared symmetric colour scale: max |map| (1.0 for all-zero maps)
    scores: torch.Tensor  # (K,) the prediction as shown (probabilities or the raw score); NaN when unknown
    target: int  # the class explained (0 for a single output)
    predicted: int  # the argmax class (0 unless the scores are probabilities)
    explanations: dict[str, Explanation] = field(default_factory=dict)  # the engine's full results
    notes: list[str] = field(default_factory=list)  # why the maps may look as they do (engine.notes)


def batch_frame(
    model: nn.Module, examples: Sequence[torch.Tensor], *, spatial: bool = False, gradient_for: Target | None = None,
) -> BatchFrame:
    """Every example's output in one no-grad pass (per example when their shapes differ),
    read as the view shows it; with ``spatial``, also the layers Grad-CAM can take a map from.

    With ``gradient_for`` (a target) and ONE example, that pass is the forward of the
    example's plain gradient for the target, kept as ``frame.gradient``: the view's first
    map, when it is a gradient method, then needs no pass of its own (on a big model
    the batch's forward cost a third of the constructor).
    """
    for ex in examples:
        check_inputs(model, ex, needs_grad=False)
    same = len({tuple(e.shape) for e in examples}) == 1
    parts = [torch.cat(list(examples))] if same else list(examples)
    layers, default, out, g = [], None, None, None
    explain = gradient_for if len(examples) == 1 else None
    if spatial:  # one hooked forward gives the layers' shapes and, on the whole batch, its outputs
        layers, default, out, g = _spatial(model, parts[0], explain)
        out = out.reshape(out.shape[0], -1) if same else None
    elif explain is not None:
        g = attribute(model, parts[0], "gradient", explain)
        out = g.prediction.reshape(1, -1)
    model = private_view(model)
    if out is None:
        with torch.no_grad():
            out = torch.cat([call_model(model, p).reshape(p.shape[0], -1) for p in parts])
    if out.shape[1] < 1:
        raise ExplanationInputError("Attribution needs a model with at least one output per example")
    reading = reading_of(model, out)  # decided on the whole batch, once
    return BatchFrame(readable(out, reading), reading.kind, reading, layers, default, g)


def spatial_layers(model: nn.Module, x: torch.Tensor) -> tuple[list[str], str | None]:
    """Modules whose output is a map Grad-CAM can take: (N, C, H, W) with H·W > 1 or, in
    a transformer, tokens (N, [1 +] h·w, D) on a patch grid; and the usual layer: the
    last transformer block whose patch tokens still reach the output (the one before
    the last when a class token is read out), else the last convolution. For token
    ids (text), the transformer's blocks, whose (N, T, D) output is one row per token,
    and the last of them."""
    return _spatial(model, x)[:2]


def _spatial(
    model: nn.Module, x: torch.Tensor, gradient_for: Target | None = None,
) -> tuple[list[str], str | None, torch.Tensor, Explanation | None]:
    """:func:`spatial_layers` and the model's output on ``x``, from one hooked forward:
    a no-grad one, or with ``gradient_for`` the forward of x's plain gradient for that
    target (returned too)."""
    shapes: dict[str, tuple[int, ...]] = {}

    def watch(name: str, _module: nn.Module, out: object) -> None:
        first = out[0] if isinstance(out, (tuple, list)) and out else out
        if isinstance(first, torch.Tensor):
            shapes[name] = tuple(first.shape)

    g = None
    if gradient_for is None:
        output = hooked_forward(model, x, watch)
    else:
        g = attribute(watched(model, watch), x, "gradient", gradient_for)
        output = g.prediction
    modules = dict(model.named_modules())
    attention = has_attention(model)
    if not x.is_floating_point():  # token ids: a text transformer's blocks, one (N, T, D) row per token
        blocks = [name for name, module in modules.items() if name and is_block(module)
                  and len(shapes.get(name, ())) == 3 and shapes[name][:2] == tuple(x.shape[:2])]
        return blocks, (blocks[-1] if blocks else None), output, g
    names, blocks = [], []
    for name, module in modules.items():
        shape = shapes.get(name)
        if not name or shape is None or isinstance(module, (nn.Dropout, nn.Identity)):
            continue
        if len(shape) == 4 and shape[2] * shape[3] > 1:
            names.append(name)
        elif attention and len(shape) == 3 and grid_of(shape[1]) is not None:
            names.append(name)
            if any("Attention" in type(m).__name__ or isinstance(m, nn.MultiheadAttention)
                   for m in module.children()):
                blocks.append((name, grid_of(shape[1])[0]))
    if blocks:
        # After the last block only the class token reaches a class-token head: its patch
        # tokens get no gradient there, so their map would be all zero.
        last, skip = blocks[-1]
        return names, blocks[-2][0] if skip and len(blocks) > 1 else last, output, g
    convs = [n for n in names if isinstance(modules[n], nn.modules.conv._ConvNd)]
    return names, (convs[-1] if convs else (names[-1] if names else None)), output, g


def reduce_map(attributions: torch.Tensor, kind: str, method: str = "") -> torch.Tensor:
    """What one example's attributions look like on screen: (H, W), (F,) or (T,).

    Images sum over channels (a pixel's total contribution, signs kept);
    embedding attributions sum over the embedding dimension (a token's total);
    Grad-CAM on text is already one score per token, (1, T).
    """
    a = attributions.detach()[0].float()
    if kind == "text" and method == "gradcam":
        return a.reshape(-1)
    if kind == "image":
        return a.sum(0)
    if kind == "text" and a.dim() == 2:
        return a.sum(-1)
    return a.reshape(-1)


def attribution_frame(
    model: nn.Module,
    x: torch.Tensor,
    methods: Sequence[str],
    target: int | str,
    options: Mapping[str, Mapping[str, Any]],
    *,
    kind: str,
    output: OutputKind | Reading,
    stage: Stage | None = None,
    titles: Mapping[str, str] | None = None,
    gradient: Explanation | None = None,
) -> AttributionFrame:
    """The maps of ``methods`` (main first) for ONE example ``x`` (1, ...) and ``target``
    (a class or "predicted": the first method fixes the class the others explain),
    each computed with its ``options`` and reduced for ``kind``.

    Gradient, saliency and gradient × input shown together (without options)
    share one backward pass; ``gradient``, x's plain gradient for ``target`` computed
    already (:func:`batch_frame`), spares them even that one.
    """
    around = stage or (lambda i, m: contextlib.nullcontext())
    shown = list(methods)
    exps: dict[str, Explanation] = {}
    family = [m for m in shown if m in FROM_GRADIENT and not options.get(m)]
    if len(family) >= 2 or (family and gradient is not None):
        with around(shown.index(family[0]), family[0]):
            g = gradient if gradient is not None else attribute(model, x, "gradient", target)
        target = int(g.target[0]) if g.target is not None else 0
        exps.update(from_gradient(g, x, family))
    for i, m in enumerate(shown):
        if m in exps:
            continue
        with around(i, m):
            exps[m] = attribute(model, x, m, target, **options.get(m, {}))
        target = int(exps[m].target[0]) if exps[m].target is not None else 0
    exps = {m: exps[m] for m in shown}
    maps = torch.stack([reduce_map(exps[m].attributions, kind, m) for m in shown]).cpu()
    prediction = exps[shown[0]].prediction[0].reshape(-1)
    frame = given_frame(shown, maps, readable(prediction, output), output.kind if isinstance(output, Reading) else output)
    frame.target = int(target) if isinstance(target, int) else 0
    frame.explanations = exps
    frame.notes = map_notes(model, exps, maps, titles)
    return frame


def given_frame(
    methods: Sequence[str], maps: torch.Tensor | Sequence[torch.Tensor], scores: torch.Tensor, output: str,
) -> AttributionFrame:
    """A frame of maps already reduced (one per method, or stacked (M, ...)) and the
    prediction as shown (``from_tensor``)."""
    maps = (maps if isinstance(maps, torch.Tensor) else torch.stack(list(maps))).detach().float().cpu()
    scale = float(maps.abs().max()) if maps.numel() else 0.0
    scores = scores.detach().float().cpu()
    # the argmax is what target "predicted" explains, for probabilities and several scores alike
    predicted = int(scores.argmax()) if output != "none" and scores.numel() > 1 else 0
    return AttributionFrame(list(methods), maps, scale if scale > 0 else 1.0, scores, 0, predicted)


def given_scores(probabilities: object, n: int, columns: int) -> torch.Tensor:
    """(N, K) prediction rows given with maps made elsewhere, float32 on the CPU; without
    them, ``columns`` NaN per row (there is no model output to show)."""
    if probabilities is None:
        return torch.full((n, columns), float("nan"))
    return torch.as_tensor(probabilities).detach().float().cpu().reshape(n, -1)


def image_range(examples: Sequence[torch.Tensor]) -> tuple[float, float]:
    """The value range images are drawn on: the batch's min and max (a constant batch gets a span of 1)."""
    stacked = torch.cat(list(examples)).detach().float()
    lo, hi = float(stacked.min()), float(stacked.max())
    return lo, hi if hi > lo else lo + 1.0


def thumbnails(examples: Sequence[torch.Tensor], longest: int, limit: int) -> torch.Tensor:
    """The first ``limit`` images (N, C, h, w) average-pooled so their longest side is ≤ ``longest``."""
    batch = torch.cat(list(examples[:limit])).detach().float().cpu()
    h, w = batch.shape[-2:]
    k = max(1, -(-max(h, w) // longest))  # ceil
    return torch.nn.functional.avg_pool2d(batch, k, ceil_mode=True) if k > 1 else batch
