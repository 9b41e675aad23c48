import pytest
import torch
from torch import nn

import nnwidgets as nw
from nnwidgets.engine import ExplanationInputError, ModelCallError

from .models import Quadratic, Raises, TinyCNN, assert_same, fingerprint


@pytest.fixture
def quad():
    torch.manual_seed(0)
    return Quadratic(torch.randn(3, 5))


def test_gradient_matches_closed_form(quad):
    x = torch.randn(4, 5)
    exp = nw.attribute(quad, x, "gradient", target=[0, 1, 2, 1])
    expected = torch.stack([2 * quad.a[k] * x[i] for i, k in enumerate([0, 1, 2, 1])]).detach()
    torch.testing.assert_close(exp.attributions, expected)
    assert exp.target.tolist() == [0, 1, 2, 1]
    torch.testing.assert_close(exp.prediction, (x**2) @ quad.a.detach().T)


def test_saliency_and_input_x_gradient_closed_form(quad):
    x = torch.randn(2, 5)
    grad = (2 * quad.a[1] * x).detach()
    torch.testing.assert_close(nw.attribute(quad, x, "saliency", 1).attributions, grad.abs())
    torch.testing.assert_close(nw.attribute(quad, x, "input_x_gradient", 1).attributions, grad * x)


def test_linear_model_gradient_is_the_weight_row():
    lin = nn.Linear(6, 4)
    x = torch.randn(3, 6)
    exp = nw.attribute(lin, x, "gradient", target=2)
    torch.testing.assert_close(exp.attributions, lin.weight[2].detach().expand(3, 6))


def test_predicted_target_is_argmax(quad):
    x = torch.randn(8, 5)
    exp = nw.attribute(quad, x, "gradient")
    assert torch.equal(exp.target, exp.prediction.argmax(1))


def test_callable_and_single_output_targets():
    lin = nn.Linear(3, 1)
    x = torch.randn(5, 3)
    exp = nw.attribute(lin, x, "gradient", target=None)
    torch.testing.assert_close(exp.attributions, lin.weight.detach().expand(5, 3))
    assert exp.target is None
    multi = nn.Linear(3, 2)
    exp = nw.attribute(multi, x, "gradient", target=lambda out: out[:, 0] - out[:, 1])
    torch.testing.assert_close(exp.attributions, (multi.weight[0] - multi.weight[1]).detach().expand(5, 3))


def test_batched_equals_per_example():
    torch.manual_seed(1)
    model = TinyCNN()
    model.eval()
    x = torch.randn(5, 1, 6, 6)
    batched = nw.attribute(model, x, "input_x_gradient").attributions
    single = torch.cat([nw.attribute(model, x[i : i + 1], "input_x_gradient").attributions for i in range(5)])
    torch.testing.assert_close(batched, single)


@pytest.mark.parametrize("method", ["gradient", "saliency", "input_x_gradient"])
def test_agrees_with_captum(method):
    captum = pytest.importorskip("captum.attr")
    torch.manual_seed(2)
    model = TinyCNN().eval()
    x = torch.randn(4, 1, 6, 6)
    target = torch.tensor([0, 2, 1, 1])
    ours = nw.attribute(model, x, method, target).attributions
    if method == "input_x_gradient":
        theirs = captum.InputXGradient(model).attribute(x, target=target)
    else:
        theirs = captum.Saliency(model).attribute(x, target=target, abs=(method == "saliency"))
    torch.testing.assert_close(ours, theirs, rtol=1e-5, atol=1e-6)


def test_model_left_as_found_after_success():
    torch.manual_seed(3)
    model = TinyCNN()
    model.train()
    model.conv.weight.requires_grad_(False)
    model.fc.weight.grad = torch.ones_like(model.fc.weight)
    handle = model.fc.register_forward_hook(lambda *a: None)
    before = fingerprint(model)
    x = torch.randn(2, 1, 6, 6)
    x_before = x.clone()
    exp = nw.attribute(model, x, "gradient")
    assert_same(before, fingerprint(model))
    assert torch.equal(x, x_before) and not x.requires_grad
    # Computed in eval mode: deterministic despite dropout, BatchNorm uses running stats.
    again = nw.attribute(model, x, "gradient")
    torch.testing.assert_close(exp.attributions, again.attributions)
    handle.remove()


def test_train_mode_runs_in_train_mode():
    seen = []
    model = TinyCNN().eval()
    model.fc.register_forward_pre_hook(lambda m, a: seen.append(m.training))
    nw.attribute(model, torch.randn(2, 1, 6, 6), "gradient", train_mode=True)
    assert seen == [True] and not model.training


def test_model_left_as_found_when_model_raises():
    model = Raises().train()
    before = fingerprint(model)
    with pytest.raises(ModelCallError, match=r"boom inside the model.*|RuntimeError"):
        nw.attribute(model, torch.randn(2, 4), "gradient")
    assert_same(before, fingerprint(model))


def test_model_left_as_found_when_target_raises():
    model = nn.Linear(4, 3)
    before = fingerprint(model)

    def bad_target(out):
        raise KeyError("target failed")

    with pytest.raises(KeyError):
        nw.attribute(model, torch.randn(2, 4), "gradient", target=bad_target)
    assert_same(before, fingerprint(model))


def test_works_under_no_grad(quad):
    x = torch.randn(2, 5)
    with torch.no_grad():
        exp = nw.attribute(quad, x, "gradient", 0)
    torch.testing.assert_close(exp.attributions, (2 * quad.a[0] * x).detach())


@pytest.mark.parametrize(
    "inputs, target, pattern",
    [
        (torch.randn(2, 5).double(), 0, r"dtype torch.float64 .* parameters are torch.float32"),
        (torch.randint(0, 3, (2, 5)), 0, r"floating-point input.*embedding layer"),
        (torch.tensor([[1.0, float("nan"), 0, 0, 0]]), 0, r"1 NaN or infinite"),
        (torch.tensor([[1.0, float("inf"), 0, 0, 0]]), 0, r"NaN or infinite"),
        (torch.randn(2, 5), 3, r"target 3 is out of range.*\[0, 2\]"),
        (torch.randn(2, 5), -1, r"out of range"),
        (torch.randn(2, 5), [0, 1, 2], r"one class index per example \(2\)"),
        (torch.randn(2, 5), "first", r"'predicted', an int"),
        (torch.randn(2, 5), 1.5, r"integer class indices"),
        (torch.randn(0, 5), 0, r"non-empty batch"),
        ([[1.0, 2.0]], 0, r"must be a torch.Tensor"),
    ],
)
def test_bad_input_names_expected_form(quad, inputs, target, pattern):
    before = fingerprint(quad)
    with pytest.raises(ExplanationInputError, match=pattern):
        nw.attribute(quad, inputs, "gradient", target)
    assert_same(before, fingerprint(quad))


def test_wrong_shape_reports_the_input_form(quad):
    with pytest.raises(ModelCallError, match=r"shape \(2, 7\)"):
        nw.attribute(quad, torch.randn(2, 7), "gradient", 0)


def test_unknown_method_lists_valid_ones(quad):
    with pytest.raises(ExplanationInputError, match="unknown method 'deeplift'; choose one of") as err:
        nw.attribute(quad, torch.randn(1, 5), "deeplift")
    for name in nw.engine.METHODS:
        assert name in str(err.value)


def test_unknown_and_missing_options_are_named(quad):
    with pytest.raises(ExplanationInputError, match=r"method 'saliency' got unknown option\(s\) \['n_steps'\]; its options are: none"):
        nw.attribute(quad, torch.randn(1, 5), "saliency", n_steps=3)


def test_device_mismatch_is_an_error(quad):
    meta = torch.randn(1, 5, device="meta")
    with pytest.raises(ExplanationInputError, match=r"inputs are on meta but the model is on cpu"):
        nw.attribute(quad, meta, "gradient", 0)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_stays_on_cuda():  # pragma: no cover - runs on the GPU machine only
    model = TinyCNN().cuda().eval()
    exp = nw.attribute(model, torch.randn(2, 1, 6, 6, device="cuda"), "saliency")
    assert exp.attributions.is_cuda and exp.prediction.is_cuda


def test_capture_matches_manual_forward_and_survives_inplace_relu():
    torch.manual_seed(4)
    model = TinyCNN().eval()
    x = torch.randn(2, 1, 6, 6)
    before = fingerprint(model)
    acts = nw.capture(model, x, ["conv", "bn", "relu"])
    assert_same(before, fingerprint(model))
    with torch.no_grad():
        conv = model.conv(x)
        bn = model.bn(conv)
    torch.testing.assert_close(acts["conv"], conv)
    # the in-place ReLU overwrote bn's output tensor; the capture kept its own copy
    torch.testing.assert_close(acts["bn"], bn)
    torch.testing.assert_close(acts["relu"], bn.clamp(min=0))
    with pytest.raises(ExplanationInputError, match=r"unknown layer name\(s\) \['fc1'\]; valid names: 'conv'"):
        nw.capture(model, x, ["fc1"])
