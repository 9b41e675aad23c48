"""A real-sized model in a real JupyterLab: ResNet-18 (random weights) at 224 × 224.

The view draws its first map before the trust panel arrives, and the kernel
answers another cell while the worker computes the evidence.
"""

from __future__ import annotations

from pathlib import Path

from .conftest import ARTIFACTS
from .lab import open_and_run, write_notebook

TESTS = Path(__file__).resolve().parent.parent

CELLS = [
    f"""import sys, time
sys.path.insert(0, {str(TESTS)!r})  # the tests' torchvision, from outside the environment
import torch
import nnwidgets as nw
from torchvision_models import model
net = model("resnet18")
torch.manual_seed(0)
started = time.perf_counter()
view = nw.Attribution(net, torch.randn(3, 224, 224))
returned = time.perf_counter() - started
view""",
    "print('kernel free; trust shown yet:', bool(view._trust), 'returned after', round(returned, 1), 's')",
]

SUMMARY = "() => !!document.querySelector('div.nnw-attribution ul.nnw-summary li')"
RENDERED = "() => document.querySelector('canvas.nnw-canvas')?.dataset.rendered !== undefined"


def test_resnet18_first_map_before_the_trust_panel_and_a_free_kernel(lab, page):
    open_and_run(page, lab, write_notebook(lab.root, "resnet18.ipynb", CELLS), timeout_ms=120_000)
    page.wait_for_function(RENDERED, timeout=180_000)
    assert not page.evaluate(SUMMARY), "the trust panel arrived with the first map: it blocked the view"
    out = page.locator(".jp-OutputArea-output", has_text="kernel free")
    out.wait_for(state="visible", timeout=60_000)
    assert "trust shown yet: False" in out.inner_text()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.locator("div.nnw-attribution").first.screenshot(path=str(ARTIFACTS / "resnet18-first-map.png"))
    page.wait_for_function(SUMMARY, timeout=300_000)
    page.locator("div.nnw-attribution").first.screenshot(path=str(ARTIFACTS / "resnet18-with-trust.png"))
