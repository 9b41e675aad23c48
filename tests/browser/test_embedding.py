"""Embedding in a real JupyterLab: hover a point and see its input, box-select and
read ``selected`` in Python, click a point and see the linked Attribution follow,
and 50,000 points draw and pan without console errors, in light and dark themes.

Screen positions are computed here from the coordinates Python projected and the
camera that fits them (js/src/embedding/camera.ts's ``fit``, re-derived below),
so every check compares the page against an independent computation.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

import nnwidgets as nw
from nnwidgets import demo
from nnwidgets.engine.frames.embedding import thumbnails

from .conftest import ARTIFACTS
from .lab import open_and_run, write_notebook
from .test_whatif import KERNEL_EVAL

ROOT = "div.nnw-embedding"
CANVAS = f"{ROOT} canvas.nnw-scatter"
WIDTH, HEIGHT, MARGIN = 560, 420, 12  # js/src/embedding/ui.ts, camera.ts
N = 60

CELLS = [
    "import json\nimport nnwidgets as nw\nfrom nnwidgets import demo\nfrom torch.utils.data import TensorDataset\n"
    f"d = demo.digits()\nx, y = d.inputs[:{N}], d.targets[:{N}]\n"
    "at = nw.Attribution(d.model, x, labels=d.class_names, trust=False)",
    "e = nw.Embedding(d.model, TensorDataset(x, y), layer='classifier.fc1', labels=d.class_names, linked=[at])\ne",
    "at",
]

BIG_CELLS = [
    "import torch\nfrom torch import nn\nimport nnwidgets as nw\ntorch.manual_seed(0)\n"
    "model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 3)).eval()\n"
    "x = torch.randn(50_000, 8) * torch.linspace(0.5, 3, 8)",
    "e = nw.Embedding(model, x, layer='1', color_by='confidence')\ne",
]

PIXELS = """(canvas) => Array.from(canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data)"""


def kernel_json(page, expr: str):
    return json.loads(page.evaluate(KERNEL_EVAL, f"import json; print(json.dumps({expr}))"))


def camera(xy: np.ndarray) -> tuple[float, float, float]:
    """camera.ts's fit(): the centre and the CSS pixels per data unit that show every point."""
    x0, y0 = xy.min(0).astype(np.float64)
    x1, y1 = xy.max(0).astype(np.float64)
    scale = min((WIDTH - 2 * MARGIN) / max(x1 - x0, 1e-12), (HEIGHT - 2 * MARGIN) / max(y1 - y0, 1e-12))
    return (x0 + x1) / 2, (y0 + y1) / 2, scale


def screen(xy: np.ndarray, cam: tuple[float, float, float]) -> np.ndarray:
    cx, cy, s = cam
    return np.stack([(xy[:, 0] - cx) * s + WIDTH / 2, (cy - xy[:, 1]) * s + HEIGHT / 2], 1)


def isolated(sxy: np.ndarray, away: float = 10.0, skip: tuple[int, ...] = ()) -> list[int]:
    """Points with no other point within ``away`` CSS pixels, inside the canvas: hover picks them unambiguously."""
    d = np.linalg.norm(sxy[:, None] - sxy[None], axis=2) + np.eye(len(sxy)) * 1e9
    inside = (sxy[:, 0] > 20) & (sxy[:, 0] < WIDTH - 140) & (sxy[:, 1] > 20) & (sxy[:, 1] < HEIGHT - 100)
    return [int(i) for i in np.flatnonzero((d.min(1) > away) & inside) if i not in skip]


def clear_box(sxy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A box over the middle of the canvas whose edges miss every point by 2 CSS pixels
    (so rounding of pointer positions cannot move a point across an edge)."""
    for f in np.linspace(0, 0.1, 21):
        lo, hi = np.array([WIDTH * (0.15 + f), HEIGHT * (0.15 + f)]), np.array([WIDTH * (0.6 + f), HEIGHT * (0.7 - f)])
        if not ((np.abs(sxy - lo) < 2) | (np.abs(sxy - hi) < 2)).any():
            return lo, hi
    raise AssertionError("no box with clear edges")


def test_hover_select_and_click_a_linked_attribution(lab, page):
    open_and_run(page, lab, write_notebook(lab.root, "embedding_link.ipynb", CELLS))
    page.wait_for_selector(f"{CANVAS}[data-rendered]", timeout=60_000)
    page.wait_for_selector("div.nnw-attribution .nnw-maps[data-rendered]", timeout=60_000)
    xy = np.array(kernel_json(page, "e.coords.tolist()"), dtype=np.float32)
    assert xy.shape == (N, 2)
    d = demo.digits()
    x, y = d.inputs[:N], d.targets[:N]
    with torch.no_grad():
        predicted = d.model(x).argmax(1).numpy()

    # The camera the page drew with is the one that fits Python's coordinates.
    cam = camera(xy)
    c = page.locator(CANVAS)
    assert int(c.get_attribute("data-points")) == N
    got = [float(c.get_attribute(f"data-{k}")) for k in ("cx", "cy", "scale")]
    np.testing.assert_allclose(got, cam, rtol=1e-5)
    sxy = screen(xy, cam)
    box = c.bounding_box()
    at = lambda p: (box["x"] + float(p[0]), box["y"] + float(p[1]))  # noqa: E731

    # The drawn dots are where Python's coordinates put them (the canvas is drawn at devicePixelRatio 1).
    pixels = np.array(page.evaluate(PIXELS, c.element_handle()), dtype=np.uint8).reshape(HEIGHT, WIDTH, 4)
    white = (pixels[..., :3] == 255).all(-1)
    for i in range(N):
        col, row = np.round(sxy[i]).astype(int)
        assert not white[row, col], f"no dot drawn at point {i}'s place ({row}, {col})"
    assert white.mean() > 0.8  # dots, not a filled canvas

    # Hover a known point: the card shows its index, classes and its thumbnail, pixel for pixel.
    i = isolated(sxy)[0]
    page.mouse.move(*at(sxy[i]))
    page.wait_for_function(f"() => document.querySelector('{ROOT}').dataset.hover === '{i}'")
    tip = page.locator(f"{ROOT} .nnw-tip")
    assert tip.is_visible()
    text = tip.locator(".nnw-tip-text").inner_text()
    assert text.startswith(f"#{i}\n") and f"predicted {d.class_names[predicted[i]]}" in text
    assert f"true {d.class_names[int(y[i])]}" in text
    thumb = np.array(page.evaluate(PIXELS, tip.locator("canvas.nnw-thumb").element_handle()), dtype=np.uint8)
    expected = thumbnails(x)[i].numpy()
    np.testing.assert_array_equal(thumb.reshape(*expected.shape, 4)[..., 0], expected)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.locator(ROOT).first.screenshot(path=str(ARTIFACTS / "embedding-hover.png"))

    # Shift+drag a box: `selected` in Python is exactly the points inside it.
    lo, hi = clear_box(sxy)
    inside = sorted(int(j) for j in np.flatnonzero(((sxy >= lo) & (sxy <= hi)).all(1)))
    assert 0 < len(inside) < N
    page.keyboard.down("Shift")
    page.mouse.move(*at(lo))
    page.mouse.down()
    page.mouse.move(*at((lo + hi) / 2), steps=4)
    page.mouse.move(*at(hi), steps=4)
    page.mouse.up()
    page.keyboard.up("Shift")
    page.wait_for_function(f"() => document.querySelector('{ROOT}').dataset.selected === '{len(inside)}'")
    page.wait_for_function(f"() => /{len(inside)} selected/.test(document.querySelector('{ROOT} .nnw-status').textContent)")
    assert kernel_json(page, "e.selected") == inside
    page.locator(ROOT).first.screenshot(path=str(ARTIFACTS / "embedding-selected.png"))

    # Click another point: the linked Attribution shows it, index in Python and its map in the page.
    j = isolated(sxy, skip=(0, i))[0]
    before = page.locator("div.nnw-attribution .nnw-maps").get_attribute("data-rendered")
    page.mouse.click(*at(sxy[j]))
    page.wait_for_function(f"() => document.querySelector('{ROOT}').dataset.seq !== undefined")
    for _ in range(100):
        state = kernel_json(page, "[e.clicked, at.index, e.error, at.error]")
        if state[:2] == [j, j]:
            break
        page.wait_for_timeout(100)
    assert state == [j, j, "", ""]
    page.wait_for_function(
        f"() => document.querySelector('button.nnw-example[data-index=\"{j}\"]')?.classList.contains('nnw-selected')"
        f" && document.querySelector('div.nnw-attribution .nnw-maps').dataset.rendered !== '{before}'",
        timeout=30_000,
    )
    leaf = x[j : j + 1].clone().requires_grad_(True)
    (g,) = torch.autograd.grad(d.model(leaf)[0, int(predicted[j])], leaf)
    ref = (g * leaf)[0, 0].detach().numpy()  # input × gradient, the image default
    r, cc = np.unravel_index(np.abs(ref).argmax(), ref.shape)
    canvas = page.locator("div.nnw-attribution canvas.nnw-canvas").first
    canvas.scroll_into_view_if_needed()
    cb = canvas.bounding_box()
    page.mouse.move(cb["x"] + (cc + 0.5) * cb["width"] / 8, cb["y"] + (r + 0.5) * cb["height"] / 8)
    page.wait_for_function(
        f"() => {{ const el = document.querySelector('div.nnw-readout');"
        f" return el && el.dataset.row === '{r}' && el.dataset.col === '{cc}'; }}"
    )
    readout = page.locator("div.nnw-attribution div.nnw-readout")
    shown = float(readout.get_attribute("data-attribution"))
    assert float(readout.get_attribute("data-input")) == pytest.approx(float(x[j, 0, r, cc]), rel=1e-6)
    assert shown == pytest.approx(float(ref[r, cc]), rel=1e-4, abs=1e-6)
    page.locator("div.nnw-attribution").first.screenshot(path=str(ARTIFACTS / "embedding-linked-attribution.png"))
    page.locator(ROOT).first.screenshot(path=str(ARTIFACTS / "embedding-clicked.png"))
    assert page.console_errors == []


PAN = """async (frames) => {
  const canvas = document.querySelector('canvas.nnw-scatter');
  const r = canvas.getBoundingClientRect();
  const fire = (type, x, y) => canvas.dispatchEvent(new PointerEvent(type, {
    clientX: r.left + x, clientY: r.top + y, pointerId: 1, bubbles: true, isPrimary: true, buttons: type === 'pointerup' ? 0 : 1 }));
  const c0 = canvas.dataset.cx + ',' + canvas.dataset.cy;
  fire('pointerdown', 280, 210);
  const draws = [], gaps = [];
  let last = performance.now();
  for (let k = 1; k <= frames; k++) {
    fire('pointermove', 280 + 150 * Math.sin(k / frames * Math.PI), 210 + 60 * Math.sin(k / frames * 2 * Math.PI) + k);
    await new Promise(requestAnimationFrame);  // the view's paint was asked first, so it ran in this frame
    const now = performance.now();
    draws.push(+canvas.dataset.drawMs);
    gaps.push(now - last);
    last = now;
  }
  fire('pointerup', 280, 210);
  return { draws, gaps, moved: canvas.dataset.cx + ',' + canvas.dataset.cy !== c0 };
}"""


def test_fifty_thousand_points_draw_and_pan_in_both_themes(lab, page, theme):
    open_and_run(page, lab, write_notebook(lab.root, "embedding_big.ipynb", BIG_CELLS))
    page.wait_for_selector(f"{CANVAS}[data-rendered]", timeout=120_000)
    c = page.locator(CANVAS)
    assert int(c.get_attribute("data-points")) == 50_000
    result = page.evaluate(PAN, 30)
    assert result["moved"] and max(result["draws"]) > 0
    # Hover after the pan still picks a point; the legend shows the confidence scale's two ends.
    box = c.bounding_box()
    page.mouse.move(box["x"] + WIDTH / 2, box["y"] + HEIGHT / 2)
    page.wait_for_function(f"() => +document.querySelector('{ROOT}').dataset.hover >= 0", timeout=10_000)
    legend = page.locator(f"{ROOT} .nnw-legend").inner_text()
    assert "confidence" in legend
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.locator(ROOT).first.screenshot(path=str(ARTIFACTS / "embedding-50k-light.png"))
    theme("JupyterLab Dark")  # the fixture sets the light theme back, even when the test fails below
    page.mouse.move(box["x"] + 10, box["y"] + 10)  # off every point: the card goes
    page.wait_for_function(f"() => document.querySelector('{ROOT}').dataset.hover === '-1'", timeout=10_000)
    page.mouse.move(box["x"] + WIDTH / 2, box["y"] + HEIGHT / 2)
    page.wait_for_function(f"() => +document.querySelector('{ROOT}').dataset.hover >= 0", timeout=10_000)
    assert page.locator(f"{ROOT} .nnw-tip").is_visible()
    page.locator(ROOT).first.screenshot(path=str(ARTIFACTS / "embedding-50k-dark.png"))
    legend_colour = page.evaluate(f"() => getComputedStyle(document.querySelector('{ROOT} .nnw-tip')).color")
    assert legend_colour != "rgb(0, 0, 0)"  # the card's text follows the dark theme
    assert page.console_errors == []


GATED_CELLS = [
    "import threading\nimport torch\nfrom torch import nn\nimport nnwidgets as nw\ntorch.manual_seed(0)\n"
    "gate, calls = threading.Event(), [0]\n"
    "class Gated(nn.Module):\n"
    "    def __init__(self):\n        super().__init__()\n        self.a, self.b = nn.Linear(6, 8), nn.Linear(8, 3)\n"
    "    def forward(self, x):\n        calls[0] += 1\n        if calls[0] > 2:\n            gate.wait(60)\n"
    "        return self.b(torch.relu(self.a(x)))\n"
    "x = torch.randn(64, 6)",
    "e = nw.Embedding(Gated(), x, layer='a', batch_size=8)\ne",
]


def test_first_pass_shows_progress_cancels_and_the_kernel_answers_meanwhile(lab, page):
    open_and_run(page, lab, write_notebook(lab.root, "embedding_first.ipynb", GATED_CELLS))
    bar = page.locator(f"{ROOT} .nnw-progress")
    # The model waits in its third forward: the view shows how far the pass is (8 or 16 rows:
    # progress messages are sent at most every 0.1 s), and the kernel (free: the pass runs in
    # the worker) answers another cell meanwhile.
    page.wait_for_function(f"() => +document.querySelector('{ROOT} .nnw-progress')?.dataset.done >= 8",
                           timeout=60_000)
    done = int(bar.get_attribute("data-done"))
    assert bar.is_visible() and bar.get_attribute("data-total") == "64" and done in (8, 16)
    assert page.locator(f"{ROOT} .nnw-progress-label").inner_text() == f"reading the layer over the data: {done}/64"
    value = page.locator(f"{ROOT} progress.nnw-progress-bar").evaluate("p => p.value")
    assert float(value) == pytest.approx(done / 64)
    assert page.locator(f"{ROOT} .nnw-error").is_hidden()
    assert kernel_json(page, "dict(ready=e.ready, n=e.n_points, calls=calls[0])") == {"ready": False, "n": 0, "calls": 3}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.locator(ROOT).first.screenshot(path=str(ARTIFACTS / "embedding-first-progress.png"))

    # Cancel in the view, then let the model go: the pass stops, the view says so.
    page.click(f"{ROOT} .nnw-progress .nnw-cancel")
    page.wait_for_function(f"() => document.querySelector('{ROOT} .nnw-error')?.textContent.includes('Stopped')")
    kernel_json(page, "gate.set() or 0")
    page.wait_for_function(f"() => document.querySelector('{ROOT} .nnw-progress').hidden")
    s = kernel_json(page, "dict(ready=e.ready, calls=calls[0], hooks=sum(len(m._forward_hooks) for m in e._model.modules()))")
    assert s["ready"] is False and s["calls"] < 8 and s["hooks"] == 0

    # A new projection request computes the points: the view draws them.
    page.select_option(f"{ROOT} select.nnw-projection", "pca")
    page.dispatch_event(f"{ROOT} select.nnw-projection", "change")
    page.wait_for_selector(f"{CANVAS}[data-rendered]", timeout=60_000)
    assert kernel_json(page, "dict(ready=e.ready, n=e.n_points, error=e.error)") == {"ready": True, "n": 64, "error": ""}
    assert page.locator(f"{ROOT} .nnw-error").is_hidden()
    page.locator(ROOT).first.screenshot(path=str(ARTIFACTS / "embedding-first-done.png"))
