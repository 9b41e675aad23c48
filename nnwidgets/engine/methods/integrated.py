"""Integrated gradients (Sundararajan et al. 2017), batched over the path steps."""

from __future__ import annotations

import torch
from torch import nn

from ..batching import LeadOutput, check_batch_size, chunk_gradients, model_forward, rows_within_budget
from ..errors import ExplanationInputError
from ..explanation import Explanation
from ..quadrature import steps_and_weights
from ..registry import register
from ..targets import Target, resolve_target, select
from ..validate import describe

Baselines = torch.Tensor | int | float | None


def make_baselines(baselines: Baselines, inputs: torch.Tensor) -> torch.Tensor:
    """The baseline as a tensor of the inputs' shape, dtype and device.

    None means zeros; a number fills every feature; a tensor must broadcast to
    the inputs (one per example, one for all, or per feature).
    """
    x = inputs.detach()
    if baselines is None:
        return torch.zeros_like(x)
    if isinstance(baselines, bool):
        raise ExplanationInputError(f"baselines must be None, a number or a tensor; got {baselines!r}")
    if isinstance(baselines, (int, float)):
        if baselines != baselines or baselines in (float("inf"), float("-inf")):
            raise ExplanationInputError(f"baselines must be a finite number; got {baselines!r}")
        return torch.full_like(x, float(baselines))
    if not isinstance(baselines, torch.Tensor):
        raise ExplanationInputError(
            f"baselines must be None, a number or a tensor broadcastable to the inputs "
            f"{tuple(x.shape)}; got {type(baselines).__name__}"
        )
    if baselines.device != x.device:
        raise ExplanationInputError(
            f"baselines are on {baselines.device} but the inputs are on {x.device}; "
            f"move them with baselines.to('{x.device}')"
        )
    try:
        shape = torch.broadcast_shapes(baselines.shape, x.shape)
    except RuntimeError:
        shape = None
    if shape != x.shape:
        raise ExplanationInputError(
            f"baselines must have shape {tuple(x.shape)}, {tuple(x.shape[1:])} or any shape "
            f"broadcastable to the inputs {tuple(x.shape)}; got {tuple(baselines.shape)}"
        )
    if baselines.dtype == torch.bool or (baselines.is_complex()):
        raise ExplanationInputError(f"baselines must be real numbers; got {describe(baselines)}")
    b = baselines.detach().to(x.dtype)
    if not bool(torch.isfinite(b).all()):
        raise ExplanationInputError(f"baselines contain NaN or infinite values ({describe(baselines)})")
    return b.expand_as(x).clone()


def plan_steps(
    model: nn.Module, inputs: torch.Tensor, n_steps: int, internal_batch_size: int | None
) -> tuple[int, bool]:
    """Steps per forward, and whether the inputs and baselines ride in the one forward.

    With ``internal_batch_size`` (rows per forward, as in Captum) a chunk holds
    ``internal_batch_size // N`` steps, at least one (so at least N rows). Without
    it, chunks are sized so one forward keeps about ``CHUNK_BUDGET_BYTES``
    (see :mod:`..batching`), again at least one full step and at most all steps.
    """
    n = inputs.shape[0]
    limit = internal_batch_size if internal_batch_size is not None else rows_within_budget(model, inputs)
    steps = max(1, min(n_steps, limit // n))
    # The 2N rows for F(x) and F(baseline) join the forward only when everything
    # fits in one; otherwise they take their own forward without gradient.
    fuse = (n_steps + 2) * n <= limit
    return steps, fuse


@register("integrated_gradients", title="Integrated gradients")
def integrated_gradients(
    model: nn.Module,
    inputs: torch.Tensor,
    target: Target,
    *,
    baselines: Baselines = None,
    n_steps: int = 50,
    quadrature: str = "gausslegendre",
    internal_batch_size: int | None = None,
) -> Explanation:
    """Integrated gradients along the straight path from ``baselines`` to the inputs.

    attributions = (x − b) · Σ_k w_k ∂F/∂x (b + α_k (x − b)), with the nodes and
    weights of ``quadrature`` (Captum's ``method``). ``delta`` is, per example,
    Σ attributions − (F(x) − F(b)) (Captum's ``return_convergence_delta``).
    ``internal_batch_size`` bounds the rows per forward; None picks chunks by a
    memory budget.
    """
    alphas, weights = steps_and_weights(n_steps, quadrature)
    internal_batch_size = check_batch_size(internal_batch_size)
    x = inputs.detach()
    base = make_baselines(baselines, x)
    n = x.shape[0]
    diff = x - base
    alpha = torch.tensor(alphas, dtype=x.dtype, device=x.device).view(-1, *([1] * x.dim()))
    weight = torch.tensor(weights, dtype=x.dtype, device=x.device)

    def rows(start: int, stop: int) -> torch.Tensor:
        # Step-major rows (row k·N + i is example i at step k), as Captum orders them.
        return torch.addcmul(base, alpha[start // n : stop // n], diff).reshape(-1, *x.shape[1:])

    steps, fuse = plan_steps(model, x, n_steps, internal_batch_size)
    lead = LeadOutput()

    def index(lead_out: torch.Tensor) -> torch.Tensor | None:
        resolved = resolve_target(lead_out[:n], target)
        return None if resolved is None else resolved.repeat(n_steps)

    total = torch.zeros(n * x[0].numel(), dtype=x.dtype, device=x.device)
    for chunk in chunk_gradients(
        model_forward(model), rows, n_steps * n, target, chunk_rows=steps * n,
        index=index, lead=torch.cat([x, base]), fuse_lead=fuse, lead_output=lead,
    ):
        k0, k1 = chunk.start // n, chunk.stop // n
        # Σ_k w_k grad_k over this chunk's steps as one matrix-vector product.
        total += weight[k0:k1] @ chunk.gradient.reshape(k1 - k0, -1)
    attributions = total.view_as(x) * diff

    out_x, out_b = lead.output[:n], lead.output[n:]
    resolved = resolve_target(out_x, target)
    f_x = select(out_x, resolved, target).detach()
    f_b = select(out_b, resolved, target).detach()
    delta = attributions.reshape(n, -1).sum(1) - (f_x - f_b)
    return Explanation("integrated_gradients", attributions, out_x, resolved, delta=delta)
