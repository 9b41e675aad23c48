"""In a real JupyterLab: a failing recompute shows in the view, the kernel lives on,
and names from users render as text, never as HTML."""

from __future__ import annotations


from .lab import open_and_run, write_notebook

HOSTILE = '<img src=x onerror="window.__xss=1">'

CELLS = [
    """import torch
import nnwidgets as nw

class Flaky(torch.nn.Module):
    fail = False
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(36, 3)
    def forward(self, x):
        if self.fail:
            raise RuntimeError("flaky model says no")
        return self.fc(x.flatten(1))

torch.manual_seed(0)
model = Flaky()
labels = [%r, "<b>bold</b>", "plain & simple"]
view = nw.Attribution(model, torch.rand(1, 6, 6), labels=labels, top_k=3)
view""" % HOSTILE,
    "model.fail = True",
]


def test_error_in_view_and_names_as_text(lab, page):
    open_and_run(page, lab, write_notebook(lab.root, "errors.ipynb", CELLS))
    page.wait_for_function("() => document.querySelector('canvas.nnw-canvas')?.dataset.rendered !== undefined", timeout=60_000)
    # wait for the second cell (model.fail = True) to have run
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('.jp-InputPrompt')).some(p => p.textContent.includes('[2]'))",
        timeout=30_000,
    )

    labels = page.locator("button.nnw-bar .nnw-bar-label").all_inner_texts()
    assert HOSTILE in labels and "<b>bold</b>" in labels and "plain & simple" in labels
    assert page.locator("div.nnw-attribution img").count() == 0
    assert page.locator("div.nnw-attribution b").count() == 0
    assert page.evaluate("() => window.__xss") is None

    target = page.locator("canvas.nnw-canvas").get_attribute("data-target")
    other = next(str(k) for k in range(3) if str(k) != target)
    page.locator(f"button.nnw-bar[data-class='{other}']").click()
    error = page.locator("div.nnw-error")
    error.wait_for(state="visible", timeout=30_000)
    assert "flaky model says no" in error.inner_text()
    # The last good drawing stays under the message, and the kernel is alive.
    assert page.locator("canvas.nnw-canvas").get_attribute("data-target") == target
    status = page.evaluate(
        "async () => { const k = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;"
        " await k.requestKernelInfo(); return k.status; }"
    )
    assert status in ("idle", "busy")
    assert page.console_errors == []
