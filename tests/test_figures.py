"""Every widget's to_figure() reads: on short and very long labels, 2 and 1000
classes, 5 and 100 features, every text artist lies inside the figure and no two
overlap (window extents after a real draw); user text is drawn literally, so a
label with malformed mathtext ($x^$) cannot break the PNG."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

import nnwidgets as nw
from nnwidgets import demo

from .figure_checks import assert_readable, texts

LONG = "a very long name that goes on and on well past any column width"


def names(prefix: str, n: int, long: bool) -> list[str]:
    return [f"{LONG} {prefix}{i}" if long else f"{prefix}{i}" for i in range(n)]


def mlp(features: int, classes: int) -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(features, 16), nn.ReLU(), nn.Linear(16, classes)).eval()


def cnn(classes: int) -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 64, classes)).eval()


CASES = [(2, 5, False), (2, 5, True), (1000, 100, False), (1000, 100, True), (2, 100, True), (1000, 5, False)]


@pytest.mark.parametrize("classes,features,long", CASES)
def test_tabular_attribution_figure(classes, features, long):
    x = torch.randn(features)
    view = nw.Attribution(mlp(features, classes), x, labels=names("class ", classes, long),
                          feature_names=names("feature ", features, long), compare=["kernel_shap"],
                          method_options={"kernel_shap": {"n_samples": 64}})
    assert_readable(view.to_figure())


@pytest.mark.parametrize("classes,long", [(2, False), (2, True), (1000, False), (1000, True)])
def test_image_attribution_figure(classes, long):
    x = torch.rand(1, 8, 8)
    view = nw.Attribution(cnn(classes), x, labels=names("class ", classes, long), compare=["integrated_gradients"])
    assert_readable(view.to_figure())


def test_quickstart_figure_keeps_its_deletion_axes_and_summary():
    d = demo.digits()
    view = nw.Attribution(d.model, d.inputs[0], labels=d.class_names)
    fig = view.to_figure()
    assert_readable(fig)
    drawn = [t.get_text() for t, _ in texts(fig)]
    assert any("features removed" in s for s in drawn) and any("probability" in s for s in drawn)
    assert any(view.trust_summary["deletion"][:30] in s.replace("\n", " ") for s in drawn) if hasattr(
        view, "trust_summary") else True


def test_text_attribution_figure():
    t = demo.sentences() if hasattr(demo, "sentences") else None
    if t is None:
        pytest.skip("no text demo")
    view = nw.Attribution(t.model, t.ids[0], tokens=t.tokens[0], embedding=t.embedding_layer,
                          baseline=t.baseline_ids(t.ids[0]))
    assert_readable(view.to_figure())


@pytest.mark.parametrize("classes,features,long", [(2, 5, False), (2, 5, True), (1000, 100, True), (2, 100, False)])
def test_whatif_tabular_figure(classes, features, long):
    data = torch.randn(64, features)
    view = nw.WhatIf(mlp(features, classes), data[0], feature_names=names("feature ", features, long),
                     labels=names("class ", classes, long), data=data)
    assert_readable(view.to_figure())


@pytest.mark.parametrize("classes,long", [(2, True), (1000, False)])
def test_whatif_image_figure(classes, long):
    view = nw.WhatIf(cnn(classes), torch.rand(1, 8, 8), labels=names("class ", classes, long))
    assert_readable(view.to_figure())


@pytest.mark.parametrize("classes,long", [(2, False), (1000, True)])
def test_layers_figure(classes, long):
    data = torch.rand(16, 1, 8, 8)
    view = nw.Layers(cnn(classes), data[:2], labels=names("class ", classes, long), data=data)
    assert_readable(view.to_figure())


def test_malformed_mathtext_is_drawn_literally():
    bad = ["$x^$", "cost in $", "50$ \\frac{", "$\\alpha$"]
    data = torch.randn(32, 4)
    for view in (
        nw.Attribution(mlp(4, 4), data[0], labels=bad, feature_names=bad),
        nw.WhatIf(mlp(4, 4), data[0], feature_names=bad, labels=bad, data=data),
        nw.Attribution.from_tensor(data[0], {"$x^$ map": data[0]}, labels=["a"]),
    ):
        fig = view.to_figure()
        assert_readable(fig)
        drawn = [t for t, _ in texts(fig)]
        # shown as typed: no mathtext parse, the dollars on the picture
        assert all(not t._preprocess_math(t.get_text())[1] for t in drawn)
        assert any("$x^$" in t._preprocess_math(t.get_text())[0] for t in drawn)


def test_waterfall_steps_add_up_to_the_output_and_show_any_gap():
    from nnwidgets.figures.waterfall import waterfall_steps

    rng = np.random.default_rng(0)
    v = rng.normal(size=30)
    base, fx = -1.5, -1.5 + float(v.sum())  # a complete method: no gap step
    steps = waterfall_steps(v, base, fx)
    assert [s.kind for s in steps] == ["feature"] * 10 + ["rest"]
    assert steps[-1].count == 20 and steps[-1].start == base and steps[0].end == fx
    assert math.fsum(s.value for s in steps) == pytest.approx(fx - base, abs=1e-12)
    assert all(a.start == pytest.approx(b.end) for a, b in zip(steps, steps[1:]))  # each starts where the one below ends
    mags = [abs(s.value) for s in steps[:10]]
    assert mags == sorted(mags, reverse=True) and mags[-1] >= np.sort(np.abs(v))[::-1][10]
    # a method without completeness: what its sum leaves is one step of its own, nearest the base
    steps = waterfall_steps(v, base, fx + 2.0)
    assert steps[-1].kind == "gap" and steps[-1].value == pytest.approx(2.0) and steps[-1].start == base
    assert math.fsum(s.value for s in steps) == pytest.approx(fx + 2.0 - base, abs=1e-12)
    # a short table: every feature its own step, no "1 other features"
    assert [s.kind for s in waterfall_steps(v[:11], 0.0, float(v[:11].sum()))] == ["feature"] * 11


@pytest.mark.parametrize("method", ["integrated_gradients", "kernel_shap", "gradient"])
def test_tabular_figure_draws_the_waterfall_base_to_output(method):
    from matplotlib.patches import Rectangle

    d = demo.breast_cancer()
    view = nw.Attribution(d.model, d.inputs[:3], feature_names=d.feature_names, labels=d.class_names, method=method)
    fig = view.to_figure()
    assert_readable(fig)
    ax = next(a for a in fig.get_axes() if a.get_title().startswith("waterfall"))
    bars = sorted((p for p in ax.patches if isinstance(p, Rectangle)), key=lambda p: p.get_y())  # bottom first
    base, fx = view._trust["f_baseline"], view._trust["f_x"]
    widths = [p.get_width() for p in bars]
    assert math.fsum(widths) == pytest.approx(fx - base, rel=1e-9)
    assert bars[0].get_x() == pytest.approx(base) and bars[-1].get_x() + bars[-1].get_width() == pytest.approx(fx)
    for lower, upper in zip(bars, bars[1:]):  # a step starts where the one below it ends
        assert upper.get_x() == pytest.approx(lower.get_x() + lower.get_width())
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0].startswith("base f(baseline)") and labels[-1].startswith("f(x)")
    assert "logit of" in ax.get_xlabel()
    total = float(np.asarray(view.attribution_map, dtype=np.float64).sum())
    gap = any("not attributed" in s or "not in the sum" in s for s in labels)
    assert gap == (abs(fx - base - total) > 1e-6 * abs(fx - base))  # a gap is drawn exactly when there is one
    if method == "gradient":
        assert gap and any("not attributed" in s for s in labels) and "need not sum" in ax.get_title()
        assert method not in view.complete_methods
    else:  # a method said to have completeness has it: its gap is an approximation error, a few % at most
        assert method in view.complete_methods and abs(fx - base - total) < 0.02 * abs(fx - base)


def test_a_non_negative_method_draws_a_one_sided_scale_and_no_waterfall():
    d = demo.digits()
    sal = nw.Attribution(d.model, d.inputs[0], labels=d.class_names, method="saliency", trust=False).to_figure()
    ig = nw.Attribution(d.model, d.inputs[0], labels=d.class_names, method="integrated_gradients",
                        trust=False).to_figure()
    bar = lambda fig: next(a for a in fig.get_axes() if "shared scale" in a.get_ylabel())  # noqa: E731
    lo, hi = bar(sal).get_ylim()
    assert lo == 0 and hi > 0 and "0 → max" in bar(sal).get_ylabel()  # |∂y/∂x| ≥ 0: nothing below zero
    lo, hi = bar(ig).get_ylim()
    assert lo == -hi < 0
    c = demo.breast_cancer()
    view = nw.Attribution(c.model, c.inputs[:3], feature_names=c.feature_names, labels=c.class_names, method="saliency")
    fig = view.to_figure()
    assert_readable(fig)
    assert not any(a.get_title().startswith("waterfall") for a in fig.get_axes())
    assert {"saliency", "learned_mask"} <= set(view.unsigned_methods) and "gradient" not in view.unsigned_methods
    table = next(a for a in fig.get_axes() if a.get_title().startswith("Saliency"))
    assert table.get_xlim()[0] == 0  # the bars' axis starts at zero, not at −max


def _drawn(fig) -> str:
    return " ".join(t.get_text().replace("\n   ", " ").replace("\n", " ").replace("\\$", "$") for t, _ in texts(fig))


def test_the_views_notes_are_drawn_inside_the_figure():
    from .torchvision_models import model as tv_model

    cls = tv_model("vit_b_16").__class__
    torch.manual_seed(0)  # torchvision's ViT head is zero: every map all zero, every output equal
    vit = cls(image_size=32, patch_size=8, num_layers=1, num_heads=2, hidden_dim=16, mlp_dim=32, num_classes=4).eval()
    view = nw.Attribution(vit, torch.randn(3, 32, 32), compare=["gradcam"], trust=False)
    assert len(view.notes) == 2
    fig = view.to_figure()
    assert_readable(fig)
    drawn = _drawn(fig)
    assert "outputs are all equal" in drawn and "'heads.head' has all-zero weights" in drawn

    torch.manual_seed(0)
    wide = nn.Sequential(nn.Linear(100, 8), nn.Tanh(), nn.Linear(8, 3)).eval()
    view = nw.Attribution(wide, torch.randn(100), method="kernel_shap", feature_names=names("f", 100, True),
                          method_options={"kernel_shap": {"n_samples": 25}})
    fig = view.to_figure()
    assert_readable(fig)
    assert "under-determined: 25 samples for 100 features" in _drawn(fig)


def test_a_compared_panel_at_a_small_share_of_the_scale_says_so_in_the_figure():
    x = torch.rand(1, 8, 8)
    big = torch.randn(1, 8, 8)
    big[0, 0, 0] = 4.0  # the shared scale: ±4
    for share, flagged in ((0.1, True), (0.3, False)):
        view = nw.Attribution.from_tensor(x, {"big": big, "$small$ map": big * (share * 4.0 / big.abs().max())})
        fig = view.to_figure()
        assert_readable(fig)
        drawn = _drawn(fig)
        assert ("$small$ map: range ±0.4: 10 % of the shared ±4" in drawn) == flagged, drawn
        assert "big: range" not in drawn
    alone = nw.Attribution.from_tensor(x, {"small": big * 0.01})  # one panel: its own scale, nothing to flag
    assert "% of the shared" not in _drawn(alone.to_figure())
