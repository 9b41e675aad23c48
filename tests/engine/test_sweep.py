import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from nnwidgets import demo
from nnwidgets.engine import ExplanationInputError
from nnwidgets.engine.structure import structure
from nnwidgets.engine.sweep import sweep

from .. import zoo
from ..models import assert_same, fingerprint


def test_structure_of_a_residual_and_an_attention_model():
    case = zoo.residual()
    before = fingerprint(case.model)
    infos = {i.name: i for i in structure(case.model, case.inputs)}
    assert_same(before, fingerprint(case.model))
    assert infos[""].output_shape == (2, 4) and infos[""].depth == 0
    assert infos["1"].type == "Residual" and infos["1"].output_shape == (2, 4, 6, 6) and infos["1"].params == 0
    assert infos["1.conv1"].depth == 2 and infos["1.conv1"].params == 4 * 4 * 9 + 4
    assert infos["1.relu"].calls == 1 and infos["4"].output_shape == (2, 4)
    assert sum(i.params for i in infos.values()) == sum(p.numel() for p in case.model.parameters())
    text = zoo.text_attention()
    tinfos = {i.name: i for i in structure(text.model, text.inputs)}
    assert tinfos["attn"].output_shape == (3, 7, 16)  # first tensor of (output, weights)
    assert tinfos["embedding"].output_shape == (3, 7, 16)


def test_dead_units_are_counted_on_a_model_built_with_them():
    torch.manual_seed(0)
    lin = nn.Linear(4, 6)
    with torch.no_grad():
        lin.weight[:2] = 0.0
        lin.bias[:2] = -1.0  # units 0 and 1 can never be positive
        lin.bias[2:] = 5.0
    model = nn.Sequential(lin, nn.ReLU(), nn.Linear(6, 2)).eval()
    stats = sweep(model, torch.randn(50, 4) * 0.1, ["1"], batch_size=7)["1"]
    assert stats.dead.tolist() == [True, True, False, False, False, False]
    assert stats.dead_fraction == pytest.approx(2 / 6)
    assert stats.saturated is None


def test_dead_applies_only_to_outputs_that_are_never_negative():
    torch.manual_seed(0)
    lin = nn.Linear(4, 6)
    with torch.no_grad():
        lin.weight[:2] = 0.0
        lin.bias[:2] = -1.0  # units 0 and 1: always -1 before the ReLU, 0 after it
    model = nn.Sequential(lin, nn.ReLU(), nn.Flatten(), nn.Linear(6, 2)).eval()
    data = torch.randn(50, 4)
    stats = sweep(model, data, ["0", "1", "2", "3"], batch_size=7)
    with torch.no_grad():
        pre = lin(data)
    torch.testing.assert_close(stats["0"].min, pre.min(0).values)  # per-unit minimum over the data
    assert torch.equal(stats["1"].min, torch.relu(pre).min(0).values)
    # The Linear's units 0 and 1 are never > 0 too, but its output is signed: not "dead".
    assert not stats["0"].nonnegative and stats["0"].dead[:2].all()
    assert np.isnan(stats["0"].dead_fraction) and np.isnan(stats["3"].dead_fraction)
    assert stats["1"].nonnegative and stats["1"].dead_fraction == pytest.approx(2 / 6)
    assert stats["2"].nonnegative and stats["2"].dead_fraction == pytest.approx(2 / 6)  # a flatten of the ReLU


def test_saturated_units_of_a_tanh_layer():
    lin = nn.Linear(3, 2)
    with torch.no_grad():
        lin.weight.copy_(torch.tensor([[100.0, 0, 0], [0.01, 0, 0]]))
        lin.bias.zero_()
    model = nn.Sequential(lin, nn.Tanh()).eval()
    x = torch.tensor([[1.0, 0, 0], [-1.0, 0, 0], [2.0, 0, 0], [0.5, 0, 0]])
    stats = sweep(model, x, ["1"])["1"]
    assert stats.saturated.tolist() == [1.0, 0.0]


def test_top_k_equals_brute_force_and_progress_is_reported():
    d = demo.digits()
    data = d.inputs[:100]
    seen = []
    stats = sweep(d.model, data, ["features.relu1", "classifier.fc1"], top_k=5, batch_size=32,
                  progress=lambda done, total: seen.append((done, total)))
    assert seen == [(32, 100), (64, 100), (96, 100), (100, 100)]
    with torch.no_grad():
        acts = d.model.features.relu1(d.model.features.conv1(data)).mean(dim=(2, 3))  # (100, 16) channel means
        fc1 = d.model.classifier.fc1(d.model.classifier.flatten(d.model.features(data)))
    for name, scores in (("features.relu1", acts), ("classifier.fc1", fc1)):
        brute = scores.T.topk(5, dim=1)
        torch.testing.assert_close(stats[name].top_values, brute.values)
        assert torch.equal(stats[name].top_indices, brute.indices)
        torch.testing.assert_close(stats[name].mean, scores.mean(0))


def test_sweep_takes_a_dataloader_of_pairs_and_refuses_bad_input():
    d = demo.digits()
    loader = DataLoader(TensorDataset(d.inputs[:40], d.targets[:40]), batch_size=16)
    a = sweep(d.model, loader, ["classifier.fc1"], top_k=3)["classifier.fc1"]
    b = sweep(d.model, d.inputs[:40], ["classifier.fc1"], top_k=3)["classifier.fc1"]
    torch.testing.assert_close(a.top_values, b.top_values)
    with pytest.raises(ExplanationInputError, match=r"unknown layer name\(s\) \['nope'\]"):
        sweep(d.model, d.inputs[:4], ["nope"])
    with pytest.raises(ExplanationInputError, match="top_k and batch_size must be ≥ 1"):
        sweep(d.model, d.inputs[:4], ["classifier.fc1"], top_k=0)
    with pytest.raises(ExplanationInputError, match="no examples"):
        sweep(d.model, d.inputs[:0], ["classifier.fc1"])


class Unflat(nn.Module):
    def forward(self, x):
        return x.view(x.shape[0], 2, 3, 2, 2)


def test_a_neurons_unit_is_the_one_the_sweep_ranks():
    """Channels of (C, ...) outputs of any rank, the last axis of (T, D), the feature of (D,)."""
    from nnwidgets.engine.health import NOT_SWEPT_NOTE, layer_health
    from nnwidgets.engine.sweep import gather, unit_of

    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 24), Unflat(), nn.Flatten(), nn.Linear(24, 3)).eval()
    data = torch.randn(30, 4)
    stats = sweep(model, data, ["1"], top_k=4, batch_size=8)["1"]
    neuron = (0, 2, 1, 1)  # channel 0
    assert unit_of(neuron) == 0 and unit_of((3, 5)) == 5 and unit_of((7,)) == 7
    with torch.no_grad():
        channel = model[:2](data)[:, unit_of(neuron)].reshape(30, -1).mean(1)
    assert torch.equal(stats.top_indices[unit_of(neuron)], channel.topk(4).indices)
    rows = [3, 17, 0]
    assert torch.equal(gather(data, rows), data[rows])
    assert torch.equal(gather([data[:8], (data[8:], None)], rows), data[rows])
    health = layer_health(["1", "2"], {"1": stats})
    assert health.dead_why == ["signed output: a unit never above 0 here is not dead; see the activation after it",
                               NOT_SWEPT_NOTE]
    assert torch.isnan(health.dead).all() and torch.isnan(health.saturated).all()
