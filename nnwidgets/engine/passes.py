"""The forward-and-backward pass every gradient method stands on."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from .errors import ExplanationInputError, ModelCallError
from .targets import Target, resolve_target, select
from .validate import describe


@dataclass
class GradientPass:
    """Output of one forward pass and the gradient of the target w.r.t. the input."""

    output: torch.Tensor
    target: torch.Tensor | None
    gradient: torch.Tensor


def call_model(model: nn.Module, inputs: torch.Tensor) -> torch.Tensor:
    """Call the model, re-raising its own errors with the input form it was given."""
    try:
        output = model(inputs)
    except ExplanationInputError:
        raise
    except Exception as exc:  # the user's model may raise anything
        raise ModelCallError(
            f"the model raised {type(exc).__name__} on inputs of {describe(inputs)}: {exc}"
        ) from exc
    if not isinstance(output, torch.Tensor):
        raise ExplanationInputError(
            f"the model must return a tensor of shape (N, outputs); it returned "
            f"{type(output).__name__}"
        )
    return output


def gradient_pass(model: nn.Module, inputs: torch.Tensor, target: Target) -> GradientPass:
    """One forward and one backward: d(target output)/d(inputs) for every example.

    Uses ``torch.autograd.grad`` on a detached copy of the input, so neither the
    user's tensor nor any parameter's ``.grad`` is touched. Summing the selected
    scalars gives every example its own gradient in one backward, because
    examples in a batch do not interact (eval mode).
    """
    leaf = inputs.detach().requires_grad_(True)
    with torch.enable_grad():
        output = call_model(model, leaf)
        index = resolve_target(output, target)
        scalars = select(output, index, target)
        if not scalars.requires_grad:
            raise ExplanationInputError(
                "the target output does not depend on the inputs through a differentiable "
                "path (it has no gradient); check that the model does not detach its input"
            )
        (grad,) = torch.autograd.grad(scalars.sum(), leaf, allow_unused=True)
    if grad is None:
        grad = torch.zeros_like(leaf)
    return GradientPass(output=output.detach(), target=index, gradient=grad.detach())
