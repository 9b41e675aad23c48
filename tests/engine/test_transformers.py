"""Grad-CAM and the Attribution picker on transformers: tokens read on their patch grid."""

from __future__ import annotations

import pytest
import torch
from torch import nn

import nnwidgets as nw
from nnwidgets.engine.errors import ExplanationInputError
from nnwidgets.engine.frames.attribution import spatial_layers

from ..torchvision_models import model as tv_model

BLOCK = "encoder.layers.encoder_layer_10"


def _vit():
    vit = tv_model("vit_b_16")
    nn.init.normal_(vit.heads.head.weight, std=0.02)  # torchvision zero-initialises the head
    return vit


def test_gradcam_on_a_vit_block_is_the_hand_computed_14_by_14_map():
    vit, x = _vit(), torch.randn(1, 3, 224, 224, generator=torch.Generator().manual_seed(1))
    exp = nw.attribute(vit, x, "gradcam", 3, layer=BLOCK)
    # By hand, as pytorch-grad-cam with reshape_transform: hook the block, drop the class
    # token, put the 196 patches on their 14 × 14 grid, channels first.
    kept = {}
    handle = dict(vit.named_modules())[BLOCK].register_forward_hook(lambda m, i, o: kept.setdefault("a", o))
    try:
        out = vit(x)
    finally:
        handle.remove()
    (grad,) = torch.autograd.grad(out[0, 3], kept["a"])
    act = kept["a"][:, 1:].reshape(1, 14, 14, 768).permute(0, 3, 1, 2)
    g = grad[:, 1:].reshape(1, 14, 14, 768).permute(0, 3, 1, 2)
    cam = (g.mean((2, 3), keepdim=True) * act).sum(1, keepdim=True).detach()
    assert exp.attributions.shape == (1, 1, 14, 14)
    assert cam.abs().max() > 0
    torch.testing.assert_close(exp.attributions, cam, rtol=1e-4, atol=1e-7)
    assert "14 × 14 patch grid (the class token dropped)" in exp.extras["layout"]
    with pytest.raises(ExplanationInputError, match=r"got 'grid'"):
        nw.attribute(vit, x, "gradcam", 3, layer=BLOCK, layout="grid")


def _small_vit():
    tv = tv_model("vit_b_16").__class__  # VisionTransformer, at a size for structure tests
    torch.manual_seed(0)
    return tv(image_size=32, patch_size=8, num_layers=3, num_heads=2, hidden_dim=16, mlp_dim=32,
              num_classes=5).eval()


def test_the_picker_offers_the_blocks_of_a_vit_and_defaults_to_the_last_one_that_reaches_the_head():
    vit = _small_vit()
    names, default = spatial_layers(vit, torch.randn(1, 3, 32, 32))
    assert "conv_proj" in names and "encoder.layers.encoder_layer_2" in names
    assert default == "encoder.layers.encoder_layer_1"  # the last block's patches never reach the class token
    view = nw.Attribution(vit, torch.randn(3, 32, 32), method="gradcam", trust=False)
    assert view.method_options["gradcam"]["layer"] == default
    assert view.attribution_map.shape == (32, 32)


def test_channels_first_models_keep_captums_reading():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv1d(2, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 14, 3)).eval()
    x = torch.randn(2, 2, 16)
    exp = nw.attribute(net, x, "gradcam", 1, layer="1")
    assert exp.attributions.shape == (2, 1, 14) and "layout" not in exp.extras
    tokens = nw.attribute(net, x, "gradcam", 1, layer="1", layout="tokens")  # (N, 4, 14) read as 4 tokens
    assert tokens.attributions.shape == (2, 1, 2, 2)
