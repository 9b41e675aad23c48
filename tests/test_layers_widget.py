"""The Layers widget, Python side: structure, activations, neuron attribution,
top inputs, health, weights, one pass per refresh, errors shown in the view."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

import nnwidgets as nw
from nnwidgets import demo
from nnwidgets.engine import ExplanationInputError
from nnwidgets.engine.structure import structure
from nnwidgets.transport import unpack

from . import zoo
from .models import assert_same, fingerprint

CASES = [zoo.mlp, zoo.cnn, zoo.residual, zoo.text_attention, zoo.text_lstm]


@pytest.mark.parametrize("make", CASES, ids=lambda f: f.__name__)
def test_structure_shapes_and_model_left_as_found(make):
    case = make()
    model, x = case.model, case.inputs
    before = fingerprint(model)
    w = nw.Layers(model, x)
    infos = structure(model, x)
    assert [r["name"] for r in w.layer_table] == [i.name for i in infos]
    for row, info in zip(w.layer_table, infos):
        assert row["type"] == info.type and row["params"] == info.params
        if info.output_shape:
            assert row["shape"] == list(info.output_shape[1:])
    assert sum(r["params"] for r in w.layer_table) == sum(p.numel() for p in model.parameters())
    for name in w.health_layers:
        w.show(name)
        assert w.error == "" and w.layer == name
        assert w.gradient.shape == w.activation.shape
    assert_same(before, fingerprint(model))  # modes, grads, params and hooks as found


def test_residual_and_attention_blocks_are_listed_with_their_children():
    w = nw.Layers(zoo.residual().model, zoo.residual().inputs)
    rows = {r["name"]: r for r in w.layer_table}
    assert rows["1"]["type"] == "Residual" and rows["1"]["shape"] == [4, 6, 6]
    assert rows["1.conv2"]["depth"] == 2 and rows["1.conv2"]["selectable"]
    t = zoo.text_attention()
    wt = nw.Layers(t.model, t.inputs, layer="attn")
    assert wt.activation.shape == (7, 16)  # (T, D): token × unit heatmap
    wt.show("attn", neuron=[2, 5])
    assert wt.error == "" and "token ids" in wt.note  # no input gradient, said as a note


def test_activation_values_equal_a_manual_forward_to_the_layer():
    case = zoo.cnn()
    model, x = case.model, case.inputs
    w = nw.Layers(model, x)
    for example in range(x.shape[0]):
        for k in range(len(model) - 1):
            w.show(str(k), example=example)
            with torch.no_grad():
                manual = model[: k + 1](x[example : example + 1])[0]
            shown = w.activation
            np.testing.assert_allclose(shown, manual.reshape(shown.shape).numpy(), rtol=1e-6, atol=1e-6)
    mlp = zoo.mlp()
    wm = nw.Layers(mlp.model, mlp.inputs, layer="3")
    with torch.no_grad():
        np.testing.assert_allclose(wm.activation, mlp.model[:4](mlp.inputs[:1])[0].numpy(), rtol=1e-6)


def test_gradient_is_that_of_the_target_wrt_the_layer():
    d = demo.digits()
    w = nw.Layers(d.model, d.inputs[:4], target=3)
    w.show("classifier.fc1", example=2)
    x = d.inputs[2:3]
    with torch.no_grad():
        pre = d.model.classifier.flatten(d.model.features(x))
    h = d.model.classifier.fc1(pre).detach().requires_grad_(True)
    out = d.model.classifier.fc2(torch.relu(h))
    (g,) = torch.autograd.grad(out[0, 3], h)
    np.testing.assert_allclose(w.gradient, g[0].numpy(), rtol=1e-5, atol=1e-7)
    assert w.health["classifier.fc1"]["grad_norm"] == pytest.approx(float(g.norm()), rel=1e-5)


def brute_top(model, data, layer_fn, unit, k):
    with torch.no_grad():
        a = layer_fn(data)
    score = a[:, unit].reshape(a.shape[0], -1).mean(1)
    return score.topk(k)


def test_top_k_inputs_equal_a_brute_force_search():
    d = demo.digits()
    w = nw.Layers(d.model, d.inputs[:4], data=d.inputs, top_k=5)
    assert w.sweep_state == ""  # lazy: nothing swept yet
    w.show("features.relu2", neuron=[7, 2, 3])
    idx, vals = w.top_examples
    ref = brute_top(d.model, d.inputs, lambda x: torch.relu(d.model.features.conv2(torch.relu(d.model.features.conv1(x)))), 7, 5)
    assert idx.tolist() == ref.indices.tolist()
    np.testing.assert_allclose(vals, ref.values.numpy(), rtol=1e-5)
    np.testing.assert_allclose(unpack(w._top_inputs), d.inputs[idx].numpy())
    assert w.top_source == "data set" and w.sweep_state == "done"
    # the same from a DataLoader of (x, y) batches
    loader = DataLoader(TensorDataset(d.inputs, d.targets), batch_size=37)
    wl = nw.Layers(d.model, d.inputs[:4], data=loader, top_k=5)
    wl.show("features.relu2", neuron=[7, 2, 3])
    assert wl.top_examples[0].tolist() == ref.indices.tolist()
    np.testing.assert_allclose(unpack(wl._top_inputs), d.inputs[idx].numpy())


def test_the_sweep_runs_once_with_progress_before_the_answer():
    d = demo.digits()
    w = nw.Layers(d.model, d.inputs[:4], data=d.inputs, batch_size=50)
    seen = []
    w.observe(lambda c: seen.append(c["new"]), names="sweep_progress")
    w._request = {"seq": 1, "layer": "classifier.fc1", "neuron": [3]}
    assert w.error == "" and w.sweep_state == "done"
    assert len(seen) >= 5 and seen == sorted(seen) and seen[-1] == 1.0
    assert w.stats_source == f"data set of {d.inputs.shape[0]}"
    n = len(seen)
    w._request = {"seq": 2, "layer": "classifier.fc1", "neuron": [4]}
    assert len(seen) == n  # cached


def sent_states(w):
    """Record the trait names of each update message the widget sends to the view."""
    sent = []
    w._send = lambda msg, buffers=None: sent.append(dict(msg["state"]))
    return sent


def test_show_a_neuron_from_python_streams_the_sweeps_progress(capsys):
    d = demo.digits()
    w = nw.Layers(d.model, d.inputs[:4], data=d.inputs, batch_size=50)
    sent = sent_states(w)
    w.show("features.relu2", neuron=[7, 2, 3])
    assert w.error == "" and w.sweep_state == "done"
    # progress left as its own messages while the sweep ran, before the one answer
    answer = next(i for i, m in enumerate(sent) if "_act" in m)
    progress = [m["sweep_progress"] for m in sent[:answer] if set(m) == {"sweep_progress"}]
    assert len(progress) >= 5 and progress == sorted(progress) and progress[-1] == 1.0
    assert sent[0].get("sweep_state") == "running"
    assert capsys.readouterr().out == ""  # and nothing printed
    # sweep() from Python streams the same way; an iterable without a length: indeterminate (-1)
    wl = nw.Layers(d.model, d.inputs[:4], data=[d.inputs[i : i + 40] for i in range(0, 200, 40)])
    sent = sent_states(wl)
    wl.sweep()
    values = [m["sweep_progress"] for m in sent if "sweep_progress" in m]
    assert values == [-1.0, 1.0] and wl.stats_source == "data set of 200"
    assert capsys.readouterr().out == ""


def test_dead_and_saturated_units_on_a_model_built_with_them():
    torch.manual_seed(0)
    lin = nn.Linear(4, 6)
    with torch.no_grad():
        lin.weight[:2] = 0.0
        lin.bias[:2] = -1.0  # units 0 and 1 can never be positive
        lin.bias[2:] = 5.0
        lin.weight[5] = 0.0
        lin.bias[5] = 50.0  # unit 5 is always saturated after the sigmoid
    model = nn.Sequential(lin, nn.ReLU(), nn.Linear(6, 2), nn.Sigmoid()).eval()
    model2 = nn.Sequential(lin, nn.Sigmoid(), nn.Linear(6, 2)).eval()
    data = torch.randn(60, 4) * 0.1
    w = nw.Layers(model, data[:3], data=data)
    w.sweep()
    assert w.health["1"]["dead"] == pytest.approx(2 / 6)
    assert np.isnan(w.health["1"]["saturated"])
    w2 = nw.Layers(model2, data[:3])  # over the batch without data
    assert w2.health["1"]["saturated"] == pytest.approx(1 / 6)  # unit 5 only
    assert w2.stats_source == "batch of 3"


def test_dead_is_shown_only_where_the_output_is_never_negative():
    """A Linear whose units 0-2 never exceed 0 feeds a ReLU: the ReLU has exactly
    3 of 8 dead units; the Linear (signed), the Flatten of the ReLU's output (≥ 0, so
    dead applies again) and the logits are judged by their own sign."""
    torch.manual_seed(1)
    lin = nn.Linear(5, 8)
    with torch.no_grad():
        lin.weight[:3] = 0.0
        lin.bias[:3] = torch.tensor([-0.5, -2.0, 0.0])  # ≤ 0 for every input: dead after the ReLU
        lin.bias[3:] = 3.0
        lin.weight[3:] = 0.1
    model = nn.Sequential(lin, nn.ReLU(), nn.Flatten(), nn.Linear(8, 3), nn.Tanh()).eval()
    data = torch.randn(40, 5)
    w = nw.Layers(model, data[:4], data=data)
    w.sweep()
    health = w.health
    assert np.isnan(health["0"]["dead"])  # signed pre-activation: never "dead"
    assert health["1"]["dead"] == pytest.approx(3 / 8)  # exactly the known dead units
    assert health["2"]["dead"] == pytest.approx(3 / 8)
    assert np.isnan(health["3"]["dead"])  # the logits
    assert not np.isnan(health["4"]["saturated"]) and np.isnan(health["1"]["saturated"])
    why = dict(zip(w.health_layers, w._dead_why))
    assert why["1"] == why["2"] == ""
    assert why["0"].startswith("signed output") and why["3"] == why["0"]
    sat_why = dict(zip(w.health_layers, w._saturated_why))
    assert sat_why["4"] == "" and "sigmoid and tanh" in sat_why["1"]
    # a layer whose output is not one tensor is not measured, and says so
    t = zoo.text_attention()
    wt = nw.Layers(t.model, t.inputs)
    assert np.isnan(wt.health["attn"]["dead"])
    assert "not one tensor" in dict(zip(wt.health_layers, wt._dead_why))["attn"]
    # the static figure marks rows without either measure
    fig = w.to_figure()
    texts = [tx.get_text() for tx in fig.axes[2].texts]
    assert texts.count("–") == 2  # the Linear and the logits (the Tanh has saturation)


class Counter:
    def __init__(self, model, monkeypatch):
        self.forwards = self.grads = 0
        real = torch.autograd.grad

        def counting(*a, **k):
            self.grads += 1
            return real(*a, **k)

        monkeypatch.setattr(torch.autograd, "grad", counting)
        self.handle = model.register_forward_pre_hook(lambda m, a: setattr(self, "forwards", self.forwards + 1))


def test_one_forward_and_one_backward_per_refresh_whatever_the_layer_count(monkeypatch):
    torch.manual_seed(1)
    model = nn.Sequential(*[m for _ in range(12) for m in (nn.Linear(8, 8), nn.Tanh())], nn.Linear(8, 3)).eval()
    w = nw.Layers(model, torch.randn(5, 8))
    assert len(w.health_layers) == 25
    count = Counter(model, monkeypatch)
    try:
        w._request = {"seq": 10, "example": 3, "target": 1}
        assert (count.forwards, count.grads) == (1, 1)
        w._request = {"seq": 11, "layer": "7"}  # another layer of the same pass: no new pass
        assert (count.forwards, count.grads) == (1, 1)
    finally:
        count.handle.remove()
    assert w.error == "" and w.example == 3 and w.target == 1 and w.layer == "7"
    assert all(np.isfinite(v["grad_norm"]) for v in w.health.values())


def test_large_activations_go_as_float16_and_small_ones_exactly():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 256, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                          nn.Linear(256, 10)).eval()
    w = nw.Layers(model, torch.randn(2, 3, 56, 56), layer="1")
    assert w._act["dtype"] == "float16" and w._act["shape"] == [256, 56, 56]
    assert len(w._act["buffer"]) + len(w._grad["buffer"]) == 2 * 2 * 256 * 56 * 56
    d = demo.digits()
    assert nw.Layers(d.model, d.inputs[:2])._act["dtype"] == "float32"


def test_neuron_attribution_equals_the_engines():
    d = demo.digits()
    w = nw.Layers(d.model, d.inputs[:4], layer="features.conv2")
    w.show(neuron=[5, 3, 4], example=1)
    exp = nw.attribute(d.model, d.inputs[1:2], "neuron_gradient", layer="features.conv2", neuron=(5, 3, 4))
    np.testing.assert_allclose(w.neuron_attribution, exp.attributions[0].sum(0).numpy(), rtol=1e-6)
    assert w.neuron_value == pytest.approx(float(exp.extras["neuron_value"][0]), rel=1e-6)
    cancer = demo.breast_cancer()
    wc = nw.Layers(cancer.model, cancer.inputs[:3], feature_names=cancer.feature_names,
                   neuron_method="neuron_integrated_gradients")
    wc.show("fc1", neuron=[4])
    ref = nw.attribute(cancer.model, cancer.inputs[:1], "neuron_integrated_gradients", layer="fc1", neuron=4)
    np.testing.assert_allclose(wc.neuron_attribution, ref.attributions[0].numpy(), rtol=1e-5, atol=1e-7)


def test_weights_and_gradient_x_weight():
    d = demo.digits()
    w = nw.Layers(d.model, d.inputs[:2])
    w.show("features.conv2", panel="weights")
    np.testing.assert_allclose(unpack(w._weights), d.model.features.conv2.weight.detach().numpy())
    ref = nw.attribute(d.model, d.inputs[:1], "gradient_x_weight", w.target, layer="features.conv2")
    np.testing.assert_allclose(unpack(w._wxg), ref.attributions[0].numpy(), rtol=1e-5, atol=1e-8)
    w.show("features.relu2")
    assert "no weight" in w.note and unpack(w._weights).size == 0


def test_bad_input_names_the_expected_form():
    d = demo.digits()
    with pytest.raises(ExplanationInputError, match=r"\(N, C, H, W\)"):
        nw.Layers(d.model, d.inputs[0, 0, 0])
    with pytest.raises(ExplanationInputError, match="torch.Tensor"):
        nw.Layers(d.model, "not a batch")
    # a numpy batch is taken as the tensor it holds (issue 11: any data container)
    assert np.array_equal(nw.Layers(d.model, d.inputs[:2].numpy()).activation, nw.Layers(d.model, d.inputs[:2]).activation)
    with pytest.raises(ExplanationInputError, match=r"\(M, 1, 8, 8\)"):
        nw.Layers(d.model, d.inputs[:2], data=torch.randn(5, 64))
    with pytest.raises(ExplanationInputError, match="features.conv1"):
        nw.Layers(d.model, d.inputs[:2], layer="nope")
    with pytest.raises(ExplanationInputError, match="labels"):
        nw.Layers(d.model, d.inputs[:2], labels=["a"])


def test_errors_while_recomputing_are_shown_in_the_view_not_raised():
    d = demo.digits()
    w = nw.Layers(d.model, d.inputs[:2])
    before = (w.layer, w._act)
    w._request = {"seq": 1, "layer": "nope"}
    assert "nope" in w.error and w._seq == 1 and (w.layer, w._act) == before
    w._request = {"seq": 2, "example": 9}
    assert "example" in w.error
    w._request = {"seq": 3, "layer": "features.conv1", "neuron": [99, 0, 0]}
    assert "out of range" in w.error
    w._request = {"seq": 4, "layer": "features.conv1"}
    assert w.error == "" and w.layer == "features.conv1"
    w._request = {"seq": 3, "layer": "classifier.fc2"}  # stale: ignored
    assert w.layer == "features.conv1"


def test_figure_and_png_bundle():
    d = demo.digits()
    w = nw.Layers(d.model, d.inputs[:2], labels=d.class_names)
    fig = w.to_figure()
    assert fig.to_png()[:4] == b"\x89PNG"
    data, _ = w._repr_mimebundle_()
    assert "image/png" in data
    w.show("classifier.fc1")
    assert w.to_figure().to_png()[:4] == b"\x89PNG"


def test_figure_atlas_layout_is_the_views():
    from nnwidgets.figures.layers import atlas_image, atlas_layout, opaque_table

    # the same numbers as js/tests/layers-atlas.test.ts
    assert atlas_layout([256, 56, 56])["width"] == 16 * 56 + 15
    assert {k: atlas_layout([10, 3, 5])[k] for k in ("cols", "rows", "width", "height")} == \
        {"cols": 4, "rows": 3, "width": 23, "height": 11}
    assert {k: atlas_layout([130])[k] for k in ("th", "tw", "width", "height")} == \
        {"th": 3, "tw": 64, "width": 64, "height": 3}
    img = atlas_image(np.arange(4, dtype=np.float32).reshape(2, 1, 2), opaque_table(signed=False), 0, 3)
    assert img.shape == (1, 5, 4) and img[0, 2, 3] == 0 and img[0, 0, 3] == 255


def test_a_failing_sweep_is_shown_in_the_view_and_answers_the_request():
    d = demo.digits()

    class Broken:
        def __iter__(self):
            yield d.inputs[:10]
            raise RuntimeError("the data loader broke")

    with pytest.raises(ExplanationInputError, match="more than once"):
        nw.Layers(d.model, d.inputs[:2], data=iter([d.inputs[:10]]))
    w = nw.Layers(d.model, d.inputs[:2], data=Broken())
    w._request = {"seq": 4, "layer": "classifier.fc1", "neuron": [1]}
    assert "the data loader broke" in w.error and w._seq == 4 and w.sweep_state == ""


def test_the_target_follows_the_prediction_until_one_is_picked():
    d = demo.digits()
    with torch.no_grad():
        predicted = d.model(d.inputs[:8]).argmax(1).tolist()
    a, b = next((i, j) for i in range(8) for j in range(8) if predicted[i] != predicted[j])
    w = nw.Layers(d.model, d.inputs[:8])
    w._request = {"seq": 1, "example": a}
    assert w.target == predicted[a] == w.predicted
    w._request = {"seq": 2, "example": b}
    assert w.target == predicted[b]
    w._request = {"seq": 3, "target": predicted[a]}
    w._request = {"seq": 4, "example": b}
    assert w.target == predicted[a] and w.predicted == predicted[b]
    with pytest.raises(ExplanationInputError, match="'predicted' or an output index"):
        nw.Layers(d.model, d.inputs[:2], target="max")


def test_tokens_follow_the_example_and_are_checked():
    from .zoo import text_lstm

    c = text_lstm()
    tokens = [[f"t{int(i)}" for i in row] for row in c.inputs]
    view = nw.Layers(c.model, c.inputs, tokens=tokens)
    assert view.tokens == tokens[0]
    view._request = {"seq": 1, "example": 1, "layer": view.layer}
    assert view.error == "" and view.example == 1 and view.tokens == tokens[1]
    with pytest.raises(nw.ExplanationInputError, match="tokens must give"):
        nw.Layers(c.model, c.inputs, tokens=[["a"]])
    with pytest.raises(nw.ExplanationInputError, match="tokens= is for token-id inputs"):
        nw.Layers(c.model, torch.rand(2, 5), tokens=[["a"] * 5] * 2)
