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


TREE_CELLS = [
    f"""import sys
sys.path.insert(0, {str(TESTS)!r})
import torch
import nnwidgets as nw
from torchvision_models import model
torch.manual_seed(0)
view = nw.Layers(model("efficientnet_b0"), torch.randn(2, 3, 64, 64))
view""",
]

VISIBLE_ROWS = "() => Array.from(document.querySelectorAll('tr.nnw-row')).filter(r => !r.hidden).length"


def test_efficientnet_layer_tree_folds_searches_and_stays_fluid(lab, page):
    open_and_run(page, lab, write_notebook(lab.root, "efficientnet.ipynb", TREE_CELLS), timeout_ms=120_000)
    page.wait_for_function("() => document.querySelectorAll('tr.nnw-row').length === 337", timeout=180_000)
    shown = page.evaluate(VISIBLE_ROWS)
    assert 5 <= shown < 60, shown  # blocks folded: the top level and the path to the shown layer
    selected = page.locator("tr.nnw-row.nnw-selected")
    assert selected.get_attribute("data-layer") == "features.8" and selected.is_visible()
    # A folded block shows its subtree's parameters; unfolding shows its children.
    block = page.locator("tr.nnw-row[data-layer='features.3']")
    assert int(block.locator("td").nth(3).inner_text().replace(",", "")) > 10_000
    block.locator("button.nnw-fold").click()
    assert page.locator("tr.nnw-row[data-layer='features.3.0']").is_visible()
    assert page.locator("tr.nnw-row.nnw-selected").get_attribute("data-layer") == "features.8"  # folding is not picking
    # Search: each keystroke filters all 337 rows at once.
    took = page.evaluate("""async () => {
      const box = document.querySelector('input.nnw-search');
      const t0 = performance.now();
      for (const q of ['b', 'bl', 'blo', 'bloc', 'block.1', 'features.5.2.block.1']) {
        box.value = q; box.dispatchEvent(new Event('input'));
      }
      return performance.now() - t0;
    }""")
    assert took < 500, took
    assert page.locator("tr.nnw-row[data-layer='features.5.2.block.1']").is_visible()
    assert page.evaluate(VISIBLE_ROWS) < 15
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.locator("div.nnw-layers").first.screenshot(path=str(ARTIFACTS / "efficientnet-tree.png"))
