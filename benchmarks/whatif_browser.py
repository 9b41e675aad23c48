"""What-if latency in a real browser: slider move → repainted prediction and attribution.

    python benchmarks/whatif_browser.py [--moves 100]

Starts an isolated JupyterLab (as the browser tests do), opens a notebook with
three widgets, and moves a control 100 times, each time waiting until the view
has drawn the answer; prints p50 / p95 in ms:
  - floor: an anywidget that only echoes the request (the comm round trip and
    nothing else: the least any kernel-backed view can do),
  - WhatIf on the breast-cancer MLP (a feature slider; input x gradient while dragging),
  - WhatIf on the digits CNN (the occlusion slider; the gradient while dragging).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

import nbformat
from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from tests.browser.lab import CHROMIUM, CHROMIUM_ARGS, Lab, open_and_run  # noqa: E402

ECHO = '''import anywidget, traitlets as t
class Echo(anywidget.AnyWidget):
    _esm = """export default { render({ model, el }) {
      const input = document.createElement('input'); input.type = 'range'; input.className = 'echo';
      input.min = 0; input.max = 1000; el.appendChild(input);
      let seq = 0;
      input.addEventListener('input', () => { model.set('_request', { seq: ++seq, v: +input.value }); model.save_changes(); });
      model.on('change:_seq', () => { el.dataset.seq = String(model.get('_seq')); });
    } };"""
    _request = t.Dict().tag(sync=True, echo_update=False)
    _seq = t.Int(0).tag(sync=True)
    @t.observe("_request")
    def _answer(self, change):
        self._seq = change["new"]["seq"]
echo = Echo(); echo'''

CELLS = [
    "import nnwidgets as nw\nfrom nnwidgets import demo\ncancer, digits = demo.breast_cancer(), demo.digits()",
    ECHO,
    "tab = nw.WhatIf(cancer.model, cancer.inputs[0], feature_names=cancer.feature_names, labels=cancer.class_names, data=cancer.inputs); tab",
    "img = nw.WhatIf(digits.model, digits.inputs[0], labels=digits.class_names); img",
]

# Move a range input one step and wait until its view shows a newer answer.
MOVE = """async ([selector, rootSel, attr, i]) => {
  const input = document.querySelector(selector);
  const root = rootSel === 'parent' ? input.parentElement : document.querySelector(rootSel);
  const before = root.dataset[attr];
  const lo = +input.min, hi = +input.max;
  input.value = String(lo + ((i * 7) % 20 + 1) * (hi - lo) / 22);
  const t0 = performance.now();
  input.dispatchEvent(new Event('input', { bubbles: true }));
  await new Promise((resolve) => {
    const tick = () => (root.dataset[attr] !== before ? resolve() : requestAnimationFrame(tick));
    requestAnimationFrame(tick);
  });
  return performance.now() - t0;
}"""


def measure(page, selector: str, root: str, attr: str, moves: int) -> tuple[float, float]:
    page.locator(selector).first.scroll_into_view_if_needed()
    times = [page.evaluate(MOVE, [selector, root, attr, i]) for i in range(moves + 5)][5:]
    q = statistics.quantiles(times, n=20)
    return statistics.median(times), q[18]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--moves", type=int, default=100)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "root"
        root.mkdir()
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell(c) for c in CELLS]
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(nb, root / "bench.ipynb")
        lab = Lab(Path(tmp) / "home", root)
        lab.start()
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                open_and_run(page, lab, "bench.ipynb")
                page.wait_for_selector("div.nnw-whatif-image canvas.nnw-canvas[data-rendered]", timeout=90_000)
                page.wait_for_timeout(1000)
                rows = [
                    ("floor (echo widget)", measure(page, "input.echo", "parent", "seq", args.moves)),
                    ("WhatIf MLP slider", measure(page, "div.nnw-whatif:not(.nnw-whatif-image) input.nnw-slider[data-feature='23']",
                                                   "div.nnw-whatif:not(.nnw-whatif-image)", "seq", args.moves)),
                    ("WhatIf CNN occlusion", measure(page, "input.nnw-occlusion", "div.nnw-whatif-image", "seq", args.moves)),
                ]
                browser.close()
        finally:
            lab.stop()
    floor = rows[0][1][0]
    print(f"{'view':24} {'p50 ms':>8} {'p95 ms':>8} {'p50/floor':>10}")
    for name, (p50, p95) in rows:
        print(f"{name:24} {p50:8.1f} {p95:8.1f} {p50 / floor:10.2f}")


if __name__ == "__main__":
    main()
