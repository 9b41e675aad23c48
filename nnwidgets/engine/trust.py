"""The model-randomization copy (Adebayo et al. 2018): a deep copy of a model with its
top layers (the last to run on the inputs; normalization layers, whose reset is an
identity, skipped) re-initialised. A map recomputed on it that hardly changes does
not depend on what the model learned (:mod:`nnwidgets.engine.checks.randomization`).

``relative_delta`` (integrated gradients' convergence against the change it has to
explain) lives with the completeness check and is importable from here too.
"""

from __future__ import annotations

import copy
import itertools
import re

import torch
from torch import nn

from .checks.completeness import relative_delta
from .errors import ExplanationInputError
from .hooks import hooked_forward
from .private import tag, tag_of

__all__ = ["randomized_copy", "reinitialised", "relative_delta", "top_layers"]


# Normalization layers re-initialise to an affine identity (weight 1, bias 0):
# "randomizing" one leaves the function of the layers below it intact, so the
# sanity check would report a map unchanged for the wrong reason.
_NORMS: tuple[type, ...] = tuple(
    t for t in (
        nn.LayerNorm, nn.GroupNorm, nn.LocalResponseNorm, getattr(nn, "RMSNorm", None),
        nn.modules.batchnorm._NormBase,  # BatchNorm*d, SyncBatchNorm, InstanceNorm*d
    ) if isinstance(t, type)
)


def _is_norm(module: nn.Module) -> bool:
    # Also a library's own norms (e.g. a T5LayerNorm or LlamaRMSNorm) by name.
    return isinstance(module, _NORMS) or re.search(r"Norm(\dd)?$", type(module).__name__) is not None


def _resettable(module: nn.Module) -> bool:
    return (
        callable(getattr(module, "reset_parameters", None))
        and any(True for _ in module.parameters(recurse=False))
        and not _is_norm(module)
    )


def _execution_order(model: nn.Module, inputs: torch.Tensor) -> list[str]:
    """Names of the resettable modules that run on ``inputs``, ordered by when they
    LAST finish (a module called twice counts where it last ran); one hooked forward."""
    last: dict[str, int] = {}
    clock = itertools.count()

    def watch(name: str, _module: nn.Module, _out: object) -> None:
        last[name] = next(clock)

    resettable = {name: m for name, m in model.named_modules() if name and _resettable(m)}
    hooked_forward(model, inputs, watch, resettable)
    return sorted(last, key=last.get)


def _top_layers(model: nn.Module, count: int, inputs: torch.Tensor | None = None) -> list[str]:
    """The last ``count`` modules that can be meaningfully re-initialised, output side first.

    With ``inputs``: in the order they run in a forward on them (modules that do
    not run, like an unused pooler, are never picked); without: in registration
    order. Normalization layers and modules without ``reset_parameters`` or
    parameters of their own are skipped.
    """
    if count == 0:
        return []
    if inputs is not None:
        ordered = _execution_order(model, inputs)
    else:
        ordered = [name for name, m in model.named_modules() if name and _resettable(m)]
    return ordered[::-1][:count]


def top_layers(model: nn.Module, count: int, inputs: torch.Tensor | None = None) -> list[str]:
    """The names of the top ``count`` modules :func:`randomized_copy` re-initialises, output
    side first (one hooked forward on ``inputs`` when given; the global RNG is restored)."""
    with _forked_rng(model), torch.no_grad():
        return _top_layers(model, count, inputs)


def reinitialised(model: nn.Module, names: list[str], seed: int = 0) -> nn.Module:
    """A deep copy of ``model`` with the modules ``names`` re-initialised in that order,
    seeded (the global RNG is restored): the first ``k`` of them come out the same for
    every list that starts with those ``k``, so deeper copies extend shallower ones."""
    twin = copy.deepcopy(model)
    if tag_of(model) is not None:  # what the engine was told (output=, bound keyword inputs) holds for the copy too
        tag(twin, tag_of(model))
    modules = dict(twin.named_modules())
    with _forked_rng(twin), torch.no_grad():
        torch.manual_seed(seed)
        for name in names:
            modules[name].reset_parameters()
    return twin


def randomized_copy(
    model: nn.Module, layers: int = 1, seed: int = 0, inputs: torch.Tensor | None = None,
) -> tuple[nn.Module, list[str]]:
    """A deep copy of ``model`` with its top ``layers`` modules re-initialised
    (seeded; the global RNG is restored), and their names, output side first.

    "Top" is by execution order on ``inputs`` when given (one forward of the
    model; give them: registration order can put a LayerNorm or an unused
    module last), else by registration order. Only modules with parameters of
    their own and a ``reset_parameters`` that is not an identity are picked:
    normalization layers (LayerNorm, GroupNorm, BatchNorm, InstanceNorm,
    RMSNorm) are skipped.
    """
    if layers < 0:
        raise ExplanationInputError(f"layers must be ≥ 0; got {layers}")
    names = top_layers(model, layers, inputs)
    return reinitialised(model, names, seed), names


def _forked_rng(model: nn.Module):
    """``fork_rng`` over the CPU generator and the GPUs ``model`` is on: ``reset_parameters``
    draws from the generator of the parameters' device, and a model's forward may draw too."""
    gpus = sorted({p.device.index or 0 for p in model.parameters() if p.device.type == "cuda"})
    return torch.random.fork_rng(devices=gpus)
