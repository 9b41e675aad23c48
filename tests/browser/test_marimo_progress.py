"""In marimo (no IPython kernel), a slow method computes in the worker thread too: the
view shows its progress, the cancel button stops it, and another widget answers meanwhile."""

from __future__ import annotations

import time

from .conftest import ARTIFACTS
from .hosts import marimo_server, need

ROOT = "div.nnw-attribution"

APP = '''import marimo

app = marimo.App()


@app.cell
def _():
    import time

    import marimo as mo
    import torch
    from torch import nn

    import nnwidgets as nw

    class Slow(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(6, 3)

        def forward(self, x):
            time.sleep(0.05)
            return self.lin(x)

    torch.manual_seed(0)
    model = Slow()
    w = nw.Attribution(model, torch.linspace(-1, 1, 6), method="gradient", trust=False,
                       method_options={"integrated_gradients": {"n_steps": 400, "internal_batch_size": 4}})
    view = mo.ui.anywidget(w)
    view
    return mo, nw, torch, view, w


@app.cell
def _(mo, nw, torch):
    other = nw.Attribution(torch.nn.Linear(4, 2), torch.ones(4), method="gradient", trust=False)
    other_view = mo.ui.anywidget(other)
    other_view
    return other, other_view


if __name__ == "__main__":
    app.run()
'''


def _until(cond, timeout: float, what: str) -> None:
    # marimo draws widgets inside shadow roots: document.querySelector cannot see them,
    # Playwright's locators can, so conditions are polled through locators.
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def test_marimo_slow_method_shows_progress_cancels_and_the_kernel_answers_meanwhile(tmp_path, browser, page):
    need("marimo")
    app = tmp_path / "app.py"
    app.write_text(APP)
    server = marimo_server(tmp_path, app)
    try:
        page.goto(server.url, wait_until="commit", timeout=180_000)
        views = page.locator(ROOT)
        _until(lambda: views.count() == 2 and views.nth(1).locator(".nnw-frow").count() > 0, 120, "two views")
        first, second = views.nth(0), views.nth(1)
        progress = first.locator("div.nnw-progress")
        first.locator("select.nnw-method").select_option("integrated_gradients")
        # 100 chunks of 50 ms in the worker: the bar moves while it runs.
        _until(lambda: progress.is_visible() and float(progress.get_attribute("data-fraction") or 0) > 0.05,
               60, "progress")
        label = first.locator(".nnw-progress-label").inner_text()
        assert label.startswith("Integrated gradients"), label
        # The kernel is free: the other view answers while the first computes.
        second.locator("select.nnw-method").select_option("saliency")
        _until(lambda: "Saliency" in second.locator(".nnw-status").inner_text(), 30, "the other view's answer")
        assert progress.is_visible(), "the slow request must still be running while the other view answered"
        first.locator("button.nnw-cancel").click()
        _until(lambda: "cancelled" in first.locator(".nnw-status").inner_text(), 15, "cancelled")
        assert progress.is_hidden()
        assert first.locator("select.nnw-method").input_value() == "gradient"
        page.screenshot(path=str(ARTIFACTS / "marimo-progress-cancelled.png"), full_page=True)
    finally:
        server.stop()
    assert page.console_errors == []
