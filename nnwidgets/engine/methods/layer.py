"""Layer attribution: Grad-CAM, gradient × activation and integrated gradients
along a layer's output (Captum's ``LayerGradCam``, ``LayerGradientXActivation``,
``LayerIntegratedGradients``). Attributions have the layer output's shape.

The gradient is taken w.r.t. the layer's output, not the input, so these
methods accept integer inputs: layer integrated gradients through an
``nn.Embedding`` is the way to explain token ids.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from ..batching import Chunk, check_batch_size, chunk_gradients, rows_within_budget
from ..errors import ExplanationInputError
from ..explanation import Explanation
from ..contract import contract_of
from ..tokens import as_map, is_tokens, real_tokens
from ..fused import fused_pass
from ..layers import tapped, value_before_rest
from ..passes import call_model
from ..registry import register
from ..targets import Target, resolve_target, select
from ..baselines import baselines_like
from ..validate import describe
from .integrated import steps_and_weights  # cached: a live view asks for the same rules again


class Path:
    """The straight path start + α·(end − start) at the quadrature's nodes,
    as step-major rows (row k·N + i is example i at step k, Captum's order)."""

    def __init__(self, start: torch.Tensor, end: torch.Tensor, n_steps: int, quadrature: str) -> None:
        alphas, weights = steps_and_weights(n_steps, quadrature)
        self.n, self.n_steps = start.shape[0], len(alphas)
        self.start, self.diff = start, end - start
        self.alpha = torch.tensor(alphas, dtype=start.dtype, device=start.device).view(-1, *([1] * start.dim()))
        self.weight = torch.tensor(weights, dtype=start.dtype, device=start.device)
        self.total = torch.zeros(self.n * start[0].numel(), dtype=start.dtype, device=start.device)

    def rows(self, begin: int, stop: int) -> torch.Tensor:
        k0, k1 = begin // self.n, stop // self.n
        return torch.addcmul(self.start, self.alpha[k0:k1], self.diff).reshape(-1, *self.start.shape[1:])

    def add(self, chunk: Chunk) -> None:
        k0, k1 = chunk.start // self.n, chunk.stop // self.n
        # Σ_k w_k grad_k over this chunk's steps as one matrix-vector product.
        self.total += self.weight[k0:k1] @ chunk.gradient.reshape(k1 - k0, -1)

    def attributions(self) -> torch.Tensor:
        return self.total.view_as(self.start) * self.diff


def steps_per_chunk(model: nn.Module, inputs: torch.Tensor, n_steps: int, internal_batch_size: int | None) -> int:
    """Steps per forward: ``internal_batch_size // N`` (rows per forward, as in
    Captum) or, by default, as many as a memory budget allows; at least one."""
    internal_batch_size = check_batch_size(internal_batch_size)
    limit = internal_batch_size if internal_batch_size is not None else rows_within_budget(model, inputs)
    return max(1, min(n_steps, limit // inputs.shape[0]))


def repeat_batch(t: torch.Tensor, k: int) -> torch.Tensor:
    """The batch repeated k times, step-major (matching ``Path.rows``)."""
    return t.repeat(k, *([1] * (t.dim() - 1)))


def per_example_sum(t: torch.Tensor) -> torch.Tensor:
    return t.reshape(t.shape[0], -1).sum(1)


def _layer_grad(model: nn.Module, inputs: torch.Tensor, target: Target, layer: str):
    p = fused_pass(model, inputs, target, [layer], input_gradient=False)
    return p, p.activations[layer], p.layer_gradients[layer]


@register("gradcam", title="Grad-CAM", kind="layer", needs_grad=False)
def gradcam(
    model: nn.Module,
    inputs: torch.Tensor,
    target: Target,
    *,
    layer: str,
    relu_attributions: bool = False,
    upsample: bool | Sequence[int] = False,
    interpolate_mode: str = "nearest",
    layout: str = "auto",
    token_mask: torch.Tensor | None = None,
) -> Explanation:
    """Grad-CAM (Selvaraju et al. 2017), Captum's ``LayerGradCam``: the layer's
    channels weighted by their spatially averaged gradient, summed over
    channels, shape (N, 1, *spatial). ``relu_attributions`` keeps only the
    positive part (False, as in Captum). ``upsample`` (True = the input's
    spatial size, or a size) interpolates the map like Captum's
    ``LayerAttribution.interpolate`` with ``interpolate_mode``; the
    layer-sized map then stays in ``extras["layer_attributions"]``.
    A transformer layer's tokens (N, T, D) (``layout="auto"`` reads a 3-D output
    as tokens when the model has an attention module; "tokens" or "channels"
    say so) are first put on their patch grid, (N, D, h, w) with the class token
    dropped, or (N, D, T) for a sequence (:mod:`~nnwidgets.engine.tokens`);
    ``extras["layout"]`` says how the layer was read. Token ids (text) are always a
    sequence: one score per token, the hidden dimension taken as channels, (N, 1, T).
    ``token_mask`` (N, T), 1 for tokens and 0 for padding (by default the
    ``attention_mask`` of mapping inputs, a tokenizer's output), keeps padding out:
    the channel weights average the gradient over real tokens only, and padded
    positions score 0.
    """
    p, act, grad = _layer_grad(model, inputs, target, layer)
    extras: dict = {"layer": layer}
    keep = None
    if is_tokens(model, act, layout):
        if token_mask is None:
            bound = contract_of(model).bound
            token_mask = bound.kwargs.get("attention_mask") if bound is not None else None
        keep = real_tokens(token_mask, act.shape[0], act.shape[1])
        grid = inputs.is_floating_point() and inputs.dim() >= 3 and keep is None
        act, extras["layout"] = as_map(act, grid=grid)
        grad, _ = as_map(grad, grid=grid)
    elif token_mask is not None:
        raise ExplanationInputError(f"token_mask needs a layer whose output is tokens (N, T, D); layer {layer!r} "
                                    f"gives {tuple(act.shape)} (read as channels: pass layout='tokens' if it is tokens)")
    if act.dim() < 3:
        raise ExplanationInputError(
            f"Grad-CAM needs a layer with channels and spatial dimensions, output (N, C, H, W) "
            f"or (N, C, L), or a transformer's tokens (N, T, D); layer {layer!r} gives {tuple(act.shape)}. "
            "Pick a convolutional layer or a transformer block"
        )
    if keep is None:
        weights = grad.mean(dim=tuple(range(2, grad.dim())), keepdim=True)
    else:  # the mean over real tokens: padding is no part of the sentence
        m = keep.unsqueeze(1).to(grad.dtype)  # (N, 1, T)
        weights = (grad * m).sum(2, keepdim=True) / m.sum(2, keepdim=True).clamp_min(1)
    cam = (weights * act).sum(dim=1, keepdim=True)
    if keep is not None:
        cam = cam * keep.unsqueeze(1)
    if relu_attributions:
        cam = F.relu(cam)
    if upsample is not False and upsample is not None:
        size = tuple(inputs.shape[2:]) if upsample is True else tuple(upsample)
        if len(size) != cam.dim() - 2 or not all(isinstance(s, int) and s > 0 for s in size):
            raise ExplanationInputError(
                f"upsample needs {cam.dim() - 2} positive spatial sizes to match the map "
                f"{tuple(cam.shape)}; got {size} (inputs of {describe(inputs)})"
            )
        extras["layer_attributions"] = cam
        try:
            cam = F.interpolate(cam, size, mode=interpolate_mode)
        except (ValueError, NotImplementedError, RuntimeError) as exc:
            raise ExplanationInputError(
                f"interpolate_mode {interpolate_mode!r} cannot resize a map of shape {tuple(cam.shape)}: "
                "use 'nearest', 'area', 'bilinear' or 'bicubic' for (N, 1, H, W), 'linear' for (N, 1, L)"
            ) from exc
    return Explanation("gradcam", cam, p.output, p.target, extras=extras)


@register("layer_gradient_x_activation", title="Layer gradient × activation", kind="layer", needs_grad=False)
def layer_gradient_x_activation(model: nn.Module, inputs: torch.Tensor, target: Target, *, layer: str) -> Explanation:
    """The layer's output times the gradient of the target w.r.t. it
    (Captum's ``LayerGradientXActivation``)."""
    p, act, grad = _layer_grad(model, inputs, target, layer)
    return Explanation("layer_gradient_x_activation", grad * act, p.output, p.target, extras={"layer": layer})


def both_ends(
    model: nn.Module, inputs: torch.Tensor, baselines: object, layer: str,
    n_steps: int, quadrature: str, internal_batch_size: int | None,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The set-up of a path integral through ``layer``: the options checked before any
    forward, then inputs and baselines in one no-grad forward. Returns the baselines,
    the model's output for both and the layer's value for both (inputs first)."""
    steps_and_weights(n_steps, quadrature)
    check_batch_size(internal_batch_size)
    base = baselines_like(inputs, baselines)
    with torch.no_grad(), tapped(model, [layer]) as taps:
        out_both = call_model(model, torch.cat([inputs, base]))
        value = taps[layer].value
    return base, out_both, value


def layer_ends(
    model: nn.Module, inputs: torch.Tensor, baselines: object, layer: str,
    n_steps: int, quadrature: str, internal_batch_size: int | None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """The ends of a path through ``layer``: the layer's value at the inputs and at the
    baselines (inputs first), and the model's output at both ends, each computed on
    the inputs with the layer's output set to that end.

    The model never runs past the layer on the baselines: the path only ever feeds the
    rest of the model the inputs (with the layer's output replaced), and a model that
    reads its inputs beside the layer (the lengths of a packed sequence, counted from
    the padding) may not run at all on a baseline of padding ids. For a model that reads
    its inputs only through the layer, the baseline end's output is F(baselines) itself.
    """
    steps_and_weights(n_steps, quadrature)
    check_batch_size(internal_batch_size)
    base = baselines_like(inputs, baselines)
    with torch.no_grad():
        ends = value_before_rest(model, torch.cat([inputs, base]), layer, lambda rows: call_model(model, rows))
        with tapped(model, [layer], replace={layer: ends}):
            out_both = call_model(model, torch.cat([inputs, inputs]))
    return out_both, ends


@register("layer_integrated_gradients", title="Layer integrated gradients", kind="layer", needs_grad=False)
def layer_integrated_gradients(
    model: nn.Module,
    inputs: torch.Tensor,
    target: Target,
    *,
    layer: str,
    baselines: object = None,
    n_steps: int = 50,
    quadrature: str = "gausslegendre",
    internal_batch_size: int | None = None,
) -> Explanation:
    """Integrated gradients along a layer's output (Captum's ``LayerIntegratedGradients``).

    The path runs from the layer's output at the ``baselines`` (input space;
    None = zeros, i.e. token id 0 for integer inputs) to its output at the
    inputs; the model runs on the inputs with the layer's output replaced by
    each point of the path. ``delta`` = Σ attributions − (F(x) − F(baseline)), F(baseline)
    the model on the inputs with the layer's output at the baselines (see :func:`layer_ends`).
    ``extras["summed"]`` sums the attributions over every dimension after the
    second: one score per token for an embedding's (N, T, D) output, one per
    channel for (N, C, H, W), the attributions themselves for (N, D).
    """
    out_both, ends = layer_ends(model, inputs, baselines, layer, n_steps, quadrature, internal_batch_size)
    n = inputs.shape[0]
    if not ends.is_floating_point():
        raise ExplanationInputError(f"layer {layer!r} gives {describe(ends)}; integrating needs a floating output")
    output = out_both[:n]
    index = resolve_target(output, target)
    f_both = select(out_both, None if index is None else index.repeat(2), target)
    path = Path(ends[n:], ends[:n], n_steps, quadrature)

    def forward(rows: torch.Tensor) -> torch.Tensor:
        # The model runs on the inputs; the layer's output is replaced by the path rows.
        with tapped(model, [layer], replace={layer: rows}) as taps:
            out = call_model(model, repeat_batch(inputs, rows.shape[0] // n))
            taps[layer].require()
        return out

    steps = steps_per_chunk(model, inputs, path.n_steps, internal_batch_size)
    rows_index = None if index is None else index.repeat(path.n_steps)
    for chunk in chunk_gradients(forward, path.rows, path.n_steps * n, target, chunk_rows=steps * n, index=rows_index):
        path.add(chunk)
    attributions = path.attributions()
    delta = per_example_sum(attributions) - (f_both[:n] - f_both[n:]).detach()
    summed = attributions.reshape(*attributions.shape[:2], -1).sum(-1) if attributions.dim() > 2 else attributions
    extras = {"layer": layer, "summed": summed}
    return Explanation("layer_integrated_gradients", attributions, output, index, delta=delta, extras=extras)
