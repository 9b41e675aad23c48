"""Layers in a real browser: a 256×56×56 activation stack, bytes sent and draw time.

    python benchmarks/layers_browser.py [--repeats 10]

Starts an isolated JupyterLab (as the browser tests do), opens a notebook with a
Layers view of a conv layer of 256 channels at 56×56, and switches between the
conv output and its ReLU ``repeats`` times. For each switch it reads the draw
time the view measured with performance.now() (float16 decode + LUT colouring +
putImageData of one atlas canvas) and the whole click → drawn time (request,
the kernel's one forward and one backward, the answer message, the draw).
Prints the bytes of the activation and gradient buffers and p50 / max of both.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

import nbformat
from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from tests.browser.lab import CHROMIUM, CHROMIUM_ARGS, Lab, open_and_run  # noqa: E402

CELLS = [
    "import json, torch\nfrom torch import nn\nimport nnwidgets as nw\ntorch.manual_seed(0)\n"
    "model = nn.Sequential(nn.Conv2d(3, 256, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),"
    " nn.Linear(256, 10)).eval()\nx = torch.randn(4, 3, 56, 56)",
    "view = nw.Layers(model, x, layer='1')\nview",
    "print(json.dumps({'bytes': sum(len(getattr(view, t)['buffer']) for t in ('_act', '_grad')),"
    " 'dtype': view._act['dtype'], 'shape': view._act['shape']}))",
]

SWITCH = """async (layer) => {
  const canvas = document.querySelector('canvas.nnw-atlas');
  const t0 = performance.now();
  document.querySelector(`tr.nnw-row[data-layer='${layer}']`).click();
  while (!(canvas.dataset.rendered || '').startsWith(layer + '|')) await new Promise(requestAnimationFrame);
  return { total: performance.now() - t0, draw: +canvas.dataset.drawMs };
}"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=10)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "root"
        root.mkdir()
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell(c) for c in CELLS]
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(nb, root / "layers_bench.ipynb")
        lab = Lab(Path(tmp) / "home", root)
        lab.start()
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                open_and_run(page, lab, "layers_bench.ipynb")
                page.wait_for_function(
                    "() => (document.querySelector('canvas.nnw-atlas')?.dataset.rendered ?? '').startsWith('1|')",
                    timeout=120_000,
                )
                first = float(page.locator("canvas.nnw-atlas").get_attribute("data-draw-ms"))
                out = page.locator(".jp-OutputArea-output pre").last
                out.wait_for(timeout=60_000)
                sent = json.loads(out.inner_text())
                draws, totals = [first], []
                for i in range(args.repeats):
                    r = page.evaluate(SWITCH, "0" if i % 2 == 0 else "1")
                    draws.append(r["draw"])
                    totals.append(r["total"])
                browser.close()
        finally:
            lab.stop()
    print(f"activation stack {sent['shape']} as {sent['dtype']}: activation + gradient = "
          f"{sent['bytes']:,} bytes ({sent['bytes'] / 2**20:.2f} MiB) in one answer message")
    print(f"draw (decode + colour + putImageData), {len(draws)} draws: "
          f"p50 {statistics.median(draws):.1f} ms, max {max(draws):.1f} ms")
    print(f"click layer → drawn (request, 1 forward + 1 backward, answer, draw), {len(totals)} switches: "
          f"p50 {statistics.median(totals):.1f} ms, max {max(totals):.1f} ms")


if __name__ == "__main__":
    main()
