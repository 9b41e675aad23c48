"""Inputs as models take them: a mapping of keyword arguments (a tokenizer's
``BatchEncoding``) and ``additional_forward_args`` (Captum's name and meaning).

One tensor is explained: the mapping's ``input_ids`` (else its first entry); the
others (``attention_mask``, ``token_type_ids``) and the additional arguments are
passed to every call unchanged. Every method runs on one example at a time, its
passed-through tensors that example's rows broadcast to whatever batch the method
builds (its integration steps, perturbations, chunks), so each call sees exactly
the mask of the example it explains, as Captum's expansion of
``additional_forward_args`` does; the results are joined in example order.
Integer inputs (token ids) are explained through the layer the user names
(``layer=``), else the model's ``get_input_embeddings()`` (Hugging Face models).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from .errors import ExplanationInputError
from .explanation import Explanation


@dataclass(eq=False)
class Bound:
    """What every call of the model passes beside the explained tensor (one example's rows)."""

    key: str | None  # the explained tensor's keyword; None: the first positional argument
    kwargs: dict[str, Any]
    args: tuple
    # Tuple inputs (engine/tuples.py): the explained tensor is the model's inputs packed
    # into one; this splits it back into the model's positional inputs.
    unpack: Callable[[torch.Tensor], tuple] | None = None

    def call(self, model: nn.Module, inputs: torch.Tensor) -> Any:
        n = inputs.shape[0]

        def fit(v: Any) -> Any:
            if isinstance(v, torch.Tensor) and v.dim() > 0 and v.shape[0] == 1 and n != 1:
                return v.expand(n, *v.shape[1:])
            return v

        kwargs = {k: fit(v) for k, v in self.kwargs.items()}
        args = tuple(fit(a) for a in self.args)
        if self.key is not None:
            return model(*args, **{self.key: inputs}, **kwargs)
        first = (inputs,) if self.unpack is None else self.unpack(inputs)
        return model(*first, *args, **kwargs)


def split_inputs(inputs: object) -> tuple[object, str | None, dict[str, Any]]:
    """The explained tensor of ``inputs``, its keyword (None for a tensor) and the other entries."""
    if not isinstance(inputs, Mapping):
        return inputs, None, {}
    if not inputs:
        raise ExplanationInputError("inputs is an empty mapping; give the model's keyword arguments, e.g. a tokenizer's output")
    key = "input_ids" if "input_ids" in inputs else next(iter(inputs))
    return inputs[key], str(key), {str(k): v for k, v in inputs.items() if k != key}


def _additional(args: object) -> tuple:
    if args is None:
        return ()
    return tuple(args) if isinstance(args, (tuple, list)) else (args,)


def default_layer(model: nn.Module, inputs: torch.Tensor, layer: object) -> object:
    """``layer`` if given; for integer inputs, the name of ``get_input_embeddings()`` (else None)."""
    if layer is not None or inputs.is_floating_point() or not hasattr(model, "get_input_embeddings"):
        return layer
    embeddings = model.get_input_embeddings()
    return next((name for name, m in model.named_modules() if m is embeddings and name), layer)


def _row(value: Any, i: int, n: int) -> Any:
    """Example ``i``'s rows of a per-example value (first dimension ``n``); others as they are."""
    if isinstance(value, torch.Tensor) and value.dim() > 0 and value.shape[0] == n and n > 1:
        return value[i : i + 1]
    return value


def _join(parts: list[Explanation]) -> Explanation:
    def cat(values: list[Any]) -> Any:
        if all(isinstance(v, torch.Tensor) and v.dim() > 0 for v in values):
            return torch.cat(values)
        return None if all(v is None for v in values) else values

    first = parts[0]
    extras = {k: cat([p.extras.get(k) for p in parts]) for k in first.extras}
    return Explanation(first.method, torch.cat([p.attributions for p in parts]), torch.cat([p.prediction for p in parts]),
                       cat([p.target for p in parts]), cat([p.delta for p in parts]), extras)


def per_example(run: Any, inputs: torch.Tensor, key: str | None, kwargs: dict, args: object, target: Any,
                options: dict[str, Any]) -> Explanation:
    """``run(bound, inputs_i, target_i, options_i)`` for each example, joined."""
    n = inputs.shape[0]
    extra = _additional(args)
    parts = []
    for i in range(n):
        bound = Bound(key, {k: _row(v, i, n) for k, v in kwargs.items()}, tuple(_row(a, i, n) for a in extra))
        target_i = target[i : i + 1] if isinstance(target, torch.Tensor) and target.dim() > 0 and n > 1 else (
            [target[i]] if isinstance(target, (list, tuple)) and n > 1 else target)
        parts.append(run(bound, inputs[i : i + 1], target_i, {k: _row(v, i, n) for k, v in options.items()}))
    return _join(parts)
