"""A model with two inputs (an image and a metadata vector) in Attribution, in a real JupyterLab.

Both parts are drawn (the image map on a canvas, one bar per metadata value), each
panel says its own scale, hover reads the numbers Python computed, the bars'
geometry follows the values (zero line in the middle, positive to the right,
lengths in proportion to the panel's scale), a method switch repaints both, and
a feature name is shown as text.
"""

from __future__ import annotations

import json

import pytest

from .conftest import ARTIFACTS
from .lab import open_and_run, write_notebook
from .test_whatif import KERNEL_EVAL

ROOT = "div.nnw-parts"
XSS = "<img src=x onerror=window.__xss=1>"

CELLS = [
    "import json\nimport torch\nfrom torch import nn\nimport nnwidgets as nw\nfrom nnwidgets.transport import unpack\n"
    "class ImageMeta(nn.Module):\n"
    "    def __init__(self):\n"
    "        super().__init__()\n"
    "        self.conv = nn.Conv2d(3, 4, 3, padding=1)\n"
    "        self.head = nn.Linear(4 + 5, 3)\n"
    "    def forward(self, image, meta):\n"
    "        return self.head(torch.cat([self.conv(image).relu().mean((2, 3)), meta], 1))\n"
    "torch.manual_seed(0)\nmodel = ImageMeta()\nx = (0.4 + 0.2 * torch.rand(2, 3, 16, 16), torch.randn(2, 5))",
    f"w = nw.Attribution(model, x, names=['photo', 'metadata'], feature_names=[None, ['age', {XSS!r}, 'c', 'd', 'e']])\nw",
]

RENDERED = """(seq) => {
  const root = document.querySelector('div.nnw-parts');
  const panels = root && root.querySelector('.nnw-part-panels');
  return root && !root.classList.contains('nnw-busy') && panels && panels.dataset.rendered === root.dataset.seq
    && (seq === null || root.dataset.seq === String(seq));
}"""

MAPS = ("json.dumps({'maps': [unpack(p['map']).tolist() for p in w._parts], 'inputs': [unpack(p['input']).tolist() "
        "for p in w._parts], 'scales': [p['scale'] for p in w._parts], 'method': w.method, 'seq': w._seq})")


def kernel(page, expr: str):
    return json.loads(page.evaluate(KERNEL_EVAL, f"print({expr})"))


def readout(page) -> dict:
    r = page.locator(f"{ROOT} div.nnw-readout")
    return {k: r.get_attribute(f"data-{k}") for k in ("part", "row", "col", "feature", "attribution", "input")}


def hover_pixel(page, row: int, col: int, n: int = 16) -> dict:
    box = page.locator(f"{ROOT} canvas.nnw-part-canvas").bounding_box()
    page.mouse.move(box["x"] + (col + 0.5) * box["width"] / n, box["y"] + (row + 0.5) * box["height"] / n)
    page.wait_for_function(
        "([r, c]) => { const el = document.querySelector('div.nnw-parts div.nnw-readout');"
        " return el && el.dataset.row === String(r) && el.dataset.col === String(c); }", arg=[row, col])
    return readout(page)


def hover_feature(page, j: int) -> dict:
    page.locator(f"{ROOT} .nnw-vbar-track[data-feature='{j}']").hover()
    page.wait_for_function(
        "(j) => document.querySelector('div.nnw-parts div.nnw-readout')?.dataset.feature === String(j)", arg=j)
    return readout(page)


def check_hover(page, state: dict) -> None:
    image, meta = state["maps"]
    flat = [(abs(v), r, c) for r, row in enumerate(image) for c, v in enumerate(row)]
    _, r, c = max(flat)
    got = hover_pixel(page, r, c)
    assert got["part"] == "0"
    assert float(got["attribution"]) == pytest.approx(image[r][c], rel=1e-6, abs=1e-9)
    assert float(got["input"]) == pytest.approx(state["inputs"][0][0][r][c], rel=1e-6)
    for j in (0, 3):
        got = hover_feature(page, j)
        assert got["part"] == "1" and float(got["attribution"]) == pytest.approx(meta[j], rel=1e-6, abs=1e-9)
        assert float(got["input"]) == pytest.approx(state["inputs"][1][j], rel=1e-6)


def check_bars(page, state: dict) -> None:
    meta, scale = state["maps"][1], state["scales"][1]
    for j, v in enumerate(meta):
        track = page.locator(f"{ROOT} .nnw-vbar-track[data-feature='{j}']").bounding_box()
        fill = page.locator(f"{ROOT} .nnw-vbar-track[data-feature='{j}'] .nnw-vbar-fill").bounding_box()
        zero = page.locator(f"{ROOT} .nnw-vbar-track[data-feature='{j}'] .nnw-vbar-zero").bounding_box()
        mid = track["x"] + track["width"] / 2
        assert zero["x"] == pytest.approx(mid, abs=1)
        if v > 0:
            assert fill["x"] == pytest.approx(mid, abs=1)
        else:
            assert fill["x"] + fill["width"] == pytest.approx(mid, abs=1)
        assert fill["width"] == pytest.approx(abs(v) / scale * track["width"] / 2, abs=1.5)
        sign = page.locator(f"{ROOT} .nnw-vbar-track[data-feature='{j}'] .nnw-vbar-fill").get_attribute("data-sign")
        assert sign == ("+" if v >= 0 else "-")


def test_two_input_model_both_parts_drawn_hover_reads_python(lab, page):
    open_and_run(page, lab, write_notebook(lab.root, "attr_parts.ipynb", CELLS))
    page.wait_for_selector(f"{ROOT} canvas.nnw-part-canvas[data-rendered]", timeout=60_000)
    page.wait_for_function(RENDERED, arg=None, timeout=60_000)
    panels = page.locator(f"{ROOT} .nnw-part")
    assert panels.count() == 2
    assert [panels.nth(i).get_attribute("data-kind") for i in range(2)] == ["image", "vector"]
    assert page.locator(f"{ROOT} .nnw-part-title").all_inner_texts() == ["photo", "metadata"]
    assert page.locator(f"{ROOT} .nnw-vbar-track").count() == 5
    canvas = page.locator(f"{ROOT} canvas.nnw-part-canvas").bounding_box()
    assert canvas["width"] >= 200 and canvas["height"] >= 200
    state = kernel(page, MAPS)
    # Each panel names its own scale, the one Python computed.
    notes = page.locator(f"{ROOT} .nnw-part-scale").all_inner_texts()
    assert all(n.startswith("own scale ±") for n in notes)
    for note, scale in zip(notes, state["scales"]):
        assert float(note.split("±")[1].split(" ")[0]) == pytest.approx(scale, rel=1e-3)
    check_hover(page, state)
    check_bars(page, state)
    assert page.locator(f"{ROOT} .nnw-vbar-name").nth(1).inner_text() == XSS
    assert page.evaluate("() => window.__xss") is None
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.locator(ROOT).screenshot(path=str(ARTIFACTS / "attribution-two-inputs.png"))

    # Switch the method: both parts repaint with Python's new numbers.
    page.locator(f"{ROOT} select.nnw-method").select_option("input_x_gradient")
    page.wait_for_function("() => document.querySelector('div.nnw-parts select.nnw-method').value === "
                           "'input_x_gradient' && document.querySelector('div.nnw-parts').dataset.seq !== '0'")
    page.wait_for_function(RENDERED, arg=None, timeout=60_000)
    state = kernel(page, MAPS)
    assert state["method"] == "input_x_gradient" and state["seq"] >= 1
    check_hover(page, state)
    check_bars(page, state)
    # A class click explains that class.
    page.locator(f"{ROOT} button.nnw-bar[data-class='2']").click()
    page.wait_for_function("() => document.querySelector('div.nnw-parts button.nnw-bar.nnw-target')?.dataset.class === '2'")
    page.wait_for_function(RENDERED, arg=None, timeout=60_000)
    assert kernel(page, "w.target") == 2
    state = kernel(page, MAPS)
    check_hover(page, state)
    check_bars(page, state)
    page.locator(ROOT).screenshot(path=str(ARTIFACTS / "attribution-two-inputs-class2.png"))
    assert page.console_errors == []
