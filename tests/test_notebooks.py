"""Every notebook under notebooks/ executes without error."""

from __future__ import annotations

from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks():
    assert NOTEBOOKS, "notebooks/ holds no notebook"


@pytest.mark.notebook
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_executes(path, tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}},
        store_widget_state=True,
    )
    client.execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors, errors
    # Each nnwidgets view is followed by its static picture, for front ends without the widget manager.
    for cell in (c for c in nb.cells if c.cell_type == "code"):
        outputs = cell.get("outputs", [])
        for i, o in enumerate(outputs):
            view = o.get("data", {}).get("application/vnd.jupyter.widget-view+json")
            model = view and nb.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"].get(
                view["model_id"], {})
            if model and model.get("state", {}).get("_fallback_key"):
                after = [x.get("data", {}) for x in outputs[i + 1:]]
                key = model["state"]["_fallback_key"]
                assert any("image/png" in d and f"nnw-fallback-{key}" in d.get("text/html", "") for d in after)
