import numpy as np
import pytest
import torch
from torch import nn

import nnwidgets as nw
from nnwidgets import demo
from nnwidgets.engine import ExplanationInputError, TrustReport, trust_report
from nnwidgets.engine.report import RANDOMIZATION_WARN
from nnwidgets.engine.trust import relative_delta

from ..models import assert_same, fingerprint

METHODS = ["saliency", "input_x_gradient", "integrated_gradients"]
trapezoid = getattr(np, "trapezoid", None) or np.trapz  # numpy < 2 has only trapz


def spearman_by_hand(a: torch.Tensor, b: torch.Tensor) -> float:
    """Pearson of the ranks, ties given their average rank."""
    def ranks(v):
        v = v.detach().double().reshape(-1).numpy()
        r = np.empty(v.size)
        r[v.argsort(kind="stable")] = np.arange(v.size)
        for u in np.unique(v):
            r[v == u] = r[v == u].mean()
        return r
    return float(np.corrcoef(ranks(a), ranks(b))[0, 1])


def deletion_by_hand(model, x, attributions, target, steps):
    """Per element, most important first (signed, stable), removed to 0; the target's probability."""
    flat = x.reshape(-1)
    order = attributions.reshape(-1).double().argsort(descending=True, stable=True)
    counts = torch.round(torch.linspace(0, flat.numel(), steps + 1, dtype=torch.float64)).long()
    rows = []
    for k in counts.tolist():
        row = flat.clone()
        row[order[:k]] = 0.0
        rows.append(row.reshape(x.shape[1:]))
    with torch.no_grad():
        scores = torch.softmax(model(torch.stack(rows)), 1)[:, target].double().numpy()
    fractions = counts.double().numpy() / flat.numel()
    return scores, trapezoid(scores, fractions)


@pytest.fixture(scope="module")
def digits():
    d = demo.digits()
    x = d.inputs[:1]
    target = int(d.model(x).argmax())
    exps = {m: nw.attribute(d.model, x, m, target) for m in METHODS}
    return d, x, target, exps


def test_digits_report_rank_matrix_ig_and_state(digits):
    d, x, target, exps = digits
    maps = {m: e.attributions for m, e in exps.items()}
    before = fingerprint(d.model)
    rng = torch.random.get_rng_state()
    report = trust_report(d.model, x, target, maps, ig=exps["integrated_gradients"], steps=16)
    assert_same(before, fingerprint(d.model))
    assert torch.equal(torch.random.get_rng_state(), rng)
    assert isinstance(report, TrustReport) and report.methods == METHODS and report.target == target

    r = report.rank_agreement
    assert r.shape == (3, 3) and r.dtype == np.float64
    np.testing.assert_allclose(r, r.T)
    np.testing.assert_array_equal(np.diag(r), 1.0)
    for i, a in enumerate(METHODS):
        for j, b in enumerate(METHODS):
            if i != j:
                assert r[i, j] == pytest.approx(spearman_by_hand(maps[a], maps[b]), abs=1e-6)

    ig = exps["integrated_gradients"]
    assert report.ig_relative == pytest.approx(relative_delta(ig).item(), rel=1e-6)
    assert report.ig_delta == pytest.approx(ig.delta.abs().item())
    with torch.no_grad():
        gap = (d.model(x) - d.model(torch.zeros_like(x)))[0, target].abs().item()
    assert report.ig_gap == pytest.approx(gap, rel=1e-4)
    assert report.ig_relative < 0.05 and "converged" in report.summary["ig"]
    # without ig, the IG among the maps is run once: the same numbers
    again = trust_report(d.model, x, target, maps, steps=16)
    assert again.ig_relative == pytest.approx(report.ig_relative, rel=1e-5)

    assert report.randomized_layers == ["classifier.fc2"]
    assert set(report.randomization) == set(METHODS)
    assert report.deletion_fractions.shape == (17,)
    for m in METHODS:
        curve = report.deletion_scores[m]
        assert curve.shape == (17,) and np.all((curve >= 0) & (curve <= 1))
        # per element, baseline 0, most important first
        ref, area = deletion_by_hand(d.model, x, maps[m], target, steps=16)
        np.testing.assert_allclose(curve, ref, rtol=1e-5, atol=1e-6)
        assert report.deletion_area[m] == pytest.approx(area, rel=1e-5)
    # a real map removes evidence faster than a random order
    assert report.deletion_area["integrated_gradients"] < report.deletion_random_area
    assert set(report.summary) == {"ig", "rank_agreement", "randomization", "deletion"}


def test_deletion_on_a_linear_model_is_the_hand_computation():
    model = nn.Linear(6, 1)
    with torch.no_grad():
        model.weight.copy_(torch.tensor([[3.0, -1.0, 0.5, 2.0, 0.0, 1.0]]))
        model.bias.fill_(0.25)
    x = torch.tensor([[1.0, 2.0, -1.0, 0.5, 3.0, 1.5]])
    contrib = x * model.weight.detach()  # exact: [3, -2, -0.5, 1, 0, 1.5]
    report = trust_report(model, x, 0, {"input_x_gradient": contrib}, steps=6, randomize_layers=0)
    # most important first by signed attribution: 3, 1.5, 1, 0, -0.5, -2
    expected = 0.25 + contrib.sum().item() - np.concatenate([[0.0], np.cumsum([3.0, 1.5, 1.0, 0.0, -0.5, -2.0])])
    np.testing.assert_allclose(report.deletion_scores["input_x_gradient"], expected, rtol=1e-6)
    np.testing.assert_allclose(report.deletion_fractions, np.arange(7) / 6)
    assert report.deletion_area["input_x_gradient"] == pytest.approx(trapezoid(expected, np.arange(7) / 6))
    assert report.target is None and report.ig_relative is None and report.randomization == {}

    # groups of two features, removed whole; a baseline tensor instead of zeros
    mask = torch.tensor([0, 0, 1, 1, 2, 2])
    base = torch.full_like(x, 1.0)
    grouped = trust_report(model, x, 0, {"input_x_gradient": contrib}, steps=3, randomize_layers=0,
                           feature_mask=mask, baseline=base)
    w = model.weight.detach()[0]
    group_change = [(w[i] * (x[0, i] - 1.0) + w[i + 1] * (x[0, i + 1] - 1.0)).item() for i in (0, 2, 4)]
    # ranked by the summed attribution per group: [1, 0.5, 1.5] → group 2, group 0, group 1
    f_x = model(x).item()
    expected = [f_x, f_x - group_change[2], f_x - group_change[2] - group_change[0], f_x - sum(group_change)]
    np.testing.assert_allclose(grouped.deletion_scores["input_x_gradient"], expected, rtol=1e-5)
    # one score per group is accepted as the map, with the same result
    per_group = trust_report(model, x, 0, {"input_x_gradient": torch.tensor([[1.0, 0.5, 1.5]])}, steps=3,
                             randomize_layers=0, feature_mask=mask, baseline=base)
    np.testing.assert_allclose(per_group.deletion_scores["input_x_gradient"], expected, rtol=1e-5)


class SquaredNormHead(nn.Module):
    """y = head(Σ x²): the input gradient is 2·x·w_k, so |gradient| ranks like |x|
    whatever the head's weights: randomizing them cannot change the saliency map."""

    def __init__(self) -> None:
        super().__init__()
        self.head = nn.Linear(1, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(x.pow(2).sum(1, keepdim=True))


def test_randomization_flags_a_map_that_ignores_the_weights(digits):
    torch.manual_seed(0)
    model = SquaredNormHead().eval()
    x = torch.randn(1, 12)
    sal = nw.attribute(model, x, "saliency", 0).attributions
    before = fingerprint(model)
    report = trust_report(model, x, 0, {"saliency": sal}, randomize_layers=1)
    assert_same(before, fingerprint(model))
    assert report.randomized_layers == ["head"]
    assert report.randomization["saliency"] == pytest.approx(1.0)
    assert report.randomization["saliency"] > RANDOMIZATION_WARN
    assert "may not depend on what the model learned" in report.summary["randomization"]
    assert "Only Saliency" in report.summary["rank_agreement"]

    d, x, target, exps = digits
    normal = trust_report(d.model, x, target, {"saliency": exps["saliency"].attributions})
    assert normal.randomization["saliency"] < 0.8
    assert "changes every map" in normal.summary["randomization"]


class BagOfEmbeddings(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.emb = nn.Embedding(20, 8)
        self.fc = nn.Linear(8, 3)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return self.fc(torch.tanh(self.emb(ids)).mean(1))


def test_token_ids_delete_tokens_by_baseline_ids():
    torch.manual_seed(3)
    model = BagOfEmbeddings().eval()
    ids = torch.tensor([[1, 7, 4, 12, 9, 2]])
    base = torch.tensor([[1, 0, 0, 0, 0, 2]])  # [CLS] [PAD]… [SEP]
    exp = nw.attribute(model, ids, "layer_integrated_gradients", 1, layer="emb", baselines=base, n_steps=64)
    before = fingerprint(model)
    # the layer map (1, T, D): summed over D; the layer and baselines fill the recomputations' options
    report = trust_report(model, ids, 1, {"layer_integrated_gradients": exp.attributions}, ig=exp,
                          baseline=base, layer="emb", steps=6, probability=False)
    assert_same(before, fingerprint(model))
    assert report.ig_relative == pytest.approx(relative_delta(exp).item(), rel=1e-6)
    assert -1.0 <= report.randomization["layer_integrated_gradients"] <= 1.0
    # [CLS] and [SEP] equal the baseline ids: zero in both maps, they are not compared
    assert report.randomization_compared["layer_integrated_gradients"].tolist() == [4]
    tokens = exp.extras["summed"][0]
    order = tokens.argsort(descending=True).tolist()
    expected = []
    with torch.no_grad():
        for k in range(7):
            row = ids.clone()
            row[0, order[:k]] = base[0, order[:k]]
            expected.append(model(row)[0, 1].item())
    np.testing.assert_allclose(report.deletion_scores["layer_integrated_gradients"], expected, rtol=1e-5, atol=1e-7)
    # the per-token map (1, T) gives the same report; IG is recomputed from the options
    summed = trust_report(model, ids, 1, {"layer_integrated_gradients": exp.extras["summed"]}, baseline=base,
                          layer="emb", steps=6, probability=False,
                          method_options={"layer_integrated_gradients": {"n_steps": 64}})
    np.testing.assert_allclose(summed.deletion_scores["layer_integrated_gradients"], expected, rtol=1e-5, atol=1e-7)
    assert summed.ig_relative == pytest.approx(report.ig_relative, rel=1e-4, abs=1e-7)
    with pytest.raises(ExplanationInputError, match="integer token ids"):
        trust_report(model, ids, 1, {"layer_integrated_gradients": exp.attributions}, layer="emb", baseline=0.5)


def test_bad_input_names_the_expected_form(digits):
    d, x, target, exps = digits
    sal = exps["saliency"].attributions
    with pytest.raises(ExplanationInputError, match=r"map 'saliency' has shape \(1, 1, 4, 8\); expected the input's shape \(1, 1, 8, 8\)"):
        trust_report(d.model, x, target, {"saliency": sal[..., :4, :]})
    with pytest.raises(ExplanationInputError, match=r"target 10 is out of range.*\[0, 9\]"):
        trust_report(d.model, x, 10, {"saliency": sal})
    with pytest.raises(ExplanationInputError, match=r"ONE example.*\(1, \.\.\.\)"):
        trust_report(d.model, d.inputs[:2], target, {"saliency": sal})
    with pytest.raises(ExplanationInputError, match="unknown method 'nope'"):
        trust_report(d.model, x, target, {"nope": sal})
    with pytest.raises(ExplanationInputError, match="non-empty dict"):
        trust_report(d.model, x, target, {})
    with pytest.raises(ExplanationInputError, match="steps must be an int ≥ 1"):
        trust_report(d.model, x, target, {"saliency": sal}, steps=0)
    with pytest.raises(ExplanationInputError, match=r"feature_mask must have shape \(1, 1, 8, 8\) or \(1, 8, 8\)"):
        trust_report(d.model, x, target, {"saliency": sal}, feature_mask=torch.zeros(8, dtype=torch.long))


def test_the_report_gives_the_ends_of_a_waterfall_and_ig_adds_up_to_them():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 3)).eval()
    x, base = torch.randn(1, 5), torch.randn(1, 5)
    exp = nw.attribute(model, x, "integrated_gradients", 2, baselines=base, n_steps=200)
    report = trust_report(model, x, 2, {"integrated_gradients": exp.attributions}, ig=exp, baseline=base,
                          randomize_layers=0, steps=3)
    with torch.no_grad():
        assert report.f_x == pytest.approx(float(model(x)[0, 2]), rel=1e-6)
        assert report.f_baseline == pytest.approx(float(model(base)[0, 2]), rel=1e-6)
    assert float(exp.attributions.sum()) == pytest.approx(report.f_x - report.f_baseline, abs=1e-3)
