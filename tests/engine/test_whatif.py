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


# -- the What-if view's frames ------------------------------------------------------------


def test_sweep_grid_is_the_numpy_grid_to_the_bit():
    import numpy as np

    from nnwidgets.engine.whatif import sweep_grid

    for low, high in [(6.981, 28.11), (143.5, 2501.0), (-1.0, 1.0)]:
        lo, hi = np.float32(low), np.float32(high)
        np.testing.assert_array_equal(sweep_grid(lo, hi, 0.0, False).numpy(), np.linspace(lo, hi, 64, dtype=np.float32))
    np.testing.assert_array_equal(sweep_grid(0.0, 3.0, 1.0, True).numpy(), [0, 1, 2, 3])


def test_tabular_frame_matches_the_engine_calls(cancer):
    import nnwidgets as nw
    from nnwidgets.engine.frames.whatif import Sweeps, method_options, tabular_frame, whatif_origin
    from nnwidgets.engine.ranges import feature_ranges

    model, x0, data = cancer.model, cancer.inputs[0], cancer.inputs
    ranges = feature_ranges(x0, data, None, None, cancer.feature_names)
    origin = whatif_origin(model, x0, jacobian=True)
    sweeps = Sweeps(model, ranges, data)
    x = x0.clone()
    x[3] += 300.0
    options = method_options("integrated_gradients", data)
    torch.testing.assert_close(options["baselines"], data.mean(0, keepdim=True))
    frame = tabular_frame(model, x.numpy(), origin, target=1, method="integrated_gradients", options=options,
                          feature=3, sweeps=sweeps)
    exp = nw.attribute(model, x[None], "integrated_gradients", 1, **options)
    torch.testing.assert_close(frame.attributions, exp.attributions[0])
    check = taylor_check(model, x0, x)
    torch.testing.assert_close(frame.taylor_estimate, check.estimate, rtol=1e-5, atol=1e-7)
    torch.testing.assert_close(frame.taylor_actual, check.actual, rtol=1e-4, atol=1e-6)
    assert frame.ice.feature == 3 and frame.ice.values.shape == frame.ice.outputs.shape == frame.ice.pdp.shape == (64,)
    torch.testing.assert_close(frame.ice.outputs, ice(model, x, 3, frame.ice.values)[:, 1])
    torch.testing.assert_close(frame.ice.pdp, partial_dependence(model, data, 3, frame.ice.values)[:, 1])
    # moving the swept feature reuses its curve; moving another feature recomputes it
    x[3] += 1.0
    again = tabular_frame(model, x, origin, target=1, method="gradient", options={}, feature=3, sweeps=sweeps)
    assert again.ice.outputs is frame.ice.outputs and again.method == "gradient"
    x[0] += 1.0
    moved = tabular_frame(model, x, origin, target=1, method="gradient", options={}, feature=3, sweeps=sweeps)
    assert moved.ice.outputs is not frame.ice.outputs and moved.ice.pdp is frame.ice.pdp
    assert tabular_frame(model, x, origin, target=0, method="gradient", options={}, feature=-1, sweeps=sweeps).ice is None
    with pytest.raises(ExplanationInputError, match=r"target 2 is out of range: \[0, 1\]"):
        tabular_frame(model, x, origin, target=2, method="gradient", options={}, feature=-1, sweeps=sweeps)


def test_origin_needs_one_row_of_outputs():
    from nnwidgets.engine.frames.whatif import whatif_origin

    class Grid(nn.Module):
        def forward(self, x):
            return x.view(1, 1, 3).repeat(1, 2, 1)

    with pytest.raises(ExplanationInputError, match=r"output has shape \(1, outputs\) or \(1,\) for one input; got \(1, 2, 3\)"):
        whatif_origin(Grid(), torch.randn(3))


def test_origin_of_a_regressor_shows_its_raw_score():
    from nnwidgets.engine.frames.whatif import whatif_origin

    torch.manual_seed(0)
    model, x = nn.Linear(3, 1), torch.randn(3)
    origin = whatif_origin(model, x, jacobian=True)
    assert origin.reading.kind == "score" and origin.reading.label == "raw scores"
    assert torch.allclose(origin.probabilities, model(x).detach())
    assert torch.allclose(origin.jacobian, model.weight.detach())  # d score / dx of a linear model


def test_image_frame_sums_the_map_over_channels():
    import nnwidgets as nw
    from nnwidgets.engine.frames.whatif import image_frame, value_range, whatif_origin

    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 6 * 6, 5)).eval()
    x0 = torch.rand(3, 8, 8)
    origin = whatif_origin(model, x0)
    assert origin.jacobian is None and value_range(torch.zeros(3)) == (0.0, 1.0)
    frame = image_frame(model, x0.reshape(-1).numpy(), origin, target=None, method="gradient")
    exp = nw.attribute(model, x0[None], "gradient")
    assert frame.target == int(exp.target[0]) == frame.predicted and frame.signed == nw.engine.METHODS["gradient"].signed
    torch.testing.assert_close(frame.map, exp.attributions[0].sum(0))
    assert frame.scale == pytest.approx(float(frame.map.abs().max()))
    with pytest.raises(ExplanationInputError, match=r"must have shape \(3, 8, 8\)"):
        image_frame(model, x0[:2], origin, target=0, method="gradient")


def test_feature_ranges_contain_the_row():
    from nnwidgets.engine.ranges import feature_ranges

    x = torch.tensor([0.5, -3.0, 2.0])
    r = feature_ranges(x, None, None, [1], ["a", "b", "c"])
    torch.testing.assert_close(r.lows, torch.tensor([-0.5, -6.0, 0.0]))
    torch.testing.assert_close(r.highs, torch.tensor([1.5, 0.0, 4.0]))
    assert r.categorical.tolist() == [False, True, False] and r.means is None
    torch.testing.assert_close(r.steps, torch.tensor([2 / 200, 1.0, 4 / 200]))
    r = feature_ranges(x, None, [(1, 2), (-1, 1), (0, 3)], None, ["a", "b", "c"])
    torch.testing.assert_close(r.lows, torch.tensor([0.5, -3.0, 0.0]))  # widened to reach the row
    with pytest.raises(ExplanationInputError, match=r"categorical index 3 is out of range \[0, 2\]"):
        feature_ranges(x, None, None, [3], ["a", "b", "c"])
