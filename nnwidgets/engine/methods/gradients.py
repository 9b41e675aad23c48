"""Plain gradient methods: one forward and one backward each."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import nn

from ..explanation import Explanation
from ..passes import gradient_pass
from ..registry import register
from ..targets import Target


@register("gradient", title="Gradient")
def gradient(model: nn.Module, inputs: torch.Tensor, target: Target) -> Explanation:
    """Signed gradient ∂y/∂x of the target output."""
    p = gradient_pass(model, inputs, target)
    return Explanation("gradient", p.gradient, p.output, p.target)


@register("saliency", title="Saliency |∂y/∂x|", signed=False)
def saliency(model: nn.Module, inputs: torch.Tensor, target: Target) -> Explanation:
    """Saliency |∂y/∂x| (Simonyan et al. 2013; Captum's ``Saliency(abs=True)``)."""
    p = gradient_pass(model, inputs, target)
    return Explanation("saliency", p.gradient.abs(), p.output, p.target)


@register("input_x_gradient", title="Gradient × input")
def input_x_gradient(model: nn.Module, inputs: torch.Tensor, target: Target) -> Explanation:
    """Gradient × input, x ⊙ ∂y/∂x."""
    p = gradient_pass(model, inputs, target)
    return Explanation("input_x_gradient", inputs.detach() * p.gradient, p.output, p.target)


# How each gradient method's map follows from the plain gradient g at x (the
# definitions above: saliency = |g|, as Captum's Saliency; input × g).
FROM_GRADIENT: dict[str, Callable[[torch.Tensor, torch.Tensor], torch.Tensor]] = {
    "gradient": lambda g, x: g,
    "saliency": lambda g, x: g.abs(),
    "input_x_gradient": lambda g, x: g * x,
}


def from_gradient(g: Explanation, inputs: torch.Tensor, methods: Sequence[str]) -> dict[str, Explanation]:
    """Gradient, saliency and gradient × input from ONE gradient Explanation ``g`` of
    ``inputs``: shown together, they share one backward pass (a third of the time on a big model)."""
    x = inputs.detach().to(g.attributions.dtype)
    return {m: Explanation(m, FROM_GRADIENT[m](g.attributions, x), g.prediction, g.target) for m in methods}
