"""The engine's public entry point, ``attribute``."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from . import methods as _methods  # noqa: F401  (registers every method)
from .explanation import Explanation
from .contract import OutputSpec, with_contract
from .registry import check_options, lookup
from .private import private_view
from .targets import Target
from .validate import check_inputs


def attribute(
    model: nn.Module,
    inputs: torch.Tensor,
    method: str = "saliency",
    target: Target = "predicted",
    *,
    train_mode: bool = False,
    output: OutputSpec = None,
    task: str = "auto",
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
    """
    info = lookup(method)
    check_options(info, options)
    model = with_contract(model, output=output, task=task)
    view = private_view(model, train_mode=train_mode)
    check_inputs(view, inputs, needs_grad=info.needs_grad)
    return info.fn(view, inputs, target, **options)
