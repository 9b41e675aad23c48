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

from ..errors import ExplanationInputError
from ..explanation import Explanation
from ..fused import fused_pass
from ..layers import tapped
from ..passes import call_model
from ..quadrature import steps_and_weights
from ..registry import register
from ..targets import Target, resolve_target, select
from ..validate import describe

def input_baselines(inputs: torch.Tensor, baselines: object) -> torch.Tensor:
    """Baselines in input space, one per example: None means zeros (token id 0
    for integer inputs), a number fills the input's shape, a tensor of shape
    (N, ...) or (...) is broadcast over the batch."""
    if baselines is None:
        return torch.zeros_like(inputs)
    if isinstance(baselines, (int, float)) and not isinstance(baselines, bool):
        if not inputs.is_floating_point() and not isinstance(baselines, int):
            raise ExplanationInputError(
                f"baselines for integer inputs must be integer ids; got {baselines!r}"
            )
        base = torch.full_like(inputs, baselines)
    elif isinstance(baselines, torch.Tensor):
        if baselines.device != inputs.device:
            raise ExplanationInputError(
                f"baselines are on {baselines.device} but the inputs are on {inputs.device}"
            )
        if baselines.is_floating_point() != inputs.is_floating_point() or baselines.dtype == torch.bool:
            raise ExplanationInputError(
                f"baselines must have the inputs' kind of dtype ({inputs.dtype}); got {baselines.dtype}"
            )
        if baselines.shape not in (inputs.shape, inputs.shape[1:]):
            raise ExplanationInputError(
                f"baselines must have shape {tuple(inputs.shape)} or {tuple(inputs.shape[1:])} — "
                f"broadcastable to the inputs; got {tuple(baselines.shape)}"
            )
        base = baselines.detach().to(inputs.dtype).expand_as(inputs).clone()
    else:
        raise ExplanationInputError(
            f"baselines must be None, a number or a tensor shaped like the inputs; got "
            f"{type(baselines).__name__}"
        )
    if base.is_floating_point() and not bool(torch.isfinite(base).all()):
        raise ExplanationInputError("baselines contain NaN or infinite values; every value must be finite")
    return base


def step_chunks(
    n_steps: int, quadrature: str, internal_batch_size: int | None, n: int
) -> list[tuple[list[float], list[float]]]:
    """(alphas, weights) per chunk of steps along the path.

    ``internal_batch_size`` bounds the examples per forward as Captum does:
    ``internal_batch_size // n`` steps per chunk, at least one; None = all steps.
    """
    alphas, weights = steps_and_weights(n_steps, quadrature)
    if internal_batch_size is None:
        per = len(alphas)
    elif isinstance(internal_batch_size, bool) or not isinstance(internal_batch_size, int) or internal_batch_size < 1:
        raise ExplanationInputError(f"internal_batch_size must be an int ≥ 1 or None; got {internal_batch_size!r}")
    else:
        per = max(internal_batch_size // n, 1)
    return [(alphas[i : i + per], weights[i : i + per]) for i in range(0, len(alphas), per)]


def expand_steps(start: torch.Tensor, diff: torch.Tensor, alphas: list[float]) -> torch.Tensor:
    """start + alpha·diff for every alpha, stacked step-major: (k·N, ...)."""
    a = torch.tensor(alphas, dtype=start.dtype, device=start.device).view(-1, *([1] * start.dim()))
    return (start.unsqueeze(0) + a * diff.unsqueeze(0)).reshape(-1, *start.shape[1:])


def repeat_batch(t: torch.Tensor, k: int) -> torch.Tensor:
    """The batch repeated k times, step-major (matching ``expand_steps``)."""
    return t.repeat(k, *([1] * (t.dim() - 1)))


def weighted_step_sum(grads: torch.Tensor, weights: list[float], n: int) -> torch.Tensor:
    """Σ_steps weight·grad for a step-major (k·N, ...) gradient."""
    g = grads.view(len(weights), n, *grads.shape[1:])
    w = torch.tensor(weights, dtype=g.dtype, device=g.device)
    return (g * w.view(-1, *([1] * (g.dim() - 1)))).sum(0)


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
) -> Explanation:
    """Grad-CAM (Selvaraju et al. 2017), Captum's ``LayerGradCam``: the layer's
    channels weighted by their spatially averaged gradient, summed over
    channels, shape (N, 1, *spatial). ``relu_attributions`` keeps only the
    positive part (False, as in Captum). ``upsample`` (True = the input's
    spatial size, or a size) interpolates the map like Captum's
    ``LayerAttribution.interpolate`` with ``interpolate_mode``; the
    layer-sized map then stays in ``extras["layer_attributions"]``.
    """
    p, act, grad = _layer_grad(model, inputs, target, layer)
    if act.dim() < 3:
        raise ExplanationInputError(
            f"Grad-CAM needs a layer with channels and spatial dimensions, output (N, C, H, W) "
            f"or (N, C, L); layer {layer!r} gives {tuple(act.shape)}. Pick a convolutional layer"
        )
    weights = grad.mean(dim=tuple(range(2, grad.dim())), keepdim=True)
    cam = (weights * act).sum(dim=1, keepdim=True)
    if relu_attributions:
        cam = F.relu(cam)
    extras: dict = {"layer": layer}
    if upsample is not False and upsample is not None:
        size = tuple(inputs.shape[2:]) if upsample is True else tuple(upsample)
        if len(size) != cam.dim() - 2 or not all(isinstance(s, int) and s > 0 for s in size):
            raise ExplanationInputError(
                f"upsample needs {cam.dim() - 2} positive spatial sizes to match the map "
                f"{tuple(cam.shape)}; got {size} (inputs of {describe(inputs)})"
            )
        extras["layer_attributions"] = cam
        cam = F.interpolate(cam, size, mode=interpolate_mode)
    return Explanation("gradcam", cam, p.output, p.target, extras=extras)


@register("layer_gradient_x_activation", title="Layer gradient × activation", kind="layer", needs_grad=False)
def layer_gradient_x_activation(model: nn.Module, inputs: torch.Tensor, target: Target, *, layer: str) -> Explanation:
    """The layer's output times the gradient of the target w.r.t. it
    (Captum's ``LayerGradientXActivation``)."""
    p, act, grad = _layer_grad(model, inputs, target, layer)
    return Explanation("layer_gradient_x_activation", grad * act, p.output, p.target, extras={"layer": layer})


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
    each point of the path. ``delta`` = Σ attributions − (F(x) − F(baseline)).
    ``extras["summed"]`` sums the attributions over every dimension after the
    second: one score per token for an embedding's (N, T, D) output, one per
    channel for (N, C, H, W), the attributions themselves for (N, D).
    """
    steps = step_chunks(n_steps, quadrature, internal_batch_size, inputs.shape[0])
    base = input_baselines(inputs, baselines)
    n = inputs.shape[0]
    # Inputs and baselines in one forward: the layer's two ends and F at both.
    with torch.no_grad(), tapped(model, [layer]) as taps:
        out_both = call_model(model, torch.cat([inputs, base]))
        ends = taps[layer].value
    if not ends.is_floating_point():
        raise ExplanationInputError(f"layer {layer!r} gives {describe(ends)}; integrating needs a floating output")
    output = out_both[:n]
    index = resolve_target(output, target)
    f_both = select(out_both, None if index is None else index.repeat(2), target)
    x_l, b_l = ends[:n], ends[n:]
    diff = x_l - b_l
    total = torch.zeros_like(x_l)
    for alphas, weights in steps:
        k = len(alphas)
        scaled = expand_steps(b_l, diff, alphas).requires_grad_(True)
        with torch.enable_grad(), tapped(model, [layer], replace={layer: scaled}) as taps:
            out = call_model(model, repeat_batch(inputs, k))
            taps[layer].require()
            scalars = select(out, None if index is None else index.repeat(k), target)
            if not scalars.requires_grad:
                continue  # the target does not depend on the layer: zero gradient
            (grad,) = torch.autograd.grad(scalars.sum(), scaled, allow_unused=True)
        if grad is not None:
            total += weighted_step_sum(grad, weights, n)
    attributions = total * diff
    delta = per_example_sum(attributions) - (f_both[:n] - f_both[n:]).detach()
    summed = attributions.reshape(*attributions.shape[:2], -1).sum(-1) if attributions.dim() > 2 else attributions
    extras = {"layer": layer, "summed": summed}
    return Explanation("layer_integrated_gradients", attributions, output, index, delta=delta, extras=extras)
