"""WhatIf in a real JupyterLab: drag a slider at 60 Hz, the final view is Python's answer."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

import nnwidgets as nw
from nnwidgets import demo

from .conftest import ARTIFACTS
from .lab import open_and_run, write_notebook

FEATURE = "worst area"

CELLS = [
    "import nnwidgets as nw\nfrom nnwidgets import demo\ncancer = demo.breast_cancer()",
    "view = nw.WhatIf(cancer.model, cancer.inputs[0], feature_names=cancer.feature_names,\n"
    "                 labels=cancer.class_names, data=cancer.inputs)\nview",
]

COUNT_COMMS = """() => {
  const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  window.__comms = { send: 0, recv: 0 };
  kernel.anyMessage.connect((_, args) => {
    if (args.msg.header.msg_type === 'comm_msg') window.__comms[args.direction] += 1;
  });
}"""

SETTLED = """() => {
  const root = document.querySelector('div.nnw-whatif');
  return root && !root.classList.contains('nnw-busy') && root.dataset.seq !== undefined
    && !/computing/.test(root.querySelector('div.nnw-status')?.textContent ?? '');
}"""


def test_drag_at_60hz_ends_on_pythons_answer(lab, page):
    open_and_run(page, lab, write_notebook(lab.root, "whatif_drag.ipynb", CELLS))
    page.wait_for_function("() => document.querySelector('canvas.nnw-ice')?.dataset.rendered !== undefined", timeout=60_000)
    page.wait_for_function(SETTLED, timeout=30_000)

    cancer = demo.breast_cancer()
    f = cancer.feature_names.index(FEATURE)
    slider = page.locator(f"input.nnw-slider[data-feature='{f}']")
    slider.scroll_into_view_if_needed()
    page.evaluate(COUNT_COMMS)
    box = slider.bounding_box()
    lo, hi = float(slider.get_attribute("min")), float(slider.get_attribute("max"))
    start = (float(slider.input_value()) - lo) / (hi - lo)
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + 8 + start * (box["width"] - 16), y)
    page.mouse.down()
    frames = 180  # 3 s at 60 Hz: across the range and back to 70 %
    for i in range(frames):
        phase = i / (frames - 1)
        pos = 2 * phase if phase < 0.5 else 2 - 2 * phase * (1 - 0.35)
        page.mouse.move(box["x"] + 8 + min(max(pos, 0), 1) * (box["width"] - 16), y)
        page.wait_for_timeout(1000 / 60)
    page.mouse.up()
    page.wait_for_function(SETTLED, timeout=30_000)
    page.wait_for_timeout(300)  # any late answer would land now
    page.wait_for_function(SETTLED, timeout=30_000)

    final = float(slider.input_value())
    comms = page.evaluate("() => window.__comms")
    x = cancer.inputs[0].clone()
    x[f] = torch.tensor(final, dtype=torch.float32)
    with torch.no_grad():
        probs = torch.softmax(cancer.model(x[None]), 1)[0].numpy()
    bars = {int(b.get_attribute("data-class")): float(b.get_attribute("data-value")) for b in page.locator("button.nnw-bar").all()}
    for k, p in bars.items():
        assert p == pytest.approx(float(probs[k]), rel=1e-5, abs=1e-7)
    target = int(page.locator("button.nnw-bar.nnw-target").get_attribute("data-class"))
    exp = nw.attribute(cancer.model, x[None], "integrated_gradients", target, baselines=cancer.inputs.mean(0, keepdim=True))
    shown = np.array([float(page.locator(f"div.nnw-attr[data-feature='{i}']").get_attribute("data-value")) for i in range(30)])
    np.testing.assert_allclose(shown, exp.attributions[0].numpy(), rtol=1e-4, atol=1e-6)
    assert page.locator(f"span.nnw-value[data-feature='{f}']").count() == 1
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.locator("div.nnw-whatif").screenshot(path=str(ARTIFACTS / "whatif-after-drag.png"))

    # one message per update: requests are throttled to frames, answers one each
    assert 5 <= comms["send"] <= frames + 5, comms
    assert comms["recv"] <= comms["send"] + 5, comms
    assert page.console_errors == []


KERNEL_EVAL = """async (code) => {
  const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  let text = '';
  const future = kernel.requestExecute({ code, store_history: false });
  future.onIOPub = (msg) => { if (msg.header.msg_type === 'stream') text += msg.content.text; };
  await future.done;
  return text;
}"""

IMAGE_CELLS = [
    "import json\nimport nnwidgets as nw\nfrom nnwidgets import demo\ndigits = demo.digits()",
    "view = nw.WhatIf(digits.model, digits.inputs[0], labels=digits.class_names)\nview",
]


def test_paint_on_a_digit_changes_the_prediction(lab, page):
    open_and_run(page, lab, write_notebook(lab.root, "whatif_paint.ipynb", IMAGE_CELLS))
    canvas = page.locator("div.nnw-whatif-image canvas.nnw-canvas")
    page.wait_for_function(
        "() => document.querySelector('div.nnw-whatif-image canvas.nnw-canvas')?.dataset.rendered !== undefined",
        timeout=60_000,
    )
    d = demo.digits()
    with torch.no_grad():
        original = torch.softmax(d.model(d.inputs[:1]), 1)[0].numpy()
    seq_before = page.locator("div.nnw-whatif-image").get_attribute("data-seq")

    page.locator("select.nnw-fill").select_option("zero")
    page.locator("button.nnw-mode-paint").click()
    box = canvas.bounding_box()
    cell = box["height"] / 8
    # erase the bottom stroke of the "2": rows 6 and 7, left to right
    page.mouse.move(box["x"] + 0.5 * cell, box["y"] + 6.5 * cell)
    page.mouse.down()
    for col in range(8):
        for row in (6.5, 7.5):
            page.mouse.move(box["x"] + (col + 0.5) * cell, box["y"] + row * cell, steps=2)
    page.mouse.up()
    page.wait_for_function(
        "(before) => { const r = document.querySelector('div.nnw-whatif-image');"
        " return r.dataset.seq !== before && !r.classList.contains('nnw-busy'); }",
        arg=seq_before, timeout=30_000,
    )
    page.wait_for_timeout(300)

    edited = json.loads(page.evaluate(KERNEL_EVAL, "print(json.dumps(view.current.tolist()))"))
    x = torch.tensor(edited, dtype=torch.float32)
    assert x.shape == (1, 8, 8) and not torch.equal(x, d.inputs[0])
    assert torch.all(x[0, 7] == 0), "the painted row was not zeroed"
    with torch.no_grad():
        probs = torch.softmax(d.model(x[None]), 1)[0].numpy()
    bars = {int(b.get_attribute("data-class")): float(b.get_attribute("data-value"))
            for b in page.locator("div.nnw-whatif-image button.nnw-bar").all()}
    for k, p in bars.items():
        assert p == pytest.approx(float(probs[k]), rel=1e-5, abs=1e-7)
    predicted = int(original.argmax())
    assert abs(probs[predicted] - original[predicted]) > 1e-3, "painting did not change the prediction"
    page.locator("div.nnw-whatif-image").screenshot(path=str(ARTIFACTS / "whatif-image-painted.png"))
    assert page.console_errors == []
