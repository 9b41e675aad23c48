"""Attribution for images, tables and text; batches; side-by-side maps; from_tensor.

Maps are checked against gradients computed here by hand (torch.autograd on
the raw model), not against nnwidgets' engine, where a hand computation is short.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

import nnwidgets as nw
from nnwidgets.figures.attribution import mask_map
from nnwidgets.transport import unpack

from .models import assert_same, fingerprint
from .zoo import text_attention


@pytest.fixture(scope="module")
def digits():
    from nnwidgets import demo

    return demo.digits()


@pytest.fixture(scope="module")
def cancer():
    from nnwidgets import demo

    return demo.breast_cancer()


def grad_x_input(model: nn.Module, x: torch.Tensor, target: int) -> torch.Tensor:
    leaf = x.detach().clone().requires_grad_(True)
    (g,) = torch.autograd.grad(model(leaf)[0, target], leaf)
    return (g * leaf).detach()


class Affine(nn.Module):
    """y = w·x + b: every attribution method has a known answer here."""

    def __init__(self, w: list[float], b: float = 0.5) -> None:
        super().__init__()
        self.lin = nn.Linear(len(w), 1)
        with torch.no_grad():
            self.lin.weight.copy_(torch.tensor([w]))
            self.lin.bias.fill_(b)

    def forward(self, x):
        return self.lin(x)


# -- kinds ------------------------------------------------------------------------------


def test_kind_is_detected_from_shape_and_dtype(digits, cancer):
    c = text_attention()
    assert nw.Attribution(digits.model, digits.inputs[0], trust=False).kind == "image"
    assert nw.Attribution(cancer.model, cancer.inputs[0], trust=False).kind == "tabular"
    assert nw.Attribution(c.model, c.inputs[0], embedding=c.embedding, trust=False).kind == "text"


def test_image_batch_strip_and_example_switch(digits):
    x = digits.inputs[:5]
    w = nw.Attribution(digits.model, x, labels=digits.class_names, trust=False)
    assert w.n_examples == 5 and len(w.batch_titles) == 5
    thumbs = unpack(w._thumbs)
    assert thumbs.shape == (5, 8, 8, 3) and thumbs.dtype == np.uint8
    w._request = {"seq": 1, "index": 3, "target": 2, "method": "input_x_gradient", "compare": []}
    assert w.error == "" and w.index == 3 and w.target == 2
    expected = grad_x_input(digits.model, x[3:4], 2)[0].sum(0).numpy()
    np.testing.assert_allclose(w.attribution_map, expected, rtol=1e-5, atol=1e-7)
    np.testing.assert_array_equal(unpack(w._input), x[3].numpy())
    # The batch titles name each example's predicted class and confidence.
    probs = torch.softmax(digits.model(x), 1).detach()
    k = int(probs[3].argmax())
    assert w.batch_titles[3] == f"#3 · {digits.class_names[k]} {float(probs[3, k]):.0%}"


def test_side_by_side_maps_share_one_symmetric_scale(digits):
    x = digits.inputs[0]
    w = nw.Attribution(digits.model, x, method="gradient", compare=["saliency", "input_x_gradient"], trust=False)
    assert w.shown == ["gradient", "saliency", "input_x_gradient"]
    maps = w.maps
    assert set(maps) == set(w.shown) and all(m.shape == (8, 8) for m in maps.values())
    assert w._scale == pytest.approx(max(float(np.abs(m).max()) for m in maps.values()))
    # Each map is its method's, for the same target.
    leaf = x.unsqueeze(0).clone().requires_grad_(True)
    (g,) = torch.autograd.grad(digits.model(leaf)[0, w.target], leaf)
    np.testing.assert_allclose(maps["gradient"], g[0].sum(0).numpy(), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(maps["saliency"], g.abs()[0].sum(0).numpy(), rtol=1e-5, atol=1e-7)
    # Dropping a compared method keeps the rest in order.
    w._request = {"seq": 1, "method": "gradient", "compare": ["input_x_gradient"], "target": w.target}
    assert w.shown == ["gradient", "input_x_gradient"] and unpack(w._maps).shape == (2, 8, 8)


def test_tabular_maps_are_per_feature_and_named(cancer):
    x = cancer.inputs[:3]
    w = nw.Attribution(cancer.model, x, feature_names=cancer.feature_names, labels=cancer.class_names,
                       method="input_x_gradient", trust=False)
    assert w.kind == "tabular" and w.feature_names == list(cancer.feature_names)
    assert w.attribution_map.shape == (30,)
    expected = grad_x_input(cancer.model, x[:1], w.target)[0].numpy()
    np.testing.assert_allclose(w.attribution_map, expected, rtol=1e-5, atol=1e-7)
    np.testing.assert_array_equal(unpack(w._input), x[0].numpy())
    with pytest.raises(nw.ExplanationInputError, match=r"one name per feature \(30\); got 2"):
        nw.Attribution(cancer.model, x, feature_names=["a", "b"])


def test_tabular_integrated_gradients_and_shap_are_exact_on_a_linear_model():
    w_true = [2.0, -1.0, 0.5, 3.0]
    model = Affine(w_true)
    x = torch.tensor([1.0, 2.0, -1.0, 0.25])
    view = nw.Attribution(model, x, feature_names=list("abcd"), method="integrated_gradients",
                          compare=["kernel_shap", "feature_ablation"], trust=False)
    assert view.output == "score" and view.labels == ["score"]
    exact = np.array(w_true) * x.numpy()  # baseline 0: w_i x_i for every method
    for name, m in view.maps.items():
        np.testing.assert_allclose(m, exact, rtol=1e-4, atol=1e-5, err_msg=name)
    assert view.probabilities[0] == pytest.approx(float(model(x.unsqueeze(0)).detach()))


def test_ig_baseline_choices_from_the_view():
    model = Affine([1.0, 1.0, 1.0])
    x = torch.tensor([[1.0, 2.0, 3.0], [3.0, 4.0, 5.0]])
    w = nw.Attribution(model, x, method="integrated_gradients", trust=False)
    assert w.option_specs["integrated_gradients"][1]["choices"] == ["zero", "mean"]
    # A tabular batch's reference is its average row (zero rarely means "absent" for raw features).
    assert w.method_options["integrated_gradients"]["baseline"] == "mean"
    np.testing.assert_allclose(w.attribution_map, [-1.0, -1.0, -1.0], rtol=1e-5)  # x − mean(x)
    w._request = {"seq": 1, "index": 0, "method": "integrated_gradients", "compare": [], "target": 0,
                  "options": {"integrated_gradients": {"baseline": "zero", "n_steps": 8}}}
    assert w.error == ""
    np.testing.assert_allclose(w.attribution_map, [1.0, 2.0, 3.0], rtol=1e-5)
    assert w.method_options["integrated_gradients"] == {"n_steps": 8, "baseline": "zero"}
    # Ablation and the deletion curve use the same reference row.
    w._request = {"seq": 2, "index": 1, "method": "feature_ablation", "compare": [], "target": 0}
    np.testing.assert_allclose(w.attribution_map, [1.0, 1.0, 1.0], rtol=1e-5)  # x₁ − mean(x)
    w._request = {"seq": 3, "index": 0, "method": "integrated_gradients", "compare": [], "target": 0}
    # Bad options show an error in the view and keep the last map.
    w._request = {"seq": 4, "method": "integrated_gradients", "compare": [], "target": 0,
                  "options": {"integrated_gradients": {"n_steps": 0}}}
    assert "n_steps must be in [2, 1000]" in w.error
    np.testing.assert_allclose(w.attribution_map, [1.0, 2.0, 3.0], rtol=1e-5)


def test_text_through_the_embedding_layer():
    c = text_attention()
    ids = c.inputs[:2]
    tokens = [[f"t{int(i)}" for i in row] for row in ids]
    before = fingerprint(c.model)
    w = nw.Attribution(c.model, ids, tokens=tokens, embedding=c.embedding, method="layer_gradient_x_activation",
                       compare=["layer_integrated_gradients"], trust=False)
    assert w.kind == "text" and w.tokens == tokens[0] and w.n_examples == 2
    # gradient × embedding, by hand: hook the embedding output.
    emb = c.model.embedding
    saved = {}
    h = emb.register_forward_hook(lambda m, i, o: saved.setdefault("e", o))
    out = c.model(ids[:1])
    h.remove()
    (g,) = torch.autograd.grad(out[0, w.target], saved["e"])
    np.testing.assert_allclose(w.attribution_map, (g * saved["e"])[0].sum(-1).detach().numpy(), rtol=1e-5, atol=1e-7)
    # Layer IG (completeness): its token scores sum to F(x) − F(baseline ids = 0).
    ig = w.maps["layer_integrated_gradients"]
    with torch.no_grad():
        gap = float(c.model(ids[:1])[0, w.target] - c.model(torch.zeros_like(ids[:1]))[0, w.target])
    assert ig.sum() == pytest.approx(gap, rel=0.02, abs=1e-3)
    w._request = {"seq": 1, "index": 1, "method": "feature_ablation", "compare": [], "target": 0}
    assert w.error == "" and w.tokens == tokens[1] and w.attribution_map.shape == (ids.shape[1],)
    assert_same(before, fingerprint(c.model))


def test_text_input_errors_name_the_expected_form():
    c = text_attention()
    with pytest.raises(nw.ExplanationInputError, match="embedding="):
        nw.Attribution(c.model, c.inputs[0])
    with pytest.raises(nw.ExplanationInputError, match="has 2 strings but example 0 has"):
        nw.Attribution(c.model, c.inputs[0], embedding=c.embedding, tokens=["a", "b"])
    with pytest.raises(nw.ExplanationInputError, match="cannot explain text input"):
        nw.Attribution(c.model, c.inputs[0], embedding=c.embedding, method="saliency")
    with pytest.raises(nw.ExplanationInputError, match="is not a module of the model"):
        nw.Attribution(c.model, c.inputs[0], embedding="nope")


def test_ragged_text_batch_as_a_list():
    c = text_attention()
    rows = [c.inputs[0][:4], c.inputs[1][:6]]
    w = nw.Attribution(c.model, rows, embedding=c.embedding, method="layer_gradient_x_activation", trust=False)
    assert w.n_examples == 2 and len(w.tokens) == 4
    w.index = 1
    assert w.error == "" and len(w.tokens) == 6 and w.attribution_map.shape == (6,)


# -- from_tensor ---------------------------------------------------------------------------


def test_from_tensor_shows_given_maps_on_one_scale(digits):
    x = digits.inputs[:3]
    a = torch.randn(3, 1, 8, 8, generator=torch.Generator().manual_seed(0))
    b = 3 * torch.randn(3, 1, 8, 8, generator=torch.Generator().manual_seed(1))
    probs = torch.softmax(digits.model(x), 1).detach()
    w = nw.Attribution.from_tensor(x, {"captum IG": a, "mine": b}, labels=digits.class_names, probabilities=probs,
                                   target=2)
    assert not w.interactive and w.shown == ["captum IG", "mine"] and w.target == 2
    np.testing.assert_allclose(w.maps["captum IG"], a[0, 0].numpy())
    assert w._scale == pytest.approx(float(torch.stack([a[0], b[0]]).abs().max()))
    w._request = {"seq": 1, "index": 2}
    assert w.error == "" and w.index == 2
    np.testing.assert_allclose(w.maps["mine"], b[2, 0].numpy())
    np.testing.assert_allclose(w.probabilities, probs[2].numpy(), rtol=1e-6)
    w.to_figure()


def test_from_tensor_tabular_and_text_and_errors(cancer):
    x = cancer.inputs[0]
    a = torch.arange(30.0) - 15
    w = nw.Attribution.from_tensor(x, a, feature_names=cancer.feature_names)
    assert w.kind == "tabular" and w.output == "none"  # no probabilities given: no bars
    np.testing.assert_allclose(w.attribution_map, a.numpy())
    ids = torch.tensor([101, 7, 8, 102])
    t = nw.Attribution.from_tensor(ids, torch.ones(4, 3), tokens=["[CLS]", "a", "b", "[SEP]"])
    np.testing.assert_allclose(t.attribution_map, [3.0] * 4)
    with pytest.raises(nw.ExplanationInputError, match=r"must have the input's shape \(1, 30\) or \(30,\)"):
        nw.Attribution.from_tensor(x, torch.ones(29), feature_names=cancer.feature_names)
    with pytest.raises(nw.ExplanationInputError, match="3 scores but the text has 4 tokens"):
        nw.Attribution.from_tensor(ids.unsqueeze(0), torch.ones(1, 3), tokens=["a", "b", "c", "d"])


# -- display settings ----------------------------------------------------------------------


def test_mask_matches_the_browser_rules():
    # The same vectors as js/tests/mask.test.ts.
    none = dict(threshold=0.0, top_percent=100.0, absolute=False)
    np.testing.assert_array_equal(mask_map(np.array([1, -2, 0.5, -0.9]), 2, **{**none, "threshold": 0.5}), [1, -2, 0, 0])
    np.testing.assert_array_equal(mask_map(np.array([1, -3, 2, 0.5]), 3, **{**none, "top_percent": 30}), [0, -3, 2, 0])
    np.testing.assert_array_equal(mask_map(np.array([2, -2, 1]), 2, **{**none, "top_percent": 34}), [2, -2, 0])
    np.testing.assert_array_equal(mask_map(np.array([1, -3]), 3, **{**none, "absolute": True}), [1, 3])
    np.testing.assert_array_equal(
        mask_map(np.array([4, -3, 2, 1]), 4, threshold=0.6, top_percent=75, absolute=False), [4, -3, 0, 0]
    )


def test_figures_for_every_kind(digits, cancer):
    c = text_attention()
    views = [
        nw.Attribution(digits.model, digits.inputs[:2], compare=["gradient"], threshold=0.2, absolute=True, trust=False),
        nw.Attribution(cancer.model, cancer.inputs[0], feature_names=cancer.feature_names, trust=False,
                       top_percent=20),
        nw.Attribution(c.model, c.inputs[0], embedding=c.embedding, tokens=[f"w{i}" for i in range(c.inputs.shape[1])],
                       trust=False, colormap="viridis"),
    ]
    for v in views:
        fig = v.to_figure()
        assert fig.axes
        assert fig._repr_png_()[:4] == b"\x89PNG"


def test_palettes_travel_once_as_uint8_tables(digits):
    w = nw.Attribution(digits.model, digits.inputs[0], colormap="magma", trust=False)
    assert "magma" in w.palettes and "red-blue" in w.palettes
    for name, pair in w._luts.items():
        for key in ("signed", "unsigned"):
            table = unpack(pair[key])
            assert table.shape == (256, 4) and table.dtype == np.uint8, (name, key)


def test_trust_panel_follows_the_request_and_its_settings(digits):
    w = nw.Attribution(digits.model, digits.inputs[0], compare=["integrated_gradients"], randomize_layers=2)
    t = w._trust
    assert t["seq"] == 0 and t["methods"] == ["input_x_gradient", "integrated_gradients"]
    assert len(t["randomized_layers"]) == 2
    assert unpack(t["rank"]).shape == (2, 2) and unpack(t["deletion_scores"]).shape[0] == 2
    assert t["ig_delta"] == pytest.approx(abs(float(w.explanations["integrated_gradients"].delta[0])), rel=1e-6)
    w._request = {"seq": 3, "target": 1, "method": "saliency", "compare": []}
    assert w._trust["seq"] == 3 and w._trust["methods"] == ["saliency"] and w._trust["ig_delta"] is None
    w.trust = False
    assert w._trust == {}
    with pytest.raises(nw.ExplanationInputError, match="randomize_layers must be an int ≥ 0"):
        nw.Attribution(digits.model, digits.inputs[0], randomize_layers=-1)


def test_gradient_methods_shown_together_share_one_backward_pass(digits):
    from .models import Counting

    model = Counting(digits.model)
    x = digits.inputs[0]
    w = nw.Attribution(model, x, method="gradient", compare=["saliency", "input_x_gradient"], trust=False)
    model.calls.clear()
    w._request = {"seq": 1, "target": 4, "method": "gradient", "compare": ["saliency", "input_x_gradient"]}
    assert model.calls == [1]  # one forward (and so one backward) for the three maps
    leaf = x.unsqueeze(0).clone().requires_grad_(True)
    (g,) = torch.autograd.grad(digits.model(leaf)[0, 4], leaf)
    np.testing.assert_allclose(w.maps["gradient"], g[0].sum(0).numpy(), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(w.maps["saliency"], g.abs()[0].sum(0).numpy(), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(w.maps["input_x_gradient"], (g * leaf).detach()[0].sum(0).numpy(), rtol=1e-6, atol=1e-8)


def test_from_tensor_takes_captum_output_as_is(digits):
    captum = pytest.importorskip("captum.attr")
    x = digits.inputs[:3]
    targets = digits.model(x).argmax(1)
    ig = captum.IntegratedGradients(digits.model).attribute(x, target=targets, n_steps=16)
    sal = captum.Saliency(digits.model).attribute(x, target=targets)
    w = nw.Attribution.from_tensor(x, {"Captum IG": ig, "Captum saliency": sal}, labels=digits.class_names)
    for i in range(3):
        w.index = i
        np.testing.assert_allclose(w.maps["Captum IG"], ig[i].sum(0).detach().numpy(), rtol=1e-6)
        np.testing.assert_allclose(w.maps["Captum saliency"], sal[i].sum(0).detach().numpy(), rtol=1e-6)
        assert w._scale == pytest.approx(float(max(ig[i].sum(0).abs().max(), sal[i].sum(0).abs().max())))


def test_gradcam_is_offered_for_images_and_matches_a_hand_computation(digits):
    x = digits.inputs[4]
    w = nw.Attribution(digits.model, x, method="gradcam", trust=False)
    assert "gradcam" in w.methods and w.method_options["gradcam"] == {"layer": "features.conv2"}
    assert "features.conv1" in w.option_specs["gradcam"][0]["choices"]
    conv = dict(digits.model.named_modules())["features.conv2"]
    saved = {}
    handle = conv.register_forward_hook(lambda m, i, o: saved.setdefault("a", o))
    leaf = x.unsqueeze(0)
    out = digits.model(leaf)
    handle.remove()
    (g,) = torch.autograd.grad(out[0, w.target], saved["a"])
    cam = (g.mean(dim=(2, 3), keepdim=True) * saved["a"]).sum(1)[0].detach().numpy()  # conv2 keeps 8×8
    np.testing.assert_allclose(w.attribution_map, cam, rtol=1e-5, atol=1e-7)
    w._request = {"seq": 1, "method": "gradcam", "compare": [], "target": w.target,
                  "options": {"gradcam": {"layer": "features.pool"}}}
    assert w.error == "" and w.attribution_map.shape == (8, 8)  # the 4×4 map upsampled to the input


def test_perturbation_methods_on_images_work_on_patches(digits):
    from nnwidgets.engine.baselines import patch_mask

    x = digits.inputs[6]
    w = nw.Attribution(digits.model, x, method="feature_ablation", compare=["kernel_shap", "lime"], trust=False,
                       method_options={m: {"window": 2} for m in ("feature_ablation", "kernel_shap", "lime")})
    mask = patch_mask(x.unsqueeze(0), 2)[0, 0].numpy()
    assert mask.max() == 15  # 4 × 4 patches of 2 × 2 pixels
    for name, m in w.maps.items():
        for p in range(16):
            cells = m[mask == p]
            assert np.allclose(cells, cells[0], atol=1e-6), name  # one value per patch
    exp = nw.attribute(digits.model, x[None], "feature_ablation", w.target, feature_mask=patch_mask(x[None], 2),
                       baselines=torch.zeros_like(x[None]))
    np.testing.assert_allclose(w.maps["feature_ablation"], exp.attributions[0].sum(0).numpy(), rtol=1e-5, atol=1e-7)


def test_token_shapley_values_are_offered_for_text():
    c = text_attention()
    ids = c.inputs[:1]
    w = nw.Attribution(c.model, ids, embedding=c.embedding, method="kernel_shap", compare=["lime"], trust=False,
                       method_options={"kernel_shap": {"n_samples": 400}})
    assert w.method_titles["kernel_shap"] == "Kernel SHAP (tokens)"
    with torch.no_grad():
        gap = float(c.model(ids)[0, w.target] - c.model(torch.zeros_like(ids))[0, w.target])
    # Kernel SHAP's values add up to F(x) − F(baseline) (its efficiency constraint).
    assert w.maps["kernel_shap"].sum() == pytest.approx(gap, rel=1e-3, abs=1e-4)
