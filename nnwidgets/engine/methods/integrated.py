"""Integrated gradients (Sundararajan et al. 2017), batched over the path steps.

Equal to Captum's ``IntegratedGradients`` (``method`` is called ``quadrature``
here) except for ``riemann_trapezoid``, whose weights are the textbook rule's
(see ``quadrature.py``). Differences in how, not what: all scaled inputs of a
chunk are built in one vectorised step and differentiated with one forward and
one ``autograd.grad`` of the summed target (Captum back-propagates each output
separately); F(x) and F(baseline) for the delta ride in the same forward when
everything fits in one; without ``internal_batch_size`` the chunks follow a
memory budget (``batching.CHUNK_BUDGET_BYTES``) instead of holding every step.
"""

from __future__ import annotations

import functools

import torch
from torch import nn

from ..batching import Lead, check_batch_size, chunk_gradients, model_forward, rows_within_budget
from ..explanation import Explanation
from ..quadrature import steps_and_weights as _steps_and_weights
from ..registry import register
from ..targets import Target, resolve_target
from ..baselines import baselines_like

Baselines = torch.Tensor | int | float | None


# Gauss-Legendre nodes cost a 50×50 eigenproblem (milliseconds), and building
# small tensors costs more than a tiny model's forward: a live view asks for
# the same few rules again and again. Errors are never cached.
_cached_rule = functools.lru_cache(maxsize=64, typed=True)(_steps_and_weights)


def steps_and_weights(n_steps: int, quadrature: str = "gausslegendre") -> tuple[list[float], list[float]]:
    """``quadrature.steps_and_weights``, cached (shared lists: never mutate them)."""
    try:
        return _cached_rule(n_steps, quadrature)
    except TypeError:  # unhashable option: the uncached call names the expected form
        return _steps_and_weights(n_steps, quadrature)


@functools.lru_cache(maxsize=64)
def _rule(n_steps: int, quadrature: str, dtype: torch.dtype, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    alphas, weights = steps_and_weights(n_steps, quadrature)
    return torch.tensor(alphas, dtype=dtype, device=device), torch.tensor(weights, dtype=dtype, device=device)


def rule_tensors(n_steps: int, quadrature: str, like: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Nodes α_k and weights w_k of the quadrature, as tensors like ``like`` (shared: never mutate)."""
    if isinstance(n_steps, bool) or not isinstance(n_steps, int) or not isinstance(quadrature, str):
        steps_and_weights(n_steps, quadrature)  # raises, naming the expected form
    return _rule(n_steps, quadrature, like.dtype, like.device)


def plan_steps(
    model: nn.Module, inputs: torch.Tensor, n_steps: int, internal_batch_size: int | None
) -> tuple[int, bool]:
    """Steps per forward, and whether F(x) and F(baseline) ride in the one forward.

    With ``internal_batch_size`` (rows per forward, as in Captum) a chunk holds
    ``internal_batch_size // N`` steps, at least one (so at least N rows). Without
    it, chunks are sized so one forward keeps about ``batching.CHUNK_BUDGET_BYTES``,
    again at least one full step and at most all steps.
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
    ``baselines``: None (zeros), a number, or a tensor broadcastable to the
    inputs. ``internal_batch_size`` bounds the rows per forward (whole steps,
    at least N); None picks chunks by a memory budget.
    """
    alpha, weight = rule_tensors(n_steps, quadrature, inputs)
    internal_batch_size = check_batch_size(internal_batch_size)
    x = inputs.detach()
    n = x.shape[0]
    if baselines is None:
        base, diff = torch.zeros_like(x), x
    else:
        base = baselines_like(x, baselines)
        diff = x - base
    alpha = alpha.view(-1, *([1] * x.dim()))

    def rows(start: int, stop: int) -> torch.Tensor:
        # Step-major rows (row k·N + i is example i at step k), as Captum orders them.
        steps = alpha if stop - start == n_steps * n else alpha[start // n : stop // n]
        scaled = steps * diff if baselines is None else torch.addcmul(base, steps, diff)
        return scaled.reshape(-1, *x.shape[1:])

    resolved: torch.Tensor | None = None

    def index(out: torch.Tensor) -> torch.Tensor | None:
        # The lead output starts with F(x): "predicted" is resolved there, then
        # repeated for the baseline rows and every step (expand + reshape is
        # several times cheaper than Tensor.repeat on small tensors).
        nonlocal resolved
        resolved = resolve_target(out[:n], target)
        return None if resolved is None else resolved.expand(n_steps + 2, n).reshape(-1)

    steps, fuse = plan_steps(model, x, n_steps, internal_batch_size)
    lead = Lead((x, base), fuse=fuse)
    total = None
    for chunk in chunk_gradients(
        model_forward(model), rows, n_steps * n, target, chunk_rows=steps * n, index=index, lead=lead
    ):
        k0, k1 = chunk.start // n, chunk.stop // n
        # Σ_k w_k grad_k over this chunk's steps as one matrix-vector product.
        w = weight if k1 - k0 == n_steps else weight[k0:k1]
        part = w @ chunk.gradient.reshape(k1 - k0, -1)
        total = part if total is None else total + part
    attributions = total.view_as(x) * diff
    delta = attributions.reshape(n, -1).sum(1) - (lead.values[:n] - lead.values[n:])
    return Explanation("integrated_gradients", attributions, lead.output[:n], resolved, delta=delta)
