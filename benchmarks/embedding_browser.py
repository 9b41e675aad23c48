"""Embedding in a real browser: 50,000 points drawn and panned in headless Chromium.

    python benchmarks/embedding_browser.py [--frames 240] [--points 50000] [--scale 2]

Starts an isolated JupyterLab (as the browser tests do), opens a notebook with an
Embedding of ``--points`` points, and reads the view's own draw time
(performance.now() around writing every point into one ImageData and
putImageData, plus the marks) for the first draw, then drags the scatter for
``--frames`` animation frames (one pointer move per frame, as a 60 Hz mouse)
and reports per frame the draw time and the interval between frames. The goal
is < 16 ms a frame. Headless Chromium has no GPU here (--disable-gpu), so the
canvas is rasterised in software: what a laptop browser gets is no slower.
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
from tests.browser.test_embedding import BIG_CELLS, PAN  # noqa: E402


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=240)
    ap.add_argument("--points", type=int, default=50_000)
    ap.add_argument("--scale", type=float, default=1.0, help="devicePixelRatio (2: a retina screen)")
    args = ap.parse_args()
    cells = [c.replace("50_000", str(args.points)) for c in BIG_CELLS]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "root"
        root.mkdir()
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(nb, root / "embedding_bench.ipynb")
        lab = Lab(Path(tmp) / "home", root)
        lab.start()
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1280, "height": 900},
                                        device_scale_factor=args.scale)
                open_and_run(page, lab, "embedding_bench.ipynb")
                page.wait_for_selector("canvas.nnw-scatter[data-rendered]", timeout=120_000)
                first = float(page.locator("canvas.nnw-scatter").get_attribute("data-draw-ms"))
                n = int(page.locator("canvas.nnw-scatter").get_attribute("data-points"))
                page.evaluate(PAN, 30)  # warm up the JIT
                r = page.evaluate(PAN, args.frames)
                browser.close()
        finally:
            lab.stop()
    draws, gaps = r["draws"], r["gaps"][1:]
    print(f"{n:,} points, canvas 560×420 CSS px at devicePixelRatio {args.scale:g}, headless Chromium (software raster)\n")
    print("| measure | p50 ms | p95 ms | max ms |\n| --- | --- | --- | --- |")
    print(f"| first draw | {first:.1f} | | |")
    print(f"| draw per pan frame ({len(draws)} frames) | {statistics.median(draws):.1f} | {pct(draws, 0.95):.1f} | "
          f"{max(draws):.1f} |")
    print(f"| frame interval while panning | {statistics.median(gaps):.1f} | {pct(gaps, 0.95):.1f} | {max(gaps):.1f} |")
    print(f"\nframes over 16 ms of drawing: {sum(d > 16 for d in draws)} of {len(draws)}; "
          f"frames later than 20 ms after the last: {sum(g > 20 for g in gaps)} of {len(gaps)}")


if __name__ == "__main__":
    main()
