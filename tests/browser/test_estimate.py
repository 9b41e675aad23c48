"""A slow perturbation method in a real JupyterLab: its timed estimate and how to shorten it
show beside the progress bar while it runs, cancel stops it; over the time limit the view
shows the refusal with its estimate, and the kernel answers the next cell."""

from __future__ import annotations

from .conftest import ARTIFACTS
from .lab import open_and_run, write_notebook
from .test_attribution_kinds import kernel_json

ROOT = "div.nnw-attribution"

CELLS = [
    "import time\nimport torch\nfrom torch import nn\nimport nnwidgets as nw\n"
    "class PerRow(nn.Module):\n"
    "    def __init__(self):\n        super().__init__()\n        torch.manual_seed(0)\n"
    "        self.net = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.Flatten(), nn.Linear(2 * 32 * 32, 3))\n"
    "    def forward(self, x):\n        time.sleep(0.02 * x.shape[0])\n        return self.net(x)\n"
    "x = torch.rand(1, 32, 32)",
    # 1,024 one-pixel windows, 16 per forward: ≈ 20 s, within the 60 s limit
    "w = nw.Attribution(PerRow(), x, method='gradient', trust=False,\n"
    "                   method_options={'occlusion': {'window': 1, 'perturbations_per_eval': 16}})\nw",
    "v = nw.Attribution(PerRow(), x, method='gradient', trust=False,\n"
    "                   method_options={'occlusion': {'window': 1, 'perturbations_per_eval': 16, 'time_limit': 5}})\nv",
]

NOTE_SHOWN = """() => { const n = document.querySelectorAll('div.nnw-attribution')[0]?.querySelector('.nnw-progress-note');
  return n && !n.hidden && n.textContent.length > 0; }"""


def _inside(inner: dict, outer: dict) -> bool:
    return (inner["x"] >= outer["x"] - 1 and inner["y"] >= outer["y"] - 1
            and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + 1
            and inner["y"] + inner["height"] <= outer["y"] + outer["height"] + 1)


def test_a_slow_methods_estimate_shows_while_it_runs_and_a_refusal_shows_in_the_view(lab, page):
    open_and_run(page, lab, write_notebook(lab.root, "attr_estimate.ipynb", CELLS))
    page.wait_for_function(f"() => document.querySelectorAll('{ROOT} .nnw-panel.nnw-main canvas').length === 2",
                           timeout=120_000)
    first, second = page.locator(ROOT).nth(0), page.locator(ROOT).nth(1)
    first.locator("select.nnw-method").select_option("occlusion")
    page.wait_for_function(NOTE_SHOWN, timeout=60_000)
    note = first.locator(".nnw-progress-note")
    text = note.inner_text()
    assert text.startswith("≈ ") and text.endswith("s estimated; raise the window (px) in the options to speed up"), text
    seconds = float(first.locator(".nnw-progress").get_attribute("data-estimate"))
    assert 10 < seconds < 60, seconds
    # the kernel's sentence (it may have been refined since, from a full-sized step)
    assert kernel_json(page, "w._progress['estimate_note']").endswith(text.split(" s estimated")[1])
    # laid out as one readable row: the bar, the label, the note, cancel — inside the view, not overlapping
    row = first.locator(".nnw-progress").bounding_box()
    view = first.bounding_box()
    parts = [first.locator(s).bounding_box() for s in (".nnw-progress-bar", ".nnw-progress-label",
                                                       ".nnw-progress-note", "button.nnw-cancel")]
    assert _inside(row, view) and all(_inside(p, row) for p in parts), (row, parts)
    for a, b in zip(parts, parts[1:]):
        assert a["x"] + a["width"] <= b["x"] + 1 or a["y"] + a["height"] <= b["y"] + 1, (a, b)  # no overlap
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    first.screenshot(path=str(ARTIFACTS / "attribution-estimate.png"))
    first.locator("button.nnw-cancel").click()
    page.wait_for_function(
        "() => /cancelled/.test(document.querySelectorAll('div.nnw-attribution')[0].querySelector('.nnw-status').textContent)",
        timeout=30_000)
    assert first.locator(".nnw-progress").is_hidden()
    # Over its 5 s limit: refused after the timed probe, shown in the view; the kernel answers.
    second.locator("select.nnw-method").select_option("occlusion")
    error = second.locator(".nnw-error")
    error.wait_for(state="visible", timeout=60_000)
    message = error.inner_text()
    assert "would take about" in message and "over the time_limit of 5 s" in message, message
    assert "In this view: raise the window (px) in the options." in message, message
    second.screenshot(path=str(ARTIFACTS / "attribution-refused.png"))
    assert kernel_json(page, "1 + 1") == 2
    assert page.console_errors == []
