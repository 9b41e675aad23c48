"""Kernel SHAP and LIME: against Captum on the same samples, analytic answers, seeds, errors.

Captum draws its coalitions from the global RNG, which cannot be matched; so
these tests hand Captum our own sampled binary rows (its ``perturb_func`` hook)
and compare the whole pipeline — perturbation, weights, regression — exactly.
"""

from __future__ import annotations

import warnings

import pytest
import torch
from torch import nn

import nnwidgets as nw
from nnwidgets.engine import ExplanationInputError
from nnwidgets.engine.methods import surrogate
from nnwidgets.engine.perturb import kernel_shap_samples, lime_samples

from .. import zoo
from ..models import assert_same, fingerprint

captum = pytest.importorskip("captum.attr")
linear_model = pytest.importorskip("captum._utils.models.linear_model")
pytest.importorskip("sklearn")  # Captum's interpretable models, the reference only


def _feeder(z: torch.Tensor):
    """A Captum perturb generator yielding our rows, one example after the other."""
    examples = iter(range(z.shape[0]))

    def rows(_inputs, **_kwargs):
        for row in z[next(examples)]:
            yield row.long().view(1, -1)

    return rows


def _contiguous_mask(case: zoo.Case) -> torch.Tensor | None:
    shape = tuple(case.inputs.shape[1:])
    if len(shape) == 1:
        return None
    h, w = shape[1:]  # 2×2 superpixels shared by all channels
    return ((torch.arange(h)[:, None] // 2) * ((w + 1) // 2) + torch.arange(w)[None] // 2).view(1, 1, h, w)


def _groups(case: zoo.Case, mask: torch.Tensor | None) -> int:
    return case.inputs[0].numel() if mask is None else int(mask.max()) + 1


def _target(case: zoo.Case):
    return None if case.regression else torch.arange(case.inputs.shape[0]) % 3


def _captum(cls, case, z, mask, target, n_samples, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        explainer = cls(case.model, **kwargs)
        explainer.perturb_func = _feeder(z)
        return explainer.attribute(case.inputs, target=target, feature_mask=mask, n_samples=n_samples,
                                   baselines=0.1, perturbations_per_eval=n_samples)


@pytest.mark.parametrize("build", zoo.DENSE_CASES + [zoo.text_lstm], ids=lambda b: b.__name__)
def test_kernel_shap_matches_captum_on_the_same_samples(build):
    case = build()
    mask, target, s = _contiguous_mask(case), _target(case), 30
    base = 2 if case.embedding else 0.1  # a token model gets a baseline id
    before = fingerprint(case.model)
    exp = nw.attribute(case.model, case.inputs, "kernel_shap", target, feature_mask=mask, n_samples=s,
                       seed=7, baselines=base)
    assert_same(before, fingerprint(case.model))
    z, _ = kernel_shap_samples(case.inputs.shape[0], s, _groups(case, mask), torch.Generator().manual_seed(7))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        explainer = captum.KernelShap(case.model)
        explainer.perturb_func = _feeder(z)
        theirs = explainer.attribute(case.inputs, target=target, feature_mask=mask, n_samples=s, baselines=base,
                                     perturbations_per_eval=s)
    torch.testing.assert_close(exp.attributions, theirs, rtol=1e-5, atol=1e-5)
    assert exp.extras["r2"].shape == (case.inputs.shape[0],)


def test_kernel_shap_per_example_masks_match_captum():
    case = zoo.cnn()
    n, s = case.inputs.shape[0], 30
    rows = torch.arange(8).view(1, 8, 1).expand(n, 8, 8)
    cols = torch.arange(8).view(1, 1, 8).expand(n, 8, 8)
    per_example = torch.stack([rows[0] // 2, cols[1] // 2, (rows[2] + cols[2]) % 4]).unsqueeze(1)  # (3, 1, 8, 8)
    exp = nw.attribute(case.model, case.inputs, "kernel_shap", 1, feature_mask=per_example, n_samples=s, seed=4)
    z, _ = kernel_shap_samples(n, s, 4, torch.Generator().manual_seed(4))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        explainer = captum.KernelShap(case.model)
        explainer.perturb_func = _feeder(z)
        theirs = explainer.attribute(case.inputs, target=1, feature_mask=per_example, n_samples=s,
                                     perturbations_per_eval=s)
    torch.testing.assert_close(exp.attributions, theirs, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("build", zoo.DENSE_CASES, ids=lambda b: b.__name__)
def test_lime_matches_captum_on_the_same_samples(build):
    case = build()
    mask, target, s, n = _contiguous_mask(case), _target(case), 40, case.inputs.shape[0]
    z = lime_samples(n, s, _groups(case, mask), torch.Generator().manual_seed(3))
    # Captum's default (Lasso α = 0.01, cosine kernel of width 1), sklearn run to a tight tolerance.
    lasso = linear_model.SkLearnLasso(alpha=0.01, tol=1e-12, max_iter=100_000)
    ours = nw.attribute(case.model, case.inputs, "lime", target, feature_mask=mask, n_samples=s, seed=3,
                        baselines=0.1)
    theirs = _captum(captum.Lime, case, z, mask, target, s, interpretable_model=lasso)
    torch.testing.assert_close(ours.attributions, theirs, rtol=1e-5, atol=1e-5)
    # Least squares and a euclidean kernel of width 2.
    from captum.attr._core.lime import get_exp_kernel_similarity_function

    similarity = get_exp_kernel_similarity_function("euclidean", 2.0)
    ours = nw.attribute(case.model, case.inputs, "lime", target, feature_mask=mask, n_samples=s, seed=3,
                        baselines=0.1, alpha=0.0, distance="euclidean", kernel_width=2.0)
    theirs = _captum(captum.Lime, case, z, mask, target, s, similarity_func=similarity,
                     interpretable_model=linear_model.SkLearnLinearRegression())
    torch.testing.assert_close(ours.attributions, theirs, rtol=1e-5, atol=1e-5)


def test_lime_default_matches_captum_default_within_its_tolerance():
    case = zoo.cnn()
    mask, target, n = _contiguous_mask(case), _target(case), case.inputs.shape[0]
    z = lime_samples(n, 25, _groups(case, mask), torch.Generator().manual_seed(0))
    ours = nw.attribute(case.model, case.inputs, "lime", target, feature_mask=mask, seed=0, baselines=0.1,
                       n_samples=25)  # Captum's own default is 50; ours follows the features
    theirs = _captum(captum.Lime, case, z, mask, target, 25)  # sklearn Lasso at its default tol=1e-4
    torch.testing.assert_close(ours.attributions, theirs, rtol=1e-3, atol=1e-4)


def test_solvers_match_sklearn_directly():
    sk = pytest.importorskip("sklearn.linear_model")
    gen = torch.Generator().manual_seed(1)
    for s, m in [(40, 6), (12, 20), (25, 150)]:  # over- and under-determined (minimum-norm) designs
        z = (torch.rand(2, s, m, generator=gen) < 0.5).double()
        y = torch.randn(2, s, generator=gen, dtype=torch.float64)
        w = torch.rand(2, s, generator=gen, dtype=torch.float64) + 0.1
        coef, icpt = surrogate.weighted_least_squares(z, y, w)
        lcoef, licpt = surrogate.weighted_lasso(z, y, w, 0.05)
        for i in range(2):
            ref = sk.LinearRegression().fit(z[i].numpy(), y[i].numpy(), sample_weight=w[i].numpy())
            torch.testing.assert_close(coef[i], torch.from_numpy(ref.coef_), rtol=1e-7, atol=1e-9)
            torch.testing.assert_close(icpt[i].item(), float(ref.intercept_), rtol=1e-7, atol=1e-9)
            lasso = sk.Lasso(alpha=0.05, tol=1e-14, max_iter=1_000_000)
            ref = lasso.fit(z[i].numpy(), y[i].numpy(), sample_weight=w[i].numpy())
            torch.testing.assert_close(lcoef[i], torch.from_numpy(ref.coef_), rtol=1e-6, atol=1e-8)
            torch.testing.assert_close(licpt[i].item(), float(ref.intercept_), rtol=1e-6, atol=1e-8)
            r2 = surrogate.weighted_r2(z[i:i + 1], y[i:i + 1], w[i:i + 1], coef[i:i + 1], icpt[i:i + 1], 1e-16)
            expected = sk.LinearRegression().fit(z[i].numpy(), y[i].numpy(), sample_weight=w[i].numpy()).score(
                z[i].numpy(), y[i].numpy(), sample_weight=w[i].numpy())
            torch.testing.assert_close(r2.item(), float(expected), rtol=1e-7, atol=1e-9)
    # A penalty above every correlation: no group enters, the intercept is the weighted mean.
    coef, icpt = surrogate.weighted_lasso(z, y, w, 1e3)
    assert not coef.any()
    torch.testing.assert_close(icpt, (w * y).sum(1) / w.sum(1))
    assert not surrogate.weighted_r2(z, y, w, coef, icpt, 1e-16).any()


def test_linear_model_recovers_exact_shapley_values():
    torch.manual_seed(0)
    lin = nn.Linear(8, 3)
    x, b = torch.randn(2, 8), torch.randn(8)
    mask = torch.tensor([0, 0, 1, 1, 1, 2, 3, 3])
    contrib = (lin.weight[2] * (x - b)).detach()
    shapley = torch.stack([contrib[:, mask == g].sum(1) for g in range(4)], 1)
    for method, extra in [("kernel_shap", {}), ("lime", {"alpha": 0.0})]:
        exp = nw.attribute(lin, x, method, 2, feature_mask=mask, baselines=b, n_samples=60, seed=1, **extra)
        torch.testing.assert_close(exp.extras["coefficients"], shapley, rtol=1e-4, atol=1e-5)
        torch.testing.assert_close(exp.attributions, shapley[:, mask], rtol=1e-4, atol=1e-5)
        torch.testing.assert_close(exp.extras["r2"], torch.ones(2), atol=1e-6, rtol=0)
        assert exp.extras["features"].tolist() == [0, 1, 2, 3]
    # The Lasso shrinks: every coefficient moves towards zero, none away from it.
    lasso = nw.attribute(lin, x, "lime", 2, feature_mask=mask, baselines=b, n_samples=60, seed=1, alpha=0.05)
    assert bool((lasso.extras["coefficients"].abs() <= shapley.abs() + 1e-6).all())
    assert not torch.allclose(lasso.extras["coefficients"], shapley, atol=1e-3)


def test_kernel_shap_completeness_on_a_nonlinear_model():
    case = zoo.cnn()
    mask = _contiguous_mask(case)
    exp = nw.attribute(case.model, case.inputs, "kernel_shap", 1, feature_mask=mask, n_samples=50, seed=2,
                       baselines=-0.5)
    with torch.no_grad():
        gap = case.model(case.inputs)[:, 1] - case.model(torch.full_like(case.inputs, -0.5))[:, 1]
    torch.testing.assert_close(exp.extras["coefficients"].sum(1), gap, rtol=1e-4, atol=1e-4)
    assert bool((exp.extras["r2"] < 1).all())  # the interior coalitions are not fit exactly


def test_seeds_are_reproducible_and_leave_the_global_rng_alone():
    case = zoo.mlp()
    for method in ("kernel_shap", "lime"):
        state = torch.get_rng_state()
        a = nw.attribute(case.model, case.inputs, method, 0, seed=11)
        b = nw.attribute(case.model, case.inputs, method, 0, seed=11, perturbations_per_eval=1)
        c = nw.attribute(case.model, case.inputs, method, 0, seed=12)
        fresh = nw.attribute(case.model, case.inputs, method, 0)
        again = nw.attribute(case.model, case.inputs, method, 0, seed=fresh.extras["seed"])
        assert torch.equal(torch.get_rng_state(), state)
        torch.testing.assert_close(a.attributions, b.attributions, rtol=1e-6, atol=1e-7)  # chunking is free
        assert not torch.allclose(a.attributions, c.attributions)
        assert a.extras["seed"] == 11
        torch.testing.assert_close(again.attributions, fresh.attributions, rtol=0, atol=0)


def test_groups_with_any_ids_spread_coefficients_over_their_elements():
    case = zoo.residual()
    ids = torch.tensor([-4, 7, 30])
    mask = ids[(torch.arange(36) // 13).view(1, 1, 6, 6)]  # broadcast over the 3 channels
    exp = nw.attribute(case.model, case.inputs, "kernel_shap", 0, feature_mask=mask, n_samples=20, seed=0)
    assert exp.extras["features"].tolist() == [-4, 7, 30]
    coef = exp.extras["coefficients"]
    assert coef.shape == (2, 3)
    for g, value in enumerate(ids):
        sel = (mask == value).expand(case.inputs.shape)
        for i in range(2):
            assert bool((exp.attributions[i][sel[i]] == coef[i, g]).all())


BAD = [
    ("kernel_shap", dict(n_samples=0), "n_samples must be an int ≥ 1"),
    ("lime", dict(n_samples=2.5), "n_samples must be an int"),
    ("kernel_shap", dict(seed=-1), "seed must be None or an int"),
    ("lime", dict(seed="a"), "seed must be None or an int"),
    ("lime", dict(kernel_width=0), "kernel_width must be a finite number > 0"),
    ("lime", dict(alpha=-0.1), "alpha must be a finite number ≥ 0"),
    ("lime", dict(alpha=float("inf")), "alpha must be a finite number"),
    ("lime", dict(distance="manhattan"), "distance must be one of 'cosine', 'euclidean'"),
    ("kernel_shap", dict(feature_mask=torch.zeros(9, dtype=torch.long)), r"\(4, 10\).*got \(9,\)"),
    ("lime", dict(feature_mask=torch.zeros(10)), "integer tensor.*got dtype torch.float32"),
    ("kernel_shap", dict(baselines=torch.zeros(3, 10)), r"baselines.*got \(3, 10\)"),
    ("lime", dict(perturbations_per_eval=0), "perturbations_per_eval must be an int ≥ 1"),
]


@pytest.mark.parametrize("method,options,match", BAD)
def test_bad_options_raise_and_leave_model_unchanged(method, options, match):
    case = zoo.mlp()
    before = fingerprint(case.model)
    with pytest.raises(ExplanationInputError, match=match):
        nw.attribute(case.model, case.inputs, method, 0, **options)
    assert_same(before, fingerprint(case.model))
    with pytest.raises(ExplanationInputError, match="out of range"):
        nw.attribute(case.model, case.inputs, method, 5)
    assert_same(before, fingerprint(case.model))


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_matches_cpu():
    case = zoo.cnn()
    mask = _contiguous_mask(case)
    for method in ("kernel_shap", "lime"):
        cpu = nw.attribute(case.model, case.inputs, method, 1, feature_mask=mask, seed=5, n_samples=40)
        gpu = nw.attribute(case.model.cuda(), case.inputs.cuda(), method, 1, feature_mask=mask.cuda(), seed=5,
                           n_samples=40)
        case.model.cpu()
        assert gpu.attributions.device.type == "cuda" and gpu.extras["r2"].device.type == "cuda"
        torch.testing.assert_close(gpu.attributions.cpu(), cpu.attributions, rtol=1e-4, atol=1e-5)
