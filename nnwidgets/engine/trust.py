"""How far to trust an attribution map: the evidence a view shows beside it.

- ``relative_delta``: integrated gradients' convergence delta against the
  change it has to explain, |Σ attr − ΔF| / |ΔF|.
- ``rank_agreement``: Spearman correlation between two maps, per example.
- ``randomization_check``: Adebayo et al. (2018): re-initialise the top layers
  (the last to run on the inputs; normalization layers, whose reset is an
  identity, skipped) of a copy of the model and recompute; a map that hardly
  changes does not depend on what the model learned.
- ``deletion_curve``: remove features from most to least important and
  follow the target's probability; a faithful map makes it fall fast (small area).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass

import torch
from torch import nn

from .attribute import attribute
from .errors import ExplanationInputError
from .explanation import Explanation
from .passes import call_model
from .state import preserved
from .targets import Target, resolve_target, select
from .validate import check_inputs


def relative_delta(exp: Explanation) -> torch.Tensor:
    """|delta| / |F(x) − F(baseline)| per example, for integrated-gradients methods."""
    if exp.delta is None:
        raise ExplanationInputError(f"method {exp.method!r} has no convergence delta; use integrated_gradients")
    total = exp.attributions.reshape(exp.attributions.shape[0], -1).sum(1)
    change = total - exp.delta  # Σ attr − delta = F(x) − F(baseline)
    return exp.delta.abs() / change.abs().clamp_min(torch.finfo(change.dtype).tiny)


def _ranks(values: torch.Tensor) -> torch.Tensor:
    """Ranks along the last dim, ties given their average rank (as Spearman needs)."""
    order = values.argsort(dim=-1)
    ranks = torch.empty_like(values, dtype=torch.float64)
    n = values.shape[-1]
    ranks.scatter_(-1, order, torch.arange(n, dtype=torch.float64, device=values.device).expand_as(values).contiguous())
    # average the ranks of equal values, row by row (rows are few: one per example)
    for row in range(values.shape[0]):
        uniq, inverse = values[row].unique(return_inverse=True)
        if uniq.numel() < n:
            sums = torch.zeros(uniq.numel(), dtype=torch.float64, device=values.device).index_add_(0, inverse, ranks[row])
            counts = torch.bincount(inverse, minlength=uniq.numel()).to(torch.float64)
            ranks[row] = (sums / counts)[inverse]
    return ranks


def rank_agreement(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Spearman rank correlation between two attribution maps, one value per example."""
    if a.shape != b.shape:
        raise ExplanationInputError(f"maps to compare must have the same shape; got {tuple(a.shape)} and {tuple(b.shape)}")
    ra = _ranks(a.detach().reshape(a.shape[0], -1))
    rb = _ranks(b.detach().reshape(b.shape[0], -1))
    ra, rb = ra - ra.mean(1, keepdim=True), rb - rb.mean(1, keepdim=True)
    denom = (ra.norm(dim=1) * rb.norm(dim=1)).clamp_min(1e-12)
    return ((ra * rb).sum(1) / denom).to(a.dtype if a.is_floating_point() else torch.float32)


@dataclass
class RandomizationCheck:
    similarity: torch.Tensor  # (N,) Spearman of |original| vs |randomized| maps
    original: torch.Tensor
    randomized: torch.Tensor
    layers: list[str]  # the modules re-initialised, output side first


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
    """Names of the modules that run on ``inputs``, ordered by when they LAST finish
    (a module called twice counts where it last ran); one hooked forward."""
    check_inputs(model, inputs, needs_grad=False)
    last: dict[str, int] = {}
    handles = []
    clock = [0]

    def timed(name: str):
        def hook(_module: nn.Module, _args: object, _out: object) -> None:
            clock[0] += 1
            last[name] = clock[0]
        return hook

    with preserved(model):
        try:
            for name, module in model.named_modules():
                if name and _resettable(module):
                    handles.append(module.register_forward_hook(timed(name)))
            with torch.no_grad():
                call_model(model, inputs)
        finally:
            for handle in handles:
                handle.remove()
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


def randomized_copy(
    model: nn.Module, layers: int = 1, seed: int = 0, inputs: torch.Tensor | None = None,
) -> tuple[nn.Module, list[str]]:
    """A deep copy of ``model`` with its top ``layers`` modules re-initialised
    (seeded; the global RNG is restored), and their names, output side first.

    "Top" is by execution order on ``inputs`` when given (one forward of the
    copy; give them: registration order can put a LayerNorm or an unused
    module last), else by registration order. Only modules with parameters of
    their own and a ``reset_parameters`` that is not an identity are picked:
    normalization layers (LayerNorm, GroupNorm, BatchNorm, InstanceNorm,
    RMSNorm) are skipped.
    """
    if layers < 0:
        raise ExplanationInputError(f"layers must be ≥ 0; got {layers}")
    twin = copy.deepcopy(model)
    modules = dict(twin.named_modules())
    # fork_rng restores the CPU generator and, for a model on a GPU, that GPU's
    # (reset_parameters draws from the generator of the parameters' device; a
    # model's forward, run to find the execution order, may draw too).
    gpus = sorted({p.device.index or 0 for p in twin.parameters() if p.device.type == "cuda"})
    with torch.random.fork_rng(devices=gpus), torch.no_grad():
        names = _top_layers(twin, layers, inputs)
        torch.manual_seed(seed)
        for name in names:
            modules[name].reset_parameters()
    return twin, names


def randomization_check(
    model: nn.Module, inputs: torch.Tensor, method: str = "gradient", target: Target = "predicted", *,
    layers: int = 1, seed: int = 0, **options,
) -> RandomizationCheck:
    """Model-randomization sanity check on a deep copy; the user's model is not touched."""
    if layers < 0:
        raise ExplanationInputError(f"layers must be ≥ 0; got {layers}")
    original = attribute(model, inputs, method, target, **options)
    fixed = original.target if original.target is not None else target
    twin, names = randomized_copy(model, layers, seed, inputs)
    randomized = attribute(twin, inputs, method, fixed, **options)
    similarity = rank_agreement(original.attributions.abs(), randomized.attributions.abs())
    return RandomizationCheck(similarity, original.attributions, randomized.attributions, names)


@dataclass
class DeletionCurve:
    fractions: torch.Tensor  # (S + 1,) share of features removed
    scores: torch.Tensor  # (N, S + 1) target probability (or raw score) after each removal
    area: torch.Tensor  # (N,) area under the curve (trapezoid rule): smaller = more faithful


def deletion_curve(
    model: nn.Module, inputs: torch.Tensor, attributions: torch.Tensor, target: Target = "predicted", *,
    steps: int = 20, baseline: float = 0.0, probability: bool = True,
) -> DeletionCurve:
    """Replace features by ``baseline`` from most to least important, in ``steps``
    equal shares, and score the target after each (one batched forward)."""
    check_inputs(model, inputs, needs_grad=False)
    if attributions.shape != inputs.shape:
        raise ExplanationInputError(
            f"attributions must have the inputs' shape {tuple(inputs.shape)}; got {tuple(attributions.shape)}"
        )
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ExplanationInputError(f"steps must be an int ≥ 1; got {steps!r}")
    n = inputs.shape[0]
    flat = inputs.detach().reshape(n, -1)
    d = flat.shape[1]
    order = attributions.detach().reshape(n, -1).argsort(dim=1, descending=True)
    position = torch.empty_like(order).scatter_(1, order, torch.arange(d, device=order.device).expand(n, d).contiguous())
    counts = torch.round(torch.linspace(0, d, steps + 1, device=inputs.device)).long()  # features removed per step
    removed = position.unsqueeze(1) < counts.view(1, -1, 1)  # (N, S+1, D)
    rows = torch.where(removed, torch.as_tensor(baseline, dtype=flat.dtype, device=flat.device), flat.unsqueeze(1))
    with preserved(model), torch.no_grad():
        output = call_model(model, inputs)
        index = resolve_target(output, target)
        out = call_model(model, rows.reshape(n * (steps + 1), *inputs.shape[1:]))
        if probability and index is not None:
            out = torch.softmax(out, dim=1)
        repeated = None if index is None else index.repeat_interleave(steps + 1)
        scores = select(out, repeated, target).view(n, steps + 1)
    fractions = counts.to(scores.dtype) / d
    area = torch.trapezoid(scores, fractions, dim=1)
    return DeletionCurve(fractions, scores, area)
