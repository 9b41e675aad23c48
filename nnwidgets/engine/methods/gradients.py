"""Plain gradient methods: one forward and one backward each."""

from __future__ import annotations

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
