"""Colab drops the binary buffers of a widget's opening message
(googlecolab/colab-cdn-widget-manager#33): in a real JupyterLab whose kernel
connection is patched to do the same, each view asks Python to resend its state
and still draws, and hovers, Python's values."""

from __future__ import annotations

import numpy as np
import pytest

from nnwidgets import demo

from .conftest import ARTIFACTS
from .lab import NOTEBOOK_OPEN, RUN_ALL, write_notebook
from .test_quickstart import CANVAS, expected_map

# Strip the buffers off every nnwidgets comm_open before the widget manager sees it.
DROP_BUFFERS = """async () => {
  const panel = window.jupyterapp.shell.currentWidget;
  await panel.sessionContext.ready;
  const proto = Object.getPrototypeOf(panel.sessionContext.session.kernel);
  const original = proto._handleCommOpen;
  window.__nnwDropped = 0;
  proto._handleCommOpen = function (msg) {
    const data = msg.content && msg.content.data;
    if (data && data.state && Array.isArray(data.state._binary) && data.state._binary.length) {
      window.__nnwDropped += (msg.buffers || []).length;
      msg.buffers = [];
      data.buffer_paths = [];
    }
    return original.call(this, msg);
  };
}"""

CELLS = [
    "import nnwidgets as nw\nfrom nnwidgets import demo\nd = demo.digits()\nc = demo.breast_cancer()",
    "nw.Attribution(d.model, d.inputs[0], labels=d.class_names)",
    "nw.WhatIf(c.model, c.inputs[0], feature_names=c.feature_names, labels=c.class_names, data=c.inputs)",
    "nw.Layers(d.model, d.inputs[:2], labels=d.class_names)",
]


def test_views_draw_pythons_values_when_the_opening_message_has_no_buffers(lab, page):
    name = write_notebook(lab.root, "buffers_dropped.ipynb", CELLS)
    page.goto(f"{lab.url}/lab/tree/{name}?reset")
    page.wait_for_function(NOTEBOOK_OPEN, timeout=60_000)
    page.evaluate(DROP_BUFFERS)
    page.evaluate(RUN_ALL)
    page.wait_for_function(f"() => document.querySelector('{CANVAS}')?.dataset.rendered !== undefined",
                           timeout=90_000)
    page.wait_for_selector("div.nnw-whatif [data-rendered]", timeout=60_000)
    page.wait_for_selector("div.nnw-layers [data-rendered]", timeout=60_000)
    assert page.evaluate("() => window.__nnwDropped") >= 3  # the buffers really were dropped

    d = demo.digits()
    x = d.inputs[0]
    predicted = int(d.model(x[None])[0].argmax())
    amap = expected_map(d.model, x, predicted)
    row, col = np.unravel_index(np.abs(amap).argmax(), amap.shape)
    box = page.locator(CANVAS).bounding_box()
    page.mouse.move(box["x"] + (col + 0.5) * box["width"] / 8, box["y"] + (row + 0.5) * box["height"] / 8)
    readout = page.locator("div.nnw-attribution div.nnw-readout")
    page.wait_for_function(
        "([r, c]) => { const el = document.querySelector('div.nnw-attribution div.nnw-readout');"
        " return el && el.dataset.row === String(r) && el.dataset.col === String(c); }", arg=[int(row), int(col)])
    assert float(readout.get_attribute("data-attribution")) == pytest.approx(float(amap[row, col]), rel=1e-5, abs=1e-7)
    assert float(readout.get_attribute("data-input")) == pytest.approx(float(x[0, row, col]), abs=1e-7)
    page.wait_for_function("() => [...document.querySelectorAll('div.nnw-error')].every((e) => e.hidden"
                           " || !e.textContent)", timeout=10_000)
    page.screenshot(path=str(ARTIFACTS / "buffers-dropped-lab.png"))
    assert page.console_errors == []
