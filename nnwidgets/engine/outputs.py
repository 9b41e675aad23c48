"""What a model's output means to a reader: class probabilities, independent
(multi-label) probabilities or raw scores.

Every view, figure and trust check reads a model's outputs through a
:class:`Reading` decided here once (:func:`reading_of`), from the task the user
named (``task=``, kept in the model's contract) or detected:

* ``"regression"``, or one output: raw scores, never transformed;
* ``"multilabel"``, or (``"auto"``) a final ``nn.Sigmoid`` module, or outputs
  all in [0, 1] whose rows do not sum to 1: independent probabilities, never
  softmaxed (the outputs as they are when already in [0, 1], else their sigmoid);
* ``"multiclass"`` (the ``"auto"`` default for several outputs): softmax
  probabilities of the logits (the outputs as they are when a final ``nn.Softmax``
  or rows already summing to 1 show that the model returns probabilities).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Union

import torch
from torch import nn

from .contract import contract_of

OutputKind = Literal["probability", "multilabel", "score"]
Transform = Literal["softmax", "sigmoid", "none"]

_LABELS = {
    ("probability", "softmax"): "softmax probabilities",
    ("probability", "none"): "probabilities",  # the model returns them itself
    ("multilabel", "sigmoid"): "sigmoid probabilities",  # independent, one per output
    ("multilabel", "none"): "independent probabilities",  # the model's own sigmoid outputs
    ("score", "none"): "raw scores",
}


@dataclass(frozen=True)
class Reading:
    """How outputs are shown: ``kind`` (what they are) and ``transform`` (what turns
    the model's output into them)."""

    kind: OutputKind = "probability"
    transform: Transform = "softmax"

    @property
    def label(self) -> str:
        """A short label for the view and the figures: what the numbers shown are."""
        return _LABELS[(self.kind, self.transform)]

    def apply(self, output: torch.Tensor, dim: int = -1) -> torch.Tensor:
        """The shown values of ``output`` in its own dtype and device, differentiable
        (for engine computations that score a class: deletion curves, ICE, Taylor)."""
        if self.transform == "softmax":
            return torch.softmax(output, dim=dim)
        if self.transform == "sigmoid":
            return torch.sigmoid(output)
        return output


SCORES = Reading("score", "none")
_NAMED: dict[str, Reading] = {
    "probability": Reading("probability", "softmax"),
    "multilabel": Reading("multilabel", "sigmoid"),
    "score": SCORES,
}


def _final_module(model: nn.Module | None) -> nn.Module | None:
    # Registration order stands in for execution order: the last module a model
    # registers is, for the usual Sequential or head-last model, the last it runs.
    if model is None:
        return None
    modules = [m for m in model.modules() if not m._modules]
    return modules[-1] if modules else None


def _unit_interval(out: torch.Tensor) -> bool:
    return bool(out.numel()) and bool(((out >= 0) & (out <= 1)).all())


def _rows_sum_to_one(out: torch.Tensor) -> bool:
    return bool(torch.allclose(out.sum(dim=-1), torch.ones((), dtype=out.dtype), atol=1e-3))


def detect(out: torch.Tensor, task: str = "auto", model: nn.Module | None = None) -> Reading:
    """The reading of outputs ``out`` (N, K) (or (N,)) for ``task`` (see the module doc)."""
    out = out.detach().float().reshape(out.shape[0], -1) if out.dim() else out.detach().float().reshape(1, 1)
    k = out.shape[1]
    if task == "regression" or k < 2:
        return SCORES
    final = _final_module(model)
    in_unit = _unit_interval(out)
    if task == "multilabel":
        return Reading("multilabel", "none" if isinstance(final, nn.Sigmoid) or in_unit else "sigmoid")
    if task == "auto":
        if isinstance(final, nn.Sigmoid) or (in_unit and not _rows_sum_to_one(out)):
            return Reading("multilabel", "none")
    own = isinstance(final, (nn.Softmax, nn.Softmax2d)) or (in_unit and _rows_sum_to_one(out))
    return Reading("probability", "none" if own else "softmax")


def reading_of(model: nn.Module, out: torch.Tensor) -> Reading:
    """The reading of ``model``'s outputs ``out``, for the task its contract names."""
    return detect(out, contract_of(model).task, model)


def as_reading(kind: Union[Reading, str, None], out: torch.Tensor | None = None) -> Reading:
    """A :class:`Reading` of what a caller passed: a reading, a kind's name, or None
    (decided from ``out`` as the ``"auto"`` task would)."""
    if isinstance(kind, Reading):
        return kind
    if kind is None:
        return detect(out) if out is not None else _NAMED["probability"]
    if kind in _NAMED:
        return _NAMED[kind]
    raise ValueError(f"unknown output kind {kind!r}")


def output_kind(n_outputs: int) -> OutputKind:
    """Without more to go on: several outputs are class logits, one output a score."""
    return "probability" if n_outputs >= 2 else "score"


def readable(output: torch.Tensor, kind: Union[Reading, str, None] = None, dim: int = -1) -> torch.Tensor:
    """``output`` as shown to the user, in float32 on the CPU, read as ``kind`` (a
    :class:`Reading` or its kind's name; None decides from the values)."""
    out = output.detach().float()
    if kind is None:
        kind = as_reading(None, out.reshape(1, -1) if out.dim() <= 1 else out)
    return as_reading(kind).apply(out, dim=dim).cpu()


def probabilities(output: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """Softmax probabilities over ``dim`` in the output's own dtype and device."""
    return torch.softmax(output, dim=dim)
