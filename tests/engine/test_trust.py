import numpy as np
import pytest
import torch
from torch import nn

import nnwidgets as nw
from nnwidgets import demo
from nnwidgets.engine import ExplanationInputError
from nnwidgets.engine import trust_report
from nnwidgets.engine.checks.ranks import spearman
from nnwidgets.engine.trust import randomized_copy, relative_delta

from ..models import assert_same, fingerprint


def test_spearman_matches_scipy_with_ties():
    stats = pytest.importorskip("scipy.stats")
    torch.manual_seed(0)
    a = torch.randn(3, 20)
    b = torch.randn(3, 20)
    a[0, :8] = 0.0  # ties, as gradient x input has on a digit's background
    b[1, 5:12] = 1.0
    for i in range(3):
        assert spearman(a[i], b[i]) == pytest.approx(stats.spearmanr(a[i], b[i]).statistic, abs=1e-6)
        assert spearman(a[i], a[i]) == pytest.approx(1.0)
        assert spearman(a[i], -a[i]) == pytest.approx(-1.0)
    with pytest.raises(ExplanationInputError, match="same shape"):
        spearman(a, b[:, :5])


def test_relative_delta_is_delta_over_the_change():
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2)).eval()
    x = torch.randn(3, 4)
    exp = nw.attribute(model, x, "integrated_gradients", 0, n_steps=5)
    with torch.no_grad():
        change = model(x)[:, 0] - model(torch.zeros_like(x))[:, 0]
    torch.testing.assert_close(relative_delta(exp), exp.delta.abs() / change.abs(), rtol=1e-4, atol=1e-6)
    with pytest.raises(ExplanationInputError, match="no convergence delta"):
        relative_delta(nw.attribute(model, x, "saliency", 0))


def _deletion(model, x, attributions, target, **kwargs):
    """The product's deletion curve (trust_report's), one example at a time."""
    reports = [trust_report(model, x[i:i + 1], t, {"input_x_gradient": attributions[i:i + 1]}, randomize_layers=0,
                            **kwargs) for i, t in enumerate(target)]
    scores = torch.tensor(np.stack([r.deletion_scores["input_x_gradient"] for r in reports]))
    area = torch.tensor([r.deletion_area["input_x_gradient"] for r in reports])
    return reports[0].deletion_fractions, scores, area


def test_deletion_curve_on_a_linear_model():
    torch.manual_seed(1)
    model = nn.Linear(6, 1)
    x = torch.rand(2, 6) + 0.5
    with torch.no_grad():
        model.weight.copy_(torch.tensor([[3.0, -1.0, 0.5, 2.0, 0.0, 1.0]]))
    true = x * model.weight.detach()  # exact contributions for a zero baseline
    fractions, scores, area = _deletion(model, x, true, [0, 0], steps=6, probability=False)
    with torch.no_grad():
        torch.testing.assert_close(scores[:, 0], model(x)[:, 0].double())
        torch.testing.assert_close(scores[:, -1], model(torch.zeros_like(x))[:, 0].double())
    # removing exactly one feature per step in order of contribution: each step subtracts it
    expected = model(x).detach() - torch.cat([torch.zeros(2, 1), true.sort(1, descending=True).values.cumsum(1)], 1)
    torch.testing.assert_close(scores, expected.double(), rtol=1e-5, atol=1e-6)
    _, _, worse = _deletion(model, x, -true, [0, 0], steps=6, probability=False)
    assert torch.all(area < worse)
    assert fractions.tolist() == pytest.approx([i / 6 for i in range(7)])


def test_deletion_curve_on_the_digits_model_prefers_a_real_map():
    d = demo.digits()
    x = d.inputs[:8]
    before = fingerprint(d.model)
    predicted = d.model(x).argmax(1).tolist()
    ig = nw.attribute(d.model, x, "integrated_gradients").attributions
    rand = torch.rand(x.shape, generator=torch.Generator().manual_seed(0))
    _, good, good_area = _deletion(d.model, x, ig, predicted, steps=16)
    _, _, bad_area = _deletion(d.model, x, rand, predicted, steps=16)
    assert good_area.mean() < bad_area.mean()
    assert torch.all(good >= 0) and torch.all(good <= 1)
    assert_same(before, fingerprint(d.model))
    with pytest.raises(ExplanationInputError, match=r"expected the input's shape \(1, 1, 8, 8\)"):
        trust_report(d.model, x[:1], 0, {"input_x_gradient": ig[:1, :, :4]})
    with pytest.raises(ExplanationInputError, match="steps must be an int ≥ 1"):
        trust_report(d.model, x[:1], 0, {"input_x_gradient": ig[:1]}, steps=0)


def test_randomization_check_changes_a_trained_models_map_and_leaves_it_alone():
    d = demo.digits()
    x = d.inputs[:4]
    before = fingerprint(d.model)
    rng = torch.random.get_rng_state()
    maps = [{"gradient": nw.attribute(d.model, x[i:i + 1], "gradient").attributions} for i in range(4)]
    predicted = d.model(x).argmax(1).tolist()
    checks = [trust_report(d.model, x[i:i + 1], predicted[i], maps[i], randomize_layers=2) for i in range(4)]
    assert all(c.randomized_layers == ["classifier.fc2", "classifier.fc1"] for c in checks)
    assert all(c.randomization["gradient"] < 0.9 for c in checks), [c.randomization for c in checks]
    assert all(c.randomization["gradient"] > -1.0001 for c in checks)
    assert_same(before, fingerprint(d.model))
    assert torch.equal(torch.random.get_rng_state(), rng)
    same = trust_report(d.model, x[:1], predicted[0], maps[0], randomize_layers=0)
    assert same.randomized_layers == [] and same.randomization == {}
    again = trust_report(d.model, x[:1], predicted[0], maps[0], randomize_layers=2)
    assert again.randomization == checks[0].randomization  # seeded


class NormLast(nn.Module):
    """Registration order ends in a LayerNorm (as BERT's encoder does); the head runs last."""

    def __init__(self) -> None:
        super().__init__()
        self.head = nn.Linear(6, 3)
        self.body = nn.Linear(4, 6)
        self.norm = nn.LayerNorm(6)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(torch.tanh(self.norm(self.body(x))))


class Shuffled(nn.Module):
    """Modules registered in an order unlike the one they run in; ``unused`` never runs."""

    def __init__(self) -> None:
        super().__init__()
        self.c = nn.Linear(5, 2)  # runs last
        self.a = nn.Linear(3, 4)  # runs first
        self.bn = nn.BatchNorm1d(5)
        self.b = nn.Linear(4, 5)  # runs second
        self.unused = nn.Linear(2, 2)  # registered last, never called

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.c(torch.relu(self.bn(self.b(torch.relu(self.a(x))))))


def _changed(model: nn.Module, twin: nn.Module) -> set[str]:
    ours = dict(model.named_parameters())
    return {name.rsplit(".", 1)[0] for name, p in twin.named_parameters() if not torch.equal(p, ours[name])}


def test_randomization_resets_the_last_layer_to_run_not_a_layernorm():
    torch.manual_seed(1)  # not the reset's seed 0, which would redraw the same head
    model = NormLast().eval()
    with torch.no_grad():
        model.norm.weight.mul_(1.5)  # so a reset LayerNorm would show up as changed
    x = torch.randn(5, 4)
    before = fingerprint(model)
    rng = torch.random.get_rng_state()
    twin, names = randomized_copy(model, 1, inputs=x)
    assert names == ["head"]
    assert _changed(model, twin) == {"head"}
    assert_same(before, fingerprint(model))
    assert torch.equal(torch.random.get_rng_state(), rng)
    assert all(not m._forward_hooks for m in twin.modules())  # the order-finding hooks are gone
    assert randomized_copy(model, 2, inputs=x)[1] == ["head", "body"]  # the LayerNorm between them is skipped
    assert_same(before, fingerprint(model))
    # without inputs: registration order, norms still skipped
    assert randomized_copy(model, 1)[1] == ["body"]


def test_randomization_follows_execution_order_and_skips_unused_modules():
    torch.manual_seed(1)
    model = Shuffled().eval()
    x = torch.randn(6, 3)
    twin, names = randomized_copy(model, 3, inputs=x)
    assert names == ["c", "b", "a"]  # bn (a norm) and unused (never runs) are left alone
    assert _changed(model, twin) == {"c", "b", "a"}
    assert randomized_copy(model, 1, inputs=x)[1] == ["c"]
    assert randomized_copy(model, 10, inputs=x)[1] == ["c", "b", "a"]
    assert randomized_copy(model, 0, inputs=x)[1] == []


class Reused(nn.Module):
    """A module called twice counts where it last runs."""

    def __init__(self) -> None:
        super().__init__()
        self.shared = nn.Linear(4, 4)
        self.mid = nn.Linear(4, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.shared(self.mid(self.shared(x)))


def test_a_reused_module_ranks_by_its_last_call():
    x = torch.randn(2, 4)
    assert randomized_copy(Reused().eval(), 2, inputs=x)[1] == ["shared", "mid"]
