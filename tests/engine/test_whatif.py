import pytest
import torch
from torch import nn

from nnwidgets import demo
from nnwidgets.engine import ExplanationInputError
from nnwidgets.engine.whatif import counterfactual, ice, partial_dependence, taylor_check

from ..models import assert_same, fingerprint


@pytest.fixture(scope="module")
def cancer():
    return demo.breast_cancer()


def test_taylor_estimate_is_gradient_dot_delta(cancer):
    model, x0 = cancer.model, cancer.inputs[0]
    x1 = x0.clone()
    x1[3] += 50.0
    x1[7] -= 0.01
    before = fingerprint(model)
    check = taylor_check(model, x0, x1)
    assert_same(before, fingerprint(model))
    for k in range(2):
        leaf = x0.clone().requires_grad_(True)
        (g,) = torch.autograd.grad(torch.softmax(model(leaf.unsqueeze(0)), 1)[0, k], leaf)
        torch.testing.assert_close(check.estimate[k], g @ (x1 - x0))
        torch.testing.assert_close(check.gradient[k], g)
    with torch.no_grad():
        p0, p1 = torch.softmax(model(x0.unsqueeze(0)), 1)[0], torch.softmax(model(x1.unsqueeze(0)), 1)[0]
    torch.testing.assert_close(check.actual, p1 - p0)


def test_taylor_is_exact_for_a_linear_model():
    lin = nn.Linear(4, 3)
    x0, x1 = torch.randn(4), torch.randn(4)
    check = taylor_check(lin, x0, x1, output="logit")
    torch.testing.assert_close(check.estimate, check.actual)
    torch.testing.assert_close(check.gradient, lin.weight.detach())


def test_ice_equals_direct_calls(cancer):
    model, x = cancer.model, cancer.inputs[1]
    values = torch.linspace(5, 30, 7)
    curve = ice(model, x, 0, values)
    for i, v in enumerate(values):
        row = x.clone()
        row[0] = v
        with torch.no_grad():
            torch.testing.assert_close(curve[i], torch.softmax(model(row.unsqueeze(0)), 1)[0])


def test_partial_dependence_is_the_mean_of_ice(cancer):
    model, data = cancer.model, cancer.inputs[:9]
    values = [10.0, 20.0, 25.0]
    pdp = partial_dependence(model, data, 2, values)
    expected = torch.stack([ice(model, row, 2, values) for row in data]).mean(0)
    torch.testing.assert_close(pdp, expected)


def test_counterfactual_really_flips_the_class(cancer):
    model = cancer.model
    lows, highs = cancer.inputs.min(0).values, cancer.inputs.max(0).values
    found = 0
    for x in cancer.inputs[:10]:
        cf = counterfactual(model, x, lows, highs)
        if cf is None:
            continue
        found += 1
        row = x.clone()
        row[cf.feature] = cf.value
        with torch.no_grad():
            assert int(model(row.unsqueeze(0)).argmax()) == cf.new_class != cf.original_class
        assert lows[cf.feature] <= cf.value <= highs[cf.feature]
        assert 0 < cf.relative_change <= 1
    assert found >= 3


def test_counterfactual_finds_the_nearest_flip_on_a_known_model():
    # class 1 iff x0 > 0.3 (x1 irrelevant): from x0 = 0, the nearest flip is just above 0.3
    model = nn.Linear(2, 2)
    with torch.no_grad():
        model.weight.copy_(torch.tensor([[0.0, 0.0], [1.0, 0.0]]))
        model.bias.copy_(torch.tensor([0.0, -0.3]))
    cf = counterfactual(model, torch.tensor([0.0, 0.0]), torch.tensor([-1.0, -1.0]), torch.tensor([1.0, 1.0]), steps=201)
    assert cf.feature == 0 and cf.new_class == 1 and 0.3 < cf.value <= 0.32
    assert counterfactual(model, torch.tensor([0.0, 0.0]), torch.tensor([-1.0, -1.0]), torch.tensor([0.2, 1.0])) is None


def test_bad_input(cancer):
    model, x = cancer.model, cancer.inputs[0]
    with pytest.raises(ExplanationInputError, match=r"1-D tensor \(features,\); got \(1, 30\)"):
        ice(model, x.unsqueeze(0), 0, [1.0])
    with pytest.raises(ExplanationInputError, match=r"feature 30 is out of range.*\[0, 29\]"):
        ice(model, x, 30, [1.0])
    with pytest.raises(ExplanationInputError, match="same shape"):
        taylor_check(model, x, x[:5])
    with pytest.raises(ExplanationInputError, match=r"one value per feature \(30,\)"):
        counterfactual(model, x, torch.zeros(3), torch.ones(3))
    with pytest.raises(ExplanationInputError, match="NaN"):
        ice(model, torch.full((30,), float("nan")), 0, [1.0])
