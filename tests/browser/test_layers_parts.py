"""Layers of a two-input model (image + metadata) in a real JupyterLab: the view
draws, says which input it shows, a hovered unit reads the value of the model run
on both inputs, and a clicked unit's attribution says it is onto input 0."""

from __future__ import annotations

import pytest
import torch

from .conftest import ARTIFACTS
from .lab import open_and_run, write_notebook
from .test_layers import atlas_point, wait_rendered

MODEL = """import torch
from torch import nn
class ImageMeta(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.meta = nn.Linear(5, 6)
        self.head = nn.Linear(4 * 8 * 8 + 6, 3)
    def forward(self, image, meta):
        a = torch.relu(self.conv(image)).flatten(1)
        return self.head(torch.cat([a, torch.tanh(self.meta(meta))], 1))
torch.manual_seed(0)
model = ImageMeta().eval()
x = (torch.randn(3, 3, 8, 8), torch.randn(3, 5))"""

CELLS = ["import nnwidgets as nw\n" + MODEL, "view = nw.Layers(model, x, layer='meta')\nview"]


def test_two_input_model_shows_both_inputs_at_work(lab, page):
    open_and_run(page, lab, write_notebook(lab.root, "layers_parts.ipynb", CELLS))
    wait_rendered(page, "meta|")
    scope: dict = {}
    exec(MODEL, scope)
    model, x = scope["model"], scope["x"]
    seen = {}
    model.meta.register_forward_hook(lambda _m, _a, out: seen.update(meta=out.detach()))
    with torch.no_grad():
        model(x[0][:1], x[1][:1])
    note = page.locator("div.nnw-note")
    assert note.text_content().strip() == "input 0 of 2 (image) shown; all 2 inputs go to the model"
    page.mouse.move(*atlas_point(page, (6,), (4,)))
    page.wait_for_function("() => document.querySelector('div.nnw-readout').dataset.neuron === '4'")
    value = float(page.locator("div.nnw-readout").first.get_attribute("data-value"))
    assert value == pytest.approx(float(seen["meta"][0, 4]), rel=1e-6, abs=1e-7)
    page.locator("tr.nnw-row[data-layer='conv']").click()
    wait_rendered(page, "conv|")
    page.locator("canvas.nnw-atlas").scroll_into_view_if_needed()
    point = atlas_point(page, (4, 8, 8), (1, 3, 3))
    page.mouse.move(*point)
    page.wait_for_function("() => document.querySelector('div.nnw-readout').dataset.neuron === '1,3,3'")
    page.mouse.click(*point)
    page.locator("canvas.nnw-input").scroll_into_view_if_needed()
    wait_rendered(page, "neuron 1,3,3|", "canvas.nnw-input")
    page.wait_for_function("() => (document.querySelector('div.nnw-note')?.textContent ?? '')"
                           ".includes('attribution onto input 0 of 2 (image)')")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.locator("div.nnw-layers").screenshot(path=str(ARTIFACTS / "layers-two-inputs.png"))
    assert page.console_errors == []
