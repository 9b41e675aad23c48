"""One forward and one backward for everything a live view redraws.

``refresh`` gives the prediction, the resolved target, the input gradient (and
the gradient method's attribution) and, for each named layer, its activation
and the gradient of the target w.r.t. it: one forward pass and one
``torch.autograd.grad`` call over [input] + [layer outputs].
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import torch
from torch import nn

from .errors import ExplanationInputError
from .layers import tapped
from .passes import call_model
from .private import private_view
from .targets import Target, resolve_target, select
from .validate import check_inputs

GRADIENT_METHODS = ("gradient", "saliency", "input_x_gradient")


@dataclass
class FusedPass:
    """Results of one forward and one backward; gradients are detached."""

    output: torch.Tensor
    target: torch.Tensor | None
    input_gradient: torch.Tensor | None
    activations: dict[str, torch.Tensor] = field(default_factory=dict)
    layer_gradients: dict[str, torch.Tensor] = field(default_factory=dict)


def fused_pass(
    model: nn.Module,
    inputs: torch.Tensor,
    target: Target,
    layers: Sequence[str] = (),
    *,
    input_gradient: bool = True,
) -> FusedPass:
    """Forward once with the named layers tapped, then take the gradient of the
    summed target scalars w.r.t. the input (if asked) and every layer output in
    one ``autograd.grad`` call. The caller passes a private view of the model.

    A gradient that the target does not depend on comes back as zeros.
    """
    layers = list(dict.fromkeys(layers))
    leaf = inputs.detach().requires_grad_(True) if input_gradient else inputs
    with torch.enable_grad(), tapped(model, layers) as taps:
        output = call_model(model, leaf)
        index = resolve_target(output, target)
        outs = [taps[name].require() for name in layers]
        wrt = ([leaf] if input_gradient else []) + outs
        if not wrt:
            return FusedPass(output.detach(), index, None)
        scalars = select(output, index, target)
        if not scalars.requires_grad:
            raise ExplanationInputError(
                "the target output does not depend on the inputs or the layers through a "
                "differentiable path (it has no gradient); check that the model does not "
                "detach them"
            )
        grads = torch.autograd.grad(scalars.sum(), wrt, allow_unused=True)
    grads = [torch.zeros_like(t) if g is None else g.detach() for g, t in zip(grads, wrt)]
    in_grad = grads.pop(0) if input_gradient else None
    return FusedPass(
        output=output.detach(),
        target=index,
        input_gradient=in_grad,
        # The model consumed clones of these outputs, so later in-place ops left them intact.
        activations={name: t.detach() for name, t in zip(layers, outs)},
        layer_gradients=dict(zip(layers, grads)),
    )


@dataclass
class Refresh:
    """What a live view redraws after a change.

    ``gradient`` is ∂y/∂x (None for integer inputs or ``method=None``);
    ``attributions`` the gradient method's map (signed gradient, saliency or
    gradient × input); ``activations`` and ``layer_gradients`` map each layer
    name to its output and to ∂y/∂(output), both detached.
    """

    method: str | None
    prediction: torch.Tensor
    target: torch.Tensor | None
    gradient: torch.Tensor | None
    attributions: torch.Tensor | None
    activations: dict[str, torch.Tensor]
    layer_gradients: dict[str, torch.Tensor]


def refresh(
    model: nn.Module,
    inputs: torch.Tensor,
    target: Target = "predicted",
    *,
    layers: Sequence[str] = (),
    method: str | None = "gradient",
    train_mode: bool = False,
) -> Refresh:
    """Prediction, input gradient and attribution, and the named layers'
    activations and gradients, from one forward and one backward.

    ``method`` is one of ``"gradient"``, ``"saliency"``, ``"input_x_gradient"``
    or None (no input gradient: the way to refresh a token model, whose
    integer inputs have none, while still getting its layers' gradients).
    The model object is never written to, as with ``attribute``.
    """
    if method is not None and method not in GRADIENT_METHODS:
        raise ExplanationInputError(
            f"refresh computes {', '.join(GRADIENT_METHODS)} or None in its fused pass; got "
            f"{method!r}. Call nnwidgets.attribute for other methods"
        )
    if isinstance(layers, str):
        layers = [layers]
    model = private_view(model, train_mode=train_mode)
    check_inputs(model, inputs, needs_grad=method is not None)
    p = fused_pass(model, inputs, target, layers, input_gradient=method is not None)
    attributions = None
    if p.input_gradient is not None:
        attributions = {
            "gradient": p.input_gradient,
            "saliency": p.input_gradient.abs(),
            "input_x_gradient": inputs.detach() * p.input_gradient,
        }[method]
    return Refresh(method, p.output, p.target, p.input_gradient, attributions, p.activations, p.layer_gradients)
