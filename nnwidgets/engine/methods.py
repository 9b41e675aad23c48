"""Attribution methods: each maps (model, inputs, target, options) to an Explanation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from torch import nn

from .passes import gradient_pass
from .targets import Target


@dataclass
class Explanation:
    """What an attribution method returns.

    ``attributions`` has the shape of the inputs; ``prediction`` is the model
    output for the inputs; ``target`` the resolved class per example (None for
    callable or single-output targets); ``delta`` the convergence delta of
    integrated-gradients methods, else None.
    """

    method: str
    attributions: torch.Tensor
    prediction: torch.Tensor
    target: torch.Tensor | None
    delta: torch.Tensor | None = None
    extras: dict = field(default_factory=dict)


Method = Callable[..., Explanation]


def gradient(model: nn.Module, inputs: torch.Tensor, target: Target) -> Explanation:
    """Signed gradient ∂y/∂x of the target output."""
    p = gradient_pass(model, inputs, target)
    return Explanation("gradient", p.gradient, p.output, p.target)


def saliency(model: nn.Module, inputs: torch.Tensor, target: Target) -> Explanation:
    """Saliency |∂y/∂x| (Simonyan et al. 2013; Captum's ``Saliency(abs=True)``)."""
    p = gradient_pass(model, inputs, target)
    return Explanation("saliency", p.gradient.abs(), p.output, p.target)


def input_x_gradient(model: nn.Module, inputs: torch.Tensor, target: Target) -> Explanation:
    """Gradient × input, x ⊙ ∂y/∂x."""
    p = gradient_pass(model, inputs, target)
    return Explanation("input_x_gradient", inputs.detach() * p.gradient, p.output, p.target)


METHODS: dict[str, Method] = {
    "gradient": gradient,
    "saliency": saliency,
    "input_x_gradient": input_x_gradient,
}

TITLES: dict[str, str] = {
    "gradient": "Gradient",
    "saliency": "Saliency |∂y/∂x|",
    "input_x_gradient": "Gradient × input",
}

# Methods whose attributions are never negative are drawn on [0, max].
UNSIGNED = frozenset({"saliency"})
