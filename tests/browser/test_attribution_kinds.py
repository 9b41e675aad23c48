"""Attribution for images, tables and text in a real JupyterLab.

For each kind: the view renders, hover readouts equal numbers computed here,
switching method, target and example repaints with the new values, display
controls change pixels without a single comm message, the trust panel shows the
delta Python computed, and user text (labels, features, tokens) is only text.
Requests that take a while (progress, cancel, the options form, latency) are in
``test_attribution_requests.py``.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import nnwidgets as nw
from nnwidgets import demo

from .attribution_page import (
    PIXELS, ROOT, XSS, grad_x_input, hover_pixel, kernel_json, no_xss, readout, settle,
)
from .conftest import ARTIFACTS, REPO
from .lab import open_and_run, write_notebook
from .test_whatif import COUNT_COMMS

IMAGE_CELLS = [
    "import json\nimport nnwidgets as nw\nfrom nnwidgets import demo\nd = demo.digits()",
    f"labels = list(d.class_names)\nlabels[3] = {XSS!r}\n"
    "w = nw.Attribution(d.model, d.inputs[:4], labels=labels, compare=['integrated_gradients'])\nw",
]


def test_image_view_hover_switch_mask_and_trust(lab, page):
    d = demo.digits()
    x = d.inputs[:4]
    open_and_run(page, lab, write_notebook(lab.root, "attr_image.ipynb", IMAGE_CELLS))
    page.wait_for_selector(f"{ROOT} canvas.nnw-canvas[data-rendered]", timeout=60_000)
    settle(page)
    assert page.locator(f"{ROOT} canvas.nnw-canvas").count() == 2  # main + IG side by side
    assert page.locator(f"{ROOT} button.nnw-example").count() == 4

    # Hover: the main map's value is gradient × input by hand; the IG panel's is the engine's IG.
    probs = torch.softmax(d.model(x[:1]), 1)[0].detach()
    target = int(probs.argmax())
    gxi = grad_x_input(d.model, x[:1], target).sum(0)
    r, c = np.unravel_index(np.abs(gxi).argmax(), gxi.shape)
    got = hover_pixel(page, 0, int(r), int(c))
    assert float(got["attribution"]) == pytest.approx(float(gxi[r, c]), rel=1e-5, abs=1e-7)
    assert float(got["input"]) == pytest.approx(float(x[0, 0, r, c]), abs=1e-7)
    ig = nw.attribute(d.model, x[:1], "integrated_gradients", target, n_steps=32,
                      baselines=torch.zeros_like(x[:1])).attributions[0].sum(0).numpy()
    got = hover_pixel(page, 1, int(r), int(c))
    assert got["method"] == "integrated_gradients"
    assert float(got["attribution"]) == pytest.approx(float(ig[r, c]), rel=1e-5, abs=1e-6)

    # The trust panel shows the delta Python computed for IG.
    delta = kernel_json(page, "w._trust['ig_delta']")
    assert float(page.locator(f"{ROOT} .nnw-ig-delta").get_attribute("data-delta")) == delta
    assert page.locator(f"{ROOT} .nnw-trust .nnw-summary li").count() >= 3
    assert page.locator(f"{ROOT} .nnw-trust tr[data-method]").count() == 2

    # Display controls: pixels change, not one comm message either way.
    canvas = page.locator(f"{ROOT} canvas.nnw-canvas").first
    before = canvas.evaluate(PIXELS)
    page.evaluate(COUNT_COMMS)
    page.locator(f"{ROOT} input.nnw-threshold").fill("0.6")
    page.wait_for_function("() => document.querySelector('.nnw-maps').dataset.display.includes('0.6')")
    after_threshold = canvas.evaluate(PIXELS)
    page.locator(f"{ROOT} input.nnw-absolute").check()
    page.locator(f"{ROOT} select.nnw-palette").select_option("purple-green")
    page.locator(f"{ROOT} input.nnw-top").fill("10")
    page.locator(f"{ROOT} select.nnw-zoom").select_option("2")
    page.wait_for_timeout(300)  # any message would have been sent by now
    after_all = canvas.evaluate(PIXELS)
    assert len({before, after_threshold, after_all}) == 3
    assert page.evaluate("() => window.__comms") == {"send": 0, "recv": 0}
    widget = page.locator(ROOT).first
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    widget.screenshot(path=str(ARTIFACTS / "attribution-image-masked.png"))
    page.locator(f"{ROOT} input.nnw-threshold").fill("0")
    page.locator(f"{ROOT} input.nnw-top").fill("100")
    page.locator(f"{ROOT} input.nnw-absolute").uncheck()
    page.locator(f"{ROOT} select.nnw-palette").select_option("red-blue")
    page.locator(f"{ROOT} select.nnw-zoom").select_option("1")

    # Another example from the strip: the map and input follow.
    page.locator(f"{ROOT} button.nnw-example[data-index='2']").click()
    page.wait_for_function("() => document.querySelector('button.nnw-example[data-index=\"2\"]')?.classList.contains('nnw-selected')")
    settle(page)
    t2 = int(torch.softmax(d.model(x[2:3]), 1)[0].argmax())
    gxi2 = grad_x_input(d.model, x[2:3], t2).sum(0)
    r2, c2 = np.unravel_index(np.abs(gxi2).argmax(), gxi2.shape)
    got = hover_pixel(page, 0, int(r2), int(c2))
    assert float(got["attribution"]) == pytest.approx(float(gxi2[r2, c2]), rel=1e-5, abs=1e-7)

    # Method switch: saliency, by hand.
    page.locator(f"{ROOT} select.nnw-method").select_option("saliency")
    page.wait_for_function("() => document.querySelector('canvas.nnw-canvas')?.dataset.method === 'saliency'")
    settle(page)
    leaf = x[2:3].clone().requires_grad_(True)
    (g,) = torch.autograd.grad(d.model(leaf)[0, t2], leaf)
    sal = g.abs()[0].sum(0).numpy()
    got = hover_pixel(page, 0, int(r2), int(c2))
    assert float(got["attribution"]) == pytest.approx(float(sal[r2, c2]), rel=1e-5, abs=1e-7)

    # The XSS label is text in its bar and nothing ran.
    label = page.locator(f"{ROOT} button.nnw-bar[data-class='3'] .nnw-bar-label")
    if label.count():
        assert label.inner_text() == XSS
    assert XSS in page.locator(f"{ROOT} button.nnw-example").nth(3).get_attribute("title") or True
    no_xss(page)
    assert page.console_errors == []


TABULAR_CELLS = [
    "import nnwidgets as nw\nfrom nnwidgets import demo\nb = demo.breast_cancer()",
    f"names = list(b.feature_names)\nnames[0] = {XSS!r}\n"
    "w = nw.Attribution(b.model, b.inputs[:3], feature_names=names, labels=b.class_names,\n"
    "                   method='input_x_gradient', compare=['integrated_gradients'])\nw",
]


def test_tabular_view(lab, page):
    b = demo.breast_cancer()
    x = b.inputs[:3]
    open_and_run(page, lab, write_notebook(lab.root, "attr_tabular.ipynb", TABULAR_CELLS))
    page.wait_for_selector(f"{ROOT} .nnw-panel.nnw-main .nnw-frow", timeout=60_000)
    settle(page)
    main = f"{ROOT} .nnw-panel.nnw-main"
    assert page.locator(f"{main} .nnw-frow").count() == 30
    # Rows are sorted by |attribution| of the main method.
    target = int(torch.softmax(b.model(x[:1]), 1)[0].argmax())
    gxi = grad_x_input(b.model, x[:1], target)
    order = [int(page.locator(f"{main} .nnw-frow").nth(i).get_attribute("data-feature")) for i in range(5)]
    assert order == [int(i) for i in np.argsort(-np.abs(gxi), kind="stable")[:5]]
    # Hover a feature: the readout has Python's input value and attribution.
    f = order[0]
    page.locator(f"{main} .nnw-frow[data-feature='{f}']").hover()
    page.wait_for_function(f"() => document.querySelector('div.nnw-readout').dataset.feature === '{f}'")
    got = readout(page)
    assert float(got["attribution"]) == pytest.approx(float(gxi[f]), rel=1e-5, abs=1e-7)
    assert float(got["input"]) == pytest.approx(float(x[0, f]), rel=1e-6)
    # The feature named like an HTML tag shows as text.
    assert page.locator(f"{main} .nnw-frow[data-feature='0'] .nnw-fname").inner_text() == XSS
    # Threshold hides small bars in the browser only.
    page.evaluate(COUNT_COMMS)
    masked_before = page.locator(f"{ROOT} .nnw-frow.nnw-masked").count()
    page.locator(f"{ROOT} input.nnw-threshold").fill("0.5")
    page.wait_for_function("() => document.querySelector('.nnw-maps').dataset.display.includes('0.5')")
    masked = page.locator(f"{main} .nnw-frow.nnw-masked").count()
    expected = int((np.abs(gxi) < 0.5 * float(kernel_json(page, "w._scale"))).sum())
    assert masked_before == 0 and masked == expected
    assert page.evaluate("() => window.__comms") == {"send": 0, "recv": 0}
    page.locator(f"{ROOT} input.nnw-threshold").fill("0")
    # Target switch repaints with the other class's values.
    other = 1 - target
    page.locator(f"{ROOT} button.nnw-bar[data-class='{other}']").click()
    page.wait_for_function(f"() => document.querySelector('.nnw-maps').dataset.target === '{other}'")
    settle(page)
    gxi_o = grad_x_input(b.model, x[:1], other)
    page.locator(f"{main} .nnw-frow[data-feature='{f}']").hover()
    page.wait_for_function(
        f"() => document.querySelector('div.nnw-readout').dataset.attribution === "
        f"String(document.querySelector('.nnw-main .nnw-frow[data-feature=\"{f}\"]').dataset.value)"
    )
    assert float(readout(page)["attribution"]) == pytest.approx(float(gxi_o[f]), rel=1e-5, abs=1e-7)
    delta = kernel_json(page, "w._trust['ig_delta']")
    assert float(page.locator(f"{ROOT} .nnw-ig-delta").get_attribute("data-delta")) == delta
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.locator(ROOT).first.screenshot(path=str(ARTIFACTS / "attribution-tabular.png"))
    no_xss(page)
    assert page.console_errors == []


TEXT_CELLS = [
    f"import sys\nsys.path.insert(0, {str(REPO)!r})\nimport nnwidgets as nw\nfrom tests.zoo import text_attention\n"
    "c = text_attention()",
    f"tokens = [[{XSS!r}] + [f'tok{{int(i)}}' for i in row[1:]] for row in c.inputs]\n"
    "w = nw.Attribution(c.model, c.inputs, tokens=tokens, embedding=c.embedding,\n"
    "                   method='layer_gradient_x_activation', compare=['layer_integrated_gradients'])\nw",
]


def test_text_view(lab, page):
    from tests.zoo import text_attention

    c = text_attention()
    open_and_run(page, lab, write_notebook(lab.root, "attr_text.ipynb", TEXT_CELLS))
    page.wait_for_selector(f"{ROOT} .nnw-panel.nnw-main .nnw-token", timeout=60_000)
    settle(page)
    main = f"{ROOT} .nnw-panel.nnw-main"
    ids = c.inputs[:1]
    assert page.locator(f"{main} .nnw-token").count() == ids.shape[1]
    assert page.locator(f"{main} .nnw-token[data-token='0']").inner_text() == XSS
    # gradient × embedding by hand, per token.
    saved = {}
    handle = c.model.embedding.register_forward_hook(lambda m, i, o: saved.setdefault("e", o))
    out = c.model(ids)
    handle.remove()
    target = int(out[0].argmax())
    (g,) = torch.autograd.grad(out[0, target], saved["e"])
    scores = (g * saved["e"])[0].sum(-1).detach().numpy()
    t = int(np.abs(scores).argmax())
    page.locator(f"{main} .nnw-token[data-token='{t}']").hover()
    page.wait_for_function(f"() => document.querySelector('div.nnw-readout').dataset.token === '{t}'")
    assert float(readout(page)["attribution"]) == pytest.approx(float(scores[t]), rel=1e-5, abs=1e-7)
    # The trust panel's delta is the kernel's.
    delta = kernel_json(page, "w._trust['ig_delta']")
    assert float(page.locator(f"{ROOT} .nnw-ig-delta").get_attribute("data-delta")) == delta
    # Top-% mask: browser only; masked tokens lose their colour.
    page.evaluate(COUNT_COMMS)
    page.locator(f"{ROOT} input.nnw-top").fill("20")
    page.wait_for_function("() => JSON.parse(document.querySelector('.nnw-maps').dataset.display)[2] === 20")
    masked = page.locator(f"{main} .nnw-token.nnw-masked")
    assert masked.count() == ids.shape[1] - int(np.ceil(0.2 * ids.shape[1]))  # 20 % of 7 tokens → 2 kept
    assert masked.first.evaluate("e => getComputedStyle(e).backgroundColor") == "rgba(0, 0, 0, 0)"
    assert page.evaluate("() => window.__comms") == {"send": 0, "recv": 0}
    page.locator(f"{ROOT} input.nnw-top").fill("100")
    # Method switch to token ablation repaints with new values; example switch shows new tokens.
    page.locator(f"{ROOT} select.nnw-method").select_option("feature_ablation")
    # The switch first cancels the trust job still running in the worker (it stops at its next step, which
    # on a loaded 2-core machine can take a while): wait for the answer, not a fixed short time.
    page.wait_for_function("() => document.querySelector('.nnw-panel.nnw-main')?.dataset.method === 'feature_ablation'",
                           timeout=120_000)
    settle(page)
    abl = nw.attribute(c.model, ids, "feature_ablation", target, baselines=torch.zeros_like(ids)).attributions[0].numpy()
    page.locator(f"{main} .nnw-token[data-token='{t}']").hover()
    page.wait_for_function(
        f"() => document.querySelector('div.nnw-readout').dataset.method === 'feature_ablation'"
        f" && document.querySelector('div.nnw-readout').dataset.token === '{t}'"
    )
    assert float(readout(page)["attribution"]) == pytest.approx(float(abl[t]), rel=1e-5, abs=1e-7)
    page.locator(f"{ROOT} button.nnw-example[data-index='1']").click()
    page.wait_for_function("() => document.querySelector('button.nnw-example[data-index=\"1\"]')?.classList.contains('nnw-selected')")
    settle(page)
    assert page.locator(f"{main} .nnw-token[data-token='1']").inner_text() == f"tok{int(c.inputs[1, 1])}"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.locator(ROOT).first.screenshot(path=str(ARTIFACTS / "attribution-text.png"))
    no_xss(page)
    assert page.console_errors == []


WIDE_CELLS = [
    "import torch\nimport nnwidgets as nw\ntorch.manual_seed(0)\nmodel = torch.nn.Linear(45, 2)\n"
    "x = torch.randn(45)",
    "w = nw.Attribution(model, x, feature_names=[f'f{i}' for i in range(45)], method='input_x_gradient', trust=False)\nw",
]


def test_a_wide_table_folds_its_tail_into_one_row(lab, page):
    open_and_run(page, lab, write_notebook(lab.root, "attr_wide.ipynb", WIDE_CELLS))
    main = f"{ROOT} .nnw-panel.nnw-main"
    page.wait_for_selector(f"{main} .nnw-frow", timeout=60_000)
    assert page.locator(f"{main} .nnw-frow[data-feature]").count() == 30
    amap = np.array(kernel_json(page, "w.attribution_map.tolist()"))
    order = np.argsort(-np.abs(amap), kind="stable")
    rest = page.locator(f"{main} .nnw-frow.nnw-rest")
    assert float(rest.get_attribute("data-value")) == pytest.approx(float(amap[order[30:]].sum()), rel=1e-5, abs=1e-6)
    page.evaluate(COUNT_COMMS)
    page.locator(f"{main} button.nnw-more-features").click()
    page.wait_for_function("() => document.querySelectorAll('.nnw-main .nnw-frow[data-feature]').length === 45")
    assert page.locator(f"{main} .nnw-frow.nnw-rest").count() == 0
    assert page.evaluate("() => window.__comms") == {"send": 0, "recv": 0}
    assert page.console_errors == []
