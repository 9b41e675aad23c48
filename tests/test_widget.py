import base64
import json

import numpy as np
import pytest
import torch
from ipywidgets.widgets.widget import _remove_buffers

import nnwidgets as nw
from nnwidgets import demo
from nnwidgets.engine import ExplanationInputError
from nnwidgets.figures import composite, lookup_table, lut_index

from .models import TinyCNN, assert_same, fingerprint


@pytest.fixture(scope="module")
def digits():
    return demo.digits()


def manual_input_x_gradient(model, x, target):
    leaf = x.detach().unsqueeze(0).requires_grad_(True)
    out = model(leaf)
    (grad,) = torch.autograd.grad(out[0, target], leaf)
    return (grad * leaf).detach()[0].sum(0).numpy()


def count_messages(widget):
    sent = []
    original = widget._send

    def spy(msg, buffers=None):
        sent.append((msg, buffers))
        return original(msg, buffers=buffers)

    widget._send = spy
    return sent


def test_initial_view_explains_the_prediction(digits):
    x = digits.inputs[0]
    w = nw.Attribution(digits.model, x, labels=digits.class_names)
    pred = int(digits.model(x.unsqueeze(0)).argmax())
    assert w.target == w.predicted == pred and w.method == "input_x_gradient"
    np.testing.assert_allclose(w.attribution_map, manual_input_x_gradient(digits.model, x, pred), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(w.probabilities.sum(), 1.0, rtol=1e-5)
    assert w._scale == pytest.approx(float(np.abs(w.attribution_map).max()))


def test_arrays_travel_as_binary_buffers(digits):
    w = nw.Attribution(digits.model, digits.inputs[0], labels=digits.class_names)
    state, paths, buffers = _remove_buffers(w.get_state())
    for key in ("_input", "_maps", "_probs"):
        assert [key, "buffer"] in paths
    assert ["_luts", "red-blue", "signed", "buffer"] in paths
    assert ["_trust", "deletion_scores", "buffer"] in paths
    json_part = {k: v for k, v in state.items() if k not in ("_esm", "_css")}
    text = json.dumps(json_part)
    # The JSON part is names, titles, options and the trust panel's sentences; no arrays of floats.
    assert len(text) < 12000, "floats leaked into the JSON part of the message"
    assert not any(isinstance(v, list) and len(v) > 20 and all(isinstance(e, float) for e in v)
                   for v in json_part.values())
    map_buffer = buffers[paths.index(["_maps", "buffer"])]
    np.testing.assert_array_equal(np.frombuffer(map_buffer, "<f4").reshape(8, 8), w.attribution_map)


def test_click_request_recomputes_in_one_message(digits):
    model = digits.model
    x = digits.inputs[3]
    w = nw.Attribution(model, x, labels=digits.class_names)
    sent = count_messages(w)
    other = (w.target + 1) % 10
    w.set_state({"_request": {"seq": 7, "target": other, "method": "gradient"}})  # as a comm message would
    updates = [m for m, _ in sent if m.get("method") == "update"]
    # One message with the maps (the view repaints at once), then one with the trust evidence.
    assert len(updates) == 2, updates
    assert set(updates[0]["state"]) >= {"_maps", "_seq", "target", "method"}
    assert "_trust" not in updates[0]["state"] and set(updates[1]["state"]) == {"_trust"}
    assert w._trust["seq"] == 7 and w._trust["methods"] == ["gradient"]
    assert w.target == other and w.method == "gradient" and w._seq == 7 and w.error == ""
    leaf = x.unsqueeze(0).requires_grad_(True)
    (grad,) = torch.autograd.grad(model(leaf)[0, other], leaf)
    np.testing.assert_allclose(w.attribution_map, grad[0].sum(0).numpy(), rtol=1e-5, atol=1e-7)


def test_stale_request_is_ignored(digits):
    w = nw.Attribution(digits.model, digits.inputs[0], labels=digits.class_names)
    w._request = {"seq": 5, "target": 1, "method": "saliency"}
    before = w.attribution_map.copy()
    w._request = {"seq": 4, "target": 2, "method": "gradient"}
    assert w._seq == 5 and w.target == 1
    np.testing.assert_array_equal(w.attribution_map, before)


def test_bad_request_shows_error_in_view_and_keeps_last_map(digits):
    model = digits.model
    before = fingerprint(model)
    w = nw.Attribution(model, digits.inputs[0], labels=digits.class_names)
    old = w.attribution_map.copy()
    w._request = {"seq": 1, "target": 12, "method": "gradient"}
    assert "target 12 is out of range" in w.error and "[0, 9]" in w.error
    assert w._seq == 1
    np.testing.assert_array_equal(w.attribution_map, old)
    w._request = {"seq": 2, "target": 1, "method": "occlusion-not-offered"}
    assert "unknown method" in w.error
    w._request = {"seq": 3, "target": 1, "method": "saliency"}
    assert w.error == "" and w.target == 1 and (w.attribution_map >= 0).all()
    assert_same(before, fingerprint(model))


def test_model_error_during_recompute_is_shown_not_raised():
    class Flaky(TinyCNN):
        fail = False

        def forward(self, x):
            if self.fail:
                raise RuntimeError("flaky model")
            return super().forward(x)

    model = Flaky().eval()
    w = nw.Attribution(model, torch.randn(1, 6, 6))
    model.fail = True
    w._request = {"seq": 1, "target": 0, "method": "gradient"}
    assert "flaky model" in w.error
    assert not any(len(m._forward_hooks) for m in model.modules())


def test_python_side_changes_recompute_and_validate(digits):
    w = nw.Attribution(digits.model, digits.inputs[0], labels=digits.class_names)
    w.target = 4
    assert w._seq == 1 and w.error == ""
    np.testing.assert_allclose(
        w.attribution_map, manual_input_x_gradient(digits.model, digits.inputs[0], 4), rtol=1e-5, atol=1e-7
    )
    with pytest.raises(Exception, match=r"target 10 is out of range"):
        w.target = 10
    with pytest.raises(Exception, match=r"unknown method 'layer_integrated_gradients'"):
        w.method = "layer_integrated_gradients"


def test_display_bundle_carries_a_png(digits):
    w = nw.Attribution(digits.model, digits.inputs[0], labels=digits.class_names)
    data, _ = w._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in data
    png = base64.b64decode(data["image/png"])
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000


def test_static_figure_uses_the_same_colours(digits):
    w = nw.Attribution(digits.model, digits.inputs[0], labels=digits.class_names, opacity=0.5)
    fig = w.to_figure()
    shown = fig.axes[0].images[0].get_array()
    lut = lookup_table(signed=True)
    base = np.repeat(np.clip(np.round(digits.inputs[0][0].numpy() * 255), 0, 255)[..., None], 3, 2).astype(np.uint8)
    expected = composite(base, w.attribution_map, lut, -w._scale, w._scale, 0.5)  # the default palette's signed table
    np.testing.assert_array_equal(np.asarray(shown), expected)
    assert fig._repr_png_()[:4] == b"\x89PNG"


def test_lut_and_compositing_arithmetic():
    assert lut_index(np.array([-1.0, 0.0, 1.0, 0.5 / 255, 1.5 / 255, np.nan]), 0.0, 1.0).tolist() == [0, 0, 255, 0, 2, 0]
    lut = np.zeros((256, 4), np.uint8)
    lut[255] = [255, 0, 0, 255]
    lut[0] = [0, 0, 255, 0]
    base = np.full((1, 2, 3), 100, np.uint8)
    out = composite(base, np.array([[1.0, 0.0]]), lut, 0.0, 1.0, 0.5)
    assert out.tolist() == [[[178, 50, 50], [100, 100, 100]]]
    signed = lookup_table("RdBu_r", signed=True)
    assert signed.shape == (256, 4) and signed.dtype == np.uint8
    assert signed[0, 3] == 255 and signed[255, 3] == 255 and signed[127, 3] < 20
    # transparent at zero, more opaque with magnitude on both sides
    assert np.all(np.diff(signed[128:, 3].astype(int)) >= 0) and np.all(np.diff(signed[:128, 3].astype(int)) <= 0)


@pytest.mark.parametrize(
    "x, kwargs, pattern",
    [
        (torch.rand(2, 2, 2, 2, 2), {}, r"an image \(C, H, W\) / batch \(N, C, H, W\), a tabular row"),
        (torch.rand(0, 1, 8, 8), {}, r"x is an empty batch"),
        (torch.full((1, 8, 8), float("nan")), {}, r"NaN"),
        (torch.ones(1, 8, 8, dtype=torch.int64), {"kind": "image"}, r"image inputs must be floating point"),
        (torch.ones(1, 8, 8, dtype=torch.int64), {}, r"text input must be token ids \(T,\) or \(N, T\)"),
        (torch.ones(1, 8, dtype=torch.int64), {}, r"text input needs embedding="),
        (torch.rand(1, 8, 8), {"labels": ["a", "b"]}, r"name every one of the model's 10 outputs; got 2"),
        (torch.rand(1, 8, 8), {"method": "nope"}, r"method\(s\) \['nope'\] cannot explain image input; choose from"),
        (torch.rand(1, 8, 8), {"target": 10}, r"target 10 is out of range"),
        (torch.rand(1, 8, 8).double(), {}, r"dtype torch.float64"),
        ("not a tensor", {}, r"x must be a torch.Tensor; got str"),
        (torch.rand(1, 8, 8), {"kind": "video"}, r"kind must be one of image, tabular, text"),
    ],
)
def test_bad_input_gets_a_clear_error(digits, x, kwargs, pattern):
    before = fingerprint(digits.model)
    with pytest.raises(ExplanationInputError, match=pattern):
        nw.Attribution(digits.model, x, **kwargs)
    assert_same(before, fingerprint(digits.model))


def test_unknown_keyword_is_rejected(digits):
    with pytest.raises(TypeError, match=r"unexpected keyword argument\(s\): \['colour'\]"):
        nw.Attribution(digits.model, digits.inputs[0], colour="red")


def test_input_on_another_device_is_an_error(digits):
    with pytest.raises(ExplanationInputError, match="inputs are on meta but the model is on cpu"):
        nw.Attribution(digits.model, torch.rand(1, 8, 8, device="meta"))


def test_widget_leaves_model_as_found(digits):
    model = digits.model
    model.train()
    before = fingerprint(model)
    w = nw.Attribution(model, digits.inputs[1])
    w._request = {"seq": 1, "target": 3, "method": "saliency"}
    assert_same(before, fingerprint(model))
    model.eval()


def test_every_offered_method_answers_like_the_engine(digits):
    from nnwidgets.widgets.attribution_inputs import normalise
    from nnwidgets.widgets.attribution_options import engine_options, methods_for

    x = digits.inputs[2]
    w = nw.Attribution(digits.model, x, labels=digits.class_names, trust=False,
                       method_options={"integrated_gradients": {"n_steps": 20}})
    assert w.methods == list(methods_for("image"))
    inputs = normalise(x)
    for seq, method in enumerate(w.methods, start=1):
        w.set_state({"_request": {"seq": seq, "target": 4, "method": method, "compare": []}})
        assert w.error == "" and w.method == method and w.target == 4
        options = engine_options(method, w.method_options[method], {}, inputs, 0, None)
        if method == "integrated_gradients":
            assert options["n_steps"] == 20
        exp = nw.attribute(digits.model, x[None], method, 4, **options)
        np.testing.assert_allclose(w.attribution_map, exp.attributions[0].sum(0).numpy(), rtol=1e-5, atol=1e-6)


def test_method_options_reach_the_engine(digits):
    with pytest.raises(ExplanationInputError, match=r"n_steps must be in \[2, 1000\]; got 0"):
        nw.Attribution(digits.model, digits.inputs[0], method="integrated_gradients",
                       method_options={"integrated_gradients": {"n_steps": 0}})
