"""Model-agnostic surrogates over feature groups: kernel SHAP and LIME (no gradients).

Both sample binary vectors z over M feature groups (1 keeps a group's input
values, 0 sets it to the baseline), evaluate the model on the perturbed inputs
in batched forwards, and fit a weighted linear model y ≈ b + z·β per example;
β is the attribution of each group, spread over the group's elements. As
Captum's ``KernelShap`` and ``Lime``, with the regression done in torch (no
sklearn): weighted least squares for kernel SHAP, weighted Lasso by cyclic
coordinate descent (sklearn's algorithm, run to a tighter tolerance) for LIME.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from ..budget import TIME_LIMIT, auto_mask, auto_samples, grouping_note
from ..errors import ExplanationInputError
from ..explanation import Explanation
from ..perturb import (
    INF_WEIGHT,
    baseline_values,
    check_int,
    evaluate,
    feature_mask_tensor,
    generator,
    kernel_shap_samples,
    lime_samples,
)
from ..registry import register
from ..targets import Target

LASSO_TOL = 1e-10  # stop when no coefficient moved by more than this, relative to the largest
LASSO_MAX_SWEEPS = 10_000
LASSO_POLISH = 10  # sweeps between attempts at the exact solution
LASSO_GROW = 32  # groups added to the active set at a time
FIT_BYTES = 2**29  # the largest dense matrix a fit may hold (design or Gram), per call
_DISTANCES = ("cosine", "euclidean")


def _positive(name: str, value: object, *, strict: bool) -> float:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or value < 0 or (strict and value == 0):
        raise ExplanationInputError(f"{name} must be a finite number {'>' if strict else '≥'} 0; got {value!r}")
    return float(value)


def _solver_dtype(device: torch.device) -> torch.dtype:
    return torch.float32 if device.type == "mps" else torch.float64  # MPS has no float64


def _centre(z: torch.Tensor, y: torch.Tensor, w: torch.Tensor):
    """Weighted centring and √weight scaling, as sklearn does before fitting."""
    v = w / w.sum(1, keepdim=True)
    zm = (v.unsqueeze(-1) * z).sum(1)
    ym = (v * y).sum(1)
    root = v.sqrt()
    return (z - zm.unsqueeze(1)) * root.unsqueeze(-1), (y - ym.unsqueeze(1)) * root, zm, ym


def weighted_least_squares(z: torch.Tensor, y: torch.Tensor, w: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per example, argmin Σ w (y − b − z·β)²: coefficients (N, M) and intercepts (N,).

    The minimum-norm solution where the design is rank deficient (fewer
    samples than groups), like sklearn's ``LinearRegression``.
    """
    a, b, zm, ym = _centre(z, y, w)
    if a.device.type == "cpu":  # gelsd: sklearn's (scipy's) own driver, and far faster than pinv here
        coef = torch.linalg.lstsq(a, b.unsqueeze(-1), driver="gelsd").solution.squeeze(-1)
    else:  # the GPU drivers assume full rank; pinv gives the same minimum-norm solution
        coef = (torch.linalg.pinv(a) @ b.unsqueeze(-1)).squeeze(-1)
    return coef, ym - (zm * coef).sum(1)


def _descend(gram: list[list[float]], corr: list[float], beta: list[float], fitted: list[float], alpha: float,
             sweeps: int) -> bool:
    """Cyclic coordinate descent in place (sklearn's update; ``fitted`` = Gβ); True once no coefficient moves."""
    k = len(corr)
    for _ in range(sweeps):
        moved = top = 0.0
        for j in range(k):
            d, old = gram[j][j], beta[j]
            if d <= 0:
                continue
            rho = corr[j] - fitted[j] + d * old
            new = (rho - alpha if rho > alpha else rho + alpha if rho < -alpha else 0.0) / d
            if new != old:
                row, step = gram[j], new - old
                for i in range(k):
                    fitted[i] += row[i] * step
                beta[j] = new
                moved = max(moved, abs(step))
            top = max(top, abs(new))
        if moved <= LASSO_TOL * top:
            return True
    return False


def _exact(gram: torch.Tensor, corr: torch.Tensor, beta: torch.Tensor, alpha: float) -> torch.Tensor | None:
    """The optimum in closed form, if ``beta`` has found its support and signs (KKT checked)."""
    support = beta.nonzero().flatten()
    signs = beta[support].sign()
    try:
        values = torch.linalg.solve(gram[support][:, support], corr[support] - alpha * signs)
    except RuntimeError:  # singular: duplicate groups in the support
        return None
    exact = torch.zeros_like(beta)
    exact[support] = values
    slack = (corr - gram @ exact).abs()
    slack[support] = 0
    ok = bool((values.sign() == signs).all()) and bool((slack <= alpha * (1 + 1e-9)).all())
    return exact if ok else None


def _lasso(gram: torch.Tensor, corr: torch.Tensor, alpha: float) -> torch.Tensor:
    """argmin ½ βᵀGβ − cᵀβ + α‖β‖₁ for one example (CPU float64).

    Coordinate descent over an active set — the groups whose gradient breaks
    the optimality conditions — grown until none does; each time the support
    and signs settle, the exact optimum is solved for and checked.
    """
    beta = torch.zeros_like(corr)
    active = torch.zeros_like(corr, dtype=torch.bool)
    done = False
    for _ in range(LASSO_MAX_SWEEPS // LASSO_POLISH):
        slack = (corr - gram @ beta).abs()
        broken = ~active & (slack > alpha) & (gram.diagonal() > 0)
        if done and not bool(broken.any()):
            return beta
        # Grow by the worst offenders only: most groups never enter the model.
        worst = torch.where(broken, slack, -1.0).topk(min(LASSO_GROW, corr.numel())).indices
        active[worst[broken[worst]]] = True
        index = active.nonzero().flatten()
        sub, values = gram[index][:, index], beta[index]
        fitted = (sub @ values).tolist()
        values = values.tolist()
        done = _descend(sub.tolist(), corr[index].tolist(), values, fitted, alpha, LASSO_POLISH)
        beta[index] = torch.tensor(values, dtype=beta.dtype)
        exact = _exact(gram, corr, beta, alpha)
        if exact is not None:
            return exact
    return beta


def weighted_lasso(
    z: torch.Tensor, y: torch.Tensor, w: torch.Tensor, alpha: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """Per example, argmin Σ w (y − b − z·β)² / (2 Σ w) + α ‖β‖₁ (sklearn ``Lasso``'s objective).

    The coefficient loop is sequential and tiny (groups × groups), so it runs
    on the CPU in Python floats, where per-operation launch costs do not
    dominate; the result returns to the inputs' device.
    """
    if alpha == 0:
        return weighted_least_squares(z, y, w)
    a, b, zm, ym = _centre(z, y, w)
    _check_bytes(z.shape[0] * z.shape[2] ** 2 * 8, f"LIME's Lasso over {z.shape[2]} features (their Gram matrix)")
    gram = (a.transpose(1, 2) @ a).cpu().double()
    corr = (a.transpose(1, 2) @ b.unsqueeze(-1)).squeeze(-1).cpu().double()
    beta = torch.stack([_lasso(g, c, alpha) for g, c in zip(gram, corr)]).to(device=z.device, dtype=z.dtype)
    return beta, ym - (zm * beta).sum(1)


def _check_bytes(size: int, what: str) -> None:
    if size > FIT_BYTES:
        raise ExplanationInputError(
            f"{what} would need {size / 2**30:.1f} GiB of memory; group the elements into fewer "
            f"features with a coarser feature_mask (e.g. image patches), or use fewer n_samples"
        )


def weighted_r2(z: torch.Tensor, y: torch.Tensor, w: torch.Tensor, coef: torch.Tensor, icpt: torch.Tensor,
                eps: float) -> torch.Tensor:
    """Weighted R² of the fit per example (1 where the output did not vary)."""
    ym = (w * y).sum(1) / w.sum(1)
    res = (w * (y - icpt.unsqueeze(1) - (z * coef.unsqueeze(1)).sum(-1)) ** 2).sum(1)
    tot = (w * (y - ym.unsqueeze(1)) ** 2).sum(1)
    # Forward passes over different batches differ by rounding: below that, y is constant.
    floor = (eps * y.abs().amax(1).clamp(min=1)) ** 2 * w.sum(1)
    return torch.where(tot > floor, 1 - res / tot.clamp(min=floor), (res <= floor).to(y.dtype))


def _interior(w: torch.Tensor) -> torch.Tensor:
    """Kernel SHAP's R² weights: the end points' huge weights would make every fit look perfect."""
    inner = torch.where(w >= INF_WEIGHT, torch.zeros_like(w), w)
    return torch.where(inner.sum(1, keepdim=True) > 0, inner, w)


def fit_note(n_samples: int, m: int) -> str:
    """How far a surrogate's fit can be trusted from its counts alone (``extras["fit"]``)."""
    if n_samples <= m + 1:
        return (f"under-determined: {n_samples} samples for {m} features (+ intercept); the surrogate can "
                f"fit any output exactly, so R² is not reported; use ≥ {2 * (m + 1)} samples or fewer features")
    return f"{n_samples} samples for {m} features (+ intercept)"


def _fit(model: nn.Module, inputs: torch.Tensor, target: Target, name: str, feature_mask: object,
         baselines: object, n_samples: object, seed: object, perturbations_per_eval: object, design, solve,
         r2_weights=lambda w: w, time_limit: object = TIME_LIMIT) -> Explanation:
    """Sample, evaluate, fit. ``design(n, s, m, gen)`` gives the binary rows z (n, s, m) and
    ``weigh(batch, start, stop)``, the weights (stop - start, n) of the perturbed batch."""
    gen, used = generator(seed)
    note = None
    if feature_mask is None and (grouped := auto_mask(inputs)) is not None:
        feature_mask = grouped
        note = grouping_note(inputs, int(grouped.max()) + 1)
    if feature_mask is None:
        ids = torch.arange(inputs[0].numel(), device=inputs.device)
        inverse = ids.view((1,) + tuple(inputs.shape[1:]))
    else:
        ids, inverse = torch.unique(feature_mask_tensor(inputs, feature_mask), return_inverse=True)
    base = baseline_values(inputs, baselines)
    n, m = inputs.shape[0], ids.numel()
    n_samples = auto_samples(m) if n_samples is None else check_int("n_samples", n_samples)
    _check_bytes(n * n_samples * m * 8, f"{name} with {n_samples} samples over {m} features (its design matrix)")
    groups = inverse.expand(inputs.shape).reshape(n, -1)
    dtype = _solver_dtype(inputs.device)
    with torch.no_grad():
        z, weigh = design(n, n_samples, m, gen)
        z = z.to(inputs.device)
        w = torch.empty(n_samples, n, dtype=dtype, device=inputs.device)

        def build(start: int, stop: int) -> torch.Tensor:
            keep = z[:, start:stop].transpose(0, 1)
            keep = torch.gather(keep, 2, groups.expand(stop - start, n, -1)).view((stop - start,) + inputs.shape)
            batch = torch.where(keep, inputs, base)
            w[start:stop] = weigh(batch, start, stop)
            return batch

        ref, y = evaluate(model, inputs, target, n_samples, perturbations_per_eval, build, time_limit=time_limit,
                          what=f"{name} with {n_samples} samples over {m} features",
                          lower="pass fewer n_samples or a coarser feature_mask")
        y = y.T.to(dtype)
        zf, w = z.to(dtype), w.T
        coef, icpt = solve(zf, y, w)
        r2 = weighted_r2(zf, y, r2_weights(w), coef, icpt, torch.finfo(ref.scalars.dtype).eps)
        # m + 1 unknowns (with the intercept) and at most as many samples: the fit
        # can pass through every sample, so its R² says nothing about the model.
        underdetermined = n_samples <= m + 1
        if underdetermined:
            r2 = torch.full_like(r2, float("nan"))
        out = ref.scalars.dtype
        attr = torch.gather(coef.to(out), 1, groups).reshape(inputs.shape)
    extras = {"r2": r2.to(out), "coefficients": coef.to(out), "intercept": icpt.to(out),
              "features": ids.reshape(-1), "seed": used, "n_samples": n_samples,
              "underdetermined": underdetermined, "fit": fit_note(n_samples, m)}
    if note is not None:
        extras.update(grouping=note, feature_mask=feature_mask)
    return Explanation(name, attr, ref.output, ref.index, extras=extras)


@register("kernel_shap", title="Kernel SHAP", needs_grad=False)
def kernel_shap(
    model: nn.Module,
    inputs: torch.Tensor,
    target: Target,
    *,
    feature_mask: torch.Tensor | None = None,
    n_samples: int | None = None,
    baselines: float | torch.Tensor = 0.0,
    seed: int | None = None,
    perturbations_per_eval: int | None = None,
    time_limit: float | None = TIME_LIMIT,
) -> Explanation:
    """Kernel SHAP (Lundberg & Lee 2017), as Captum's ``KernelShap``.

    Shapley values of the feature groups of ``feature_mask`` (integer,
    broadcastable to the inputs; None = every element its own group) against
    ``baselines``, from ``n_samples`` coalitions (the first two: all groups and
    none) fitted by Shapley-kernel-weighted least squares. ``seed`` makes the
    sampling reproducible (None: fresh, reported in ``extras["seed"]``).
    Without ``feature_mask``, inputs above 1024 elements are grouped as for
    ``feature_ablation``; without ``n_samples``, twice the fit's unknowns
    (2 (groups + 1), at least 25) are drawn. ``time_limit`` as for occlusion.
    ``extras``: ``r2`` (the fit's R² per example over the sampled coalitions —
    the two end points, fitted almost exactly by construction, are left out;
    NaN when the fit is under-determined, samples ≤ groups + 1),
    ``underdetermined``, ``fit`` (a sentence on the fit's counts), ``n_samples``,
    ``coefficients`` (N, groups), ``intercept``, ``features`` (the mask value of
    each group), ``seed``.
    """
    def design(n: int, s: int, m: int, gen: torch.Generator):
        z, w = kernel_shap_samples(n, s, m, gen)
        w = w.to(_solver_dtype(inputs.device)).to(inputs.device).T
        return z, lambda batch, start, stop: w[start:stop]

    return _fit(model, inputs, target, "kernel_shap", feature_mask, baselines, n_samples, seed,
                perturbations_per_eval, design, weighted_least_squares, _interior, time_limit)


@register("lime", title="LIME", needs_grad=False)
def lime(
    model: nn.Module,
    inputs: torch.Tensor,
    target: Target,
    *,
    feature_mask: torch.Tensor | None = None,
    n_samples: int | None = None,
    baselines: float | torch.Tensor = 0.0,
    seed: int | None = None,
    kernel_width: float = 1.0,
    distance: str = "cosine",
    alpha: float = 0.01,
    perturbations_per_eval: int | None = None,
    time_limit: float | None = TIME_LIMIT,
) -> Explanation:
    """LIME (Ribeiro et al. 2016), as Captum's ``Lime`` with its defaults.

    Each of ``n_samples`` rows keeps every group of ``feature_mask`` with
    probability ½ (others set to ``baselines``); rows are weighted by
    exp(−d² / (2 ``kernel_width``²)), d the ``distance`` ("cosine": 1 − cosine
    similarity, or "euclidean") between the perturbed and the original input,
    and fitted by a weighted Lasso with penalty ``alpha`` (0: least squares).
    ``seed`` and ``extras`` as for ``kernel_shap`` (``r2``: the weighted R² of the fit).
    """
    width = _positive("kernel_width", kernel_width, strict=True)
    alpha = _positive("alpha", alpha, strict=False)
    if distance not in _DISTANCES:
        raise ExplanationInputError(f"distance must be one of {', '.join(map(repr, _DISTANCES))}; got {distance!r}")
    flat = inputs.reshape(inputs.shape[0], -1).float()  # Captum measures distance in float32

    def weigh(batch: torch.Tensor, start: int, stop: int) -> torch.Tensor:
        other = batch.reshape(stop - start, inputs.shape[0], -1).float()
        if distance == "cosine":
            d = 1 - F.cosine_similarity(flat.unsqueeze(0), other, dim=-1)
        else:
            d = torch.linalg.vector_norm(flat.unsqueeze(0) - other, dim=-1)
        return torch.exp(-d.to(_solver_dtype(inputs.device)) ** 2 / (2 * width**2))

    def design(n: int, s: int, m: int, gen: torch.Generator):
        return lime_samples(n, s, m, gen), weigh

    return _fit(model, inputs, target, "lime", feature_mask, baselines, n_samples, seed,
                perturbations_per_eval, design, lambda z, y, w: weighted_lasso(z, y, w, alpha), time_limit=time_limit)
