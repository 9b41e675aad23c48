"""SmoothGrad and its variants: a gradient method averaged over noisy copies of the input.

Smilkov et al. 2017 (SmoothGrad), Adebayo et al. 2018 (VarGrad); the same
formulas as Captum's ``NoiseTunnel``. Every noisy sample of every example is
one row of an expanded batch, run in chunks (one forward and one backward per
chunk) rather than one call per sample.
"""

from __future__ import annotations

import torch
from torch import nn

from ..batching import Lead, check_batch_size, chunk_gradients, model_forward, rows_within_budget
from ..errors import ExplanationInputError
from ..explanation import Explanation
from ..registry import register
from ..targets import Target, resolve_target

NT_TYPES = ("smoothgrad", "smoothgrad_sq", "vargrad")
BASES = ("gradient", "saliency", "input_x_gradient")


def _check(nt_type: str, nt_samples: int, stdevs: float, seed: int | None, base: str) -> float:
    if nt_type not in NT_TYPES:
        raise ExplanationInputError(f"unknown nt_type {nt_type!r}; choose one of {', '.join(NT_TYPES)}")
    if base not in BASES:
        raise ExplanationInputError(f"unknown base {base!r}; choose one of {', '.join(BASES)}")
    if isinstance(nt_samples, bool) or not isinstance(nt_samples, int) or nt_samples < 1:
        raise ExplanationInputError(f"nt_samples must be an int ≥ 1; got {nt_samples!r}")
    if isinstance(stdevs, bool) or not isinstance(stdevs, (int, float)) or not stdevs >= 0 or stdevs == float("inf"):
        raise ExplanationInputError(
            f"stdevs must be a finite number ≥ 0 (the standard deviation of the Gaussian noise); got {stdevs!r}"
        )
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**64):
        raise ExplanationInputError(f"seed must be None or an int in [0, 2**64); got {seed!r}")
    return float(stdevs)


def draw_noise(shape: tuple[int, ...], stdevs: float, like: torch.Tensor, seed: int | None,
               draw=None) -> tuple[torch.Tensor, int]:
    """Gaussian noise N(0, stdevs²) of ``shape`` from a private generator; returns it and the seed.

    The global RNG is neither read nor advanced. ``randn * stdevs`` gives, for the
    same seed on CPU, bit for bit what Captum's ``torch.normal(0, stdev_tensor)``
    draws from the global generator. ``draw(shape, like, generator)``, if given,
    draws instead (tuple inputs: each input's noise in turn, see ``tuples.py``).
    """
    generator = torch.Generator(device=like.device)
    if seed is None:
        seed = generator.seed()
    else:
        generator.manual_seed(seed)
    if draw is not None:
        return draw(shape, like, generator), seed
    noise = torch.randn(shape, generator=generator, dtype=like.dtype, device=like.device) * stdevs
    return noise, seed


def smooth(per_sample: torch.Tensor, nt_type: str) -> torch.Tensor:
    """Reduce attributions of shape (N, samples, ...) over the samples as ``nt_type`` asks."""
    n_samples = per_sample.shape[1]
    # Same operation order as Captum (sum, times 1, over n) so results agree to rounding.
    mean = per_sample.sum(1) * 1 / n_samples
    if nt_type == "smoothgrad":
        return mean
    mean_sq = (per_sample**2).sum(1) * 1 / n_samples
    if nt_type == "smoothgrad_sq":
        return mean_sq
    return mean_sq - mean * mean


@register("smoothgrad", title="SmoothGrad")
def smoothgrad(
    model: nn.Module,
    inputs: torch.Tensor,
    target: Target,
    *,
    nt_type: str = "smoothgrad",
    nt_samples: int = 5,
    stdevs: float = 1.0,
    seed: int | None = None,
    base: str = "gradient",
    internal_batch_size: int | None = None,
    _noise=None,
) -> Explanation:
    """A gradient method over ``nt_samples`` copies of each input plus N(0, stdevs²) noise.

    ``base``: ``"gradient"`` (signed ∂y/∂x, the SmoothGrad paper's map, default),
    ``"saliency"`` (|∂y/∂x|, as Captum's ``NoiseTunnel(Saliency(model))``) or
    ``"input_x_gradient"`` (noisy input × its gradient). ``nt_type``: the mean
    (``smoothgrad``), the mean of squares (``smoothgrad_sq``) or the variance
    (``vargrad``) over the samples. ``stdevs`` is the noise's absolute standard
    deviation. ``seed`` makes the noise reproducible; without one a fresh seed
    is drawn and reported in ``extras["seed"]``. ``extras["signed"]`` says
    whether these attributions can be negative (only the mean of a signed base).
    ``internal_batch_size`` bounds the rows per forward (None: a memory budget).
    """
    stdevs = _check(nt_type, nt_samples, stdevs, seed, base)
    internal_batch_size = check_batch_size(internal_batch_size)
    x = inputs.detach()
    n = x.shape[0]
    n_rows = n * nt_samples
    # Example-major rows (row i·S + s is sample s of example i), as Captum draws them.
    noisy, seed = draw_noise((n_rows, *x.shape[1:]), stdevs, x, seed, _noise)
    noisy.view(n, nt_samples, *x.shape[1:]).add_(x.unsqueeze(1))  # in place: one expanded copy only

    limit = internal_batch_size if internal_batch_size is not None else max(n, rows_within_budget(model, x))

    resolved: torch.Tensor | None = None

    def index(out_x: torch.Tensor) -> torch.Tensor | None:
        # "predicted" is resolved on the clean inputs (the lead rows), then
        # repeated for each example's samples.
        nonlocal resolved
        resolved = resolve_target(out_x, target)
        return None if resolved is None else torch.cat([resolved, resolved.repeat_interleave(nt_samples)])

    lead = Lead((x,), fuse=n_rows + n <= limit)
    chunks = chunk_gradients(
        model_forward(model), noisy, n_rows, target, chunk_rows=min(n_rows, limit), index=index, lead=lead
    )
    grads = [chunk.gradient for chunk in chunks]
    grad = torch.cat(grads) if len(grads) > 1 else grads[0]
    if base == "saliency":
        grad = grad.abs_()
    elif base == "input_x_gradient":
        grad = grad.mul_(noisy)
    attributions = smooth(grad.view(n, nt_samples, *x.shape[1:]), nt_type)
    signed = nt_type == "smoothgrad" and base != "saliency"
    return Explanation(
        "smoothgrad", attributions, lead.output, resolved,
        extras={"seed": seed, "signed": signed, "nt_type": nt_type, "base": base},
    )
