"""Saved and exported: a notebook executed with widget state saved (nbconvert's default), exported
to HTML and opened offline shows each view's picture, alone and inside a VBox; in JupyterLab the
same picture stays hidden under the live view."""

from __future__ import annotations

import nbformat
import pytest

from .conftest import ARTIFACTS
from .lab import open_and_run, write_notebook

CELLS = [
    "import ipywidgets as W\nimport nnwidgets as nw\nfrom nnwidgets import demo\nd = demo.digits()",
    "nw.Attribution(d.model, d.inputs[0], labels=d.class_names)",
    "nw.show(W.VBox([W.HTML('<b>two views in a box</b>'), W.HBox([\n"
    "    nw.Attribution(d.model, d.inputs[1]), nw.Layers(d.model, d.inputs[:2])])]))",
]

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


def executed(tmp_path) -> nbformat.NotebookNode:
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in CELLS]
    client = nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}}, store_widget_state=True)
    client.execute()
    assert "application/vnd.jupyter.widget-state+json" in nb.metadata["widgets"]
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
    # One picture for the single view, two for the views inside the VBox, all drawn and visible.
    assert len(images) == 3, images
    for img in images:
        assert img["w"] > 200 and img["h"] > 100 and img["shown"] and img["ink"] > 0.02, img
    assert sum("nnw-fallback-" in i["box"] and i["box"].count("nnw-fallback-") == 2 for i in images) == 2
    # What the page wanted from the network was only the widget manager and its fonts, never our pictures.
    assert all(u.startswith("https://") for u in blocked), blocked
    assert errors == [], errors


def test_lab_hides_the_pictures_under_live_views(lab, page):
    name = write_notebook(lab.root, "fallback_hidden.ipynb", CELLS)
    open_and_run(page, lab, name)
    page.wait_for_function("() => document.querySelectorAll('.nnw-fallback').length === 2", timeout=90_000)
    page.wait_for_function(
        "() => document.querySelectorAll('canvas.nnw-canvas[data-rendered]').length >= 2", timeout=60_000)
    page.wait_for_selector("div.nnw-layers [data-rendered]", timeout=60_000)
    hidden = page.evaluate(
        "() => [...document.querySelectorAll('.nnw-fallback')].map((f) => f.getBoundingClientRect().height === 0)")
    assert hidden == [True, True]
    page.screenshot(path=str(ARTIFACTS / "fallback-hidden-lab.png"))
    assert page.console_errors == []

