"""The forward-and-backward pass every gradient method stands on."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from .contract import contract_of, pick_output
from .errors import ExplanationInputError, ModelCallError
from .targets import Target, resolve_target, select
from .validate import describe


@dataclass
class GradientPass:
    """Output of one forward pass and the gradient of the target w.r.t. the input."""

    output: torch.Tensor
    target: torch.Tensor | None
    gradient: torch.Tensor


def call_model(model: nn.Module, inputs: torch.Tensor, call: Callable[[torch.Tensor], Any] | None = None) -> torch.Tensor:
    """Call the model (or ``call``, a functional form of it) and return the tensor its
    contract reads of the output (:mod:`~nnwidgets.engine.contract`: the logits by
    default), re-raising the model's own errors with the input form it was given."""
    bound = contract_of(model).bound
    try:
        raw = bound.call(model, inputs) if bound is not None and call is None else (call or model)(inputs)
    except ExplanationInputError:
        raise
    except Exception as exc:  # the user's model may raise anything
        raise ModelCallError(
            f"the model raised {type(exc).__name__} on inputs of {describe(inputs)}: {exc}"
        ) from exc
    output = pick_output(raw, contract_of(model).output, _mask(bound, inputs))
    if output.dim() == 0:
        raise ExplanationInputError(
            f"the model must return one row of outputs per example, shape (N, outputs) or (N,); it returned a "
            f"scalar {describe(output)}"
        )
    return output


def _mask(bound: Any, inputs: torch.Tensor) -> torch.Tensor | None:
    """The attention mask a bound call passed, one row per input row (None without one)."""
    mask = bound.kwargs.get("attention_mask") if bound is not None else None
    if not isinstance(mask, torch.Tensor) or mask.dim() != 2:
        return None
    return mask.expand(inputs.shape[0], -1) if mask.shape[0] == 1 else mask


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
