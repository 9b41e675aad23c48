"""Real architectures at random weights (torchvision's ResNet-18, MobileNetV3-small,
ViT-B/16, EfficientNet-B0; a BERT-base-sized text model): every method the
Attribution picker offers runs with its defaults in bounded time and memory, or
refuses with an estimate; Layers' structure for 337 modules. Small inputs where
the point is structure, one 224 × 224 run where it is scale."""

from __future__ import annotations

import os
import time

import pytest
import torch

import nnwidgets as nw
from nnwidgets.engine.budget import TooSlow

from .torchvision_models import model as tv_model

PEAK_MB = 400  # memory a method may take beyond the model and its inputs
SECONDS = 90  # a generous bound for any one method with its defaults here (the time limit is 60 s)


def _rss_mb() -> float:
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
    return 0.0


def _peak_mb() -> float:
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM"):
            return int(line.split()[1]) / 1024
    return 0.0


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _every_method(view: nw.Attribution) -> dict[str, tuple[float, float, str]]:
    """Each offered method as the main map: seconds, peak MB beyond the start, and the error shown."""
    out = {}
    for m in view.methods:
        before, measured = _rss_mb(), _reset_peak()
        start = time.perf_counter()
        view.method = m
        out[m] = (time.perf_counter() - start, _peak_mb() - before if measured else 0.0, view.error)
    return out


def _check(results: dict[str, tuple[float, float, str]]) -> None:
    for m, (seconds, peak, error) in results.items():
        assert seconds < SECONDS, (m, seconds)
        assert peak < PEAK_MB, (m, peak)
        assert error == "" or "would take about" in error, (m, error)


@pytest.mark.parametrize("name,kwargs,size", [
    ("resnet18", {}, 64), ("mobilenet_v3_small", {}, 64), ("vit_b_16", {"image_size": 32}, 32),
])
def test_every_picker_method_runs_or_refuses_on_image_models(name, kwargs, size):
    net = tv_model(name, **kwargs)
    if name.startswith("vit"):
        torch.nn.init.normal_(net.heads.head.weight, std=0.02)  # else every map is zero (see the notes test)
    view = nw.Attribution(net, torch.randn(3, size, size, generator=torch.Generator().manual_seed(0)), trust=False)
    if name.startswith("vit"):
        assert "gradcam" in view.methods and view.method_options["gradcam"]["layer"].startswith("encoder.layers")
    results = _every_method(view)
    _check(results)
    assert sum(e == "" for _, _, e in results.values()) >= len(results) - 2, results


def test_every_picker_method_runs_on_a_bert_sized_text_model():
    if os.environ.get("CI") != "true":
        pytest.importorskip("transformers")
    from transformers import BertConfig, BertForSequenceClassification

    torch.manual_seed(0)
    bert = BertForSequenceClassification(BertConfig(num_labels=2)).eval()  # BERT-base: 110M parameters
    ids = torch.randint(1000, 2000, (24,))
    view = nw.Attribution(bert, ids, tokens=[f"t{i}" for i in range(24)], embedding="bert.embeddings.word_embeddings",
                          trust=False)
    _check(_every_method(view))
    layers = nw.Layers(bert, ids.unsqueeze(0))
    assert "dropout" not in layers.layer.lower() and layers.layer.startswith("bert.encoder.layer.11")


def test_full_size_resnet18_lime_and_ablation_defaults_stay_bounded():
    net, x = tv_model("resnet18"), torch.randn(1, 3, 224, 224)
    before, measured = _rss_mb(), _reset_peak()
    exp = nw.attribute(net, x, "feature_ablation")  # 256 patches, not 150,528 pixels
    assert exp.extras["features"] == 256
    with pytest.raises(TooSlow, match=r"lime with 514 samples over 256 features would take about"):
        nw.attribute(net, x, "lime", time_limit=0.5)  # refused after its timed first forward
    if measured:  # 53 images of activations per forward (the 32 MB input budget): about 450 MB here
        assert _peak_mb() - before < 2 * PEAK_MB


def test_efficientnet_layers_start_on_a_block_and_the_figure_summarises():
    view = nw.Layers(tv_model("efficientnet_b0"), torch.randn(2, 3, 64, 64))
    assert len(view.layer_table) == 337
    assert view.layer == "features.8"
    fig = view.to_figure()
    assert fig.get_size_inches()[1] < 11  # 40 rows at most, not 337
    assert any("40 of 329 layers" in ax.xaxis.label.get_text() for ax in fig.axes)
