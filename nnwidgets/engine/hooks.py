"""One hooked forward pass: every engine function that watches modules run
(capture, structure, the trust checks, the layer view) goes through it."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import torch
from torch import nn

from .passes import call_model
from .private import add_forward_hook, private_view
from .validate import check_inputs, check_model

# Called as each watched module finishes: (name, module, output).
Watch = Callable[[str, nn.Module, object], None]


def hooked_forward(
    model: nn.Module,
    inputs: torch.Tensor,
    watch: Watch,
    modules: Mapping[str, nn.Module] | None = None,
    *,
    train_mode: bool = False,
) -> torch.Tensor:
    """Run one no-grad forward of ``model`` on ``inputs`` with ``watch`` called for
    every module in ``modules`` (name → module; all named modules when None)
    as it finishes, and return the model's output.

    ``modules`` name modules of ``model``; the hooks go on their twins in a
    private view (:mod:`~nnwidgets.engine.private`), so the model object itself
    is never written to, and ``watch`` receives the twin.
    """
    view, handles = _watch(model, watch, modules, train_mode=train_mode)
    try:
        check_inputs(view, inputs, needs_grad=False)
        with torch.no_grad():
            return call_model(view, inputs)
    finally:
        # The view dies with this call, but whatever kept a module of it (a watch
        # may) finds no hook of ours on it, also after a cancel raised in the model.
        for handle in handles:
            handle.remove()


def watched(
    model: nn.Module,
    watch: Watch,
    modules: Mapping[str, nn.Module] | None = None,
    *,
    train_mode: bool = False,
) -> nn.Module:
    """A private view of ``model`` whose twins of ``modules`` (all named modules when
    None) call ``watch`` as they finish, in every forward run on it, also by an engine
    call given the view (its own views share the hooks, as they share the user's):
    so one pass can both compute something and show the model's structure."""
    return _watch(model, watch, modules, train_mode=train_mode)[0]


def _watch(
    model: nn.Module, watch: Watch, modules: Mapping[str, nn.Module] | None, *, train_mode: bool,
) -> tuple[nn.Module, list]:
    """The watched view and its hooks' handles."""
    model = check_model(model)
    view = private_view(model, train_mode=train_mode)
    twins = dict(view.named_modules())
    own = {id(m): name for name, m in model.named_modules()}
    chosen = twins if modules is None else {name: twins[own[id(m)]] for name, m in modules.items()}

    def hook_for(name: str):
        def hook(module: nn.Module, _args: object, output: object) -> None:
            watch(name, module, output)

        return hook

    return view, [add_forward_hook(module, hook_for(name)) for name, module in chosen.items()]
