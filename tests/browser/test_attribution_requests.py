"""Attribution's requests to the kernel in a real JupyterLab: a class click repaints quickly (latency
measured), a slow method shows its progress and can be cancelled, and the options form recomputes
with the settings it sends (and sends nothing the browser's form check refuses)."""

from __future__ import annotations

import json

import numpy as np
import pytest

import nnwidgets as nw
from nnwidgets import demo

from .attribution_page import ROOT, hover_pixel, kernel_json, settle
from .conftest import ARTIFACTS
from .lab import open_and_run, write_notebook
from .test_whatif import COUNT_COMMS

# Click a class bar and time until the main map shows that class (MutationObserver, no polling).
CLICK_TIMED = """async (cls) => {
  const root = document.querySelector('div.nnw-attribution');
  const maps = root.querySelector('.nnw-maps');
  const before = maps.dataset.rendered;
  const done = new Promise((resolve) => {
    const obs = new MutationObserver(() => {
      if (maps.dataset.target === String(cls) && maps.dataset.rendered !== before) { obs.disconnect(); resolve(); }
    });
    obs.observe(maps, { attributes: true });
  });
  const t0 = performance.now();
  root.querySelector(`button.nnw-bar[data-class="${cls}"]`).click();
  await done;
  return performance.now() - t0;
}"""


def test_target_click_to_repaint_latency(lab, page):
    """p50/p95 over 20 class clicks on the digits model (the issue's goal: < 100 ms)."""
    cells = ["import nnwidgets as nw\nfrom nnwidgets import demo\nd = demo.digits()",
             "w = nw.Attribution(d.model, d.inputs[0], labels=d.class_names)\nw"]
    open_and_run(page, lab, write_notebook(lab.root, "attr_latency.ipynb", cells))
    page.wait_for_selector(f"{ROOT} canvas.nnw-canvas[data-rendered]", timeout=60_000)
    settle(page)
    bars = page.locator(f"{ROOT} button.nnw-bar")
    classes = [int(bars.nth(i).get_attribute("data-class")) for i in range(2)]
    times = []
    for i in range(21):
        cls = classes[(i + 1) % 2]
        times.append(page.evaluate(CLICK_TIMED, cls))
        settle(page)  # let the trust message land, so each click starts from rest
    times = np.array(times[1:])  # the first click warms the code paths
    p50, p95 = float(np.percentile(times, 50)), float(np.percentile(times, 95))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "attribution-click-latency.json").write_text(
        json.dumps({"clicks": len(times), "p50_ms": p50, "p95_ms": p95, "all_ms": times.round(1).tolist()})
    )
    print(f"target click → repaint: p50 {p50:.1f} ms, p95 {p95:.1f} ms")
    assert p50 < 1000, times  # a sanity bound here; the measured figures go to the note
    assert page.console_errors == []


SLOW_CELLS = [
    "import time\nimport torch\nfrom torch import nn\nimport nnwidgets as nw\n"
    "class Slow(nn.Module):\n"
    "    def __init__(self):\n        super().__init__()\n        self.lin = nn.Linear(6, 3)\n"
    "    def forward(self, x):\n        time.sleep(0.05)\n        return self.lin(x)\n"
    "torch.manual_seed(0)\nmodel = Slow()",
    "w = nw.Attribution(model, torch.linspace(-1, 1, 6), method='gradient', trust=False,\n"
    "                   method_options={'integrated_gradients': {'n_steps': 200, 'internal_batch_size': 4}})\nw",
]


def test_slow_method_shows_progress_and_can_be_cancelled(lab, page):
    open_and_run(page, lab, write_notebook(lab.root, "attr_slow.ipynb", SLOW_CELLS))
    page.wait_for_selector(f"{ROOT} .nnw-panel.nnw-main .nnw-frow", timeout=60_000)
    page.wait_for_function("() => !document.querySelector('div.nnw-attribution').classList.contains('nnw-busy')")
    # 50 chunks of 50 ms: progress shows while the kernel computes in its worker thread.
    page.locator(f"{ROOT} select.nnw-method").select_option("integrated_gradients")
    page.wait_for_function(
        "() => { const p = document.querySelector('div.nnw-progress');"
        " return p && !p.hidden && Number(p.dataset.fraction) > 0.05; }", timeout=30_000,
    )
    label = page.locator(f"{ROOT} .nnw-progress-label").inner_text()
    assert label.startswith("Integrated gradients") and "/50" in label, label
    page.locator(f"{ROOT} button.nnw-cancel").click()
    page.wait_for_function(
        "() => /cancelled/.test(document.querySelector('div.nnw-attribution .nnw-status').textContent)", timeout=10_000
    )
    assert page.locator(f"{ROOT} select.nnw-method").input_value() == "gradient"
    assert page.locator(f"{ROOT} .nnw-progress").is_hidden()
    assert kernel_json(page, "[w.method, w._progress.get('state')]") == ["gradient", "cancelled"]
    # Asked again, it runs to the end and shows IG.
    page.locator(f"{ROOT} select.nnw-method").select_option("integrated_gradients")
    page.wait_for_function(
        "() => document.querySelector('.nnw-panel.nnw-main')?.dataset.method === 'integrated_gradients'"
        " && !document.querySelector('div.nnw-attribution').classList.contains('nnw-busy')", timeout=60_000,
    )
    assert kernel_json(page, "w.method") == "integrated_gradients"
    assert page.console_errors == []


def test_options_form_recomputes_with_the_new_settings(lab, page):
    d = demo.digits()
    x = d.inputs[5:6]
    cells = ["import nnwidgets as nw\nfrom nnwidgets import demo\nd = demo.digits()",
             "w = nw.Attribution(d.model, d.inputs[5], labels=d.class_names, method='integrated_gradients')\nw"]
    open_and_run(page, lab, write_notebook(lab.root, "attr_options.ipynb", cells))
    page.wait_for_selector(f"{ROOT} canvas.nnw-canvas[data-rendered]", timeout=60_000)
    settle(page)
    page.locator(f"{ROOT} details.nnw-options > summary").click()
    steps = page.locator(f"{ROOT} input.nnw-opt[data-method='integrated_gradients'][data-option='n_steps']")
    assert steps.input_value() == "32"
    baseline = page.locator(f"{ROOT} select.nnw-opt[data-option='baseline']")
    assert baseline.evaluate("s => [...s.options].map(o => o.value)") == ["zero", "blur"]
    steps.fill("4")
    baseline.select_option("blur")
    seq = page.locator(ROOT).get_attribute("data-seq")
    page.locator(f"{ROOT} button.nnw-apply").click()
    page.wait_for_function(f"() => document.querySelector('div.nnw-attribution').dataset.seq !== '{seq}'")
    settle(page)
    assert kernel_json(page, "w.method_options['integrated_gradients']") == {"n_steps": 4, "baseline": "blur"}
    # The map is IG with 4 steps from the blurred image, as the engine computes it from the kernel's baseline.
    from nnwidgets.widgets.attribution_inputs import normalise
    from nnwidgets.widgets.attribution_options import baseline_tensor

    target = int(d.model(x).argmax())
    blurred = baseline_tensor("blur", normalise(x[0]), 0)
    ig = nw.attribute(d.model, x, "integrated_gradients", target, n_steps=4, baselines=blurred).attributions[0].sum(0)
    r, c = np.unravel_index(ig.abs().argmax().item(), ig.shape)
    got = hover_pixel(page, 0, int(r), int(c))
    assert float(got["attribution"]) == pytest.approx(float(ig[r, c]), rel=1e-5, abs=1e-6)
    # Out of range: the browser's form check stops it before any message (the kernel checks again).
    page.evaluate(COUNT_COMMS)
    steps.fill("1")
    page.locator(f"{ROOT} button.nnw-apply").click()
    page.wait_for_timeout(300)
    assert steps.evaluate("e => e.validity.rangeUnderflow")
    assert page.evaluate("() => window.__comms") == {"send": 0, "recv": 0}
    assert float(hover_pixel(page, 0, int(r), int(c))["attribution"]) == pytest.approx(float(ig[r, c]), rel=1e-5, abs=1e-6)
    assert page.console_errors == []
