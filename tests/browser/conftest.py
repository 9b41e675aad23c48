"""Fixtures for the real-browser tests: a JupyterLab server and headless Chromium."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .lab import CHROMIUM, CHROMIUM_ARGS, Lab, copy_notebooks, themes

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "tests" / "artifacts"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    pytest.importorskip("jupyterlab", reason="jupyterlab is not installed")
    root = tmp_path_factory.mktemp("lab-root")
    copy_notebooks(REPO / "notebooks", root)
    server = Lab(tmp_path_factory.mktemp("lab-home"), root)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing: run scripts/setup.sh --browser")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, request):
    """A fresh page that records console errors; the test fails on any."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    errors: list[str] = []
    pg.on("console", lambda m: errors.append(f"console.{m.type}: {m.text}") if m.type == "error" else None)
    pg.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    pg.console_errors = errors
    yield pg
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        pg.screenshot(path=str(ARTIFACTS / f"{request.node.name}-end.png"), full_page=True)
    except Exception:
        pass
    context.close()


@pytest.fixture
def theme(page, lab):
    """``theme("JupyterLab Dark")`` switches the lab's theme. The theme is a lab setting the
    server keeps, so a test that fails midway would leave every later test dark: the light
    theme is restored after the test, whether it passed or not."""
    with themes(page, lab) as switch:
        yield switch
