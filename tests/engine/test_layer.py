"""Layer and parameter attribution: Grad-CAM, layer gradient × activation,
layer integrated gradients, gradient × weight."""

import copy

import pytest
import torch
from torch import nn

import nnwidgets as nw
from nnwidgets.engine import ExplanationInputError
from nnwidgets.engine.methods import weights as weights_module

from .. import zoo
from ..models import assert_same, fingerprint

captum = pytest.importorskip("captum.attr")
TOL = dict(rtol=1e-5, atol=1e-5)


def out_of_place(model: nn.Module) -> nn.Module:
    """A copy without in-place activations: Captum's layer IG cannot run through
    them (it substitutes a leaf that ReLU(inplace=True) would then modify)."""
    model = copy.deepcopy(model)
    for module in model.modules():
        if hasattr(module, "inplace"):
            module.inplace = False
    return model


def target_of(case):
    return None if case.regression else "predicted"


def module(model, name):
    return dict(model.named_modules())[name]


@pytest.mark.parametrize("make", zoo.DENSE_CASES, ids=lambda f: f.__name__)
def test_layer_gradient_x_activation_matches_captum(make):
    case = make()
    before = fingerprint(case.model)
    exp = nw.attribute(case.model, case.inputs, "layer_gradient_x_activation", target_of(case), layer=case.layer)
    assert_same(before, fingerprint(case.model))
    theirs = captum.LayerGradientXActivation(case.model, module(case.model, case.layer)).attribute(
        case.inputs, target=exp.target
    )
    torch.testing.assert_close(exp.attributions, theirs, **TOL)
    torch.testing.assert_close(exp.prediction, case.model(case.inputs).detach())


@pytest.mark.parametrize("make", [zoo.cnn, zoo.residual], ids=lambda f: f.__name__)
@pytest.mark.parametrize("relu", [False, True])
def test_gradcam_matches_captum(make, relu):
    case = make()
    target = torch.arange(case.inputs.shape[0]) % 3
    exp = nw.attribute(case.model, case.inputs, "gradcam", target, layer=case.conv_layer, relu_attributions=relu)
    theirs = captum.LayerGradCam(case.model, module(case.model, case.conv_layer)).attribute(
        case.inputs, target=target, relu_attributions=relu
    )
    assert exp.attributions.shape[1] == 1
    torch.testing.assert_close(exp.attributions, theirs, **TOL)
    assert bool((exp.attributions < 0).any()) != relu  # the option really acts


@pytest.mark.parametrize("mode", ["nearest", "bilinear"])
def test_gradcam_upsample_matches_captum_interpolate(mode):
    case = zoo.cnn()
    layer = "5"  # after max-pooling: 4x4, upsampled to the 8x8 input
    exp = nw.attribute(case.model, case.inputs, "gradcam", 1, layer=layer, upsample=True, interpolate_mode=mode)
    small = captum.LayerGradCam(case.model, module(case.model, layer)).attribute(case.inputs, target=1)
    assert small.shape[2:] == (4, 4) and exp.attributions.shape[2:] == (8, 8)
    torch.testing.assert_close(exp.extras["layer_attributions"], small, **TOL)
    torch.testing.assert_close(
        exp.attributions, captum.LayerAttribution.interpolate(small, (8, 8), interpolate_mode=mode), **TOL
    )


@pytest.mark.parametrize("make", zoo.ALL_CASES, ids=lambda f: f.__name__)
def test_layer_integrated_gradients_matches_captum(make):
    case = make()
    layer = case.embedding or case.layer
    before = fingerprint(case.model)
    exp = nw.attribute(case.model, case.inputs, "layer_integrated_gradients", target_of(case), layer=layer)
    assert_same(before, fingerprint(case.model))
    reference = out_of_place(case.model)
    theirs, delta = captum.LayerIntegratedGradients(reference, module(reference, layer)).attribute(
        case.inputs, target=exp.target, return_convergence_delta=True
    )
    torch.testing.assert_close(exp.attributions, theirs, **TOL)
    torch.testing.assert_close(exp.delta, delta, **TOL)
    attr = exp.attributions
    summed = attr.sum(dim=tuple(range(2, attr.dim()))) if attr.dim() > 2 else attr
    torch.testing.assert_close(exp.extras["summed"], summed)


@pytest.mark.parametrize("make", zoo.TOKEN_CASES, ids=lambda f: f.__name__)
def test_layer_ig_through_embedding_gives_one_score_per_token(make):
    case = make()
    pad = torch.ones_like(case.inputs)  # baseline: token id 1 everywhere
    exp = nw.attribute(case.model, case.inputs, "layer_integrated_gradients", 2, layer=case.embedding,
                       baselines=pad, n_steps=100)
    theirs = captum.LayerIntegratedGradients(case.model, module(case.model, case.embedding)).attribute(
        case.inputs, baselines=pad, target=2, n_steps=100
    )
    torch.testing.assert_close(exp.attributions, theirs, **TOL)
    assert exp.extras["summed"].shape == case.inputs.shape
    # Completeness: the per-token scores add up to F(x) - F(baseline).
    with torch.no_grad():
        change = case.model(case.inputs)[:, 2] - case.model(pad)[:, 2]
    torch.testing.assert_close(exp.extras["summed"].sum(1), change, rtol=0, atol=5e-3)
    torch.testing.assert_close(exp.delta, exp.extras["summed"].sum(1) - change, rtol=0, atol=1e-5)


def test_layer_ig_completeness_and_quadratures():
    case = zoo.mlp()
    x, model = case.inputs, case.model
    base = torch.randn(10)
    runs = {
        q: nw.attribute(model, x, "layer_integrated_gradients", 0, layer="2", baselines=base, n_steps=64, quadrature=q)
        for q in ("gausslegendre", "riemann_middle", "riemann_trapezoid")
    }
    with torch.no_grad():
        change = model(x)[:, 0] - model(base.expand_as(x))[:, 0]
    for q, exp in runs.items():
        torch.testing.assert_close(exp.delta, exp.attributions.sum(1) - change, rtol=0, atol=1e-5)
        assert exp.delta.abs().max() < 1e-2, q
    theirs = captum.LayerIntegratedGradients(model, model[2]).attribute(
        x, baselines=base.expand_as(x), target=0, n_steps=64, method="riemann_middle"
    )
    torch.testing.assert_close(runs["riemann_middle"].attributions, theirs, **TOL)


def test_layer_ig_chunked_equals_unchunked():
    case = zoo.text_attention()
    whole = nw.attribute(case.model, case.inputs, "layer_integrated_gradients", 0, layer="embedding", n_steps=20)
    for size in (1, 7, 25):
        part = nw.attribute(case.model, case.inputs, "layer_integrated_gradients", 0, layer="embedding",
                            n_steps=20, internal_batch_size=size)
        torch.testing.assert_close(part.attributions, whole.attributions, **TOL)
        torch.testing.assert_close(part.delta, whole.delta, **TOL)


def test_layer_ig_forward_count_is_one_plus_chunks():
    case = zoo.mlp()
    calls = []
    handle = case.model.register_forward_pre_hook(lambda m, a: calls.append(a[0].shape[0]))
    try:
        nw.attribute(case.model, case.inputs, "layer_integrated_gradients", 0, layer="2", n_steps=10,
                     internal_batch_size=20)
    finally:
        handle.remove()
    # The layer's values at inputs and baselines (a forward stopped after the layer: the model
    # never runs past it on the baselines), the outputs at both ends (on the inputs, the layer's
    # output set to each end), then 5 steps of 4 per chunk.
    assert calls == [8, 8, 20, 20]


def test_layer_methods_callable_target_and_no_grad():
    case = zoo.mlp()
    objective = lambda out: out[:, 0] - out[:, 2]  # noqa: E731
    with torch.no_grad():
        exp = nw.attribute(case.model, case.inputs, "layer_integrated_gradients", objective, layer="2")
        lgxa = nw.attribute(case.model, case.inputs, "layer_gradient_x_activation", objective, layer="2")
    assert exp.target is None
    reference = captum.LayerIntegratedGradients(lambda x: objective(case.model(x)), case.model[2])
    torch.testing.assert_close(exp.attributions, reference.attribute(case.inputs), **TOL)
    reference = captum.LayerGradientXActivation(lambda x: objective(case.model(x)), case.model[2])
    torch.testing.assert_close(lgxa.attributions, reference.attribute(case.inputs), **TOL)


def test_errors_and_model_left_unchanged():
    case = zoo.cnn()
    model, x = case.model, case.inputs
    before = fingerprint(model)
    x_before = x.clone()
    with pytest.raises(ExplanationInputError, match=r"unknown layer name.*valid names: '0', '1'"):
        nw.attribute(model, x, "gradcam", layer="conv9")
    with pytest.raises(ExplanationInputError, match=r"Grad-CAM needs .*\(3, 5\)"):
        nw.attribute(model, x, "gradcam", layer="7")
    with pytest.raises(ExplanationInputError, match="upsample needs 2"):
        nw.attribute(model, x, "gradcam", layer="3", upsample=(8,))
    with pytest.raises(ExplanationInputError, match="interpolate_mode 'trilinear' cannot resize"):
        nw.attribute(model, x, "gradcam", layer="3", upsample=True, interpolate_mode="trilinear")
    with pytest.raises(ExplanationInputError, match=r"baselines must have shape \(3, 1, 8, 8\), \(1, 8, 8\) or any shape"):
        nw.attribute(model, x, "layer_integrated_gradients", layer="3", baselines=torch.zeros(2, 8, 8))
    with pytest.raises(ExplanationInputError, match="n_steps must be an int ≥ 1"):
        nw.attribute(model, x, "layer_integrated_gradients", layer="3", n_steps=0)
    with pytest.raises(ExplanationInputError, match="internal_batch_size must be None or an int ≥ 1"):
        nw.attribute(model, x, "layer_integrated_gradients", layer="3", internal_batch_size=0)
    with pytest.raises(ExplanationInputError, match=r"needs the option\(s\) \['layer'\]"):
        nw.attribute(model, x, "layer_gradient_x_activation")
    with pytest.raises(ExplanationInputError, match="target 9 is out of range"):
        nw.attribute(model, x, "layer_integrated_gradients", 9, layer="3")
    assert_same(before, fingerprint(model))
    assert torch.equal(x, x_before)
    text = zoo.text_lstm()
    before = fingerprint(text.model)
    for bad in (0.5, torch.zeros(6), torch.zeros(3, 6, dtype=torch.long)):
        with pytest.raises(ExplanationInputError, match="baselines"):
            nw.attribute(text.model, text.inputs, "layer_integrated_gradients", layer="embedding", baselines=bad)
    with pytest.raises(ExplanationInputError, match="gradient methods need a floating-point input"):
        nw.attribute(text.model, text.inputs, "integrated_gradients")  # the route is through the embedding
    assert_same(before, fingerprint(text.model))


# --- gradient × weight -------------------------------------------------------


def reference_gradient_x_weight(model, x, target, layer):
    """Per example: backward on a copy, then .grad ⊙ W."""
    out = []
    for i in range(x.shape[0]):
        twin = copy.deepcopy(model)
        twin(x[i : i + 1])[0, target[i]].backward()
        out.append(module(twin, layer).weight.grad * module(twin, layer).weight.detach())
    return torch.stack(out)


def test_gradient_x_weight_linear_closed_form():
    lin = nn.Linear(5, 3)
    x = torch.randn(4, 5)
    exp = nw.attribute(lin, x, "gradient_x_weight", [0, 2, 1, 2], layer="")
    expected = torch.zeros(4, 3, 5)
    for i, k in enumerate([0, 2, 1, 2]):
        expected[i, k] = lin.weight[k].detach() * x[i]  # ∂y_k/∂W = e_k xᵀ
    torch.testing.assert_close(exp.attributions, expected)
    bias = torch.zeros(4, 3)
    bias[torch.arange(4), torch.tensor([0, 2, 1, 2])] = lin.bias.detach()[[0, 2, 1, 2]]
    torch.testing.assert_close(exp.extras["bias"], bias)


@pytest.mark.parametrize("make,layer", [(zoo.cnn, "3"), (zoo.residual, "1.conv2"), (zoo.text_lstm, "embedding")],
                         ids=["cnn", "residual", "text_lstm"])
def test_gradient_x_weight_per_example_and_model_untouched(make, layer, monkeypatch):
    case = make()
    model = case.model
    weight = module(model, layer).weight
    weight.requires_grad_(False)  # a frozen layer still gets its attribution
    first = next(model.parameters())
    first.grad = torch.ones_like(first)  # a gradient of the user's own, to be left as it is
    before = fingerprint(model)
    with torch.no_grad():
        exp = nw.attribute(model, case.inputs, "gradient_x_weight", layer=layer)
    assert_same(before, fingerprint(model))
    assert exp.attributions.shape == (case.inputs.shape[0], *weight.shape)
    weight.requires_grad_(True)
    expected = reference_gradient_x_weight(model, case.inputs, exp.target, layer)
    torch.testing.assert_close(exp.attributions, expected, **TOL)
    # The fallback for models vmap cannot batch gives the same numbers.
    monkeypatch.setattr(weights_module, "_per_example_vmap", lambda *a: (_ for _ in ()).throw(RuntimeError("no")))
    looped = nw.attribute(model, case.inputs, "gradient_x_weight", layer=layer)
    torch.testing.assert_close(looped.attributions, exp.attributions, **TOL)


def test_gradient_x_weight_errors():
    case = zoo.text_lstm()
    before = fingerprint(case.model)
    with pytest.raises(ExplanationInputError, match=r"no floating-point `weight`.*'embedding', 'head'"):
        nw.attribute(case.model, case.inputs, "gradient_x_weight", layer="lstm")
    with pytest.raises(ExplanationInputError, match="valid names"):
        nw.attribute(case.model, case.inputs, "gradient_x_weight", layer="nope")
    assert_same(before, fingerprint(case.model))
