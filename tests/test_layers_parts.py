"""Layers on a model with two inputs (image + metadata): what the view shows equals
a hand-written torch computation with hooks on a copy of the model, run on both
inputs; the user's model is left as found and never written to."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
from torch import nn

import nnwidgets as nw
from nnwidgets.transport import unpack

from .models import assert_same, fingerprint


class ImageMeta(nn.Module):
    """conv → BatchNorm → in-place ReLU on the image, Linear on the metadata, joined."""

    armed = False  # once armed, any attribute write (a mode switch, a hook dict) fails

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.bn = nn.BatchNorm2d(4)
        self.relu = nn.ReLU(inplace=True)
        self.pool = nn.AdaptiveAvgPool2d(2)
        self.meta = nn.Linear(5, 6)
        self.head = nn.Linear(4 * 2 * 2 + 6, 3)

    def __setattr__(self, name: str, value: object) -> None:
        if type(self).armed:
            raise AssertionError(f"the engine wrote {name!r} on the user's model")
        super().__setattr__(name, value)

    def forward(self, image: torch.Tensor, meta: torch.Tensor) -> torch.Tensor:
        a = self.pool(self.relu(self.bn(self.conv(image)))).flatten(1)
        return self.head(torch.cat([a, torch.tanh(self.meta(meta))], 1))


def _case():
    torch.manual_seed(0)
    model = ImageMeta()
    with torch.no_grad():
        model.bn.running_mean.uniform_(-0.3, 0.3)
        model.bn.running_var.uniform_(0.5, 1.5)
    model.train()  # the user's mode: the view must run eval on its own view, not switch this
    x = (torch.randn(4, 3, 6, 6), 3 * torch.randn(4, 5))
    return model, x


def _by_hand(model: nn.Module, x: tuple, example: int, target: int | None, layers: list[str]):
    """Activations and ∂y_target/∂activation of every layer, hooks on an eval copy."""
    twin = copy.deepcopy(model).eval()
    seen: dict[str, torch.Tensor] = {}
    modules = dict(twin.named_modules())

    def hook(name):
        def record(_m, _a, out):
            seen[name] = out
            out.retain_grad()
            return out.clone()  # an in-place op further on changes the clone, not what was recorded
        return record

    handles = [modules[n].register_forward_hook(hook(n)) for n in layers]
    one = tuple(p[example : example + 1] for p in x)
    out = twin(*one)
    target = int(out[0].argmax()) if target is None else target
    out[0, target].backward()
    for h in handles:
        h.remove()
    return {n: (seen[n].detach()[0], seen[n].grad[0]) for n in layers}, out.detach()[0], target


@pytest.mark.parametrize("example,target", [(0, None), (2, 1)])
def test_activations_and_gradients_are_of_both_inputs(example, target):
    model, x = _case()
    names = ["conv", "bn", "relu", "pool", "meta", "head"]
    want, out, t = _by_hand(model, x, example, target, names)  # before arming: the copy is set up here
    before = fingerprint(model)
    shown = {}
    ImageMeta.armed = True
    try:
        w = nw.Layers(model, x)
        w.show("conv", example=example, target=target)
        assert w.error == "" and w.health_layers == names
        norms = w.health
        for name in names:
            w.show(name)
            shown[name] = (w.activation, w.gradient)
    finally:
        ImageMeta.armed = False
    assert w.target == t and w.predicted == int(out.argmax())
    for name in names:
        act, grad = want[name]
        np.testing.assert_allclose(shown[name][0], act.reshape(shown[name][0].shape).numpy(), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(shown[name][1], grad.reshape(shown[name][1].shape).numpy(), rtol=1e-5, atol=1e-6)
        assert norms[name]["grad_norm"] == pytest.approx(float(grad.norm()), rel=1e-5, abs=1e-7)
    assert model.training and model.bn.training
    assert_same(before, fingerprint(model))
    np.testing.assert_allclose(unpack(w._input), x[0][example].numpy())  # the input shown is input 0
    # the metadata matters: its layer differs when the model runs on other metadata
    other, _, _ = _by_hand(model, (x[0], torch.zeros_like(x[1])), example, t, ["meta"])
    assert not torch.allclose(other["meta"][0], want["meta"][0])


def test_neuron_attribution_onto_the_first_input_and_top_inputs_of_the_batch():
    model, x = _case()
    before = fingerprint(model)
    w = nw.Layers(model, x, batch_size=2)  # smaller than the batch: the bound rows must still match
    w.show("bn", example=1, neuron=[2, 3, 4])
    assert w.error == ""
    assert w.note.startswith("attribution onto input 0 of 2 (image)")
    twin = copy.deepcopy(model).eval()
    image = x[0][1:2].clone().requires_grad_(True)
    seen = {}
    handle = twin.bn.register_forward_hook(lambda _m, _a, out: seen.update(bn=out) or out.clone())
    twin(image, x[1][1:2])
    handle.remove()
    (grad,) = torch.autograd.grad(seen["bn"][0, 2, 3, 4], image)
    np.testing.assert_allclose(w.neuron_attribution, grad[0].sum(0).numpy(), rtol=1e-5, atol=1e-7)
    # top inputs: channel 2's mean activation over the whole batch, both inputs passed
    with torch.no_grad():
        seen.clear()
        handle = twin.bn.register_forward_hook(lambda _m, _a, out: seen.update(bn=out.clone()))
        twin(*x)
        handle.remove()
    scores = seen["bn"][:, 2].mean(dim=(1, 2))
    order = torch.argsort(scores, descending=True)
    indices, values = w.top_examples
    np.testing.assert_array_equal(indices, order.numpy())
    np.testing.assert_allclose(values, scores[order].numpy(), rtol=1e-5, atol=1e-6)
    assert_same(before, fingerprint(model))


def test_says_which_input_it_shows_and_refuses_data():
    model, x = _case()
    w = nw.Layers(model, x)
    assert w.note == "input 0 of 2 (image) shown; all 2 inputs go to the model"
    single = nn.Sequential(nn.Flatten(), nn.Linear(5, 2))
    one = nw.Layers(single, (x[1],))  # a tuple of one: as the tensor itself
    assert one.note == "" and one.error == ""
    np.testing.assert_allclose(one.activation, nw.Layers(single, x[1]).activation)
    with pytest.raises(nw.ExplanationInputError, match=r"data= is not taken with tuple inputs \(x has 2 inputs\)"):
        nw.Layers(model, x, data=x[0])
    with pytest.raises(nw.ExplanationInputError, match="same batch size"):
        nw.Layers(model, (x[0], x[1][:2]))


def test_whatif_still_refuses_a_tuple_and_says_why():
    model, x = _case()
    with pytest.raises(nw.ExplanationInputError, match=r"one tensor, an image batch \(N, C, H, W\).*not supported"):
        nw.WhatIf(model, x)
