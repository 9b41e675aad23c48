"""The cascading model-randomization check: its statistic ignores ties at zero, its
verdict goes the right way on a model whose last layer matters and on one trained
to ignore it, and the cascade re-initialises from the top down."""

from __future__ import annotations

import pytest
import torch
from torch import nn

import nnwidgets as nw
from nnwidgets import demo
from nnwidgets.engine.checks.randomization import cascade_depths, informative_spearman
from nnwidgets.engine.checks.ranks import spearman
from nnwidgets.engine.report import trust_report


def test_ties_at_zero_no_longer_inflate_the_statistic():
    g = torch.Generator().manual_seed(0)
    own, other = torch.randn(200, generator=g), torch.randn(200, generator=g)  # independent maps
    own[:100] = 0.0
    other[:100] = 0.0  # the same half of the features is zero in both (equal to the baseline)
    # the old statistic: ρ of |maps| over every feature is high for two unrelated maps
    assert spearman(own.abs(), other.abs()) > 0.7
    signed, absolute, n = informative_spearman(own, other)
    assert n == 100
    assert abs(signed) < 0.3 and abs(absolute) < 0.3
    # analytic cases: the same map, its negation
    assert informative_spearman(own, own)[:2] == (pytest.approx(1.0), pytest.approx(1.0))
    assert informative_spearman(own, -own)[:2] == (pytest.approx(-1.0), pytest.approx(1.0))
    assert informative_spearman(torch.zeros(5), torch.zeros(5)) == (0.0, 0.0, 0)


def _data(n: int = 512) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(1)
    x = torch.randn(n, 32, generator=g)
    w = torch.randn(32, 4, generator=g)
    y = (x @ w + 0.5 * x[:, :4] * x[:, 4:8]).argmax(1)  # four classes, each a direction of all 32 features
    return x, y


class Gated(nn.Module):
    """fc2 makes the prediction; ``head`` runs last but reaches the output only through
    ``gate``, a parameter of the model itself (never re-initialised by the check)."""

    def __init__(self) -> None:
        super().__init__()
        self.fc1, self.fc2, self.head = nn.Linear(32, 64), nn.Linear(64, 4), nn.Linear(64, 4)
        self.gate = nn.Parameter(torch.ones(()))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.relu(self.fc1(x))
        out = self.fc2(h)
        return out + self.gate * self.head(h)


def _train(model: nn.Module, gate_penalty: float) -> nn.Module:
    torch.manual_seed(0)
    x, y = _data()
    opt = torch.optim.Adam(model.parameters(), lr=0.02)
    for _ in range(300):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        if gate_penalty:
            loss = loss + gate_penalty * model.gate.abs()
        loss.backward()
        opt.step()
    if gate_penalty:
        with torch.no_grad():
            model.gate.zero_()  # the L1 penalty drives it to ~0; exactly 0 makes "ignored" exact
    assert (model(x).argmax(1) == y).float().mean() > 0.8
    return model.eval()


def test_verdicts_go_the_right_way_on_a_model_that_uses_its_last_layer_and_one_that_ignores_it():
    torch.manual_seed(3)
    uses = _train(nn.Sequential(nn.Linear(32, 64), nn.ReLU(), nn.Linear(64, 4)), 0.0)
    ignores = _train(Gated(), 0.05)
    x = _data()[0][:6]
    for method in ("gradient", "input_x_gradient", "integrated_gradients"):
        used, ignored = [], []
        for i in range(6):
            xi = x[i:i + 1]
            for model, into in ((uses, used), (ignores, ignored)):
                target = int(model(xi).argmax())
                a = nw.attribute(model, xi, method, target).attributions
                into.append(trust_report(model, xi, target, {method: a}, randomize_layers=1))
        assert all(r.randomized_layers == ["head"] for r in ignored)
        # ignored: the map is exactly the same map, and the verdict says so
        assert all(r.randomization_signed[method] == pytest.approx(1.0) for r in ignored)
        assert all("may not depend on what the model learned" in r.summary["randomization"] for r in ignored)
        # used: the map changes (direction of ρ) and the verdict says the maps depend on the weights
        assert sum(r.randomization_signed[method] for r in used) / 6 < 0.5, [r.randomization_signed for r in used]
        assert sum("the maps depend on what the model learned" in r.summary["randomization"] for r in used) >= 5
        assert not any("may not depend" in r.summary["randomization"] for r in used)


def test_the_cascade_goes_from_the_top_layer_down_and_the_quickstart_does_not_cry_wolf():
    d = demo.digits()
    x = d.inputs[:1]
    target = int(d.model(x).argmax())
    a = nw.attribute(d.model, x, "integrated_gradients", target).attributions
    deep = trust_report(d.model, x, target, {"integrated_gradients": a}, randomize_layers=3)
    assert deep.randomized_layers == ["classifier.fc2", "classifier.fc1", "features.conv2"]
    steps = deep.randomization_cascade["integrated_gradients"]
    assert steps.shape == (3,) and deep.randomization_depths == [1, 2, 3]
    one = trust_report(d.model, x, target, {"integrated_gradients": a}, randomize_layers=1)
    # step 1 of the cascade is the check of the top layer alone; the last step is what the report states
    assert steps[0] == pytest.approx(one.randomization_signed["integrated_gradients"])
    assert steps[-1] == pytest.approx(deep.randomization_signed["integrated_gradients"])
    assert deep.randomization_cascade_abs["integrated_gradients"][-1] == pytest.approx(
        deep.randomization["integrated_gradients"])
    assert "from the top down" in deep.summary["randomization"]
    # about half the digit's pixels are zero; they are not compared
    assert 0 < deep.randomization_compared["integrated_gradients"][0] < x.numel()
    # the quickstart's default maps on the first test digits: no warning
    for i in range(4):
        xi = x if i == 0 else d.inputs[i:i + 1]
        t = int(d.model(xi).argmax())
        maps = {m: nw.attribute(d.model, xi, m, t).attributions for m in ("input_x_gradient", "integrated_gradients")}
        r = trust_report(d.model, xi, t, maps, randomize_layers=1)
        assert "may not depend" not in r.summary["randomization"], r.summary["randomization"]


def test_a_deep_cascade_stops_at_a_few_depths_from_the_top_layer_to_all():
    assert cascade_depths(0) == [] and cascade_depths(1) == [1] and cascade_depths(3) == [1, 2, 3]
    assert cascade_depths(4) == [1, 2, 4] and cascade_depths(12) == [1, 3, 12]
    for n in range(1, 40):
        d = cascade_depths(n)
        assert d[0] == 1 and d[-1] == n and d == sorted(set(d)) and len(d) <= 3
