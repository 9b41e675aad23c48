"""The result every attribution method returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch


@dataclass
class Explanation:
    """What an attribution method returns.

    ``attributions`` has the shape of the inputs (of the layer for layer
    methods, of the parameter for parameter methods); for a tuple of inputs
    (a model with several inputs) input and neuron methods return a tuple of
    attributions, one shaped like each input, as Captum does (:attr:`parts`
    always gives a tuple, :meth:`totals` sums over every input); ``prediction`` is the
    model output for the inputs; ``target`` the resolved class per example
    (None for callable or single-output targets); ``delta`` the convergence
    delta of integrated-gradients methods, else None; ``extras`` holds what a
    method reports beside (e.g. a surrogate's R², a loss curve).
    """

    method: str
    attributions: torch.Tensor | tuple[torch.Tensor, ...]
    prediction: torch.Tensor
    target: torch.Tensor | None
    delta: torch.Tensor | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def is_tuple(self) -> bool:
        """Whether the attributions are a tuple (the inputs were a tuple of tensors)."""
        return isinstance(self.attributions, tuple)

    @property
    def parts(self) -> tuple[torch.Tensor, ...]:
        """The attributions as a tuple: one entry per input (a single tensor: a tuple of one)."""
        return self.attributions if isinstance(self.attributions, tuple) else (self.attributions,)

    def totals(self) -> torch.Tensor:
        """Per example, the sum of every attribution over every input (N,): what
        completeness compares with F(x) − F(baseline)."""
        return sum(a.reshape(a.shape[0], -1).sum(1) for a in self.parts)
