"""The live Importance view in a real JupyterLab: it draws Python's numbers (bars with
their 95% whiskers on the true side of one zero line, mean |attribution|, the beeswarm
dot of a known example where Python's numbers put it), hover reads them back, top-k and
order change in the browser, a new number of repeats is answered from the worker, and
the light and dark themes both show it.

Where each bar and dot must be is computed here from the kernel's arrays and the layout
constants of js/src/importance/ui.ts, so the page is checked against an independent
computation, not against itself.
"""

from __future__ import annotations

import numpy as np
import pytest

from nnwidgets.figures.importance import feature_order, swarm_offsets

from .conftest import ARTIFACTS
from .geometry import contrast, luminance
from .lab import open_and_run, write_notebook
from .test_embedding import kernel_json
from .test_whatif import KERNEL_EVAL

ROOT = "div.nnw-importance"
ROW, PAD, PERM_W, MEAN_W, SWARM_W = 20, 6, 190, 120, 300  # js/src/importance/ui.ts

CELLS = [
    "import nnwidgets as nw\nfrom nnwidgets import demo\nfrom torch.utils.data import TensorDataset\n"
    "cancer = demo.breast_cancer()",
    "imp = nw.Importance(cancer.model, TensorDataset(cancer.inputs, cancer.targets),\n"
    "                    feature_names=cancer.feature_names, method='input_x_gradient', repeats=5, top=8)\nimp",
]

STATE = ("dict(perm=nw.transport.unpack(imp._permutation).tolist(), mean_abs=nw.transport.unpack(imp._mean_abs).tolist(),"
         " att=nw.transport.unpack(imp._attributions).tolist(), val=nw.transport.unpack(imp._values).tolist(),"
         " ids=nw.transport.unpack(imp._ids).tolist(), names=imp.feature_names, top=imp.top, sort=imp.sort,"
         " seq=imp._seq, repeats=imp.repeats, error=imp.error)")

GEOMETRY = """(root) => {
  const box = (e) => { if (!e) return null; const r = e.getBoundingClientRect(); return [r.left, r.right, r.top, r.bottom]; };
  const rows = (sel) => Array.from(document.querySelectorAll(`${root} ${sel}`)).map((row) => ({
    feature: +row.dataset.feature, value: +row.dataset.value, track: box(row), zero: box(row.querySelector('.nnw-zero')),
    bar: box(row.querySelector('.nnw-bar')), whisker: box(row.querySelector('.nnw-whisker')) }));
  const c = document.querySelector(`${root} canvas.nnw-beeswarm`);
  return { perm: rows('.nnw-prow'), mean: rows('.nnw-mrow'),
    names: Array.from(document.querySelectorAll(`${root} .nnw-name`)).map((e) => e.textContent),
    canvas: box(c), szero: box(document.querySelector(`${root} .nnw-szero`)),
    lo: +c.dataset.lo, hi: +c.dataset.hi, x0: +c.dataset.x0, x1: +c.dataset.x1, order: c.dataset.order };
}"""

PIXEL = """([x, y]) => { const c = document.querySelector('div.nnw-importance canvas.nnw-beeswarm');
  const r = c.width / c.getBoundingClientRect().width;
  return Array.from(c.getContext('2d').getImageData(Math.floor(x * r), Math.floor(y * r), 1, 1).data); }"""


def settled(page, selector: str) -> dict:
    """The element's box once it stopped moving (outputs still arriving can shift the notebook)."""
    last = None
    for _ in range(50):
        box = page.locator(selector).first.bounding_box()
        if box == last:
            return box
        last = box
        page.wait_for_timeout(100)
    raise AssertionError(f"{selector} keeps moving")


def state(page) -> dict:
    s = kernel_json(page, STATE)
    for k in ("perm", "mean_abs", "att", "val"):
        s[k] = np.array(s[k], dtype=np.float32)
    return s


def zero_range(values: np.ndarray) -> tuple[float, float]:
    lo, hi = min(0.0, float(values.min())), max(0.0, float(values.max()))
    return (lo, hi) if hi > lo else (0.0, 1.0)


def check_bars(g: dict, s: dict, order: list[int]) -> None:
    """Rows in Python's order; every bar from one zero line to its value at one scale, whiskers at the interval."""
    assert [r["feature"] for r in g["perm"]] == order == [r["feature"] for r in g["mean"]]
    assert g["names"] == [s["names"][j] for j in order]
    mean, low, high = s["perm"][:, order]
    lo, hi = zero_range(np.concatenate([mean, low, high]))
    left = g["perm"][0]["track"][0]
    x = lambda v: left + PAD + (v - lo) / (hi - lo) * (PERM_W - 2 * PAD)  # noqa: E731
    for r, m, a, b in zip(g["perm"], mean, low, high):
        assert r["value"] == pytest.approx(float(m), rel=1e-6, abs=1e-9)
        z = r["zero"][0]
        assert z == pytest.approx(x(0.0), abs=0.6)
        bl, br = r["bar"][0], r["bar"][1]
        if m > 0:
            assert bl == pytest.approx(z, abs=0.6) and br == pytest.approx(x(m), abs=0.6)
        elif m < 0:
            assert br == pytest.approx(z, abs=0.6) and bl == pytest.approx(x(m), abs=0.6)
        assert r["whisker"][0] == pytest.approx(x(a), abs=0.6) and r["whisker"][1] == pytest.approx(x(b), abs=0.6)
    ma = s["mean_abs"][order]
    mleft = g["mean"][0]["track"][0]
    for r, v in zip(g["mean"], ma):
        assert r["zero"][0] == pytest.approx(mleft + PAD, abs=0.6)  # all ≥ 0: zero at the left end
        assert r["bar"][1] - r["bar"][0] == pytest.approx(v / ma.max() * (MEAN_W - 2 * PAD), abs=0.6)


def dots(s: dict, order: list[int]) -> tuple[np.ndarray, np.ndarray, tuple[float, float]]:
    """Every shown dot's (x, y) on the canvas (CSS px), and the scale, from Python's numbers."""
    att = s["att"][:, order].astype(np.float64)
    lo, hi = zero_range(att)
    xy = []
    for r in range(len(order)):
        off = swarm_offsets(att[:, r])
        xy.append(np.stack([PAD + (att[:, r] - lo) / (hi - lo) * (SWARM_W - 2 * PAD),
                            r * ROW + ROW / 2 - off * ROW], 1))
    return np.stack(xy), att, (lo, hi)  # (rows, M, 2)


def test_importance_draws_and_hovers_pythons_numbers_in_both_themes(lab, page, theme):
    open_and_run(page, lab, write_notebook(lab.root, "importance.ipynb", CELLS))
    page.wait_for_selector(f"{ROOT}[data-rendered]", timeout=120_000)
    s = state(page)
    order = [int(j) for j in feature_order(s["mean_abs"], s["perm"][0], s["sort"], s["top"])]
    assert len(order) == 8
    g = page.evaluate(GEOMETRY, ROOT)
    check_bars(g, s, order)
    assert any(s["perm"][0, order] > 0), "the demo should show some importance"

    # The beeswarm: its scale holds zero, where the zero line is drawn; a known dot is where Python puts it.
    xy, att, (lo, hi) = dots(s, order)
    assert (g["lo"], g["hi"]) == (pytest.approx(lo, rel=1e-6), pytest.approx(hi, rel=1e-6))
    c = g["canvas"]
    assert g["szero"][0] - c[0] == pytest.approx(PAD + (0 - lo) / (hi - lo) * (SWARM_W - 2 * PAD), abs=0.6)
    flat = xy.reshape(-1, 2)
    d = np.linalg.norm(flat[:, None] - flat[None], axis=2) + np.eye(len(flat)) * 1e9
    isolated = [int(k) for k in np.flatnonzero(d.min(1) > 7) if att[k % xy.shape[1], k // xy.shape[1]] != 0]
    assert isolated, "no isolated dot to hover"
    k = int(isolated[0])
    r, i = divmod(k, xy.shape[1])
    j = order[r]
    px, py = flat[k]
    assert page.evaluate(PIXEL, [float(px), float(py)])[3] == 255, "no dot drawn where Python's numbers put it"
    assert (px > g["szero"][0] - c[0]) == (att[i, r] > 0)  # the dot's side of zero is its sign
    box = settled(page, f"{ROOT} canvas.nnw-beeswarm")
    page.mouse.move(box["x"] + float(px), box["y"] + float(py))
    page.wait_for_function(f"() => document.querySelector('{ROOT}').dataset.hoverExample === '{s['ids'][i]}'")
    tip = page.locator(f"{ROOT} .nnw-tip")
    assert tip.is_visible()
    assert int(tip.get_attribute("data-feature")) == j
    assert float(tip.get_attribute("data-attribution")) == pytest.approx(float(s["att"][i, j]), rel=1e-6)
    assert float(tip.get_attribute("data-value")) == pytest.approx(float(s["val"][i, j]), rel=1e-6)
    assert tip.inner_text().startswith(f"{s['names'][j]} = ") and f"example #{s['ids'][i]}" in tip.inner_text()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.locator(ROOT).first.screenshot(path=str(ARTIFACTS / "importance-hover-dot.png"))

    # Hover a permutation bar: its mean and interval, as Python has them.
    bar = settled(page, f"{ROOT} .nnw-prow[data-feature='{order[1]}']")
    page.mouse.move(bar["x"] + bar["width"] / 2, bar["y"] + bar["height"] / 2)
    page.wait_for_function(f"() => document.querySelector('{ROOT}').dataset.hoverFeature === '{order[1]}'")
    for name, row in (("mean", 0), ("low", 1), ("high", 2)):
        assert float(tip.get_attribute(f"data-{name}")) == pytest.approx(float(s["perm"][row, order[1]]), rel=1e-6,
                                                                           abs=1e-9)
    assert tip.inner_text().startswith(s["names"][order[1]] + "\n")
    page.locator(ROOT).first.screenshot(path=str(ARTIFACTS / "importance-light.png"))

    # Top-k and order in the browser; Python follows (so to_figure draws the same).
    page.fill(f"{ROOT} input.nnw-top", "5")
    page.dispatch_event(f"{ROOT} input.nnw-top", "change")
    page.select_option(f"{ROOT} select.nnw-sort", "permutation")
    page.wait_for_function(f"() => document.querySelectorAll('{ROOT} .nnw-prow').length === 5")
    page.wait_for_function(f"() => document.querySelector('{ROOT} canvas.nnw-beeswarm').dataset.order"
                           f" === '{','.join(map(str, feature_order(s['mean_abs'], s['perm'][0], 'permutation', 5)))}'")
    # The front end may hold a change back until the kernel has answered its previous message.
    for _ in range(40):
        s2 = state(page)
        if (s2["top"], s2["sort"]) == (5, "permutation"):
            break
        page.wait_for_timeout(250)
    assert (s2["top"], s2["sort"]) == (5, "permutation")
    order = [int(j) for j in feature_order(s["mean_abs"], s["perm"][0], "permutation", 5)]
    check_bars(page.evaluate(GEOMETRY, ROOT), s, order)

    # Another number of repeats: answered from the worker, the bars redrawn with the new numbers
    # (the first result, computed in the worker too, was answer 1: this one comes after it).
    page.fill(f"{ROOT} input.nnw-repeats", "3")
    page.dispatch_event(f"{ROOT} input.nnw-repeats", "change")
    page.wait_for_function(f"() => +document.querySelector('{ROOT}').dataset.seq > {s2['seq']}", timeout=60_000)
    s3 = state(page)
    assert s3["repeats"] == 3 and s3["error"] == ""
    order = [int(j) for j in feature_order(s3["mean_abs"], s3["perm"][0], "permutation", 5)]
    page.wait_for_function(f"() => document.querySelector('{ROOT} canvas.nnw-beeswarm').dataset.order === "
                           f"'{','.join(map(str, order))}'")
    check_bars(page.evaluate(GEOMETRY, ROOT), s3, order)

    # Dark theme: the zero lines and text follow it (light on dark), hover still reads the numbers.
    theme("JupyterLab Dark")
    page.mouse.move(5, 5)
    zero_colour = page.evaluate(f"() => getComputedStyle(document.querySelector('{ROOT} .nnw-zero')).backgroundColor")
    text_colour = page.evaluate(f"() => getComputedStyle(document.querySelector('{ROOT} .nnw-name')).color")
    background = page.evaluate("() => getComputedStyle(document.querySelector('.jp-Notebook')).backgroundColor")
    assert luminance(background) < 0.1
    for colour in (zero_colour, text_colour):
        assert contrast(luminance(colour), luminance(background)) > 4.5, colour
    g = page.evaluate(GEOMETRY, ROOT)
    check_bars(g, s3, order)
    bar = settled(page, f"{ROOT} .nnw-mrow[data-feature='{order[0]}']")
    page.mouse.move(bar["x"] + bar["width"] / 2, bar["y"] + bar["height"] / 2)
    page.wait_for_function(f"() => document.querySelector('{ROOT}').dataset.hoverFeature === '{order[0]}'")
    assert float(tip.get_attribute("data-mean-abs")) == pytest.approx(float(s3["mean_abs"][order[0]]), rel=1e-6)
    page.locator(ROOT).first.screenshot(path=str(ARTIFACTS / "importance-dark.png"))
    theme("JupyterLab Light")
    assert page.console_errors == []


PATCH_CELLS = [
    "import time\nimport torch\nfrom torch import nn\nimport nnwidgets as nw\n"
    "class PatchModel(nn.Module):  # ±s, s = Σ w_p · (patch p's pixel sum); patch (1, 1) is ignored\n"
    "    def __init__(self):\n        super().__init__()\n        self.delay = [0.0]  # shared with the engine's private view\n"
    "        self.register_buffer('w', torch.tensor([1.0, 0.5, 0.25, 0.0]).reshape(2, 1, 2, 1)"
    ".expand(2, 2, 2, 2).reshape(4, 4))\n"
    "    def forward(self, x):\n        time.sleep(self.delay[0])\n        s = (x[:, 0] * self.w).sum((1, 2))\n"
    "        return torch.stack([s, -s], 1)\n"
    "model = PatchModel().eval()\nx = torch.randn(100, 1, 4, 4, generator=torch.Generator().manual_seed(4))\n"
    "y = (model(x)[:, 0] < 0).long()",
    "imp = nw.Importance(model, x, targets=y, patch=2, method='input_x_gradient', repeats=4)\nimp",
]

HEAT = """([sel, row, col]) => { const c = document.querySelectorAll(sel)[0];
  return Array.from(c.getContext('2d').getImageData(col, row, 1, 1).data); }"""


def test_patch_heat_maps_show_and_hover_pythons_numbers(lab, page):
    open_and_run(page, lab, write_notebook(lab.root, "importance_patches.ipynb", PATCH_CELLS))
    page.wait_for_selector(f"{ROOT} canvas.nnw-heat[data-rendered]", timeout=120_000)
    s = state(page)
    assert kernel_json(page, "imp.grid") == [2, 2]
    maps = page.locator(f"{ROOT} canvas.nnw-heat")
    assert maps.count() == 2
    lut = np.array(kernel_json(page, "nw.transport.unpack(imp._grid_lut).tolist()"), dtype=np.uint8)
    mean_abs, perm = s["mean_abs"], s["perm"][0]
    assert mean_abs[3] == 0 and perm[3] == 0 and (s["perm"][1, :3] > 0).all()  # the ignored patch
    # Each patch is painted in its table's colour for Python's value: mean |attribution| on [0, max],
    # the permutation drop on [-m, m] (white at zero).
    m = float(np.abs(perm).max())
    for p in range(4):
        r, c = divmod(p, 2)
        got = page.evaluate(HEAT, [f"{ROOT} canvas.nnw-heat", r, c])[:3]
        want = lut[0, int(np.clip(np.round(mean_abs[p] / mean_abs.max() * 255), 0, 255)), :3]
        assert np.abs(np.array(got) - want).max() <= 1, (p, got, want)
        got = page.evaluate(HEAT, [f"{ROOT} .nnw-gridmap:nth-child(2) canvas.nnw-heat", r, c])[:3]
        want = lut[1, int(np.clip(np.round((perm[p] + m) / (2 * m) * 255), 0, 255)), :3]
        assert np.abs(np.array(got) - want).max() <= 1, (p, got, want)
    # Hover the ignored patch (bottom right) on the permutation map: its numbers, as Python has them.
    b = settled(page, f"{ROOT} .nnw-gridmap:nth-child(2) canvas.nnw-heat")
    page.mouse.move(b["x"] + 0.75 * b["width"], b["y"] + 0.75 * b["height"])
    page.wait_for_function(f"() => document.querySelector('{ROOT}').dataset.hoverFeature === '3'")
    tip = page.locator(f"{ROOT} .nnw-tip")
    assert tip.inner_text().startswith(s["names"][3] + "\n")
    assert float(tip.get_attribute("data-mean")) == 0 and float(tip.get_attribute("data-mean-abs")) == 0
    assert float(tip.get_attribute("data-low")) <= 0 <= float(tip.get_attribute("data-high"))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.locator(ROOT).first.screenshot(path=str(ARTIFACTS / "importance-patches.png"))

    # Many more repeats on a slow model: the worker shows its progress, the kernel answers
    # meanwhile, and cancel stops it with the shown numbers kept.
    page.evaluate(KERNEL_EVAL, "model.delay[0] = 0.05")
    page.fill(f"{ROOT} input.nnw-repeats", "300")
    page.dispatch_event(f"{ROOT} input.nnw-repeats", "change")
    page.wait_for_function(f"() => /computing permutation: [1-9][0-9]*\\/1200/.test("
                           f"document.querySelector('{ROOT} .nnw-status').textContent)", timeout=60_000)
    assert page.locator(f"{ROOT} button.nnw-cancel").is_visible()
    assert kernel_json(page, "imp.repeats") == 4  # the kernel is free while the worker shuffles
    page.click(f"{ROOT} button.nnw-cancel")
    page.wait_for_function(f"() => document.querySelector('{ROOT} button.nnw-cancel').hidden", timeout=30_000)
    after = state(page)
    assert after["repeats"] == 4 and after["error"] == "" and kernel_json(page, "imp._progress") == {}
    np.testing.assert_array_equal(after["perm"], s["perm"])
    assert "computing" not in page.locator(f"{ROOT} .nnw-status").first.inner_text()
    page.evaluate(KERNEL_EVAL, "model.delay[0] = 0.0")
    assert page.console_errors == []


def test_first_result_streams_with_a_progress_bar(lab, page):
    from .test_embedding import GATED_CELLS

    cells = [GATED_CELLS[0] + "\ny = torch.randint(0, 3, (64,))",
             "imp = nw.Importance(Gated(), x, targets=y, method='gradient', repeats=2)\nimp"]
    open_and_run(page, lab, write_notebook(lab.root, "importance_first.ipynb", cells))
    row = page.locator(f"{ROOT} .nnw-progress")
    page.wait_for_function(f"() => document.querySelector('{ROOT} .nnw-progress')?.hidden === false", timeout=60_000)
    assert "computing the first result: permutation" in page.locator(f"{ROOT} .nnw-progress-label").inner_text()
    assert page.locator(f"{ROOT} .nnw-cancel").is_visible() and page.locator(f"{ROOT} .nnw-error").is_hidden()
    assert kernel_json(page, "dict(ready=imp.ready)") == {"ready": False}  # the kernel answers meanwhile
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.locator(ROOT).first.screenshot(path=str(ARTIFACTS / "importance-first-progress.png"))
    kernel_json(page, "gate.set() or 0")
    page.wait_for_selector(f"{ROOT}[data-rendered]", timeout=60_000)
    page.wait_for_function(f"() => document.querySelector('{ROOT} .nnw-progress').hidden")
    assert kernel_json(page, "dict(ready=imp.ready, error=imp.error)") == {"ready": True, "error": ""}
    assert page.locator(f"{ROOT} .nnw-prow").count() == 6
