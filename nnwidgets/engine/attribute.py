"""The engine's public entry point, ``attribute``."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from . import methods as _methods  # noqa: F401  (registers every method)
from .explanation import Explanation
from .arguments import Bound, default_layer, per_example, split_inputs
from .contract import OutputSpec, with_bound, with_contract
from .registry import check_options, lookup
from .private import private_view
from .tuples import attribute_tuple
from .targets import Target
from .validate import check_inputs


def attribute(
    model: nn.Module,
    inputs: torch.Tensor | tuple[torch.Tensor, ...],
    method: str = "saliency",
    target: Target = "predicted",
    *,
    train_mode: bool = False,
    output: OutputSpec = None,
    task: str = "auto",
    additional_forward_args: Any = None,
    **options: Any,
) -> Explanation:
    """Explain ``model``'s output for a batch of ``inputs`` with ``method``.

    ``target`` is ``"predicted"`` (argmax, the default), an int, one int per
    example, or a callable mapping the output to one scalar per example.
    ``options`` go to the method (see ``nnwidgets.engine.METHODS[name].options``).
    The model runs in eval mode unless ``train_mode``, on a private view
    (:mod:`~nnwidgets.engine.private`): the model object itself is never written to.
    ``model`` may be a plain callable (methods that need no layer); its output a
    tensor, tuple, dict or ``ModelOutput``, read as the logits unless ``output``
    (a key, an index or a callable of the output) says which tensor to explain;
    ``task`` (see :mod:`~nnwidgets.engine.outputs`) says what the output means.
    ``inputs`` may be a mapping of keyword arguments (a tokenizer's ``BatchEncoding``):
    its ``input_ids`` (else first entry) are explained, the rest passed unchanged, as
    ``additional_forward_args`` are (Captum's meaning); token ids are explained through
    ``layer=`` or the model's ``get_input_embeddings()`` (see :mod:`~nnwidgets.engine.arguments`).
    ``inputs`` may be a tuple of tensors, one per positional input of the model (each
    (N, ...)): attributions then come back as a tuple of the same shapes, and
    ``baselines``, ``feature_mask``, ``sliding_window_shapes``, ``strides`` and
    ``stdevs`` may be given per input, as in Captum (see :mod:`~nnwidgets.engine.tuples`).
    """
    info = lookup(method)
    model = with_contract(model, output=output, task=task)
    explained, key, kwargs = split_inputs(inputs)
    if "layer" in info.options and isinstance(explained, torch.Tensor) and options.get("layer") is None:
        found = default_layer(model, explained, None)
        if found is not None:
            options["layer"] = found
    check_options(info, options)
    view = private_view(model, train_mode=train_mode)
    if isinstance(explained, tuple) and key is None:
        return attribute_tuple(info, view, explained, target, additional_forward_args, options)
    check_inputs(view, explained, needs_grad=info.needs_grad)
    if key is None and additional_forward_args is None:
        return info.fn(view, explained, target, **options)

    def run(bound: Bound, x: torch.Tensor, t: Target, opts: dict[str, Any]) -> Explanation:
        return info.fn(with_bound(view, bound), x, t, **opts)

    return per_example(run, explained, key, kwargs, additional_forward_args, target, options)
