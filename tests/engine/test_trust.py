import numpy as np
import pytest
import torch
from torch import nn

import nnwidgets as nw
from nnwidgets import demo
from nnwidgets.engine import ExplanationInputError
from nnwidgets.engine.trust import deletion_curve, rank_agreement, randomization_check, relative_delta

from ..models import assert_same, fingerprint


def test_rank_agreement_matches_scipy_with_ties():
    stats = pytest.importorskip("scipy.stats")
    torch.manual_seed(0)
    a = torch.randn(3, 20)
    b = torch.randn(3, 20)
    a[0, :8] = 0.0  # ties, as gradient x input has on a digit's background
    b[1, 5:12] = 1.0
    ours = rank_agreement(a, b)
    for i in range(3):
        assert ours[i].item() == pytest.approx(stats.spearmanr(a[i], b[i]).statistic, abs=1e-6)
    assert torch.allclose(rank_agreement(a, a), torch.ones(3))
    assert torch.allclose(rank_agreement(a, -a), -torch.ones(3))
    with pytest.raises(ExplanationInputError, match="same shape"):
        rank_agreement(a, b[:, :5])


def test_relative_delta_is_delta_over_the_change():
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2)).eval()
    x = torch.randn(3, 4)
    exp = nw.attribute(model, x, "integrated_gradients", 0, n_steps=5)
    with torch.no_grad():
        change = model(x)[:, 0] - model(torch.zeros_like(x))[:, 0]
    torch.testing.assert_close(relative_delta(exp), exp.delta.abs() / change.abs(), rtol=1e-4, atol=1e-6)
    with pytest.raises(ExplanationInputError, match="no convergence delta"):
        relative_delta(nw.attribute(model, x, "saliency", 0))


def test_deletion_curve_on_a_linear_model():
    torch.manual_seed(1)
    model = nn.Linear(6, 1)
    x = torch.rand(2, 6) + 0.5
    with torch.no_grad():
        model.weight.copy_(torch.tensor([[3.0, -1.0, 0.5, 2.0, 0.0, 1.0]]))
    true = x * model.weight.detach()  # exact contributions for a zero baseline
    curve = deletion_curve(model, x, true, target=None, steps=6, probability=False)
    with torch.no_grad():
        assert torch.allclose(curve.scores[:, 0], model(x)[:, 0])
        assert torch.allclose(curve.scores[:, -1], model(torch.zeros_like(x))[:, 0])
    # removing exactly one feature per step in order of contribution: each step subtracts it
    expected = model(x).detach() - torch.cat([torch.zeros(2, 1), true.sort(1, descending=True).values.cumsum(1)], 1)
    torch.testing.assert_close(curve.scores, expected)
    worse = deletion_curve(model, x, -true, target=None, steps=6, probability=False)
    assert torch.all(curve.area < worse.area)
    assert curve.fractions.tolist() == pytest.approx([i / 6 for i in range(7)])


def test_deletion_curve_on_the_digits_model_prefers_a_real_map():
    d = demo.digits()
    x = d.inputs[:8]
    before = fingerprint(d.model)
    ig = nw.attribute(d.model, x, "integrated_gradients").attributions
    rand = torch.rand(x.shape, generator=torch.Generator().manual_seed(0))
    good = deletion_curve(d.model, x, ig, steps=16)
    bad = deletion_curve(d.model, x, rand, steps=16)
    assert good.area.mean() < bad.area.mean()
    assert torch.all(good.scores >= 0) and torch.all(good.scores <= 1)
    assert_same(before, fingerprint(d.model))
    with pytest.raises(ExplanationInputError, match=r"attributions must have the inputs' shape \(8, 1, 8, 8\)"):
        deletion_curve(d.model, x, ig[:, :, :4])
    with pytest.raises(ExplanationInputError, match="steps must be an int ≥ 1"):
        deletion_curve(d.model, x, ig, steps=0)


def test_randomization_check_changes_a_trained_models_map_and_leaves_it_alone():
    d = demo.digits()
    x = d.inputs[:4]
    before = fingerprint(d.model)
    rng = torch.random.get_rng_state()
    check = randomization_check(d.model, x, "gradient", layers=2)
    assert check.layers == ["classifier.fc2", "classifier.fc1"]
    assert torch.all(check.similarity < 0.9), check.similarity
    torch.testing.assert_close(check.original, nw.attribute(d.model, x, "gradient").attributions)
    assert_same(before, fingerprint(d.model))
    assert torch.equal(torch.random.get_rng_state(), rng)
    same = randomization_check(d.model, x, "gradient", layers=0)
    assert same.layers == [] and torch.allclose(same.similarity, torch.ones(4))
    again = randomization_check(d.model, x, "gradient", layers=2)
    torch.testing.assert_close(again.randomized, check.randomized)  # seeded
    np.testing.assert_array_less(-1.0001, check.similarity.numpy())
