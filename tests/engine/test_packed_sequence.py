"""A packed-sequence LSTM over token ids, lengths counted from the padding (id 0).

Such a model cannot run on a baseline of padding ids (every length 0). Layer
integrated gradients never needs it to: the path only feeds the rest of the model
the inputs with the embedding's output replaced, so the model runs past the
embedding on real ids alone. Captum, which runs the whole model on the baselines,
crashes here; it equals ours on the same model given its lengths as an argument.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

import nnwidgets as nw
from nnwidgets.engine import ModelCallError

from ..models import assert_same, fingerprint

captum = pytest.importorskip("captum.attr")

IDS = torch.tensor([[3, 5, 7, 2, 0, 0], [4, 9, 1, 6, 8, 2]])


class PackedLSTM(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embedding = nn.Embedding(20, 8, padding_idx=0)
        self.lstm = nn.LSTM(8, 16, batch_first=True)
        self.head = nn.Linear(16, 3)

    def encode(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        packed = pack_padded_sequence(self.embedding(ids), lengths.cpu(), batch_first=True, enforce_sorted=False)
        _, (h, _) = self.lstm(packed)
        return self.head(h[-1])

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return self.encode(ids, (ids != 0).sum(1))


class GivenLengths(PackedLSTM):
    def forward(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        return self.encode(ids, lengths)


def _models() -> tuple[PackedLSTM, GivenLengths]:
    torch.manual_seed(0)
    model = PackedLSTM()
    twin = GivenLengths()
    twin.load_state_dict(model.state_dict())
    return model, twin


def test_the_model_itself_cannot_run_on_padding_ids():
    model, _ = _models()
    with pytest.raises(RuntimeError, match="greater than 0"):
        model(torch.zeros_like(IDS))


def test_layer_integrated_gradients_with_the_default_pad_baseline():
    model, twin = _models()
    before = fingerprint(model)
    exp = nw.attribute(model, IDS, "layer_integrated_gradients", 1, layer="embedding", n_steps=100)
    assert_same(before, fingerprint(model))
    lengths = (IDS != 0).sum(1)
    # The same path on the model told its lengths, in Captum, which runs it on the baselines.
    theirs, delta = captum.LayerIntegratedGradients(twin, twin.embedding).attribute(
        IDS, baselines=torch.zeros_like(IDS), target=1, additional_forward_args=(lengths,), n_steps=100,
        return_convergence_delta=True)
    torch.testing.assert_close(exp.attributions, theirs, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(exp.delta, delta, rtol=1e-5, atol=1e-6)
    # Completeness against F(x) − F(padding ids with the inputs' lengths).
    with torch.no_grad():
        gap = twin(IDS, lengths)[:, 1] - twin(torch.zeros_like(IDS), lengths)[:, 1]
    torch.testing.assert_close(exp.extras["summed"].sum(1), gap + exp.delta, rtol=1e-5, atol=1e-6)
    assert float(exp.delta.abs().max()) < 1e-3 and float(gap.abs().min()) > 1e-3
    # Padded positions are not read by the model: exactly zero.
    assert bool((exp.extras["summed"][0, 4:] == 0).all()) and bool((exp.extras["summed"][0, :4] != 0).all())


def test_the_view_shows_it_with_its_default_method():
    model, _ = _models()
    w = nw.Attribution(model, IDS[0], embedding="embedding", trust=False)
    assert w.error == "" and w.method == "layer_integrated_gradients"
    exp = nw.attribute(model, IDS[:1], "layer_integrated_gradients", w.target, layer="embedding")
    np.testing.assert_allclose(w.attribution_map, exp.extras["summed"][0].numpy(), rtol=1e-5, atol=1e-7)


def test_surrogates_that_switch_every_token_off_say_why_it_failed():
    model, _ = _models()
    with pytest.raises(ModelCallError, match="needs another baseline id"):
        nw.attribute(model, IDS, "kernel_shap", 1, seed=0)
    # Another baseline id (an unknown token) works.
    exp = nw.attribute(model, IDS, "kernel_shap", 1, seed=0, baselines=1)
    assert exp.attributions.shape == IDS.shape


def test_the_trust_panel_says_why_and_works_with_another_baseline_id():
    model, _ = _models()
    w = nw.Attribution(model, IDS[0], embedding="embedding")
    assert w.error == "" and "needs" not in w.error
    assert "deletion curve" in w._trust["error"] and "another baseline id" in w._trust["error"]
    w = nw.Attribution(model, IDS[0], embedding="embedding", baseline=1)
    assert w.error == "" and w._trust.get("error") is None and w._trust["ig_delta"] is not None
