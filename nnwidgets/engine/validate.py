"""Checks on inputs, with errors that name the form we expected."""

from __future__ import annotations

import math

import torch
from torch import nn

from .contract import as_module
from .errors import ExplanationInputError
from .state import model_device, model_dtype


def describe(t: torch.Tensor) -> str:
    """A short description of a tensor for error messages."""
    return f"shape {tuple(t.shape)}, dtype {t.dtype}, device {t.device}"


def check_model(model: object) -> nn.Module:
    """The module the engine runs ``model`` as: a ``torch.nn.Module`` itself, a plain
    callable wrapped (:func:`~nnwidgets.engine.contract.as_module`); else an error."""
    return as_module(model)


def require_batch(x: object, *, not_tensor: str, not_batch: str, min_dim: int = 1, hint: str = "") -> torch.Tensor:
    """``x`` if it is a tensor of at least ``min_dim`` dimensions whose first (batch)
    dimension is not empty; else an :class:`ExplanationInputError` that says
    ``not_tensor`` or ``not_batch`` and what was given (then ``hint``, for a tensor)."""
    if not isinstance(x, torch.Tensor):
        raise ExplanationInputError(f"{not_tensor}; got {type(x).__name__}")
    if x.dim() < min_dim or x.shape[0] == 0:
        raise ExplanationInputError(f"{not_batch}; got {describe(x)}{hint}")
    return x


def check_inputs(
    model: nn.Module, inputs: object, *, needs_grad: bool = True
) -> torch.Tensor:
    """Validate a batched input tensor against the model it will be fed to.

    Returns the tensor unchanged. Raises :class:`ExplanationInputError` naming
    the expected form for non-tensors, scalars, empty batches, integer inputs
    to gradient methods, dtype or device mismatches with the model, and NaN/inf.
    """
    model = check_model(model)
    require_batch(
        inputs,
        not_tensor="inputs must be a torch.Tensor with a batch dimension first, e.g. shape (N, C, H, W) or (N, features), "
                   "or a tuple of such tensors (one per input of the model)",
        not_batch="inputs need a non-empty batch dimension first (N, ...)",
    )
    if needs_grad and not inputs.is_floating_point():
        raise ExplanationInputError(
            f"gradient methods need a floating-point input; got {describe(inputs)}. "
            "Convert with inputs.float(), or, for token ids, explain through the "
            "embedding layer (layer attribution) instead of the ids."
        )
    device = model_device(model)
    if device is not None and inputs.device != device:
        raise ExplanationInputError(
            f"inputs are on {inputs.device} but the model is on {device}; "
            f"move them with inputs.to('{device}')"
        )
    dtype = model_dtype(model)
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
