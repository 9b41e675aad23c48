"""Attribution of a model with several inputs (an image and a metadata vector): one panel per
input, each map equal to the engine's tuple attribution, each on its own scale."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

import nnwidgets as nw
from nnwidgets.transport import unpack
from nnwidgets.widgets.attribution_parts import PartsAttribution

from .models import assert_same, fingerprint


class ImageMeta(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.head = nn.Linear(4 + 5, 3)

    def forward(self, image: torch.Tensor, meta: torch.Tensor) -> torch.Tensor:
        return self.head(torch.cat([self.conv(image).relu().mean((2, 3)), meta], 1))


def make():
    torch.manual_seed(0)
    return ImageMeta(), (torch.rand(2, 3, 16, 16), torch.randn(2, 5))


def test_one_panel_per_input_equal_to_the_engine():
    model, x = make()
    before = fingerprint(model)
    w = nw.Attribution(model, x, names=["photo", "meta"], feature_names=[None, list("abcde")],
                       labels=["cat", "dog", "<b>x</b>"])
    assert isinstance(w, PartsAttribution) and w.kind == "parts" and w.n_examples == 2
    assert [p["kind"] for p in w._parts] == ["image", "vector"]
    assert w.feature_names == [[], list("abcde")] and w.method == "integrated_gradients"
    exp = nw.attribute(model, (x[0][:1], x[1][:1]), "integrated_gradients")
    image_map, meta_map = (unpack(p["map"]) for p in w._parts)
    np.testing.assert_allclose(image_map, exp.attributions[0][0].sum(0).numpy(), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(meta_map, exp.attributions[1][0].numpy(), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(unpack(w._parts[0]["input"]), x[0][0].numpy())
    # Each part on its own scale, its share of all |attribution| beside it.
    assert w._parts[0]["scale"] == pytest.approx(float(np.abs(image_map).max()))
    assert w._parts[1]["scale"] == pytest.approx(float(np.abs(meta_map).max()))
    whole = sum(float(a.abs().sum()) for a in exp.attributions)
    assert w._parts[1]["share"] == pytest.approx(float(exp.attributions[1].abs().sum()) / whole, rel=1e-5)
    assert w.delta == pytest.approx(float(exp.delta[0]), abs=1e-6)
    probs = torch.softmax(model(*(p[:1] for p in x)), 1)[0].detach().numpy()
    np.testing.assert_allclose(unpack(w._probs), probs, rtol=1e-6)
    assert w.target == int(probs.argmax()) and w.output_label == "softmax probabilities"
    assert_same(before, fingerprint(model))
    fig = w.to_figure()
    assert len(fig.axes) >= 2


def test_requests_switch_method_class_and_example():
    model, x = make()
    w = nw.Attribution(model, x)
    w._request = {"seq": 1, "method": "saliency", "target": 2, "index": 1}
    assert w.error == "" and (w.method, w.target, w.index, w._seq) == ("saliency", 2, 1, 1)
    exp = nw.attribute(model, (x[0][1:2], x[1][1:2]), "saliency", 2)
    np.testing.assert_allclose(unpack(w._parts[1]["map"]), exp.attributions[1][0].numpy(), rtol=1e-5)
    assert w.delta is None
    # A bad request: the error shows in the view, the last answer stays.
    w._request = {"seq": 2, "method": "gradcam", "target": 0, "index": 0}
    assert "is not offered" in w.error and w.method == "saliency"


def test_one_example_without_a_batch_dimension_and_bad_input():
    model, x = make()
    w = nw.Attribution(model, (x[0][0], x[1][0]), method="input_x_gradient")
    assert w.n_examples == 1 and w.error == ""
    with pytest.raises(nw.ExplanationInputError, match="names must name all 2"):
        nw.Attribution(model, x, names=["one"])
    with pytest.raises(nw.ExplanationInputError, match="cannot explain a model with several inputs"):
        nw.Attribution(model, x, method="gradcam")
    with pytest.raises(nw.ExplanationInputError, match="input 1 of the tuple holds integers"):
        nw.Attribution(model, (x[0], torch.ones(2, 5, dtype=torch.long)))


def test_whatif_says_what_it_takes_and_what_to_use_instead():
    model, x = make()
    with pytest.raises(nw.ExplanationInputError, match=r"explains a model with one input: x is one tensor, an image "
                       r"batch \(N, C, H, W\) or feature rows \(N, F\).*not supported.*Attribution\(model, x\).*"
                       r"Layers\(model, x\)"):
        nw.WhatIf(model, x)
