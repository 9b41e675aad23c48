"""The widgets in Notebook 7 (the classic-notebook successor), not only in JupyterLab."""

from __future__ import annotations

import pytest

from .conftest import ARTIFACTS
from .lab import Lab, open_and_run, write_notebook

CELLS = [
    "import nnwidgets as nw\nfrom nnwidgets import demo\nd = demo.digits()\n"
    "w = nw.Attribution(d.model, d.inputs[:3], labels=d.class_names, compare=['integrated_gradients'])\nw",
    "b = demo.breast_cancer()\n"
    "nw.Layers(b.model, b.inputs[:4], labels=b.class_names, feature_names=b.feature_names)",
]


@pytest.fixture(scope="module")
def notebook7(tmp_path_factory):
    pytest.importorskip("notebook", reason="notebook (Notebook 7) is not installed")
    root = tmp_path_factory.mktemp("nb7-root")
    server = Lab(tmp_path_factory.mktemp("nb7-home"), root, app="notebook")
    server.start()
    yield server
    server.stop()


def test_attribution_and_layers_render_and_hover_in_notebook7(notebook7, page):
    errors = []
    page.on("pageerror", lambda e: errors.append(e))
    open_and_run(page, notebook7, write_notebook(notebook7.root, "nb7.ipynb", CELLS))
    page.wait_for_selector("div.nnw-attribution canvas.nnw-canvas[data-rendered]", timeout=90_000)
    page.wait_for_selector("div.nnw-layers canvas.nnw-atlas", timeout=90_000)
    assert page.locator("div.nnw-attribution canvas.nnw-canvas").count() == 2
    box = page.locator("div.nnw-attribution canvas.nnw-canvas").first.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.55, box["y"] + box["height"] * 0.3)
    page.wait_for_function("() => document.querySelector('div.nnw-attribution div.nnw-readout')?.dataset.row !== undefined")
    page.wait_for_function(
        "() => { const r = document.querySelector('div.nnw-attribution'); const t = r.querySelector('.nnw-trust');"
        " return t && t.dataset.seq === r.dataset.seq; }", timeout=60_000,
    )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "notebook7.png"), full_page=True)
    # Notebook 7 itself throws "reading 'schema'" from its settings code on any notebook, even one
    # without widgets (checked with a plain `1+1` notebook); errors from anywhere else fail the test.
    ours = [f"{e}" for e in errors if "/static/notebook/notebook_core" not in (e.stack or "")]
    assert ours == []
    assert [e for e in page.console_errors if not e.startswith("page error:")] == []
