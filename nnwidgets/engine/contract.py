"""The model contract: what the engine takes as a model and what it reads of its output.

A model is a ``torch.nn.Module`` or a plain callable (wrapped in
:class:`CallableModel`, a module without layers, so every method that needs no
layer runs on it). Its output may be a tensor, a tuple or list, a dict or a
Hugging Face ``ModelOutput`` (a dict subclass with attributes): the engine reads
the logits (``.logits`` / the ``"logits"`` key, else the first tensor) unless
``output=`` says otherwise (a key, an index or a callable of the raw output).
A causal language model's output (a ``ModelOutput`` whose class name says
``CausalLM``, logits (N, T, V)) is read as its next-token logits (N, V): the
last position's, or under an ``attention_mask`` each row's last attended
position's (right padding), so target ``"predicted"`` is the predicted next
token; ``output=lambda out: out.logits[:, t]`` explains another position.
``task=`` says what the output means (see :mod:`~nnwidgets.engine.outputs`).

What the user said is kept beside the engine's private view of the model
(:func:`with_contract`), never on the model object, and every engine call on
that view (:func:`~nnwidgets.engine.passes.call_model`) honours it, so the
rule lives here once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Union

import torch
from torch import nn

from .errors import ExplanationInputError
from .private import private_view, tag, tag_of

OutputSpec = Union[None, str, int, Callable[[Any], torch.Tensor]]
Task = Literal["auto", "multiclass", "multilabel", "regression"]
TASKS: tuple[str, ...] = ("auto", "multiclass", "multilabel", "regression")


@dataclass(frozen=True)
class Contract:
    """What the engine was told about a model: which output to read, what it means."""

    output: OutputSpec = None
    task: str = "auto"
    bound: Any = None  # arguments.Bound: what every call passes beside the explained tensor


DEFAULT = Contract()


class CallableModel(nn.Module):
    """A plain callable as a module: no parameters and no layers (layer methods
    refuse it), called as it is (its own modules, if any, keep their mode)."""

    def __init__(self, fn: Callable[..., Any]) -> None:
        super().__init__()
        self.fn = fn

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        return self.fn(*args, **kwargs)


def as_module(model: object) -> nn.Module:
    """``model`` itself if it is a module, a :class:`CallableModel` of a callable."""
    if isinstance(model, nn.Module):
        return model
    if callable(model):
        return CallableModel(model)
    raise ExplanationInputError(f"model must be a torch.nn.Module or a callable; got {type(model).__name__}")


def is_plain_callable(model: nn.Module) -> bool:
    """Whether ``model`` (or the model its view was made of) is a wrapped plain callable."""
    return isinstance(model, CallableModel)


def check_contract(output: OutputSpec, task: object) -> Contract:
    """The contract of ``output=`` and ``task=``, or an error naming the accepted values."""
    if task not in TASKS:
        raise ExplanationInputError(f"task must be one of {', '.join(repr(t) for t in TASKS)}; got {task!r}")
    if not (output is None or callable(output) or (isinstance(output, (str, int)) and not isinstance(output, bool))):
        raise ExplanationInputError(
            f"output must be None (the logits), a key, an index or a callable of the model's output; got {output!r}"
        )
    return Contract(output, str(task))


def with_contract(model: object, *, output: OutputSpec = None, task: str = "auto") -> nn.Module:
    """The module the engine runs ``model`` as: the model itself (or its callable
    wrapper) under the default contract, else a private view carrying it."""
    contract = check_contract(output, task)
    module = as_module(model)
    had = contract_of(module)
    if (contract.output, contract.task) == (had.output, had.task):
        return module  # a view bound to keyword inputs stays bound
    view = private_view(module)
    tag(view, Contract(contract.output, contract.task, had.bound))
    return view


def contract_of(model: object) -> Contract:
    """The contract a model (or a view of it) carries; the default one otherwise."""
    found = tag_of(model, DEFAULT)
    return found if isinstance(found, Contract) else DEFAULT


def _kind(raw: object) -> str:
    return type(raw).__name__


def _first_tensor(values: Any) -> torch.Tensor | None:
    return next((v for v in values if isinstance(v, torch.Tensor)), None)


def is_causal_lm(raw: object, logits: torch.Tensor) -> bool:
    """Whether ``raw`` is a causal language model's output with (N, T, V) logits."""
    return logits.dim() == 3 and "CausalLM" in type(raw).__name__


def next_token(logits: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
    """(N, V): each row's logits at its last position, or its last attended one under ``mask`` (N, T)."""
    n, t = logits.shape[:2]
    if mask is None or tuple(mask.shape) != (n, t) or bool(mask[:, -1].all()):
        return logits[:, -1]
    attended = mask.to(torch.bool).to(logits.device)
    last = (t - 1) - attended.flip(1).to(torch.uint8).argmax(1)
    return logits[torch.arange(n, device=logits.device), last]


def pick_output(raw: object, spec: OutputSpec = None, mask: torch.Tensor | None = None) -> torch.Tensor:
    """The tensor the engine explains of the model's raw output (see the module doc);
    ``mask``, the attention mask the model was called with, places a causal LM's next token."""
    if spec is None:
        if isinstance(raw, torch.Tensor):
            return raw
        found = None
        if isinstance(raw, Mapping):
            logits = raw.get("logits")
            found = logits if isinstance(logits, torch.Tensor) else _first_tensor(raw.values())
        elif isinstance(raw, (tuple, list)):
            found = _first_tensor(raw)
        elif isinstance(getattr(raw, "logits", None), torch.Tensor):
            found = raw.logits  # type: ignore[attr-defined]
        if found is None:
            raise ExplanationInputError(
                f"the model returned {_kind(raw)}, which holds no tensor to explain; the model must return a "
                "tensor (N, outputs), a tuple, a dict or a ModelOutput, or pass output= (a key, an index or a "
                "callable) to choose the tensor"
            )
        return next_token(found, mask) if is_causal_lm(raw, found) else found
    try:
        if callable(spec):
            value = spec(raw)
        elif isinstance(spec, str):
            value = raw[spec] if isinstance(raw, Mapping) else getattr(raw, spec)
        elif isinstance(raw, Mapping) and not hasattr(raw, "to_tuple"):
            value = list(raw.values())[spec]
        else:
            value = raw[spec]  # type: ignore[index]  (a tuple, a list, a ModelOutput)
    except (KeyError, IndexError, AttributeError, TypeError) as exc:
        keys = f" (it has {', '.join(map(repr, raw))})" if isinstance(raw, Mapping) else ""
        raise ExplanationInputError(f"output={spec!r} does not select anything of the model's {_kind(raw)}{keys}: {exc}") from exc
    if not isinstance(value, torch.Tensor):
        raise ExplanationInputError(f"output={spec!r} must select a tensor of the model's output; got {_kind(value)}")
    return value


def with_bound(model: nn.Module, bound: object) -> nn.Module:
    """A private view of ``model`` (keeping its contract) whose every engine call also
    passes ``bound``'s arguments (:class:`~nnwidgets.engine.arguments.Bound`)."""
    contract = contract_of(model)
    view = private_view(model)
    tag(view, Contract(contract.output, contract.task, bound))
    return view
