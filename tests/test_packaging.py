"""A wheel built from the source carries the front-end bundle and the demo data."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]



def test_wheel_contains_bundle_and_demo_data(tmp_path):
    pytest.importorskip("hatch_jupyter_builder")
    # No build isolation: the test extra already installed the build backend, and
    # --no-deps keeps pip from fetching torch for the wheel directory.
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), str(REPO)],
        check=True,
    )
    (wheel,) = tmp_path.glob("nnwidgets-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "nnwidgets/static/attribution.js" in names
    for f in ("digits_cnn.pt", "breast_cancer_mlp.pt", "digits_test.npz", "breast_cancer_test.npz", "metrics.json"):
        assert f"nnwidgets/demo/data/{f}" in names
    assert not any(n.startswith(("tests/", "js/")) for n in names)
    bundle = zipfile.ZipFile(wheel).read("nnwidgets/static/attribution.js")
    assert b"nnw-canvas" in bundle and len(bundle) > 2000
    assert wheel.stat().st_size < 2_000_000
