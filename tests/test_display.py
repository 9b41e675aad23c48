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
        self.published.append((data, {"display_id": display_id, "raw": raw}))
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


def test_live_view_is_published_before_its_static_picture(recorder):
    d = demo.digits()
    w = nw.Attribution(d.model, d.inputs[0])
    w._ipython_display_()
    (live, _), (fallback, _) = recorder.published
    assert VIEW in live and "image/png" not in live
    assert base64.b64decode(fallback["image/png"]).startswith(b"\x89PNG")
    assert f"nnw-fallback-{w._fallback_key}" in fallback["text/html"]
    assert fallback["image/png"] in fallback["text/html"]


def test_png_is_made_once_per_state(recorder, monkeypatch):
    d = demo.digits()
    w = nw.Attribution(d.model, d.inputs[0])
    w._ipython_display_()
    calls = []
    real = type(w).to_figure
    monkeypatch.setattr(type(w), "to_figure", lambda self: calls.append(1) or real(self))
    w._ipython_display_()  # unchanged: the same picture, no render
    assert calls == [] and recorder.published[-1][0]["image/png"] == recorder.published[1][0]["image/png"]
    w.absolute = not w.absolute  # a new state: a new PNG
    data, _ = w._repr_mimebundle_()
    assert calls == [1] and data["image/png"] != recorder.published[1][0]["image/png"]


def test_show_gives_a_container_the_pictures_of_the_views_inside(recorder):
    import ipywidgets

    d, c = demo.digits(), demo.breast_cancer()
    a = nw.Attribution(d.model, d.inputs[0])
    b = nw.WhatIf(c.model, c.inputs[0], feature_names=c.feature_names)
    box = ipywidgets.VBox([ipywidgets.HTML("title"), ipywidgets.HBox([a, b])])
    assert nw.show(box) is None  # as a cell's last expression, nothing to display a second time
    (container, _), (fallback, _) = recorder.published
    assert container is box
    html = fallback["text/html"]
    assert html.count("<img ") == 2
    assert f"nnw-fallback-{a._fallback_key}" in html and f"nnw-fallback-{b._fallback_key}" in html


class Shell:
    """An IPython shell's display formatter, without a kernel."""

    def __init__(self) -> None:
        from IPython.core.formatters import DisplayFormatter

        self.display_formatter = DisplayFormatter()


def test_a_plain_container_of_views_gets_their_pictures_and_other_containers_stay_as_they_were(recorder):
    import ipywidgets

    from nnwidgets.widgets.boxes import register

    shell = Shell()
    d = demo.digits()
    a, b = nw.Attribution(d.model, d.inputs[0]), nw.Layers(d.model, d.inputs[:2])
    inner = ipywidgets.HBox([ipywidgets.HTML("deep"), ipywidgets.VBox([b])])
    box = ipywidgets.VBox([ipywidgets.HTML("title"), a, inner])
    plain = ipywidgets.HBox([ipywidgets.HTML("no view here")])
    own = plain._repr_mimebundle_()
    assert register(shell) and register(shell)  # once: the second call finds its printer
    assert len(shell.display_formatter.ipython_display_formatter.type_printers) == 1
    # display(box) and a box as the cell's last expression both go through format()
    assert shell.display_formatter.format(box) == ({}, {})  # it published itself
    (live, _), (fallback, _) = recorder.published
    assert live == box._repr_mimebundle_() and "image/png" not in live  # the live view as ipywidgets sends it
    assert fallback["text/html"].count("<img ") == 2
    for view in (a, b):
        assert f"nnw-fallback-{view._fallback_key}" in fallback["text/html"]
    assert base64.b64decode(fallback["image/png"]).startswith(b"\x89PNG")
    # a container without views is IPython's as before: its own bundle, as the execute_result, nothing else
    recorder.published.clear()
    data, _ = shell.display_formatter.format(plain)
    assert data == own and recorder.published == []


def test_the_container_printer_keeps_a_printer_registered_before_it(recorder):
    import ipywidgets

    from nnwidgets.widgets.boxes import register

    shell, seen = Shell(), []
    shell.display_formatter.ipython_display_formatter.for_type(ipywidgets.Box, seen.append)
    register(shell)
    plain = ipywidgets.VBox([ipywidgets.HTML("mine")])
    shell.display_formatter.format(plain)
    assert seen == [plain] and recorder.published == []


def test_views_register_the_container_printer_when_made_not_at_import():
    code = (
        "import json, sys\nfrom IPython.core.interactiveshell import InteractiveShell\n"
        "shell = InteractiveShell.instance()\nimport ipywidgets\nimport nnwidgets as nw\nfrom nnwidgets import demo\n"
        "printers = shell.display_formatter.ipython_display_formatter.type_printers\n"
        "before = ipywidgets.Box in printers\nd = demo.digits()\nnw.Attribution(d.model, d.inputs[0])\n"
        "print(json.dumps([before, ipywidgets.Box in printers]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO,
                         env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
    assert json.loads(out.stdout.strip().splitlines()[-1]) == [False, True]


def test_state_lists_its_binary_traits_and_a_resend_request_sends_them_again(monkeypatch):
    d = demo.digits()
    w = nw.Attribution(d.model, d.inputs[0])
    state = w.get_state()
    assert "_maps" in state["_binary"] and "_input" in state["_binary"] and "error" not in state["_binary"]
    sent = []
    monkeypatch.setattr(w, "send_state", lambda key=None: sent.append(key))
    w._on_view_message(w, {"kind": "something else"}, [])
    w._on_view_message(w, {"kind": "nnw-resend-state"}, [])
    assert sent == [None]  # the whole state, as an update (which keeps its buffers)


def test_save_html_leaves_the_live_view_as_it_was_and_sends_it_nothing(tmp_path, monkeypatch):
    import re

    d = demo.digits()
    w = nw.Attribution(d.model, d.inputs[:3], labels=d.class_names)
    before = {k: getattr(w, k) for k in w.keys}
    sent = []
    monkeypatch.setattr(type(w), "_send", lambda self, *a, **k: sent.append(a))
    path = w.save_html(tmp_path / "v.html")
    assert sent == [] and all(getattr(w, k) is v for k, v in before.items())
    saved = json.loads(re.search(r'id="nnw-saved">(.*?)</script>', path.read_text(), re.S).group(1))
    requests = [a["request"] for a in saved["answers"]]
    # the other two examples (each explains its own predicted class) and two runner-up classes
    assert [r["index"] for r in requests if r["target"] == "predicted"] == [1, 2]
    assert len([r for r in requests if r["target"] != "predicted"]) == 2
    assert saved["esm"].startswith("function") or "render" in saved["esm"]
    assert "<script" not in path.read_text().split('id="nnw-saved">')[1].split("</script>")[0]
