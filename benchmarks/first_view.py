"""Time to first view: a fresh kernel runs one cell, until the live view is drawn.

    python benchmarks/first_view.py [--repeat 2]

Starts an isolated JupyterLab (as the browser tests do). For each demo widget it
opens two notebooks, each on a fresh kernel, side by side:
  - peer: ``import torch``, load the same demo model and run one forward (what the
    user pays with no widget at all), until the cell's printed line shows;
  - view: the same imports and model, then the widget, until its view has drawn
    (an element inside the output carries ``data-rendered``).
Both clocks start when the kernel is ready and the cell is sent, so kernel start-up
is outside both. The ratio view/peer is the figure of merit (goal ≤ 1.5).

Then, in a fresh process per widget, the PNG fallback's cost: the first
``to_figure()`` + PNG (with matplotlib's import) and a warm one. The display
publishes the live view before that PNG is made (``Widget._ipython_display_``),
so this cost follows the first view instead of preceding it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from tests.browser.lab import CHROMIUM, CHROMIUM_ARGS, Lab  # noqa: E402

DIGITS = "import torch\nfrom nnwidgets import demo\nd = demo.digits()\n"
CANCER = "import torch\nfrom nnwidgets import demo\nd = demo.breast_cancer()\n"
TEXT = "import torch\nfrom nnwidgets import demo\nd = demo.sentences()\n"

# name: (set-up, the peer's forward, the widget)
CASES = {
    "Attribution image": (DIGITS, "d.model(d.inputs[:1])",
                          "nw.Attribution(d.model, d.inputs[0], labels=d.class_names)"),
    "Attribution tabular": (CANCER, "d.model(d.inputs[:1])",
                            "nw.Attribution(d.model, d.inputs[0], feature_names=d.feature_names, labels=d.class_names)"),
    "Attribution text": (TEXT, "d.model(d.ids[0])",
                         "nw.Attribution(d.model, d.ids[0], tokens=d.tokens[0], embedding=d.embedding_layer, "
                         "baseline=d.baseline_ids(d.ids[0]), labels=['similarity'])"),
    "Layers": (DIGITS, "d.model(d.inputs[:8])",
               "nw.Layers(d.model, d.inputs[:8], labels=d.class_names, data=d.inputs)"),
    "WhatIf tabular": (CANCER, "d.model(d.inputs[:1])",
                       "nw.WhatIf(d.model, d.inputs[0], feature_names=d.feature_names, labels=d.class_names, "
                       "data=d.inputs)"),
}

# Send the notebook's only cell once its kernel is ready; resolve when `done()` holds.
RUN_AND_WAIT = """async (kind) => {
  const app = window.jupyterapp;
  const panel = app.shell.currentWidget;
  await panel.sessionContext.ready;
  await panel.context.ready;
  const out = () => panel.content.widgets[0].node.querySelector('.jp-OutputArea');
  const done = kind === 'peer'
    ? () => out() && out().textContent.includes('forward-done')
    : () => out() && out().querySelector('[data-rendered]');
  const t0 = performance.now();
  app.commands.execute('notebook:run-all-cells');
  await new Promise((resolve) => {
    const tick = () => (done() ? resolve() : requestAnimationFrame(tick));
    requestAnimationFrame(tick);
  });
  return (performance.now() - t0) / 1000;
}"""

NOTEBOOK_OPEN = """() => {
  const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  return !!(w && w.sessionContext && w.content && w.content.widgets && w.content.widgets.length);
}"""

PNG_COST = """
import json, sys, time
sys.path.insert(0, {repo!r})
import nnwidgets as nw
from nnwidgets.widgets.base import figure_png
{setup}
w = {widget}
t = time.perf_counter(); w._static_png(); first = time.perf_counter() - t
t = time.perf_counter(); figure_png(w.to_figure()); warm = time.perf_counter() - t
print(json.dumps([first, warm]))
"""


def write(root: Path, name: str, source: str) -> str:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, root / name)
    return name


def timed(page, lab: Lab, notebook: str, kind: str) -> float:
    page.goto(f"{lab.url}/lab/tree/{notebook}?reset")
    page.wait_for_function(NOTEBOOK_OPEN, timeout=60_000)
    seconds = page.evaluate(RUN_AND_WAIT, kind)
    # Shut every kernel down, so the next notebook starts a fresh one.
    page.evaluate("() => window.jupyterapp.serviceManager.sessions.shutdownAll()")
    page.goto("about:blank")
    print(f"  {notebook}: {seconds:.2f} s", flush=True)
    return seconds


def png_cost(setup: str, widget: str) -> tuple[float, float]:
    code = PNG_COST.format(repo=str(REPO), setup=setup, widget=widget)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    first, warm = json.loads(out.stdout.strip().splitlines()[-1])
    return first, warm


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--only", nargs="*", default=None, help="case names to run (default: all)")
    args = ap.parse_args()
    cases = {k: v for k, v in CASES.items() if not args.only or k in args.only}
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "root"
        root.mkdir()
        lab = Lab(Path(tmp) / "home", root)
        lab.start()
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.set_default_timeout(180_000)
                for i, (name, (setup, forward, widget)) in enumerate(cases.items()):
                    peer, view = [], []
                    for j in range(args.repeat):  # alternated, so load on the machine hits both alike
                        # a new notebook each time: a new session, so a fresh kernel
                        peer_nb = write(root, f"peer{i}-{j}.ipynb", f"{setup}{forward}\nprint('forward-done')")
                        view_nb = write(root, f"view{i}-{j}.ipynb", f"{setup}import nnwidgets as nw\n{widget}")
                        peer.append(timed(page, lab, peer_nb, "peer"))
                        view.append(timed(page, lab, view_nb, "view"))
                    rows.append((name, statistics.median(peer), statistics.median(view), *png_cost(setup, widget)))
                browser.close()
        finally:
            lab.stop()
    print(f"{'widget':22} {'peer s':>7} {'view s':>7} {'view/peer':>9} {'PNG first s':>11} {'PNG warm s':>10}")
    for name, peer, view, first, warm in rows:
        print(f"{name:22} {peer:7.2f} {view:7.2f} {view / peer:9.2f} {first:11.2f} {warm:10.2f}")
    print("peer: fresh kernel, import torch + the demo model + one forward; view: the same + the widget, "
          "until drawn. PNG: to_figure() + PNG, made after the live view is published.")


if __name__ == "__main__":
    main()
