"""Where attribution methods are registered, with what a caller needs to know of each."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from .errors import ExplanationInputError

Kind = Literal["input", "layer", "neuron", "parameter"]


@dataclass(frozen=True, eq=False)
class MethodInfo:
    """A registered method: ``fn(model, inputs, target, **options) -> Explanation``.

    ``signed``: attributions can be negative (drawn on a symmetric scale).
    ``kind``: what the attributions are over: the input, a layer's output, the
    input for one neuron, or a layer's parameters.
    ``needs_grad``: the method differentiates w.r.t. the input (so integer
    inputs are refused).
    """

    name: str
    fn: Callable
    title: str
    signed: bool = True
    kind: Kind = "input"
    needs_grad: bool = True

    @functools.cached_property
    def options(self) -> tuple[str, ...]:
        """Keyword options the method takes (after model, inputs, target)."""
        params = list(inspect.signature(self.fn).parameters)[3:]
        return tuple(p for p in params if not p.startswith("_"))

    @functools.cached_property
    def required(self) -> tuple[str, ...]:
        """Options without a default, which every call must give."""
        params = list(inspect.signature(self.fn).parameters.values())[3:]
        return tuple(p.name for p in params if p.default is inspect.Parameter.empty and not p.name.startswith("_"))


METHODS: dict[str, MethodInfo] = {}


def register(
    name: str, *, title: str, signed: bool = True, kind: Kind = "input", needs_grad: bool = True
) -> Callable[[Callable], Callable]:
    """Decorator adding a method to :data:`METHODS` under ``name``."""

    def add(fn: Callable) -> Callable:
        if name in METHODS:
            raise RuntimeError(f"method {name!r} registered twice")
        METHODS[name] = MethodInfo(name, fn, title, signed, kind, needs_grad)
        return fn

    return add


def lookup(name: str) -> MethodInfo:
    """The method registered as ``name``, or an error listing every valid name."""
    try:
        return METHODS[name]
    except KeyError:
        raise ExplanationInputError(
            f"unknown method {name!r}; choose one of {', '.join(sorted(METHODS))}"
        ) from None


def check_methods(names: list[str], kind: Kind = "input") -> None:
    """Refuse names that are not registered methods of ``kind``, listing those that are."""
    offered = sorted(m for m, info in METHODS.items() if info.kind == kind)
    unknown = [n for n in names if n not in offered]
    if unknown:
        raise ExplanationInputError(f"unknown method(s) {unknown}; choose from {', '.join(offered)}")


def check_options(info: MethodInfo, options: dict) -> None:
    """Refuse options the method does not take, naming the ones it does."""
    if not options and not info.required:
        return
    unknown = sorted(set(options) - set(info.options))
    if unknown:
        valid = ", ".join(info.options) or "none"
        raise ExplanationInputError(
            f"method {info.name!r} got unknown option(s) {unknown}; its options are: {valid}"
        )
    missing = [name for name in info.required if name not in options]
    if missing:
        raise ExplanationInputError(f"method {info.name!r} needs the option(s) {missing}")
