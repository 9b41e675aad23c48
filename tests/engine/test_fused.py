"""The fused refresh: prediction, input gradient, and layer activations and
gradients from one forward and one backward."""

import pytest
import torch
from torch import nn

import nnwidgets as nw
from nnwidgets.engine import ExplanationInputError
from nnwidgets.engine.fused import refresh
from nnwidgets.engine.layers import tapped

from .. import zoo
from ..models import assert_same, fingerprint
from .test_layer import module, out_of_place

captum = pytest.importorskip("captum.attr")
TOL = dict(rtol=1e-5, atol=1e-6)
CNN_LAYERS = ["0", "1", "2", "3", "4", "5"]  # conv, BN, in-place ReLU, conv, in-place ReLU, pool


def layer_gradient(model, layer, x, target):
    """∂y/∂(layer output) through Captum, on a copy without in-place ops."""
    ref = out_of_place(model)
    grad = captum.LayerGradientXActivation(ref, module(ref, layer), multiply_by_inputs=False)
    return grad.attribute(x, target=target)


class Counter:
    """Counts forwards of the model (pre-hook) and calls of torch.autograd.grad."""

    def __init__(self, model, monkeypatch):
        self.forwards = 0
        self.grads = 0
        real = torch.autograd.grad

        def counting(*args, **kwargs):
            self.grads += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(torch.autograd, "grad", counting)
        self.handle = model.register_forward_pre_hook(lambda m, a: setattr(self, "forwards", self.forwards + 1))


@pytest.mark.parametrize("make", zoo.DENSE_CASES, ids=lambda f: f.__name__)
def test_refresh_equals_separate_calls_in_one_pass(make, monkeypatch):
    case = make()
    model, x = case.model, case.inputs
    layers = [case.layer] + ([case.conv_layer] if case.conv_layer else [])
    target = None if case.regression else "predicted"
    separate = nw.attribute(model, x, "gradient", target)
    acts = nw.capture(model, x, layers)
    before = fingerprint(model)
    count = Counter(model, monkeypatch)
    try:
        r = refresh(model, x, target, layers=layers)
    finally:
        count.handle.remove()
    assert (count.forwards, count.grads) == (1, 1)
    assert_same(before, fingerprint(model))
    torch.testing.assert_close(r.prediction, separate.prediction)
    assert (r.target is None and separate.target is None) or torch.equal(r.target, separate.target)
    torch.testing.assert_close(r.gradient, separate.attributions, **TOL)
    torch.testing.assert_close(r.attributions, separate.attributions, **TOL)
    for name in layers:
        torch.testing.assert_close(r.activations[name], acts[name], **TOL)
        torch.testing.assert_close(r.layer_gradients[name], layer_gradient(model, name, x, r.target), **TOL)


@pytest.mark.parametrize("method", ["saliency", "input_x_gradient"])
def test_refresh_methods_equal_attribute(method):
    case = zoo.residual()
    r = refresh(case.model, case.inputs, 1, method=method)
    torch.testing.assert_close(r.attributions, nw.attribute(case.model, case.inputs, method, 1).attributions, **TOL)
    assert r.method == method and r.activations == {} and r.layer_gradients == {}


def test_in_place_relu_neither_corrupts_activations_nor_gradients():
    case = zoo.cnn()
    model, x = case.model, case.inputs
    r = refresh(model, x, 2, layers=CNN_LAYERS)
    reference = out_of_place(model)
    with torch.no_grad():
        conv = reference[0](x)
        bn = reference[1](conv)
    torch.testing.assert_close(r.activations["0"], conv)
    torch.testing.assert_close(r.activations["1"], bn)  # before the in-place ReLU ran on it
    assert bool((r.activations["1"] < 0).any()) and bool((r.activations["2"] >= 0).all())
    torch.testing.assert_close(r.activations["2"], bn.clamp(min=0))
    for name in CNN_LAYERS:
        torch.testing.assert_close(r.layer_gradients[name], layer_gradient(model, name, x, r.target), **TOL)
    # The gradient at the conv output is zero where the ReLU cut it off: it is
    # the gradient w.r.t. the conv output, not w.r.t. the ReLU's result.
    assert bool((r.layer_gradients["3"][r.activations["3"] < 0] == 0).all())
    assert bool((r.layer_gradients["3"][r.activations["3"] > 0] != 0).any())
    torch.testing.assert_close(r.prediction, reference(x).detach())


def test_token_model_refresh_without_input_gradient():
    case = zoo.text_attention()
    r = refresh(case.model, case.inputs, 0, layers=["embedding", "attn"], method=None)
    assert r.gradient is None and r.attributions is None
    assert r.activations["embedding"].shape == (3, 7, 16)
    assert r.activations["attn"].shape == (3, 7, 16)  # MultiheadAttention: its first output
    lgxa = nw.attribute(case.model, case.inputs, "layer_gradient_x_activation", 0, layer="embedding")
    torch.testing.assert_close(r.layer_gradients["embedding"] * r.activations["embedding"], lgxa.attributions)
    theirs = captum.LayerGradientXActivation(case.model, case.model.embedding, multiply_by_inputs=False)
    torch.testing.assert_close(r.layer_gradients["embedding"], theirs.attribute(case.inputs, target=0), **TOL)
    with pytest.raises(ExplanationInputError, match="embedding layer"):
        refresh(case.model, case.inputs, 0, method="gradient")


def test_frozen_model_still_gets_layer_gradients():
    case = zoo.text_lstm()
    for p in case.model.parameters():
        p.requires_grad_(False)
    before = fingerprint(case.model)
    r = refresh(case.model, case.inputs, 1, layers=["embedding", "lstm"], method=None)
    assert_same(before, fingerprint(case.model))
    assert r.layer_gradients["embedding"].abs().sum() > 0
    assert r.layer_gradients["lstm"].shape == (2, 6, 12)


def test_under_no_grad_and_inputs_untouched():
    case = zoo.cnn()
    x_before = case.inputs.clone()
    with torch.no_grad():
        r = refresh(case.model, case.inputs, 0, layers=["2"], method="input_x_gradient")
    assert r.gradient.abs().sum() > 0 and r.layer_gradients["2"].abs().sum() > 0
    assert torch.equal(case.inputs, x_before)


class Unused(nn.Module):
    def __init__(self):
        super().__init__()
        self.used = nn.Linear(3, 2)
        self.spare = nn.Linear(3, 2)
        self.side = nn.Linear(3, 1)

    def forward(self, x):
        self.side(x)  # runs, but the output ignores it
        return self.used(x)


def test_errors_unused_layers_and_model_unchanged():
    case = zoo.mlp()
    before = fingerprint(case.model)
    names = r"unknown layer name\(s\) \['fc1'\]; valid names: '0', '1', '2', '3', '4'"
    with pytest.raises(ExplanationInputError, match=names):
        refresh(case.model, case.inputs, layers=["fc1"])
    with pytest.raises(ExplanationInputError, match="refresh computes gradient, saliency, input_x_gradient"):
        refresh(case.model, case.inputs, method="integrated_gradients")
    with pytest.raises(ExplanationInputError, match="target 3 is out of range"):
        refresh(case.model, case.inputs, 3, layers=["2"])
    assert_same(before, fingerprint(case.model))
    model = Unused()
    r = refresh(model, torch.randn(2, 3), 0, layers=["side"])
    assert torch.equal(r.layer_gradients["side"], torch.zeros(2, 1))
    with pytest.raises(ExplanationInputError, match="layer 'spare' did not run"):
        refresh(model, torch.randn(2, 3), 0, layers=["spare"])
    assert all(len(m._forward_hooks) == 0 for m in model.modules())


def test_tap_substitutes_and_removes_its_hooks():
    from nnwidgets.engine.private import private_view

    case = zoo.mlp()
    model, x = private_view(case.model), case.inputs  # taps go on a private view, never the user's model
    replacement = torch.zeros(4, 16)
    with tapped(model, ["3"], replace={"3": replacement}) as taps:
        out = model(x)
    torch.testing.assert_close(out, model[4](torch.zeros(4, 16)).detach().expand(4, 3))
    assert taps["3"].output is replacement and taps["3"].calls == 1
    assert all(len(m._forward_hooks) == 0 for m in model.modules())
    with pytest.raises(ExplanationInputError, match=r"expected \(5, 16\)"):
        with tapped(model, ["3"], replace={"3": torch.zeros(5, 16)}):
            model(x)
    assert all(len(m._forward_hooks) == 0 for m in model.modules())
    assert all(len(m._forward_hooks) == 0 for m in case.model.modules())


def test_the_layers_frame_is_one_pass_reused_while_only_the_layer_changes(monkeypatch):
    from nnwidgets.engine.frames.layers import LayerPasses, layers_frame

    case = zoo.cnn()
    model, x = case.model, case.inputs
    passes = LayerPasses(model, x, CNN_LAYERS)
    before = fingerprint(model)
    count = Counter(model, monkeypatch)
    try:
        frame = layers_frame(passes, 1, "predicted", "3")
        assert (count.forwards, count.grads) == (1, 1)
        other = layers_frame(passes, 1, "predicted", "0")  # another layer of the same pass
        assert (count.forwards, count.grads) == (1, 1)
        layers_frame(passes, 1, 2, "0")  # another target: a new pass
        assert (count.forwards, count.grads) == (2, 2)
    finally:
        count.handle.remove()
    assert_same(before, fingerprint(model))
    r = refresh(model, x[1:2], "predicted", layers=CNN_LAYERS, method=None)
    assert frame.target == int(r.target[0]) == frame.predicted
    torch.testing.assert_close(frame.scores, torch.softmax(r.prediction[0], 0))
    torch.testing.assert_close(frame.activation, r.activations["3"][0])
    torch.testing.assert_close(other.gradient, r.layer_gradients["0"][0])
    norms = torch.stack([r.layer_gradients[n].norm() for n in CNN_LAYERS])
    torch.testing.assert_close(frame.grad_norms, norms)
    assert frame.neuron is None and frame.weights is None and frame.note == ""
    with pytest.raises(ExplanationInputError, match=r"example must be in \[0, 2\]"):
        layers_frame(passes, 3, "predicted", "0")
    with pytest.raises(ExplanationInputError, match="choose one of 0, 1"):
        layers_frame(passes, 0, "predicted", "nope")


def test_a_flattened_layers_neuron_and_colour_range():
    from nnwidgets.engine.frames.layers import layer_index, value_range, viewable_shape

    assert viewable_shape((2, 3, 2, 2)) == (24,) and viewable_shape((4, 5)) == (4, 5)
    assert layer_index([13], (2, 3, 2, 2), "l") == (1, 0, 0, 1)  # the view's flat unit, unravelled
    assert layer_index([1, 2], (3, 4), "l") == (1, 2)
    with pytest.raises(ExplanationInputError, match="out of range"):
        layer_index([24], (2, 3, 2, 2), "l")
    assert value_range(torch.tensor([0.0, 2.0])) == (0.0, 2.0, False)
    assert value_range(torch.tensor([-3.0, 1.0, float("inf"), float("nan")])) == (-3.0, 3.0, True)
    assert value_range(torch.tensor([float("nan")])) == (0.0, 1.0, False)
    assert value_range(torch.zeros(0)) == (0.0, 1.0, False)
