"""The theme is a lab setting the server keeps: a test that switches to the dark theme and
then fails must not leave the tests after it dark."""

from __future__ import annotations

import pytest

from .lab import IS_THEME, themes

APP = "() => !!window.jupyterapp?.commands?.hasCommand('apputils:change-theme')"


def _open(page, lab) -> None:
    page.goto(f"{lab.url}/lab?reset")
    page.wait_for_function(APP, timeout=60_000)


def test_a_test_failing_in_the_dark_theme_leaves_the_lab_light(lab, page):
    _open(page, lab)
    with pytest.raises(AssertionError, match="midway"):
        with themes(page, lab) as switch:
            switch("JupyterLab Dark")
            assert page.evaluate(IS_THEME, True)
            raise AssertionError("failed midway, in the dark theme")
    # a later test's page: it loads the lab's saved theme, which is light again
    later = page.context.new_page()
    _open(later, lab)
    # IS_THEME also waits for the splash to go, which happens only once the saved theme is on
    later.wait_for_function(IS_THEME, arg=False, timeout=30_000)
    later.wait_for_timeout(500)
    assert later.evaluate(IS_THEME, False), "the dark theme leaked into a later page"
    later.close()
