"""Shared test set-up.

Under CI (``CI=true``) a test never skips itself for a missing browser, server
or package: the set-up script installs them, so a skip there means the set-up
is broken and is reported as a failure.
"""

from __future__ import annotations

import os

import pytest
import torch

# Tiny models run fastest on one thread, and test runs share two cores.
torch.set_num_threads(1)

UNDER_CI = os.environ.get("CI", "").lower() == "true"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    # Only hardware may be missing under CI: GPU tests run where a GPU is lent.
    allowed = item.get_closest_marker("gpu") is not None
    if UNDER_CI and report.skipped and not allowed and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped under CI=true, which counts as a failure: {report.longrepr}"
