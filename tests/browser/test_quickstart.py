"""The quickstart notebook in a real JupyterLab: draw, hover, click, repaint."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import nnwidgets as nw
from nnwidgets import demo

from .conftest import ARTIFACTS
from .lab import open_and_run

CANVAS = "canvas.nnw-canvas"

PIXEL_STATS = """(canvas) => {
  const ctx = canvas.getContext('2d');
  const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
  const colours = new Set();
  let nonWhite = 0;
  for (let i = 0; i < data.length; i += 4) {
    colours.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
    if (data[i] < 250 || data[i + 1] < 250 || data[i + 2] < 250) nonWhite += 1;
  }
  return { colours: colours.size, nonWhite, total: data.length / 4,
           hash: Array.from(data.filter((_, i) => i % 97 === 0)).join(',') };
}"""


def expected_map(model, x: torch.Tensor, target: int) -> np.ndarray:
    """Gradient × input computed here, by hand, independently of nnwidgets' engine."""
    leaf = x.detach().unsqueeze(0).clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(model(leaf)[0, target], leaf)
    return (grad * leaf).detach()[0].sum(0).numpy().astype(np.float32)


def hover(page, row: int, col: int, rows: int, cols: int) -> dict:
    box = page.locator(CANVAS).bounding_box()
    page.mouse.move(box["x"] + (col + 0.5) * box["width"] / cols, box["y"] + (row + 0.5) * box["height"] / rows)
    readout = page.locator("div.nnw-readout")
    page.wait_for_function(
        "([r, c]) => { const el = document.querySelector('div.nnw-readout');"
        " return el && el.dataset.row === String(r) && el.dataset.col === String(c); }",
        arg=[row, col],
    )
    return {
        "attribution": float(readout.get_attribute("data-attribution")),
        "input": float(readout.get_attribute("data-input")),
        "text": readout.inner_text(),
    }


def test_quickstart_draws_hovers_and_follows_a_click(lab, page):
    d = demo.digits()
    x = d.inputs[0]
    probs = torch.softmax(d.model(x.unsqueeze(0))[0], 0).detach().numpy()
    predicted = int(probs.argmax())

    open_and_run(page, lab, "01_quickstart.ipynb")
    canvas = page.locator(CANVAS)
    canvas.wait_for(state="visible", timeout=60_000)
    page.wait_for_function(f"() => document.querySelector('{CANVAS}')?.dataset.rendered !== undefined", timeout=60_000)

    stats = canvas.evaluate(PIXEL_STATS)
    assert stats["colours"] > 10 and stats["nonWhite"] > stats["total"] * 0.2, stats
    assert canvas.get_attribute("data-target") == str(predicted)
    widget = page.locator("div.nnw-attribution").first
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    widget.screenshot(path=str(ARTIFACTS / "quickstart-attribution.png"))

    # Hover the pixel with the largest attribution: the readout shows Python's numbers.
    amap = expected_map(d.model, x, predicted)
    row, col = np.unravel_index(np.abs(amap).argmax(), amap.shape)
    got = hover(page, int(row), int(col), 8, 8)
    assert got["attribution"] == pytest.approx(float(amap[row, col]), rel=1e-5, abs=1e-7)
    assert got["input"] == pytest.approx(float(x[0, row, col]), abs=1e-7)
    assert f"row {row}, col {col}" in got["text"]
    widget.screenshot(path=str(ARTIFACTS / "quickstart-hover.png"))  # the README's picture

    # Click the runner-up class: Python recomputes and the map repaints with its values.
    other = int(np.argsort(-probs)[1])
    before = canvas.evaluate(PIXEL_STATS)["hash"]
    page.locator(f"button.nnw-bar[data-class='{other}']").click()
    page.wait_for_function(
        f"() => document.querySelector('{CANVAS}')?.dataset.target === '{other}'", timeout=30_000
    )
    assert canvas.evaluate(PIXEL_STATS)["hash"] != before
    assert page.locator("button.nnw-bar.nnw-target").get_attribute("data-class") == str(other)
    amap2 = expected_map(d.model, x, other)
    diff = np.abs(amap2 - amap)
    row2, col2 = np.unravel_index(diff.argmax(), diff.shape)
    got2 = hover(page, int(row2), int(col2), 8, 8)
    assert got2["attribution"] == pytest.approx(float(amap2[row2, col2]), rel=1e-5, abs=1e-7)
    assert page.locator("div.nnw-error").is_hidden()

    # Pick integrated gradients from the menu: the map repaints with IG's values.
    page.locator("select.nnw-method").select_option("integrated_gradients")
    page.wait_for_function(
        f"() => document.querySelector('{CANVAS}')?.dataset.method === 'integrated_gradients'", timeout=30_000
    )
    # The view's integrated gradients: 32 steps from a black image (its options form says so).
    ig = nw.attribute(d.model, x[None], "integrated_gradients", other, n_steps=32,
                      baselines=torch.zeros_like(x[None])).attributions[0].sum(0).numpy()
    row3, col3 = np.unravel_index(np.abs(ig).argmax(), ig.shape)
    got3 = hover(page, int(row3), int(col3), 8, 8)
    assert got3["attribution"] == pytest.approx(float(ig[row3, col3]), rel=1e-5, abs=1e-6)
    page.screenshot(path=str(ARTIFACTS / "quickstart-lab.png"))

    assert page.console_errors == []
