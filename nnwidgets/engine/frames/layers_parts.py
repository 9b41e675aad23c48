"""``Layers`` on a model with several inputs: ``Layers(model, (image, meta))``.

Every pass (structure, activations, gradients, sweeps of the batch, neuron and
weight attributions) calls the model with all its inputs: the first part is the
tensor the view holds and draws, the others are bound to a private view of the
model as positional arguments after it (as ``capture`` does), one example's rows
for each example's pass (:func:`~nnwidgets.engine.keywords.example_model`).
What the view shows of the input itself (the input panel, a neuron's attribution,
top inputs) is of the first input, the others held at their values; the view says so.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass

import torch
from torch import nn

from ..arguments import Bound
from ..contract import with_bound
from ..errors import ExplanationInputError
from .parts import check_parts


@dataclass(frozen=True)
class BoundParts:
    """A tuple input as the Layers view runs it."""

    model: nn.Module  # bound to the whole batch's other inputs
    x: torch.Tensor  # the first input (N, ...), the one shown
    count: int  # how many inputs the model takes
    name: str  # the first input's name (its forward parameter, else "input 0")

    @property
    def note(self) -> str:
        """What every frame says: which input is shown."""
        return f"input 0 of {self.count} ({self.name}) shown; all {self.count} inputs go to the model"

    @property
    def neuron_note(self) -> str:
        """What a frame with a picked neuron says."""
        return (f"attribution onto input 0 of {self.count} ({self.name}), the other inputs held as given; "
                "top inputs show input 0")


def first_input_name(model: nn.Module) -> str:
    """The name of the model's first positional parameter, else 'input 0'."""
    try:
        params = list(inspect.signature(getattr(model, "forward", model)).parameters.values())
    except (TypeError, ValueError):
        return "input 0"
    first = next((p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)), None)
    return first.name if first is not None else "input 0"


def bind_parts(model: nn.Module, x: tuple, *, data: object) -> BoundParts:
    """The tuple ``x`` (one tensor (N, ...) per positional input) split into its first
    input and the others bound to a view of ``model``; ``data=`` is refused with it."""
    parts = check_parts(x)
    if len(parts) == 1:
        return BoundParts(model, parts[0], 1, first_input_name(model))
    if data is not None:
        raise ExplanationInputError(
            f"data= is not taken with tuple inputs (x has {len(parts)} inputs): a data set of tuples cannot be "
            "swept here. Pass x alone; its batch gives the layer statistics and the top inputs")
    return BoundParts(with_bound(model, Bound(None, {}, tuple(parts[1:]))), parts[0], len(parts),
                      first_input_name(model))
