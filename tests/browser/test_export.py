"""Saved and exported: a notebook executed with widget state saved (nbconvert's default), exported
to HTML and opened offline shows each view's picture, alone and inside a plain VBox / HBox (a cell's
last expression, ``display(...)``); in JupyterLab the same pictures stay hidden under the live
views, which draw inside their boxes as before."""

from __future__ import annotations

import nbformat
import pytest

from .conftest import ARTIFACTS
from .lab import open_and_run, write_notebook

CELLS = [
    "import ipywidgets as W\nimport nnwidgets as nw\nfrom nnwidgets import demo\nd = demo.digits()",
    "nw.Attribution(d.model, d.inputs[0], labels=d.class_names)",
    "W.VBox([W.HTML('<b>two views in a box</b>'), W.HBox([\n"
    "    nw.Attribution(d.model, d.inputs[1]), nw.Layers(d.model, d.inputs[:2])])])",
    "display(W.HBox([nw.Attribution(d.model, d.inputs[2]), W.HTML('<i>beside it</i>')]))",
    "W.VBox([W.HTML('<b>a box without views</b>')])",
]
VIEW = "application/vnd.jupyter.widget-view+json"

# Every <img> in the fallbacks: loaded, on screen, and not blank (drawn onto a canvas and read back).
IMAGES = """() => [...document.querySelectorAll('.nnw-fallback img')].map((img) => {
  const c = document.createElement('canvas');
  c.width = img.naturalWidth; c.height = img.naturalHeight;
  const ctx = c.getContext('2d');
  ctx.drawImage(img, 0, 0);
  const { data } = ctx.getImageData(0, 0, c.width, c.height);
  let ink = 0;
  for (let i = 0; i < data.length; i += 4) if (data[i] < 200 || data[i + 1] < 200 || data[i + 2] < 200) ink += 1;
  const r = img.getBoundingClientRect();
  return { w: img.naturalWidth, h: img.naturalHeight, shown: r.width > 50 && r.height > 50,
           ink: ink / (data.length / 4), box: img.closest('.nnw-fallback').className };
})"""


# Where the live views sit in the boxes: by the layout of the boxes' children in the page.
BOXES = """() => {
  const vbox = [...document.querySelectorAll('.widget-vbox')].find((b) => b.textContent.includes('two views'));
  const kind = (el) => el.classList.contains('widget-hbox') ? 'hbox'
    : el.querySelector('.nnw-canvas, .nnw-layers') ? 'view' : el.textContent.includes('two views') ? 'title' : 'html';
  const rect = (el) => {
    const r = el.getBoundingClientRect();
    return { left: r.left, right: r.right, width: r.width, height: r.height };
  };
  const pair = vbox.querySelector(':scope > .widget-hbox');
  const single = [...document.querySelectorAll('.widget-hbox')].find((b) => b.textContent.includes('beside it'));
  const alone = single.children[0];
  return { vbox: [...vbox.children].map(kind), pair: [...pair.children].map(rect),
           single: [...single.children].map(kind), alone: rect(alone) };
}"""


def executed(tmp_path) -> nbformat.NotebookNode:
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in CELLS]
    client = nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}}, store_widget_state=True)
    client.execute()
    assert "application/vnd.jupyter.widget-state+json" in nb.metadata["widgets"]
    kinds = [[(o.output_type, VIEW in o.get("data", {}), "image/png" in o.get("data", {})) for o in c.outputs]
             for c in nb.cells[1:]]
    live, picture = ("display_data", True, False), ("display_data", False, True)
    # each view or box of views: its live view, then its picture; a box without views: as ipywidgets has it
    assert kinds == [[live, picture]] * 3 + [[("execute_result", True, False)]], kinds
    return nb


def test_nbconvert_html_shows_the_pictures_offline(tmp_path, browser):
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter().from_notebook_node(executed(tmp_path))
    path = tmp_path / "exported.html"
    path.write_text(body, encoding="utf-8")

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    blocked: list[str] = []

    def route(r):
        if r.request.url.startswith("file://") or r.request.url.startswith("data:"):
            return r.continue_()
        blocked.append(r.request.url)
        return r.abort()

    page.route("**/*", route)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    images = page.evaluate(IMAGES)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "nbconvert-offline.png"), full_page=True)
    context.close()
    # One picture for the single view, two for the views inside the VBox, one inside the HBox, all drawn and visible.
    assert len(images) == 4, images
    for img in images:
        assert img["w"] > 200 and img["h"] > 100 and img["shown"] and img["ink"] > 0.02, img
    assert sum("nnw-fallback-" in i["box"] and i["box"].count("nnw-fallback-") == 2 for i in images) == 2
    # What the page wanted from the network was only the widget manager and its fonts, never our pictures.
    assert all(u.startswith("https://") for u in blocked), blocked
    assert errors == [], errors


def test_lab_hides_the_pictures_under_live_views(lab, page):
    name = write_notebook(lab.root, "fallback_hidden.ipynb", CELLS)
    open_and_run(page, lab, name)
    page.wait_for_function("() => document.querySelectorAll('.nnw-fallback').length === 3", timeout=90_000)
    page.wait_for_function(
        "() => document.querySelectorAll('canvas.nnw-canvas[data-rendered]').length >= 3", timeout=60_000)
    page.wait_for_selector("div.nnw-layers [data-rendered]", timeout=60_000)
    page.wait_for_function("() => [...document.querySelectorAll('.widget-vbox')].some("
                           "(b) => b.textContent.includes('a box without views'))", timeout=30_000)
    hidden = page.evaluate(
        "() => [...document.querySelectorAll('.nnw-fallback')].map((f) => f.getBoundingClientRect().height === 0)")
    assert hidden == [True, True, True]
    # The views inside the boxes are drawn by ipywidgets' containers, laid out as before: the two views side by
    # side in the HBox under the title in the VBox, the view first in the other HBox; each one drawn at full size.
    boxes = page.evaluate(BOXES)
    assert boxes["vbox"] == ["title", "hbox"] and boxes["pair"][0]["right"] <= boxes["pair"][1]["left"] + 1, boxes
    assert boxes["single"][0] == "view" and boxes["single"][1] == "html", boxes
    for r in boxes["pair"] + [boxes["alone"]]:
        assert r["width"] > 200 and r["height"] > 100, boxes
    page.screenshot(path=str(ARTIFACTS / "fallback-hidden-lab.png"))
    page.set_viewport_size({"width": 1280, "height": 2000})  # the whole box on screen for its picture
    page.locator(".widget-vbox", has_text="two views").first.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "box-live-lab.png"))
    assert page.console_errors == []

