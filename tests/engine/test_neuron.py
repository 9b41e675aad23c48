"""Neuron attribution: gradient and integrated gradients of one unit of a layer."""

import pytest
import torch
from torch import nn

import nnwidgets as nw
from nnwidgets.engine import ExplanationInputError

from .. import zoo
from ..models import assert_same, fingerprint
from .test_layer import module, out_of_place

captum = pytest.importorskip("captum.attr")
TOL = dict(rtol=1e-5, atol=1e-5)


def a_neuron(case):
    """A unit in the middle of the case's layer output (without the batch dim)."""
    with torch.no_grad():
        acts = nw.capture(case.model, case.inputs, [case.layer])[case.layer]
    return tuple(s // 2 for s in acts.shape[1:])


def unit_value(model, layer, neuron, x):
    got = {}

    def hook(_m, _a, out):
        got["v"] = out[(slice(None), *neuron)].clone()

    handle = module(model, layer).register_forward_hook(hook)
    try:
        with torch.no_grad():
            model(x)
    finally:
        handle.remove()
    return got["v"]


@pytest.mark.parametrize("make", zoo.DENSE_CASES, ids=lambda f: f.__name__)
def test_neuron_gradient_matches_captum(make):
    case = make()
    neuron = a_neuron(case)
    before = fingerprint(case.model)
    exp = nw.attribute(case.model, case.inputs, "neuron_gradient", layer=case.layer, neuron=neuron)
    assert_same(before, fingerprint(case.model))
    theirs = captum.NeuronGradient(case.model, module(case.model, case.layer)).attribute(
        case.inputs, neuron_selector=neuron
    )
    assert exp.attributions.shape == case.inputs.shape
    assert exp.attributions.abs().sum() > 0
    torch.testing.assert_close(exp.attributions, theirs, **TOL)
    torch.testing.assert_close(exp.extras["neuron_value"], unit_value(case.model, case.layer, neuron, case.inputs))


@pytest.mark.parametrize("make", zoo.DENSE_CASES, ids=lambda f: f.__name__)
def test_neuron_integrated_gradients_matches_captum_with_delta(make):
    case = make()
    neuron = a_neuron(case)
    base = 0.3 * torch.randn(case.inputs.shape[1:])
    exp = nw.attribute(case.model, case.inputs, "neuron_integrated_gradients", layer=case.layer,
                       neuron=neuron, baselines=base, n_steps=40)
    reference = out_of_place(case.model)
    theirs = captum.NeuronIntegratedGradients(reference, module(reference, case.layer)).attribute(
        case.inputs, neuron_selector=neuron, baselines=base.expand_as(case.inputs).contiguous(), n_steps=40
    )
    torch.testing.assert_close(exp.attributions, theirs, **TOL)
    # Captum has no delta for this method: check ours against the unit's own values.
    change = unit_value(case.model, case.layer, neuron, case.inputs) - unit_value(
        case.model, case.layer, neuron, base.expand_as(case.inputs)
    )
    torch.testing.assert_close(exp.delta, exp.attributions.flatten(1).sum(1) - change, **TOL)


def test_neuron_ig_completeness_chunks_and_quadrature():
    case = zoo.mlp()
    kw = dict(layer="2", neuron=5, n_steps=100)
    whole = nw.attribute(case.model, case.inputs, "neuron_integrated_gradients", **kw)
    assert whole.delta.abs().max() < 1e-2  # ReLU kinks slow the quadrature down
    chunked = nw.attribute(case.model, case.inputs, "neuron_integrated_gradients", internal_batch_size=9, **kw)
    torch.testing.assert_close(chunked.attributions, whole.attributions, **TOL)
    left = nw.attribute(case.model, case.inputs, "neuron_integrated_gradients", quadrature="riemann_left", **kw)
    theirs = captum.NeuronIntegratedGradients(case.model, case.model[2]).attribute(
        case.inputs, neuron_selector=5, n_steps=100, method="riemann_left"
    )
    torch.testing.assert_close(left.attributions, theirs, **TOL)


def test_neuron_of_linear_layer_closed_form():
    # Unit k of a Linear layer fed the input directly: gradient = W[k]; IG from 0 = W[k]·x.
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    x = torch.randn(5, 4)
    grad = nw.attribute(model, x, "neuron_gradient", layer="0", neuron=1)
    torch.testing.assert_close(grad.attributions, model[0].weight[1].detach().expand(5, 4))
    ig = nw.attribute(model, x, "neuron_integrated_gradients", layer="0", neuron=(1,))
    torch.testing.assert_close(ig.attributions, model[0].weight[1].detach() * x, **TOL)


def test_target_is_ignored_but_returned():
    case = zoo.mlp()
    a = nw.attribute(case.model, case.inputs, "neuron_gradient", 0, layer="2", neuron=3)
    b = nw.attribute(case.model, case.inputs, "neuron_gradient", 2, layer="2", neuron=3)
    assert torch.equal(a.attributions, b.attributions)
    assert a.target.tolist() == [0] * 4 and b.target.tolist() == [2] * 4
    p = nw.attribute(case.model, case.inputs, "neuron_integrated_gradients", layer="2", neuron=3)
    assert torch.equal(p.target, p.prediction.argmax(1))


def test_works_under_no_grad_and_leaves_inputs():
    case = zoo.cnn()
    x_before = case.inputs.clone()
    with torch.no_grad():
        exp = nw.attribute(case.model, case.inputs, "neuron_integrated_gradients", layer="3", neuron=(2, 3, 4),
                           n_steps=8)
        grad = nw.attribute(case.model, case.inputs, "neuron_gradient", layer="3", neuron=(2, 3, 4))
    assert exp.attributions.abs().sum() > 0 and grad.attributions.abs().sum() > 0
    assert torch.equal(case.inputs, x_before)


@pytest.mark.parametrize(
    "neuron,message",
    [
        (8, r"neuron 8 is out of range for layer '3': its output has shape \(3, 8, 8, 8\)"),
        ((8, 0, 0), r"out of range.*\(3, 8, 8, 8\).*\[0, 7\], \[0, 7\], \[0, 7\]"),
        ((0, 0), r"out of range.*3 index\(es\)"),
        ((-1, 0, 0), "out of range"),
        ("a", "neuron must be an int or a tuple of ints"),
        ((True, 0, 0), "neuron must be an int or a tuple of ints"),
    ],
)
def test_bad_neuron(neuron, message):
    case = zoo.cnn()
    before = fingerprint(case.model)
    for method in ("neuron_gradient", "neuron_integrated_gradients"):
        with pytest.raises(ExplanationInputError, match=message):
            nw.attribute(case.model, case.inputs, method, layer="3", neuron=neuron)
        assert_same(before, fingerprint(case.model))


def test_other_errors():
    case = zoo.text_lstm()
    with pytest.raises(ExplanationInputError, match="gradient methods need a floating-point input"):
        nw.attribute(case.model, case.inputs, "neuron_gradient", layer="head", neuron=0)
    dense = zoo.mlp()
    with pytest.raises(ExplanationInputError, match=r"unknown layer name.*valid names: '0', '1', '2'"):
        nw.attribute(dense.model, dense.inputs, "neuron_gradient", layer="fc", neuron=0)
    with pytest.raises(ExplanationInputError, match=r"needs the option\(s\) \['neuron'\]"):
        nw.attribute(dense.model, dense.inputs, "neuron_gradient", layer="2")
