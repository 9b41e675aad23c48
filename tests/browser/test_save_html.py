"""view.save_html(path): one file that works from file:// with the network blocked and no kernel:
hover reads the saved numbers, a colour change repaints, a saved answer (another class) switches
the map, and a request that needs Python says so in the view."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import nnwidgets as nw
from nnwidgets import demo

from .conftest import ARTIFACTS
from .test_quickstart import CANVAS, PIXEL_STATS, expected_map


def read_hover(page, row: int, col: int) -> dict:
    box = page.locator(CANVAS).bounding_box()
    page.mouse.move(box["x"] + (col + 0.5) * box["width"] / 8, box["y"] + (row + 0.5) * box["height"] / 8)
    page.wait_for_function(
        "([r, c]) => { const el = document.querySelector('div.nnw-readout');"
        " return el && el.dataset.row === String(r) && el.dataset.col === String(c); }", arg=[row, col])
    readout = page.locator("div.nnw-readout")
    return {"attribution": float(readout.get_attribute("data-attribution")),
            "input": float(readout.get_attribute("data-input"))}


def test_saved_page_works_offline_without_a_kernel(tmp_path, browser):
    d = demo.digits()
    x = d.inputs[:3]
    view = nw.Attribution(d.model, x, labels=d.class_names)
    probs = torch.softmax(d.model(x[:1]), 1)[0].detach().numpy()
    predicted, runner_up = [int(i) for i in np.argsort(-probs)[:2]]
    path = view.save_html(tmp_path / "view.html")
    assert view.target == predicted and view.index == 0  # the live view is left as it was

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    blocked, errors = [], []
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "blob:", "data:"))
               else (blocked.append(r.request.url), r.abort()))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri())
    page.wait_for_function(f"() => document.querySelector('{CANVAS}')?.dataset.rendered !== undefined",
                           timeout=30_000)

    # Hover: the readout shows the numbers Python computed, read from the saved buffers.
    amap = expected_map(d.model, x[0], predicted)
    row, col = (int(v) for v in np.unravel_index(np.abs(amap).argmax(), amap.shape))
    got = read_hover(page, row, col)
    assert got["attribution"] == pytest.approx(float(amap[row, col]), rel=1e-5, abs=1e-7)
    assert got["input"] == pytest.approx(float(x[0, 0, row, col]), abs=1e-7)

    # A colour change repaints in the browser.
    before = page.locator(CANVAS).evaluate(PIXEL_STATS)["hash"]
    options = page.locator("select.nnw-palette option").evaluate_all("os => os.map((o) => o.value)")
    page.locator("select.nnw-palette").select_option(next(o for o in options if o != "red-blue"))
    page.wait_for_function(f"(h) => true", arg=before)
    page.wait_for_timeout(200)
    assert page.locator(CANVAS).evaluate(PIXEL_STATS)["hash"] != before

    # The runner-up class was computed at save time: clicking it shows its map.
    page.locator(f"button.nnw-bar[data-class='{runner_up}']").click()
    page.wait_for_function(f"() => document.querySelector('{CANVAS}')?.dataset.target === '{runner_up}'",
                           timeout=10_000)
    amap2 = expected_map(d.model, x[0], runner_up)
    diff = np.abs(amap2 - amap)
    row2, col2 = (int(v) for v in np.unravel_index(diff.argmax(), diff.shape))
    assert read_hover(page, row2, col2)["attribution"] == pytest.approx(float(amap2[row2, col2]), rel=1e-5,
                                                                        abs=1e-7)
    page.screenshot(path=str(ARTIFACTS / "save-html-offline.png"), full_page=True)

    # A method that was not computed: the view says it needs Python.
    page.locator("select.nnw-method").select_option("integrated_gradients")
    page.wait_for_function("() => /without Python/.test(document.querySelector('div.nnw-error')?.textContent"
                           " || '')", timeout=10_000)
    context.close()
    assert blocked == [] and errors == [], (blocked, errors)
