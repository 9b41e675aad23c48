"""The engine's public entry point, ``attribute``."""

from __future__ import annotations

import torch
from torch import nn

from .errors import ExplanationInputError
from .methods import METHODS, Explanation
from .state import preserved
from .targets import Target
from .validate import check_inputs


def attribute(
    model: nn.Module,
    inputs: torch.Tensor,
    method: str = "saliency",
    target: Target = "predicted",
    *,
    train_mode: bool = False,
) -> Explanation:
    """Explain ``model``'s output for a batch of ``inputs`` with ``method``.

    ``target`` is ``"predicted"`` (argmax, the default), an int, one int per
    example, or a callable mapping the output to one scalar per example. The
    model runs in eval mode unless ``train_mode``; it is left exactly as found.
    """
    if method not in METHODS:
        raise ExplanationInputError(
            f"unknown method {method!r}; choose one of {', '.join(sorted(METHODS))}"
        )
    check_inputs(model, inputs)
    with preserved(model, train_mode=train_mode):
        return METHODS[method](model, inputs, target)
