"""The Attribution view says why a map may look as it does instead of drawing an empty panel."""

from __future__ import annotations

import torch
from torch import nn

import nnwidgets as nw
from nnwidgets.engine.notes import map_notes, zero_layers

from .torchvision_models import model as tv_model


def _small_vit():
    cls = tv_model("vit_b_16").__class__
    torch.manual_seed(0)
    return cls(image_size=32, patch_size=8, num_layers=2, num_heads=2, hidden_dim=16, mlp_dim=32,
               num_classes=4).eval()


def test_a_zero_initialised_vit_head_is_named_instead_of_an_empty_map():
    vit = _small_vit()  # torchvision initialises heads.head to zero
    view = nw.Attribution(vit, torch.randn(3, 32, 32), compare=["gradcam"], trust=False)
    assert not view.attribution_map.any()
    assert zero_layers(vit) == ["heads.head"]
    text = " ".join(view.notes)
    assert "outputs are all equal" in text and "'heads.head' has all-zero weights" in text
    nn.init.normal_(vit.heads.head.weight)
    view.refresh()
    assert view.attribution_map.any() and view.notes == []


def test_an_underdetermined_surrogate_fit_is_reported_in_the_view():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(100, 8), nn.Tanh(), nn.Linear(8, 3)).eval()
    view = nw.Attribution(net, torch.randn(100), method="kernel_shap", trust=False,
                          method_options={"kernel_shap": {"n_samples": 25}})
    assert any("Kernel SHAP: under-determined: 25 samples for 100 features" in n for n in view.notes)


def test_map_notes_stay_quiet_when_all_is_well():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(4, 3)).eval()
    exp = nw.attribute(net, torch.randn(1, 4), "saliency")
    assert map_notes(net, {"saliency": exp}, exp.attributions) == []
