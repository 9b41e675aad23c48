"""Capturing layer outputs through forward hooks."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from .arguments import Bound
from .contract import OutputSpec, with_bound, with_contract
from .errors import ExplanationInputError
from .hooks import hooked_forward
from .keywords import keyed
from .layers import resolve_layers

TUPLES = ("first", "all")


def _tensors(out: object) -> list[torch.Tensor]:
    """Every tensor in a module's output, depth first (tuples, lists, dicts, ``ModelOutput``)."""
    if isinstance(out, torch.Tensor):
        return [out]
    items = out.values() if isinstance(out, dict) else out if isinstance(out, (tuple, list)) else ()
    return [t for item in items for t in _tensors(item)]


def capture(
    model: nn.Module, inputs: torch.Tensor | tuple[torch.Tensor, ...], layers: Sequence[str], *,
    train_mode: bool = False,
    output: OutputSpec = None, tuples: str = "first",
) -> dict[str, torch.Tensor | tuple[torch.Tensor, ...]]:
    """Run one forward pass and return each named module's output, detached.

    Every requested layer is in the result, or an error names the ones that did
    not run on these inputs. A module that returns a tuple, list or dict
    (``nn.LSTM``, an attention module) gives its first tensor (``tuples="first"``)
    or all its tensors in order as a tuple (``tuples="all"``).
    Outputs are cloned as they are produced, so an in-place activation later in
    the model (``ReLU(inplace=True)``) cannot overwrite what was captured.
    A module called several times gives its last call's output.
    ``output`` selects the model's output tensor as in :func:`~nnwidgets.engine.attribute`.
    ``inputs`` may be a tuple, one tensor per positional input of the model (each (N, ...)).
    ``inputs`` may be a mapping of keyword arguments (a tokenizer's ``BatchEncoding``),
    passed to the model as they are.
    """
    if tuples not in TUPLES:
        raise ExplanationInputError(f"tuples must be one of {', '.join(map(repr, TUPLES))}; got {tuples!r}")
    layers = [layers] if isinstance(layers, str) else list(layers)
    model = with_contract(model, output=output)
    if isinstance(inputs, tuple) and inputs:
        # One forward needs no packing: the first part leads, the others ride along as arguments.
        model, inputs = with_bound(model, Bound(None, {}, tuple(inputs[1:]))), inputs[0]
    else:
        bound = keyed(model, inputs)
        model, inputs = bound.model, bound.x
    modules = dict(zip(layers, resolve_layers(model, layers)))
    captured: dict[str, object] = {}

    def watch(name: str, _module: nn.Module, out: object) -> None:
        found = [t.detach().clone() for t in _tensors(out)]
        captured[name] = (found[0] if found else None) if tuples == "first" else tuple(found)

    hooked_forward(model, inputs, watch, modules, train_mode=train_mode)
    missing = [name for name in layers if name not in captured]
    empty = [name for name in layers if name in captured and captured[name] in (None, ())]
    if missing or empty:
        parts = []
        if missing:
            parts.append(f"did not run on these inputs: {missing}")
        if empty:
            parts.append(f"returned no tensor: {empty}")
        raise ExplanationInputError(f"capture: layer(s) {'; '.join(parts)}; capture the modules that run "
                                    "(see nnwidgets.Layers or model.named_modules())")
    return {name: captured[name] for name in layers}
