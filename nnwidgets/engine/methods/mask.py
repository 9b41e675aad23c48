"""Learned mask: feature weights found by gradient descent on a mask over the input.

Close to "Meaningful Perturbations" (Fong & Vedaldi 2017): a mask m in [0, 1]
per feature blends the input with a baseline, ``baseline + m * (x - baseline)``,
and is optimised so the masked input keeps the prediction ("preserve") or, with
``1 - m`` kept, loses it ("delete"), with a sparsity penalty on the mask's area.
The mask is the importance. Captum has no equivalent.
"""

from __future__ import annotations

import math
import time

import torch
from torch import nn

from ..errors import ExplanationInputError
from ..baselines import baselines_like
from ..budget import TIME_LIMIT, Budget
from ..explanation import Explanation
from ..passes import call_model
from ..progress import step as report_step
from ..registry import register
from ..targets import Target, resolve_target, select
from ..validate import describe

_MODES = ("preserve", "delete")
_JITTER = 0.1  # std of the initial logits' noise: breaks ties, barely moves the start


def _real(name: str, value: object, *, low: float, strict: bool) -> float:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or (value <= low if strict else value < low):
        bound = f"> {low:g}" if strict else f"≥ {low:g}"
        raise ExplanationInputError(f"{name} must be a finite number {bound}; got {value!r}")
    return float(value)


def _check(inputs: torch.Tensor, mode: str, steps: int, lr: float, sparsity: float,
           smoothness: float, init: float, seed: int | None, spatial: bool) -> None:
    if not inputs.is_floating_point():
        raise ExplanationInputError(
            f"learned_mask needs a floating-point input; got {describe(inputs)}. For token ids, "
            "explain through the embedding layer instead."
        )
    if mode not in _MODES:
        raise ExplanationInputError(f"mode must be one of {', '.join(map(repr, _MODES))}; got {mode!r}")
    if not isinstance(steps, int) or isinstance(steps, bool) or steps < 1:
        raise ExplanationInputError(f"steps must be an int ≥ 1; got {steps!r}")
    _real("lr", lr, low=0.0, strict=True)
    _real("sparsity", sparsity, low=0.0, strict=False)
    if _real("smoothness", smoothness, low=0.0, strict=False) > 0 and not spatial:
        raise ExplanationInputError(
            "smoothness (a total-variation penalty) needs image inputs of shape (N, C, H, W) and "
            f"feature_mask=None; got inputs of shape {tuple(inputs.shape)}"
            + (" with a feature_mask" if inputs.dim() == 4 else "")
        )
    if not isinstance(init, (int, float)) or isinstance(init, bool) or not 0.0 < init < 1.0:
        raise ExplanationInputError(f"init must be a number strictly between 0 and 1; got {init!r}")
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
        raise ExplanationInputError(f"seed must be an int or None; got {seed!r}")


def _broadcasts(shape: torch.Size, to: torch.Size) -> bool:
    # By hand: torch.broadcast_shapes imports torch._refs (seconds) on first use.
    return len(shape) <= len(to) and all(a in (1, b) for a, b in zip(reversed(shape), reversed(to)))


def _groups(feature_mask: object, inputs: torch.Tensor) -> tuple[torch.Tensor, int] | None:
    """Each element's group index per example, (N, D), and the number of groups."""
    if feature_mask is None:
        return None
    fm = torch.as_tensor(feature_mask, device=inputs.device)
    if fm.is_floating_point() or fm.is_complex() or fm.dtype == torch.bool:
        raise ExplanationInputError(f"feature_mask must hold integer group ids; got dtype {fm.dtype}")
    shape = tuple(inputs.shape)
    if not _broadcasts(fm.shape, inputs.shape):
        raise ExplanationInputError(
            f"feature_mask must have shape {shape} or {shape[1:]} — broadcastable to the inputs "
            f"{shape}; got {tuple(fm.shape)}"
        )
    _, inverse = torch.unique(fm.expand(shape), return_inverse=True)
    n_groups = int(inverse.max()) + 1
    return inverse.reshape(shape[0], -1), n_groups


def _objective(output: torch.Tensor, index: torch.Tensor | None, target: Target, mode: str) -> torch.Tensor:
    """Per-example loss from the model: lower is better for the mask."""
    if index is None:  # callable or single output: the raw scalar
        score = select(output, None, target)
        return -score if mode == "preserve" else score
    logits = output.float() if output.dtype in (torch.float16, torch.bfloat16) else output
    if mode == "preserve":
        return -torch.log_softmax(logits, 1).gather(1, index.view(-1, 1)).squeeze(1)
    # delete: maximise log(1 - p_target), which stops rewarding once the class is gone
    # (minimising log p would keep rewarding ever larger deletions without bound).
    others = logits.masked_fill(nn.functional.one_hot(index, logits.shape[1]).bool(), -math.inf)
    return torch.logsumexp(logits, 1) - torch.logsumexp(others, 1)


def _score(output: torch.Tensor, index: torch.Tensor | None, target: Target) -> torch.Tensor:
    """What extras report: the target class's probability, or the raw target scalar."""
    if index is None:
        return select(output, None, target).detach()
    return torch.softmax(output.float(), 1).gather(1, index.view(-1, 1)).squeeze(1).to(output.dtype)


def _total_variation(m: torch.Tensor) -> torch.Tensor:
    """Mean absolute difference between neighbouring mask values, per example."""
    dh = (m[..., 1:, :] - m[..., :-1, :]).abs().flatten(1).mean(1)
    dw = (m[..., :, 1:] - m[..., :, :-1]).abs().flatten(1).mean(1)
    return dh + dw


class _Adam:
    """Adam (Kingma & Ba 2015, torch's defaults) on one tensor, updated in place.

    By hand rather than ``torch.optim.Adam``, whose first use imports torch._dynamo
    (seconds on a small machine) for a loop of a few element-wise operations.
    """

    def __init__(self, param: torch.Tensor, lr: float, betas=(0.9, 0.999), eps: float = 1e-8) -> None:
        self.param, self.lr, self.betas, self.eps, self.t = param, lr, betas, eps, 0
        self.m, self.v = torch.zeros_like(param), torch.zeros_like(param)

    def step(self, grad: torch.Tensor) -> None:
        b1, b2 = self.betas
        self.t += 1
        self.m.mul_(b1).add_(grad, alpha=1 - b1)
        self.v.mul_(b2).addcmul_(grad, grad, value=1 - b2)
        denom = (self.v / (1 - b2**self.t)).sqrt_().add_(self.eps)
        self.param.addcdiv_(self.m, denom, value=-self.lr / (1 - b1**self.t))


@register("learned_mask", title="Learned mask", signed=False)
def learned_mask(
    model: nn.Module,
    inputs: torch.Tensor,
    target: Target,
    *,
    mode: str = "preserve",
    feature_mask: torch.Tensor | None = None,
    baselines: float | torch.Tensor = 0.0,
    steps: int = 200,
    lr: float = 0.1,
    sparsity: float = 0.5,
    smoothness: float = 0.0,
    seed: int | None = None,
    init: float = 0.5,
    time_limit: float | None = TIME_LIMIT,
) -> Explanation:
    """A mask m ∈ [0, 1] per feature, learned with Adam so the masked input keeps
    (``mode="preserve"``) or loses (``"delete"``) the prediction, plus
    ``sparsity · area(m)`` and optionally ``smoothness · TV(m)`` for (N, C, H, W) inputs.

    Masked input: ``baseline + m ⊙ (x − baseline)`` (preserve) or with ``1 − m`` (delete).
    Class targets: preserve maximises log p_target, delete maximises log(1 − p_target);
    callable or single-output targets: the raw scalar is maximised / minimised.
    ``feature_mask`` (integer ids broadcastable to the inputs) gives one mask value per
    group. The mask is ``sigmoid(logits)``; the logits start at ``logit(init)`` plus a
    small jitter from a private generator seeded with ``seed`` (None: fresh).
    Returns the mask broadcast to the inputs; ``extras``: ``loss`` (steps,) mean over
    examples, ``final_score`` per example on the final masked input (the target's
    probability, or the raw scalar), ``initial_score`` the same on the unmasked input, ``mode``.
    A run estimated to take more than ``time_limit`` seconds is refused after its first
    timed step, or before it when even three forwards a step would exceed it (None: no limit).
    """
    _check(inputs, mode, steps, lr, sparsity, smoothness, init, seed,
           spatial=inputs.dim() == 4 and feature_mask is None)
    groups = _groups(feature_mask, inputs)
    x = inputs.detach()
    base = baselines_like(x, baselines)
    n = x.shape[0]
    budget = Budget(time_limit, f"learned_mask with {steps} steps", "pass fewer steps")
    with torch.no_grad():
        prediction = call_model(model, x).detach()
    budget.check(1, 1 + 3 * steps, report=False)  # a step costs at least ~3 forwards: hopeless runs stop here
    index = resolve_target(prediction, target)

    # The optimiser's state lives in float32 even for half-precision inputs.
    pdtype = torch.promote_types(x.dtype, torch.float32)
    shape = tuple(x.shape) if groups is None else (n, groups[1])
    generator = torch.Generator()  # private: the global RNG is left alone
    if seed is None:
        generator.seed()
    else:
        generator.manual_seed(seed)
    noise = torch.randn(shape, generator=generator, dtype=pdtype)
    logits = (math.log(init / (1 - init)) + _JITTER * noise).to(x.device)
    adam = _Adam(logits, lr)

    def expand(m: torch.Tensor) -> torch.Tensor:
        return m if groups is None else m.gather(1, groups[0]).view(x.shape)

    def masked(mask: torch.Tensor) -> torch.Tensor:
        keep = mask if mode == "preserve" else 1 - mask
        return (base + keep.to(x.dtype) * (x - base)).to(x.dtype)

    losses = []
    with torch.enable_grad():
        for done in range(1, steps + 1):
            began = time.perf_counter()
            leaf = logits.detach().requires_grad_(True)
            mask = expand(torch.sigmoid(leaf))
            output = call_model(model, masked(mask))
            loss = _objective(output, index, target, mode).to(pdtype)
            if not loss.requires_grad:
                raise ExplanationInputError(
                    "the target output does not depend on the inputs through a differentiable "
                    "path; check that the model does not detach its input"
                )
            loss = loss + sparsity * mask.flatten(1).mean(1)
            if smoothness > 0:
                loss = loss + smoothness * _total_variation(mask)
            # Only our leaf is differentiated: the model's parameters' .grad stay untouched.
            (grad,) = torch.autograd.grad(loss.sum(), leaf)
            adam.step(grad)
            losses.append(loss.detach().mean())
            if done <= 2 and steps > done:
                # Timed steps, not forwards: on small models a step's fixed costs (autograd, the
                # optimiser) are many forwards' worth. The first is held to the limit, the
                # second (warm) is the closer estimate the view shows.
                budget.rest(done, steps, 1, time.perf_counter() - began, refuse=done == 1)
            report_step(done, steps)
    with torch.no_grad():
        mask = expand(torch.sigmoid(logits)).detach()
        final = _score(call_model(model, masked(mask)), index, target)
        initial = _score(prediction, index, target)
    extras = {"loss": torch.stack(losses).cpu(), "final_score": final.detach(),
              "initial_score": initial.detach(), "mode": mode}
    return Explanation("learned_mask", mask.to(x.dtype), prediction, index, extras=extras)
