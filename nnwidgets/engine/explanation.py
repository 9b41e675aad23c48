"""The result every attribution method returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch


@dataclass
class Explanation:
    """What an attribution method returns.

    ``attributions`` has the shape of the inputs (of the layer for layer
    methods, of the parameter for parameter methods); ``prediction`` is the
    model output for the inputs; ``target`` the resolved class per example
    (None for callable or single-output targets); ``delta`` the convergence
    delta of integrated-gradients methods, else None; ``extras`` holds what a
    method reports beside (e.g. a surrogate's R², a loss curve).
    """

    method: str
    attributions: torch.Tensor
    prediction: torch.Tensor
    target: torch.Tensor | None
    delta: torch.Tensor | None = None
    extras: dict[str, Any] = field(default_factory=dict)
