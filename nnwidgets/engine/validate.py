"""Checks on inputs, with errors that name the form we expected."""

from __future__ import annotations

import math

import torch
from torch import nn

from .errors import ExplanationInputError
from .state import model_device, model_dtype


def describe(t: torch.Tensor) -> str:
    """A short description of a tensor for error messages."""
    return f"shape {tuple(t.shape)}, dtype {t.dtype}, device {t.device}"


def check_model(model: object) -> nn.Module:
    """The model must be a ``torch.nn.Module``."""
    if not isinstance(model, nn.Module):
        raise ExplanationInputError(
            f"model must be a torch.nn.Module, got {type(model).__name__}"
        )
    return model


def check_inputs(
    model: nn.Module, inputs: object, *, needs_grad: bool = True, params: list[nn.Parameter] | None = None
) -> torch.Tensor:
    """Validate a batched input tensor against the model it will be fed to.

    Returns the tensor unchanged. Raises :class:`ExplanationInputError` naming
    the expected form for non-tensors, scalars, empty batches, integer inputs
    to gradient methods, dtype or device mismatches with the model, and NaN/inf.
    """
    check_model(model)
    if not isinstance(inputs, torch.Tensor):
        raise ExplanationInputError(
            "inputs must be a torch.Tensor with a batch dimension first, e.g. shape "
            f"(N, C, H, W) or (N, features); got {type(inputs).__name__}"
        )
    if inputs.dim() < 1 or inputs.shape[0] == 0:
        raise ExplanationInputError(
            f"inputs need a non-empty batch dimension first (N, ...); got {describe(inputs)}"
        )
    if needs_grad and not inputs.is_floating_point():
        raise ExplanationInputError(
            f"gradient methods need a floating-point input; got {describe(inputs)}. "
            "Convert with inputs.float(), or, for token ids, explain through the "
            "embedding layer (layer attribution) instead of the ids."
        )
    device = model_device(model, params)
    if device is not None and inputs.device != device:
        raise ExplanationInputError(
            f"inputs are on {inputs.device} but the model is on {device}; "
            f"move them with inputs.to('{device}')"
        )
    dtype = model_dtype(model, params)
    if dtype is not None and inputs.is_floating_point() and inputs.dtype != dtype:
        raise ExplanationInputError(
            f"inputs have dtype {inputs.dtype} but the model's parameters are {dtype}; "
            f"convert with inputs.to({dtype})"
        )
    # The sum is finite only if every value is (one reduction, cheaper than
    # isfinite + all); only a non-finite sum pays for the exact check, which
    # also tells an overflowing sum from a NaN.
    if inputs.is_floating_point() and not math.isfinite(float(inputs.sum())) and not bool(torch.isfinite(inputs).all()):
        bad = int((~torch.isfinite(inputs)).sum())
        raise ExplanationInputError(
            f"inputs contain {bad} NaN or infinite value(s) ({describe(inputs)}); "
            "every value must be finite"
        )
    return inputs
