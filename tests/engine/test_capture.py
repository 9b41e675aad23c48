"""capture: every requested layer or an error naming those that did not run; tuple outputs."""

from __future__ import annotations

import os

import pytest
import torch
from torch import nn

import nnwidgets as nw
from nnwidgets.engine.errors import ExplanationInputError

from ..torchvision_models import model as tv_model


class Tagger(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lstm = nn.LSTM(4, 6, batch_first=True)
        self.head = nn.Linear(6, 3)
        self.unused = nn.Linear(6, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.lstm(x)
        return self.head(out[:, -1])


def test_lstm_tuple_output_first_tensor_or_all_of_them():
    torch.manual_seed(0)
    net, x = Tagger().eval(), torch.randn(2, 5, 4)
    out, (h, c) = net.lstm(x)
    got = nw.capture(net, x, ["lstm"])
    torch.testing.assert_close(got["lstm"], out)
    every = nw.capture(net, x, ["lstm", "head"], tuples="all")
    assert len(every["lstm"]) == 3
    for mine, theirs in zip(every["lstm"], (out, h, c)):
        torch.testing.assert_close(mine, theirs)
    torch.testing.assert_close(every["head"][0], net(x))
    with pytest.raises(ExplanationInputError, match=r"did not run on these inputs: \['unused'\]"):
        nw.capture(net, x, ["lstm", "unused"])
    with pytest.raises(ExplanationInputError, match="tuples must be one of"):
        nw.capture(net, x, ["lstm"], tuples="second")


def test_vit_self_attention_is_captured():
    cls = tv_model("vit_b_16").__class__
    torch.manual_seed(0)
    vit = cls(image_size=32, patch_size=8, num_layers=2, num_heads=2, hidden_dim=16, mlp_dim=32).eval()
    x = torch.randn(1, 3, 32, 32)
    name = "encoder.layers.encoder_layer_1.self_attention"
    got = nw.capture(vit, x, [name, "encoder.layers.encoder_layer_1.ln_1"], tuples="all")
    ln = got["encoder.layers.encoder_layer_1.ln_1"][0]
    attention = dict(vit.named_modules())[name]
    want, weights = attention(ln, ln, ln, need_weights=False)
    assert got[name][0].shape == (1, 17, 16) and len(got[name]) == 1  # need_weights=False: None dropped
    torch.testing.assert_close(got[name][0], want.detach())


def test_bert_attention_self_is_captured():
    if os.environ.get("CI") != "true":
        pytest.importorskip("transformers")
    from transformers import BertConfig, BertModel

    torch.manual_seed(0)
    config = BertConfig(vocab_size=50, hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=32, max_position_embeddings=16)
    bert = BertModel(config).eval()
    ids = torch.randint(1, 50, (2, 7))
    name = "encoder.layer.1.attention.self"
    got = nw.capture(bert, ids, [name, "encoder.layer.0"], output="last_hidden_state")
    assert got[name].shape == (2, 7, 16)
    # By hand: the self-attention of layer 1 on layer 0's hidden states (no padding: no mask).
    with torch.no_grad():
        want = bert.encoder.layer[1].attention.self(got["encoder.layer.0"])[0]
    torch.testing.assert_close(got[name], want, rtol=1e-5, atol=1e-6)
