"""What the eye reads, measured in a real JupyterLab: zero lines aligned across rows,
each bar on the side of zero its value's sign says, labels kept at 800 px, the most
important bar standing out more than the least in light and dark themes, a map far
under the shared scale saying so, the deletion chart with its axes and legend, and
What-if showing one explanation per input (or a labelled preview)."""

from __future__ import annotations

import numpy as np
import pytest

from nnwidgets import demo

from .conftest import ARTIFACTS
from .geometry import assert_bars_share_zero_and_sign, bars, clipped, contrast, luminance, over
from .lab import open_and_run, write_notebook
from .attribution_page import ROOT, settle

TABULAR = [
    "import nnwidgets as nw\nfrom nnwidgets import demo\ncancer = demo.breast_cancer()",
    "view = nw.Attribution(cancer.model, cancer.inputs[:3], feature_names=cancer.feature_names,\n"
    "                      labels=cancer.class_names, compare=['kernel_shap'])\nview",
]

BACKGROUND = """(sel) => { let e = document.querySelector(sel);
  while (e) { const c = getComputedStyle(e).backgroundColor;
    if (c && c !== 'rgba(0, 0, 0, 0)' && c !== 'transparent') return c; e = e.parentElement; }
  return 'rgb(255, 255, 255)'; }"""


def _panel_bars(page, panel: str) -> list[dict]:
    return bars(page, f"{ROOT} {panel} .nnw-frow[data-feature]", ".nnw-ftrack", ".nnw-fzero", ".nnw-fbar")


def _contrast_order(page, panel: str) -> tuple[float, float]:
    found = [b for b in _panel_bars(page, panel) if b["value"] != 0]
    background = page.evaluate(BACKGROUND, f"{ROOT} {panel} .nnw-ftrack")
    bg = luminance(background)
    most = max(found, key=lambda b: abs(b["value"]))
    least = min(found, key=lambda b: abs(b["value"]))
    return (contrast(luminance(over(most["colour"], background)), bg),
            contrast(luminance(over(least["colour"], background)), bg))


def test_tabular_bars_read_true_in_both_themes_and_at_800px(lab, page, theme):
    page.set_viewport_size({"width": 1400, "height": 2000})
    open_and_run(page, lab, write_notebook(lab.root, "geometry_tabular.ipynb", TABULAR))
    page.wait_for_selector(f"{ROOT} .nnw-panel.nnw-main .nnw-frow", timeout=60_000)
    settle(page)
    for panel in (".nnw-panel.nnw-main", ".nnw-panel:not(.nnw-main)"):
        found = _panel_bars(page, panel)
        assert any(b["value"] < 0 for b in found) and any(b["value"] > 0 for b in found)
        assert_bars_share_zero_and_sign(found)
    # headed columns, and the ends of the waterfall under the bars
    head = page.locator(f"{ROOT} .nnw-panel.nnw-main .nnw-fhead").inner_text()
    assert "feature" in head and "value" in head and "attribution" in head
    base = page.locator(f"{ROOT} .nnw-panel.nnw-main .nnw-fbase")
    assert base.count() == 1 and "f(baseline)" in base.inner_text()
    assert "f(x)" in page.locator(f"{ROOT} .nnw-panel.nnw-main .nnw-ffx").inner_text()
    # bars get room: the track is a real share of the widget
    track = page.locator(f"{ROOT} .nnw-panel.nnw-main .nnw-frow[data-feature] .nnw-ftrack").first.bounding_box()
    assert track["width"] >= 150
    # the hover readout shows right beside the hovered row
    row = page.locator(f"{ROOT} .nnw-panel.nnw-main .nnw-frow[data-feature]").nth(12)
    row.hover()
    page.wait_for_function("() => !document.querySelector('div.nnw-tip').hidden")
    tip, box = page.locator("div.nnw-tip").bounding_box(), row.bounding_box()
    assert 0 <= tip["y"] - (box["y"] + box["height"]) <= 10
    most, least = _contrast_order(page, ".nnw-panel.nnw-main")
    assert most > least
    page.locator(ROOT).first.screenshot(path=str(ARTIFACTS / "geometry-tabular-light.png"))  # docs/attribution-tabular.png

    # at 1400 px the compared table sits beside the first, its rows level with the first's rows
    main_rows = page.locator(f"{ROOT} .nnw-panel.nnw-main .nnw-frow[data-feature]")
    other_rows = page.locator(f"{ROOT} .nnw-panel:not(.nnw-main) .nnw-frow[data-feature]")
    assert abs(main_rows.nth(3).bounding_box()["y"] - other_rows.nth(3).bounding_box()["y"]) <= 1
    page.set_viewport_size({"width": 800, "height": 2000})
    page.mouse.move(1, 1)
    page.wait_for_timeout(300)
    # wrapped below at 800 px, the compared table names its own rows
    compared = page.locator(f"{ROOT} .nnw-panel:not(.nnw-main) .nnw-frow[data-feature] .nnw-fname")
    assert compared.count() > 0 and compared.first.bounding_box()["width"] >= 100
    assert clipped(page, f"{ROOT} .nnw-fnum") == []
    assert clipped(page, f"{ROOT} .nnw-fvalue") == []
    # and nothing is cut by the maps' own edge
    right = page.locator(f"{ROOT} .nnw-maps").bounding_box()
    edge = right["x"] + right["width"] + 1
    assert all(n.bounding_box()["x"] + n.bounding_box()["width"] <= edge
               for n in page.locator(f"{ROOT} .nnw-frow[data-feature] .nnw-fnum").all()[:5])
    page.locator(ROOT).first.screenshot(path=str(ARTIFACTS / "geometry-tabular-800.png"))

    page.set_viewport_size({"width": 1400, "height": 2000})
    theme("JupyterLab Dark")  # the fixture sets the light theme back, even if an assertion below fails
    page.wait_for_timeout(500)
    for panel in (".nnw-panel.nnw-main", ".nnw-panel:not(.nnw-main)"):
        most, least = _contrast_order(page, panel)
        assert most > least, (panel, most, least)
    page.locator(ROOT).first.screenshot(path=str(ARTIFACTS / "geometry-tabular-dark.png"))
    assert page.console_errors == []


STEPS = """() => { const box = document.querySelector('div.nnw-attribution .nnw-waterfall');
  const r = (e) => { const b = e.getBoundingClientRect(); return [b.left, b.right, b.top, b.bottom]; };
  return { lo: +box.dataset.lo, hi: +box.dataset.hi, base: +box.dataset.base, fx: +box.dataset.fx,
    rows: Array.from(box.querySelectorAll('.nnw-wrow[data-index]')).map((row) => ({
      kind: row.dataset.kind, value: +row.dataset.value, start: +row.dataset.start, end: +row.dataset.end,
      track: r(row.querySelector('.nnw-wtrack')), bar: r(row.querySelector('.nnw-wbar')),
      baseLine: r(row.querySelector('.nnw-wbase'))[0], fxLine: r(row.querySelector('.nnw-wfx'))[0] })) }; }"""


def test_tabular_waterfall_steps_from_the_base_to_the_output(lab, page):
    page.set_viewport_size({"width": 1400, "height": 1600})
    open_and_run(page, lab, write_notebook(lab.root, "geometry_waterfall.ipynb", TABULAR[:1] + [
        "view = nw.Attribution(cancer.model, cancer.inputs[:3], feature_names=cancer.feature_names,\n"
        "                      labels=cancer.class_names)\nview"]))
    page.wait_for_selector(f"{ROOT} .nnw-waterfall[data-state='drawn']", timeout=60_000)
    settle(page)
    w = page.evaluate(STEPS)
    rows = w["rows"]
    assert len(rows) >= 11 and rows[0]["kind"] == "feature" and any(r["kind"] == "rest" for r in rows)
    # the steps add up to f(x) − base: the top one ends at f(x), the bottom one starts at the base
    assert sum(r["value"] for r in rows) == pytest.approx(w["fx"] - w["base"], rel=1e-6)
    assert rows[0]["end"] == pytest.approx(w["fx"]) and rows[-1]["start"] == pytest.approx(w["base"])

    def x(v, track):
        return track[0] + (v - w["lo"]) / (w["hi"] - w["lo"]) * (track[1] - track[0])

    for r in rows:
        t, (left, right) = r["track"], r["bar"][:2]
        # drawn where its numbers say: from its start to its end, to the right when it adds
        assert left == pytest.approx(x(min(r["start"], r["end"]), t), abs=1.0)
        assert right == pytest.approx(x(max(r["start"], r["end"]), t), abs=1.5)
        if r["kind"] != "gap" and right - left > 2:
            assert (left == pytest.approx(x(r["start"], t), abs=1.0)) == (r["value"] > 0), r
        assert r["baseLine"] == pytest.approx(x(w["base"], t), abs=1.0)  # one base line, every row
        assert r["fxLine"] == pytest.approx(x(w["fx"], t), abs=1.0)
    for upper, lower in zip(rows, rows[1:]):  # each step starts where the one below it ends
        assert upper["start"] == pytest.approx(lower["end"], abs=1e-5)
    assert len({round(r["baseLine"]) for r in rows}) == 1
    text = page.locator(f"{ROOT} .nnw-waterfall").inner_text()
    assert "logit of" in text and "f(x)" in text and "base f(baseline)" in text
    # hover a step: the readout beside it says what it adds, from where to where
    row = page.locator(f"{ROOT} .nnw-wrow[data-index='2']")
    row.hover()
    page.wait_for_function("() => !document.querySelector('div.nnw-tip').hidden")
    tip = page.locator("div.nnw-tip")
    assert "→" in tip.inner_text() and 0 <= tip.bounding_box()["y"] - (row.bounding_box()["y"] + row.bounding_box()["height"]) <= 10
    page.locator(f"{ROOT} .nnw-waterfall").screenshot(path=str(ARTIFACTS / "geometry-waterfall-light.png"))
    page.set_viewport_size({"width": 800, "height": 1600})
    page.mouse.move(1, 1)
    page.wait_for_timeout(300)
    edge = page.locator(ROOT).bounding_box()
    for n in page.locator(f"{ROOT} .nnw-wrow .nnw-wnum").all():
        b = n.bounding_box()
        assert b["x"] + b["width"] <= edge["x"] + edge["width"] + 1
    assert clipped(page, f"{ROOT} .nnw-wnum") == []
    page.locator(f"{ROOT} .nnw-waterfall").screenshot(path=str(ARTIFACTS / "geometry-waterfall-800.png"))
    # a non-negative method (|∂y/∂x|): a one-sided 0 → max scale, no signed Σ, no waterfall of magnitudes
    page.select_option(f"{ROOT} select.nnw-method", "saliency")
    page.wait_for_selector(f"{ROOT} .nnw-panel.nnw-main[data-method='saliency'] .nnw-frow", timeout=60_000)
    settle(page)
    assert page.locator(f"{ROOT} .nnw-maps").get_attribute("data-one-sided") == "true"
    assert page.locator(f"{ROOT} .nnw-cbar-lo").inner_text() == "0"
    assert page.locator(f"{ROOT} .nnw-panel.nnw-main .nnw-fhead .nnw-flo").inner_text() == "0"
    found = _panel_bars(page, ".nnw-panel.nnw-main")
    left = min(b["track"][0] for b in found)
    assert all(b["value"] >= 0 and b["fill"][0] >= left - 1 for b in found)  # every bar starts at the left edge: 0
    summary = page.locator(f"{ROOT} .nnw-panel.nnw-main .nnw-fsum").inner_text()
    assert "Σ attributions" not in summary and "magnitudes" in summary
    assert page.locator(f"{ROOT} .nnw-waterfall").get_attribute("data-state") == "unsigned"
    page.locator(ROOT).first.screenshot(path=str(ARTIFACTS / "geometry-saliency-800.png"))
    assert page.console_errors == []


IMAGES = [
    "import nnwidgets as nw\nfrom nnwidgets import demo\ndigits = demo.digits()",
    "view = nw.Attribution(digits.model, digits.inputs[:4], labels=digits.class_names,\n"
    "                      compare=['integrated_gradients', 'gradcam', 'occlusion'])\nview",
]


def test_small_maps_say_so_trust_reads_and_the_hovered_pixel_is_marked(lab, page):
    page.set_viewport_size({"width": 1400, "height": 2000})
    open_and_run(page, lab, write_notebook(lab.root, "geometry_images.ipynb", IMAGES))
    page.wait_for_function("() => document.querySelectorAll('div.nnw-attribution canvas.nnw-canvas').length === 4",
                           timeout=60_000)
    settle(page)
    page.locator(ROOT).first.screenshot(path=str(ARTIFACTS / "attribution-compare.png"))  # docs/attribution-compare.png
    scale = float(page.evaluate("() => Math.max(...Array.from(document.querySelectorAll('.nnw-panel'))"
                                ".map((p) => Number(p.dataset.scale)))"))
    notes = page.locator(f"{ROOT} .nnw-scale-note")
    shares = [float(n.get_attribute("data-share")) for n in notes.all()]
    assert shares and all(s < 0.25 for s in shares)  # only panels far under the shared scale say so
    assert "of the shared" in notes.first.inner_text()
    notes.first.locator("button").click()
    page.wait_for_function("() => document.querySelector('.nnw-scale-note')?.dataset.perPanel === 'true'")
    own = [float(p.get_attribute("data-scale")) for p in page.locator(f"{ROOT} .nnw-panel").all()]
    assert min(own) < scale  # each panel on its own range now
    # the four class bars stay beside the maps at 1280 px
    side, figure = page.locator(f"{ROOT} .nnw-side").bounding_box(), page.locator(f"{ROOT} .nnw-figure").bounding_box()
    assert side["x"] >= figure["x"] + figure["width"] - 1
    # the hovered pixel is outlined in every panel
    canvas = page.locator(f"{ROOT} canvas.nnw-canvas").first
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 3.5 / 8, box["y"] + box["height"] * 2.5 / 8)
    marks = page.locator(f"{ROOT} .nnw-cell-mark:not([hidden])")
    assert marks.count() == 4 and marks.first.get_attribute("data-row") == "2" and marks.first.get_attribute("data-col") == "3"
    # sliders say their values
    assert page.locator(f"{ROOT} output.nnw-range-value").first.inner_text().endswith("%")
    # trust: the deletion chart drew, with one legend entry per method and the reference; signed ρ shown
    page.wait_for_function("() => document.querySelector('canvas.nnw-deletion')?.dataset.rendered === '1'")
    assert page.locator(f"{ROOT} .nnw-legend-item").count() == 5
    assert page.locator(f"{ROOT} td.nnw-rho-signed").count() == 4
    summary = page.locator(f"{ROOT} li[data-key='randomization']").inner_text()
    assert "signed" in summary and "non-zero" in summary
    page.locator(ROOT).first.screenshot(path=str(ARTIFACTS / "geometry-images-trust.png"))
    assert page.console_errors == []


WHATIF = [
    "import nnwidgets as nw\nfrom nnwidgets import demo\ncancer = demo.breast_cancer()",
    "view = nw.WhatIf(cancer.model, cancer.inputs[0], feature_names=cancer.feature_names,\n"
    "                 labels=cancer.class_names, data=cancer.inputs)\nview",
]
SETTLED = """() => { const root = document.querySelector('div.nnw-whatif');
  return root && !root.classList.contains('nnw-busy') && root.dataset.seq !== undefined; }"""


def test_whatif_shows_one_explanation_per_input(lab, page):
    page.set_viewport_size({"width": 800, "height": 900})
    open_and_run(page, lab, write_notebook(lab.root, "geometry_whatif.ipynb", WHATIF))
    page.wait_for_function("() => document.querySelector('canvas.nnw-ice')?.dataset.rendered !== undefined",
                           timeout=60_000)
    page.wait_for_function(SETTLED, timeout=30_000)
    # at 800 px the names keep their column, and no number is cut
    assert clipped(page, "div.nnw-whatif .nnw-attr-num") == [] and clipped(page, "div.nnw-whatif .nnw-value") == []
    num = page.locator("div.nnw-whatif .nnw-attr-num").first.bounding_box()
    assert num["x"] + num["width"] <= page.locator("div.nnw-whatif .nnw-features").bounding_box()["x"] + \
        page.locator("div.nnw-whatif .nnw-features").bounding_box()["width"] + 1
    assert min(n.bounding_box()["width"] for n in page.locator("div.nnw-whatif .nnw-feature-name").all()) >= 100
    f = demo.breast_cancer().feature_names.index("worst radius")
    slider = page.locator(f"input.nnw-slider[data-feature='{f}']")
    slider.scroll_into_view_if_needed()
    box = slider.bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.3, y)
    page.mouse.down()
    for k in range(10):
        page.mouse.move(box["x"] + box["width"] * (0.3 + 0.04 * k), y)
        page.wait_for_timeout(30)
    # still pressed: wait until the answers stop coming (the view stays busy while the pointer is down)
    seq = lambda: page.evaluate("() => document.querySelector('div.nnw-whatif').dataset.seq")  # noqa: E731
    last = None
    for _ in range(60):
        now = seq()
        if now == last:
            break
        last = now
        page.wait_for_timeout(500)
    line = page.locator("div.nnw-method-line")
    during = (line.get_attribute("data-method"), line.inner_text())
    values = lambda: np.array([float(a.get_attribute("data-value")) for a in page.locator("div.nnw-attr").all()])  # noqa: E731
    dragged = values()
    page.mouse.up()
    page.wait_for_timeout(300)
    page.wait_for_function(SETTLED, timeout=30_000)
    after = (line.get_attribute("data-method"), line.inner_text())
    assert during == after and "preview" not in after[1]  # one method, one label, both ways
    np.testing.assert_allclose(values(), dragged, rtol=1e-5, atol=1e-7)  # same input → same bars, no sign flip
    found = bars(page, "div.nnw-attr", ".nnw-attr-track, .nnw-track", ".nnw-attr-axis", ".nnw-attr-fill:not(.nnw-estimate)")
    assert_bars_share_zero_and_sign([b for b in found if b["zero"]])
    page.locator("div.nnw-whatif").screenshot(path=str(ARTIFACTS / "geometry-whatif-800.png"))
    assert page.console_errors == []


LAYERS = [
    "import nnwidgets as nw\nfrom nnwidgets import demo\ncancer = demo.breast_cancer()",
    "view = nw.Layers(cancer.model, cancer.inputs[:4], labels=cancer.class_names,\n"
    "                 feature_names=cancer.feature_names, data=cancer.inputs, layer='fc1')\nview",
]


RIGHT_EDGES = """(sel) => { const root = document.querySelector('div.nnw-layers').getBoundingClientRect();
  return Array.from(document.querySelectorAll(sel)).filter((e) => e.offsetParent !== null)
    .filter((e) => e.getBoundingClientRect().right > root.right + 1)
    .map((e) => `${e.tagName} ${e.textContent} ends at ${Math.round(e.getBoundingClientRect().right)} > ${Math.round(root.right)}`); }"""


@pytest.mark.parametrize("width", [800, 1400])
def test_layers_keeps_its_columns(lab, page, width):
    page.set_viewport_size({"width": width, "height": 900})
    open_and_run(page, lab, write_notebook(lab.root, f"geometry_layers_{width}.ipynb", LAYERS))
    page.wait_for_function("() => (document.querySelector('canvas.nnw-atlas')?.dataset.rendered ?? '').startsWith('fc1|')",
                           timeout=60_000)
    root = page.locator("div.nnw-layers").bounding_box()
    view = page.viewport_size
    assert root["x"] + root["width"] <= view["width"] + 1  # nothing scrolls off the page
    # every column of the layer table in view: the table box does not scroll sideways, and each
    # header and cell ends inside the widget (a box wider than the widget would be cut by the output area)
    assert page.evaluate("() => { const b = document.querySelector('div.nnw-tablebox');"
                         " return b.scrollWidth - b.clientWidth; }") <= 1
    assert page.evaluate(RIGHT_EDGES, "div.nnw-layers table.nnw-table th, div.nnw-layers tr:not([hidden]) td") == []
    assert page.evaluate(RIGHT_EDGES, "div.nnw-layers canvas.nnw-atlas, div.nnw-layers .nnw-side") == []
    heads = page.locator("div.nnw-layers table.nnw-table th")
    assert heads.count() == 7 and clipped(page, "div.nnw-layers table.nnw-table th") == []  # the labels are whole
    assert heads.last.inner_text() == "‖∂y/∂a‖"
    # a cut cell keeps its whole text as its title
    assert all(c.get_attribute("title") for c in page.locator("div.nnw-layers td.nnw-ltype").all())
    box = page.locator("canvas.nnw-atlas").bounding_box()
    page.mouse.click(box["x"] + 2, box["y"] + 2)
    page.wait_for_function("() => document.querySelectorAll('div.nnw-fbar').length > 0", timeout=60_000)
    assert_bars_share_zero_and_sign(bars(page, "div.nnw-fbar", ".nnw-ftrack", ".nnw-fzero", ".nnw-ffill"))
    page.locator("div.nnw-layers").screenshot(path=str(ARTIFACTS / f"geometry-layers-{width}.png"))
    assert page.console_errors == []
