"""Keyword inputs for the views: a mapping of tensors (a tokenizer's ``BatchEncoding``)
split once into the tensor a view explains and the arguments passed beside it.

A view holds a batch but computes one example at a time. :func:`keyed` binds the
passed-through tensors (``attention_mask``, ``token_type_ids``) of the whole
batch to a private view of the model, so every engine call on the batch passes
them as keyword arguments, and :func:`example_model` gives the view bound to one
example's rows, which every call on that example (its maps, its trust checks,
its layer pass) runs on: each call sees exactly the mask of the example it
explains (see :mod:`~nnwidgets.engine.arguments`). Where ``attention_mask`` is
0 the position is padding: :attr:`Keyed.padding` says so, per example.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from .arguments import Bound, split_inputs
from .contract import contract_of, with_bound
from .errors import ExplanationInputError


@dataclass(eq=False)
class Keyed:
    """A view's input as the engine runs it."""

    model: nn.Module  # bound to the whole batch's passed-through tensors (the model itself for a tensor x)
    x: Any  # the explained tensor (or whatever the user passed when it was not a mapping)
    key: str | None  # its keyword; None when x was not a mapping
    kwargs: dict[str, Any]
    padding: torch.Tensor | None  # (N, T) bool, True where attention_mask == 0; None without a mask

    @property
    def names(self) -> list[str]:
        """The passed-through entries, for messages."""
        return list(self.kwargs)


def padding_of(kwargs: Mapping[str, Any], x: object) -> torch.Tensor | None:
    """Where ``attention_mask`` (if given, shaped like ``x``) is 0."""
    mask = kwargs.get("attention_mask")
    if not isinstance(mask, torch.Tensor) or not isinstance(x, torch.Tensor):
        return None
    if tuple(mask.shape) != tuple(x.shape):
        raise ExplanationInputError(
            f"attention_mask must have the shape of the explained input_ids {tuple(x.shape)}; got {tuple(mask.shape)}"
        )
    return (mask == 0).cpu()


def keyed(model: nn.Module, inputs: object) -> Keyed:
    """``inputs`` split as :func:`~nnwidgets.engine.arguments.split_inputs` does, the
    rest bound to a view of ``model``; a tensor (or anything else) passes as it is."""
    explained, key, kwargs = split_inputs(inputs)
    if key is None:
        return Keyed(model, explained, None, {}, None)
    if not isinstance(explained, torch.Tensor):
        raise ExplanationInputError(
            f"the explained entry {key!r} of the inputs mapping must be a tensor; got {type(explained).__name__} "
            "(call the tokenizer with return_tensors='pt')"
        )
    if explained.dim() == 1:  # one example: make it a batch of one, and its passed tensors with it
        explained = explained.unsqueeze(0)
        kwargs = {k: v.unsqueeze(0) if isinstance(v, torch.Tensor) and v.dim() == 1 else v for k, v in kwargs.items()}
    n = explained.shape[0]
    for k, v in kwargs.items():
        if isinstance(v, torch.Tensor) and v.dim() > 0 and v.shape[0] not in (1, n):
            raise ExplanationInputError(
                f"inputs[{k!r}] has {v.shape[0]} rows but {key!r} has {n}: every entry needs one row per example"
            )
    padding = padding_of(kwargs, explained)
    return Keyed(with_bound(model, Bound(key, kwargs, ())), explained, key, kwargs, padding)


def example_model(model: nn.Module, i: int, n: int) -> nn.Module:
    """The view of ``model`` bound to example ``i``'s rows of its bound tensors (of a
    batch of ``n``); ``model`` itself when nothing is bound."""
    bound = contract_of(model).bound
    if bound is None or n == 1:
        return model

    def row(v: Any) -> Any:
        return v[i : i + 1] if isinstance(v, torch.Tensor) and v.dim() > 0 and v.shape[0] == n else v

    return with_bound(model, Bound(bound.key, {k: row(v) for k, v in bound.kwargs.items()},
                                   tuple(row(a) for a in bound.args)))
