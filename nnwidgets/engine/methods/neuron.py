"""Neuron attribution: which inputs drive one unit of a layer (Captum's
``NeuronGradient`` and ``NeuronIntegratedGradients``).

``neuron`` indexes the layer's output without its batch dimension: an int for
an (N, K) output, a tuple of ints otherwise (e.g. (channel, row, column)).
The ``target`` argument does not enter the attribution (the neuron is the
objective); it is still resolved, and returned with the prediction.
"""

from __future__ import annotations

import operator

import torch
from torch import nn

from ..batching import chunk_gradients
from ..errors import ExplanationInputError
from ..explanation import Explanation
from ..layers import tapped
from ..passes import call_model
from ..registry import register
from ..targets import Target, resolve_target
from .layer import Path, both_ends, per_example_sum, steps_per_chunk


def neuron_index(neuron: object, shape: tuple[int, ...], layer: str) -> tuple[int, ...]:
    """The neuron as a full index into one example's layer output, checked against ``shape``."""
    per_example = tuple(shape[1:])
    raw = neuron if isinstance(neuron, (tuple, list)) else (neuron,)
    try:
        if any(isinstance(i, bool) for i in raw):
            raise TypeError
        index = tuple(operator.index(i) for i in raw)
    except TypeError:
        raise ExplanationInputError(
            f"neuron must be an int or a tuple of ints indexing layer {layer!r}'s output "
            f"{per_example} (batch dimension left out); got {neuron!r}"
        ) from None
    if len(index) != len(per_example) or any(not 0 <= i < s for i, s in zip(index, per_example)):
        ranges = ", ".join(f"[0, {s - 1}]" for s in per_example)
        raise ExplanationInputError(
            f"neuron {neuron!r} is out of range for layer {layer!r}: its output has shape "
            f"{tuple(shape)}, so a neuron is {len(per_example)} index(es) in {ranges}"
        )
    return index


def _pick(act: torch.Tensor, index: tuple[int, ...]) -> torch.Tensor:
    return act[(slice(None), *index)]


@register("neuron_gradient", title="Neuron gradient", kind="neuron")
def neuron_gradient(
    model: nn.Module, inputs: torch.Tensor, target: Target, *, layer: str, neuron: object
) -> Explanation:
    """Gradient of one unit of ``layer`` w.r.t. the input (Captum's ``NeuronGradient``).

    ``extras["neuron_value"]`` holds the unit's activation per example.
    """
    leaf = inputs.detach().requires_grad_(True)
    with torch.enable_grad(), tapped(model, [layer]) as taps:
        output = call_model(model, leaf)
        index = resolve_target(output, target)
        act = taps[layer].require()
        value = _pick(act, neuron_index(neuron, act.shape, layer))
        grad = None
        if value.requires_grad:
            (grad,) = torch.autograd.grad(value.sum(), leaf, allow_unused=True)
    grad = torch.zeros_like(leaf) if grad is None else grad.detach()
    extras = {"layer": layer, "neuron_value": value.detach()}
    return Explanation("neuron_gradient", grad, output.detach(), index, extras=extras)


@register("neuron_integrated_gradients", title="Neuron integrated gradients", kind="neuron")
def neuron_integrated_gradients(
    model: nn.Module,
    inputs: torch.Tensor,
    target: Target,
    *,
    layer: str,
    neuron: object,
    baselines: object = None,
    n_steps: int = 50,
    quadrature: str = "gausslegendre",
    internal_batch_size: int | None = None,
) -> Explanation:
    """Integrated gradients of one unit of ``layer`` along the straight path
    from ``baselines`` (None = zeros) to the input (Captum's
    ``NeuronIntegratedGradients``). ``delta`` = Σ attributions − (unit at x −
    unit at baseline); Captum reports none for this method.
    """
    base, out_both, act = both_ends(model, inputs, baselines, layer, n_steps, quadrature, internal_batch_size)
    n = inputs.shape[0]
    idx = neuron_index(neuron, (n, *act.shape[1:]), layer)  # act holds inputs and baselines
    ends = _pick(act, idx)
    output = out_both[:n]
    index = resolve_target(output, target)
    path = Path(base, inputs.detach(), n_steps, quadrature)

    def forward(rows: torch.Tensor) -> torch.Tensor:
        # The unit's value is the "output" whose gradient chunk_gradients takes.
        with tapped(model, [layer]) as taps:
            call_model(model, rows)
            return _pick(taps[layer].require(), idx)

    steps = steps_per_chunk(model, inputs, path.n_steps, internal_batch_size)
    for chunk in chunk_gradients(forward, path.rows, path.n_steps * n, None, chunk_rows=steps * n):
        path.add(chunk)
    attributions = path.attributions()
    delta = per_example_sum(attributions) - (ends[:n] - ends[n:])
    extras = {"layer": layer, "neuron_value": ends[:n]}
    return Explanation("neuron_integrated_gradients", attributions, output, index, delta=delta, extras=extras)
