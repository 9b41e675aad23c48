"""The display path: no heavy import before the live view, the PNG after it, once per state."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path

import pytest

import nnwidgets as nw
from nnwidgets import demo

REPO = Path(__file__).resolve().parents[1]
VIEW = "application/vnd.jupyter.widget-view+json"

IMPORTS = """
import sys
import nnwidgets as nw
from nnwidgets import demo
d, c = demo.digits(), demo.breast_cancer()
nw.Attribution(d.model, d.inputs[0])
nw.Attribution(c.model, c.inputs[:4], feature_names=c.feature_names)
nw.Layers(d.model, d.inputs[:2])
nw.WhatIf(c.model, c.inputs[0])
nw.WhatIf(d.model, d.inputs[0])
print(json.dumps([m for m in ("sympy", "torch._dynamo", "torch.fx.experimental.symbolic_shapes",
                              "matplotlib.figure", "matplotlib.pyplot") if m in sys.modules]))
"""


def test_building_every_view_imports_no_sympy_dynamo_or_matplotlib_figure():
    out = subprocess.run([sys.executable, "-c", "import json\n" + IMPORTS], capture_output=True, text=True,
                         check=True, cwd=REPO, env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


class Recorder:
    """Stands in for IPython.display.display: records what is published and updated."""

    def __init__(self) -> None:
        self.published: list[tuple[dict, dict]] = []
        self.updates: list[dict] = []

    def __call__(self, data, metadata=None, raw=False, display_id=None):
        assert raw
        self.published.append((data, {"display_id": display_id}))
        if display_id:
            recorder = self

            class Handle:
                def update(self, data, metadata=None, raw=False):
                    recorder.updates.append(data)

            return Handle()
        return None


@pytest.fixture
def recorder(monkeypatch):
    import IPython.display

    rec = Recorder()
    monkeypatch.setattr(IPython.display, "display", rec)
    return rec


def test_live_view_is_published_before_the_png_which_follows_as_an_update(recorder):
    d = demo.digits()
    w = nw.Attribution(d.model, d.inputs[0])
    w._ipython_display_()
    (first, info), = recorder.published
    assert VIEW in first and "image/png" not in first and info["display_id"] is True
    (update,) = recorder.updates
    assert update[VIEW] == first[VIEW]
    assert base64.b64decode(update["image/png"]).startswith(b"\x89PNG")


def test_png_is_made_once_per_state(recorder, monkeypatch):
    d = demo.digits()
    w = nw.Attribution(d.model, d.inputs[0])
    w._ipython_display_()
    calls = []
    real = type(w).to_figure
    monkeypatch.setattr(type(w), "to_figure", lambda self: calls.append(1) or real(self))
    w._ipython_display_()  # unchanged: the cached PNG goes out with the live view, no render
    assert calls == [] and "image/png" in recorder.published[-1][0] and len(recorder.updates) == 1
    png_before = recorder.published[-1][0]["image/png"]
    w.absolute = not w.absolute  # a new state: a new PNG
    data, _ = w._repr_mimebundle_()
    assert calls == [1] and data["image/png"] != png_before
