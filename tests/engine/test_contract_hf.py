"""A real transformers ModelOutput through the engine (a tiny random BERT: no weights needed)."""

from __future__ import annotations

import os

import pytest
import torch

if os.environ.get("CI") != "true":
    pytest.importorskip("transformers")
from transformers import BertConfig, BertForSequenceClassification  # noqa: E402

from nnwidgets.engine import attribute, capture  # noqa: E402


def _bert():
    torch.manual_seed(0)
    config = BertConfig(vocab_size=50, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=32, max_position_embeddings=16, num_labels=2)
    return BertForSequenceClassification(config).eval()


def test_sequence_classifier_output_is_read_as_its_logits():
    from captum.attr import LayerIntegratedGradients

    model = _bert()
    ids = torch.randint(1, 50, (2, 7))
    base = torch.zeros_like(ids)
    got = attribute(model, ids, "layer_integrated_gradients", 1, layer="bert.embeddings.word_embeddings",
                    baselines=base, n_steps=16)
    lig = LayerIntegratedGradients(lambda i: model(i).logits, model.bert.embeddings.word_embeddings)
    want = lig.attribute(ids, baselines=base, target=1, n_steps=16, method="gausslegendre")
    assert torch.allclose(got.attributions, want, atol=1e-5)
    assert torch.allclose(got.prediction, model(ids).logits.detach(), atol=1e-6)
    # return_dict=False gives a tuple: the first tensor is the logits too
    tupled = attribute(lambda i: model(i, return_dict=False), ids, "occlusion", 0,
                       sliding_window_shapes=(1,), baselines=0)
    assert torch.allclose(tupled.prediction, model(ids).logits.detach(), atol=1e-6)
    acts = capture(model, ids, ["bert.pooler"])
    assert acts["bert.pooler"].shape == (2, 16)
