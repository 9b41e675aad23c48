"""The same checks in every host: each demo view draws, hover reads Python's numbers, a click
round-trips through the kernel. Locators pierce shadow roots (marimo puts views in one)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from nnwidgets import demo

from .test_quickstart import expected_map

# One cell each; the image Attribution first, so it is the first .nnw-attribution on the page.
SETUP = "import nnwidgets as nw\nfrom nnwidgets import demo\nd, c, s = demo.digits(), demo.breast_cancer(), demo.sentences()"
VIEWS = [
    "nw.Attribution(d.model, d.inputs[0], labels=d.class_names)",
    "nw.Attribution(c.model, c.inputs[:4], feature_names=c.feature_names, labels=c.class_names)",
    "nw.Attribution(s.model, s.ids[0], tokens=s.tokens[0], embedding=s.embedding_layer, "
    "baseline=s.baseline_ids(s.ids[0]), labels=['similarity'])",
    "nw.Layers(d.model, d.inputs[:4], labels=d.class_names)",
    "nw.WhatIf(c.model, c.inputs[0], feature_names=c.feature_names, labels=c.class_names, data=c.inputs)",
]


def check_views(page, timeout_ms: int = 180_000) -> None:
    views = page.locator("div.nnw-attribution")
    for i in range(3):
        views.nth(i).locator("[data-rendered]").first.wait_for(state="attached", timeout=timeout_ms)
    page.locator("div.nnw-layers [data-rendered]").first.wait_for(state="attached", timeout=timeout_ms)
    page.locator("div.nnw-whatif [data-rendered]").first.wait_for(state="attached", timeout=timeout_ms)

    d = demo.digits()
    x = d.inputs[0]
    probs = torch.softmax(d.model(x[None])[0], 0).detach().numpy()
    predicted, runner_up = (int(i) for i in np.argsort(-probs)[:2])
    image = views.nth(0)
    canvas = image.locator("canvas.nnw-canvas")
    canvas.scroll_into_view_if_needed()

    def hover(amap: np.ndarray) -> float:
        row, col = (int(v) for v in np.unravel_index(np.abs(amap).argmax(), amap.shape))
        box = canvas.bounding_box()
        page.mouse.move(box["x"] + (col + 0.5) * box["width"] / 8, box["y"] + (row + 0.5) * box["height"] / 8)
        readout = image.locator("div.nnw-readout").first
        for _ in range(100):
            if readout.get_attribute("data-row") == str(row) and readout.get_attribute("data-col") == str(col):
                break
            page.wait_for_timeout(50)
        assert float(readout.get_attribute("data-input")) == pytest.approx(float(x[0, row, col]), abs=1e-7)
        return float(readout.get_attribute("data-attribution")), float(amap[row, col])

    got, want = hover(expected_map(d.model, x, predicted))
    assert got == pytest.approx(want, rel=1e-5, abs=1e-7)
    # A click on the runner-up class goes to the kernel and back with its map.
    image.locator(f"button.nnw-bar[data-class='{runner_up}']").click()
    for _ in range(600):
        if canvas.get_attribute("data-target") == str(runner_up):
            break
        page.wait_for_timeout(50)
    assert canvas.get_attribute("data-target") == str(runner_up)
    got, want = hover(expected_map(d.model, x, runner_up))
    assert got == pytest.approx(want, rel=1e-5, abs=1e-7)


def check_controls(page) -> None:
    """Inputs and buttons look like controls: a visible border, and a background or border apart
    from the page (marimo's reset used to leave the options form's inputs bare)."""
    styles = page.locator("div.nnw-attribution").nth(0).locator("select, input[type=number], button").evaluate_all(
        "els => els.filter((e) => e.getClientRects().length).map((e) => { const s = getComputedStyle(e);"
        " return { tag: e.tagName, border: parseFloat(s.borderTopWidth), style: s.borderTopStyle,"
        " color: s.borderTopColor }; })")
    assert styles, "no visible controls"
    bare = [s for s in styles if s["tag"] != "BUTTON" and (s["border"] < 1 or s["style"] == "none")]
    assert not bare, bare
