"""Occlusion and feature ablation: against Captum, analytic answers, batching, errors."""

from __future__ import annotations

import pytest
import torch
from torch import nn

import nnwidgets as nw
from nnwidgets.engine import ExplanationInputError, ModelCallError
from nnwidgets.engine import perturb
from nnwidgets.engine.methods import perturbation

from .. import zoo
from ..models import Raises, assert_same, fingerprint

captum = pytest.importorskip("captum.attr")

# (window, strides) per dense case, sized to its non-batch shape.
WINDOWS = {
    "mlp": [((1,), 1), ((3,), 2), ((4,), (3,)), ((10,), 1)],
    "cnn": [((1, 3, 3), 1), ((1, 2, 4), (1, 2, 3)), ((1, 8, 8), 1), ((1, 3, 5), 2)],
    "residual": [((3, 2, 2), 2), ((1, 3, 3), (1, 2, 1)), ((2, 6, 1), 1)],
    "regression": [((2,), 1), ((4,), 3), ((6,), 1)],
}


def _target(case: zoo.Case):
    if case.regression:
        return None
    return torch.arange(case.inputs.shape[0]) % 3


def _close(ours: torch.Tensor, theirs: torch.Tensor) -> None:
    torch.testing.assert_close(ours, theirs.to(ours.dtype), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("build", zoo.DENSE_CASES, ids=lambda b: b.__name__)
def test_occlusion_matches_captum(build):
    case = build()
    target = _target(case)
    torch.manual_seed(1)
    for i, (window, strides) in enumerate(WINDOWS[case.name]):
        # A scalar baseline, then one value per element (shared by the examples).
        base = 0.25 if i % 2 == 0 else torch.randn((1,) + tuple(case.inputs.shape[1:]))
        theirs = captum.Occlusion(case.model).attribute(
            case.inputs, sliding_window_shapes=window, strides=strides, target=target, baselines=base,
            perturbations_per_eval=16,
        )
        one = None
        for ppe in (1, None) if i == 0 else (3, None):
            before = fingerprint(case.model)
            exp = nw.attribute(case.model, case.inputs, "occlusion", target, sliding_window_shapes=window,
                               strides=strides, baselines=base, perturbations_per_eval=ppe)
            assert_same(before, fingerprint(case.model))
            _close(exp.attributions, theirs)
            one = exp.attributions if one is None else one
            torch.testing.assert_close(exp.attributions, one, rtol=1e-6, atol=1e-7)  # batched = fewer per forward


def _masks(case: zoo.Case) -> list[torch.Tensor | None]:
    shape = tuple(case.inputs.shape[1:])
    n = case.inputs.shape[0]
    torch.manual_seed(5)
    grouped = torch.randint(0, 4, (1,) + shape)
    per_example = torch.randint(0, 5, (n,) + shape)
    masks = [None, grouped, grouped[0], per_example]
    if len(shape) == 3:  # one group per spatial cell across channels, broadcast over C
        masks.append((torch.arange(shape[1] * shape[2]) // 3).view(1, 1, shape[1], shape[2]))
    return masks


@pytest.mark.parametrize("build", zoo.DENSE_CASES, ids=lambda b: b.__name__)
def test_feature_ablation_matches_captum(build):
    case = build()
    target = _target(case)
    baseline = torch.randn(case.inputs.shape[1:]) * 0.1
    per_example = torch.randn(case.inputs.shape)
    for i, mask in enumerate(_masks(case)):
        full = None if mask is None else mask.expand(case.inputs.shape)  # Captum wants full rank
        base = per_example if i == 2 else baseline  # one baseline per example, or one for all
        theirs = captum.FeatureAblation(case.model).attribute(
            case.inputs, feature_mask=full, target=target, baselines=base if i == 2 else base.unsqueeze(0),
            perturbations_per_eval=16,
        )
        for ppe in (None, 1) if i == 1 else (None, 2):
            exp = nw.attribute(case.model, case.inputs, "feature_ablation", target, feature_mask=mask,
                               baselines=base, perturbations_per_eval=ppe)
            _close(exp.attributions, theirs)


def test_linear_model_analytic():
    torch.manual_seed(0)
    lin = nn.Linear(5, 3)
    x, b = torch.randn(4, 5), torch.randn(5)
    w = lin.weight[1].detach()
    exp = nw.attribute(lin, x, "feature_ablation", 1, baselines=b)
    torch.testing.assert_close(exp.attributions, w * (x - b))
    mask = torch.tensor([0, 0, 1, 2, 2])
    exp = nw.attribute(lin, x, "feature_ablation", 1, baselines=b, feature_mask=mask)
    contrib = w * (x - b)
    group = torch.stack([contrib[:, :2].sum(1), contrib[:, 2], contrib[:, 3:].sum(1)], 1)
    torch.testing.assert_close(exp.attributions, group[:, mask])
    # Window 2, stride 1: element i is covered by windows starting at i-1 and i (where they exist).
    exp = nw.attribute(lin, x, "occlusion", 1, sliding_window_shapes=(2,), baselines=b)
    windows = contrib[:, :-1] + contrib[:, 1:]  # drop of each of the 4 windows
    expected = torch.stack([windows[:, 0], *[(windows[:, i - 1] + windows[:, i]) / 2 for i in range(1, 4)],
                            windows[:, 3]], 1)
    torch.testing.assert_close(exp.attributions, expected)


@pytest.mark.parametrize("build", zoo.TOKEN_CASES, ids=lambda b: b.__name__)
def test_token_ablation_with_baseline_id(build):
    case = build()
    ids = case.inputs
    pad = 3
    exp = nw.attribute(case.model, ids, "feature_ablation", 1, baselines=pad)
    theirs = captum.FeatureAblation(case.model).attribute(ids, target=1, baselines=pad)
    _close(exp.attributions, theirs)
    assert exp.attributions.shape == ids.shape and exp.attributions.is_floating_point()
    # By hand: each token position replaced by the pad id.
    with torch.no_grad():
        full = case.model(ids)[:, 1]
        for t in range(ids.shape[1]):
            ablated = ids.clone()
            ablated[:, t] = pad
            torch.testing.assert_close(exp.attributions[:, t], full - case.model(ablated)[:, 1], atol=1e-6, rtol=1e-5)
    occ = nw.attribute(case.model, ids, "occlusion", 1, sliding_window_shapes=(2,), baselines=float(pad))
    _close(occ.attributions, captum.Occlusion(case.model).attribute(ids, (2,), target=1, baselines=pad))
    with pytest.raises(ExplanationInputError, match="integer baseline id"):
        nw.attribute(case.model, ids, "feature_ablation", 1, baselines=0.5)


def test_default_batches_windows_into_few_forwards():
    calls = []

    class Counting(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inner = zoo.cnn().model

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            calls.append(x.shape[0])
            return self.inner(x)

    model, x = Counting().eval(), torch.randn(3, 1, 8, 8)
    nw.attribute(model, x, "occlusion", 0, sliding_window_shapes=(1, 2, 2))
    assert calls == [3 * 50]  # the inputs and all 7 × 7 windows in one forward
    calls.clear()
    nw.attribute(model, x, "feature_ablation", 0)
    assert calls == [3 * 65]
    calls.clear()
    nw.attribute(model, x, "feature_ablation", 0, feature_mask=torch.arange(64).view(8, 8) // 13,
                 perturbations_per_eval=2)
    assert calls == [3 * 3, 3 * 2, 3 * 1]  # 5 groups, 2 per forward; the inputs ride in the first


def test_memory_budget_splits_forwards(monkeypatch):
    case = zoo.cnn()
    whole = nw.attribute(case.model, case.inputs, "occlusion", 2, sliding_window_shapes=(1, 3, 3))
    monkeypatch.setattr(perturb, "MAX_ROWS", 3 * 5)  # 5 windows of 3 examples per forward
    assert perturb.chunk_size(case.inputs, 36, None) == 5
    split = nw.attribute(case.model, case.inputs, "occlusion", 2, sliding_window_shapes=(1, 3, 3))
    torch.testing.assert_close(split.attributions, whole.attributions, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("build", [zoo.cnn, zoo.residual], ids=lambda b: b.__name__)
def test_large_inputs_contract_window_factors(build, monkeypatch):
    case = build()
    window = (1, 3, 2) if case.name == "cnn" else (2, 3, 3)
    monkeypatch.setattr(perturbation, "DENSE_LIMIT", 0)  # as for inputs too big for one mask matrix
    perturbation._coverage.cache_clear()
    try:
        exp = nw.attribute(case.model, case.inputs, "occlusion", 1, sliding_window_shapes=window, strides=(1, 2, 1))
    finally:
        perturbation._coverage.cache_clear()
    theirs = captum.Occlusion(case.model).attribute(case.inputs, window, strides=(1, 2, 1), target=1,
                                                    perturbations_per_eval=16)
    _close(exp.attributions, theirs)


def test_no_grad_inputs_untouched_and_predicted_target():
    case = zoo.residual()
    x = case.inputs.clone()
    with torch.no_grad():
        exp = nw.attribute(case.model, x, "occlusion", sliding_window_shapes=(3, 2, 2), strides=(1, 2, 2))
    assert torch.equal(x, case.inputs)
    assert torch.equal(exp.target, case.model(x).argmax(1))
    theirs = captum.Occlusion(case.model).attribute(x, (3, 2, 2), strides=(1, 2, 2), target=exp.target)
    _close(exp.attributions, theirs)
    torch.testing.assert_close(exp.prediction, case.model(x).detach())


def test_callable_target():
    case = zoo.mlp()
    fn = lambda out: out[:, 0] - out[:, 2]  # noqa: E731
    exp = nw.attribute(case.model, case.inputs, "feature_ablation", fn)
    theirs = captum.FeatureAblation(lambda x: fn(case.model(x))).attribute(case.inputs)
    _close(exp.attributions, theirs)
    assert exp.target is None


BAD_OCCLUSION = [
    (dict(sliding_window_shapes=(3, 3)), "one per non-batch dim"),
    (dict(sliding_window_shapes=3), "tuple of 3 ints"),
    (dict(sliding_window_shapes=(1, 9, 3)), r"larger than .* \(9 > 8\)"),
    (dict(sliding_window_shapes=(1, 0, 3)), "≥ 1"),
    (dict(sliding_window_shapes=(1, 3, 3), strides=0), "≥ 1"),
    (dict(sliding_window_shapes=(1, 3, 3), strides=(1, 4, 1)), "uncovered"),
    (dict(sliding_window_shapes=(1, 3, 3), strides=(1, 2)), "strides"),
    (dict(sliding_window_shapes=(1, 3, 3), perturbations_per_eval=0), "perturbations_per_eval must be an int ≥ 1"),
    (dict(sliding_window_shapes=(1, 3, 3), perturbations_per_eval=True), "perturbations_per_eval"),
    (dict(sliding_window_shapes=(1, 3, 3), baselines=torch.zeros(2, 1, 8, 8)), r"baselines .* got \(2, 1, 8, 8\)"),
    (dict(sliding_window_shapes=(1, 3, 3), baselines="zero"), "baselines must be a number"),
    (dict(sliding_window_shapes=(1, 3, 3), baselines=float("nan")), "finite"),
    # No window: the windows tile the input (one element each on this small one), so a stride
    # larger than them leaves elements uncovered.
    (dict(strides=2), r"strides \(2, 2, 2\) leave elements uncovered"),
]

BAD_ABLATION = [
    (dict(feature_mask=torch.zeros(8, 7, dtype=torch.long)), r"broadcastable to the inputs \(3, 1, 8, 8\).*got \(8, 7\)"),
    (dict(feature_mask=torch.zeros(2, 1, 8, 8, dtype=torch.long)), r"got \(2, 1, 8, 8\)"),
    (dict(feature_mask=torch.zeros(1, 8, 8)), "got dtype torch.float32"),
    (dict(feature_mask=torch.zeros(1, 8, 8, dtype=torch.bool)), "got dtype torch.bool"),
    (dict(feature_mask=[[0, 1]]), "got list"),
    (dict(perturbations_per_eval=-1), "≥ 1"),
]


@pytest.mark.parametrize("method,options,match", [("occlusion", *b) for b in BAD_OCCLUSION]
                         + [("feature_ablation", *b) for b in BAD_ABLATION])
def test_bad_options_raise_and_leave_model_unchanged(method, options, match):
    case = zoo.cnn()
    before = fingerprint(case.model)
    with pytest.raises(ExplanationInputError, match=match):
        nw.attribute(case.model, case.inputs, method, 0, **options)
    assert_same(before, fingerprint(case.model))


def test_errors_from_model_and_target_leave_model_unchanged():
    model = Raises()
    before = fingerprint(model)
    with pytest.raises(ModelCallError, match="boom"):
        nw.attribute(model, torch.randn(2, 4), "feature_ablation", 0)
    assert_same(before, fingerprint(model))
    case = zoo.mlp()
    case.model.train()
    before = fingerprint(case.model)
    with pytest.raises(ExplanationInputError, match="out of range"):
        nw.attribute(case.model, case.inputs, "occlusion", 7, sliding_window_shapes=(2,))
    with pytest.raises(ExplanationInputError, match="one scalar per example"):
        nw.attribute(case.model, case.inputs, "feature_ablation", lambda out: out.sum())
    assert_same(before, fingerprint(case.model))


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_matches_cpu():
    case = zoo.cnn()
    mask = (torch.arange(64) // 5).view(1, 1, 8, 8)
    cpu_occ = nw.attribute(case.model, case.inputs, "occlusion", 1, sliding_window_shapes=(1, 3, 3), strides=2)
    cpu_abl = nw.attribute(case.model, case.inputs, "feature_ablation", 1, feature_mask=mask)
    model, x = case.model.cuda(), case.inputs.cuda()
    occ = nw.attribute(model, x, "occlusion", 1, sliding_window_shapes=(1, 3, 3), strides=2)
    abl = nw.attribute(model, x, "feature_ablation", 1, feature_mask=mask.cuda())
    assert occ.attributions.device.type == "cuda"
    torch.testing.assert_close(occ.attributions.cpu(), cpu_occ.attributions, rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(abl.attributions.cpu(), cpu_abl.attributions, rtol=1e-4, atol=1e-5)
    with pytest.raises(ExplanationInputError, match="feature_mask is on cpu"):
        nw.attribute(model, x, "feature_ablation", 1, feature_mask=mask)
