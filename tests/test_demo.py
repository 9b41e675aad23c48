"""Tests for nnwidgets.demo: shipped artifacts, loaders and deterministic training."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

import nnwidgets.demo as demo
from nnwidgets.demo.models import BreastCancerMLP, DigitsCNN

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = REPO_ROOT / "nnwidgets" / "demo" / "data"
METRICS = json.loads((DATA_DIR / "metrics.json").read_text(encoding="utf-8"))


def _require_sklearn() -> None:
    # On CI the test extra must be installed, so a missing sklearn is a failure there.
    if os.environ.get("CI") == "true":
        import sklearn  # noqa: F401
    else:
        pytest.importorskip("sklearn")


@pytest.fixture(scope="module")
def digits_set() -> demo.DemoSet:
    return demo.digits()


@pytest.fixture(scope="module")
def cancer_set() -> demo.DemoSet:
    return demo.breast_cancer()


def test_digits_loader(digits_set: demo.DemoSet) -> None:
    d = digits_set
    assert isinstance(d, demo.DemoSet)
    assert isinstance(d.model, DigitsCNN)
    assert not d.model.training
    n = METRICS["digits"]["n_test"]
    assert d.inputs.dtype == torch.float32 and d.inputs.shape == (n, 1, 8, 8)
    assert float(d.inputs.min()) >= 0.0 and float(d.inputs.max()) <= 1.0
    assert float(d.inputs.max()) == 1.0  # scaled by 16, not by the batch max
    assert d.targets.dtype == torch.int64 and d.targets.shape == (n,)
    assert set(d.targets.tolist()) == set(range(10))
    assert d.class_names == [str(i) for i in range(10)]
    assert d.feature_names is None
    assert d.test_accuracy == METRICS["digits"]["test_accuracy"]
    assert d.model(d.inputs[:3]).shape == (3, 10)


def test_breast_cancer_loader(cancer_set: demo.DemoSet) -> None:
    c = cancer_set
    assert isinstance(c.model, BreastCancerMLP)
    assert not c.model.training
    n = METRICS["breast_cancer"]["n_test"]
    assert c.inputs.dtype == torch.float32 and c.inputs.shape == (n, 30)
    # Raw units: e.g. "mean area" is in the hundreds, so the inputs are not standardized.
    assert float(c.inputs.max()) > 100.0
    assert c.targets.dtype == torch.int64 and c.targets.shape == (n,)
    assert set(c.targets.tolist()) == {0, 1}
    assert c.class_names == ["malignant", "benign"]
    assert isinstance(c.feature_names, list) and len(c.feature_names) == 30
    assert all(isinstance(f, str) for f in c.feature_names)
    assert c.feature_names[0] == "mean radius"
    assert c.test_accuracy == METRICS["breast_cancer"]["test_accuracy"]
    assert c.model(c.inputs[:3]).shape == (3, 2)
    # The standardization statistics travel in the state_dict.
    sd = c.model.state_dict()
    assert "scale.mean" in sd and "scale.std" in sd
    assert float(sd["scale.std"].min()) > 0.0


def test_demoset_frozen_and_fresh_models(digits_set: demo.DemoSet) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        digits_set.model = None  # type: ignore[misc]
    other = demo.digits()
    assert other.model is not digits_set.model
    assert "DigitsCNN" in repr(other)


def test_no_inplace_relu() -> None:
    for model in (DigitsCNN(), BreastCancerMLP()):
        relus = [m for m in model.modules() if isinstance(m, torch.nn.ReLU)]
        assert relus and not any(m.inplace for m in relus)


@pytest.mark.parametrize("loader, key", [(demo.digits, "digits"), (demo.breast_cancer, "breast_cancer")])
def test_shipped_accuracy_matches_metrics(loader, key: str) -> None:
    ds = loader()
    with torch.no_grad():
        acc = (ds.model(ds.inputs).argmax(dim=1) == ds.targets).double().mean().item()
    assert acc == pytest.approx(METRICS[key]["test_accuracy"], abs=1e-12)
    assert acc >= 0.95


@pytest.mark.parametrize("name", ["digits_cnn.pt", "breast_cancer_mlp.pt"])
def test_weight_files_small(name: str) -> None:
    assert (DATA_DIR / name).stat().st_size < 1_000_000


def test_metrics_record_provenance() -> None:
    assert isinstance(METRICS["seed"], int)
    assert METRICS["torch_version"]
    for key in ("digits", "breast_cancer"):
        m = METRICS[key]
        assert m["epochs"] > 0 and m["n_train"] > m["n_test"] > 0


def _assert_same_state(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> None:
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), k


def test_train_breast_cancer_deterministic() -> None:
    _require_sklearn()
    from nnwidgets.demo.train import train_breast_cancer

    m1, met1 = train_breast_cancer(seed=0, epochs=5)
    m2, met2 = train_breast_cancer(seed=0, epochs=5)
    _assert_same_state(m1.state_dict(), m2.state_dict())
    assert met1 == met2
    assert met1["n_test"] == METRICS["breast_cancer"]["n_test"]


def test_train_digits_deterministic() -> None:
    _require_sklearn()
    from nnwidgets.demo.train import train_digits

    threads = torch.get_num_threads()
    m1, met1 = train_digits(seed=0, epochs=1)
    m2, met2 = train_digits(seed=0, epochs=1)
    _assert_same_state(m1.state_dict(), m2.state_dict())
    assert met1 == met2
    # Global settings are restored for the caller.
    assert torch.get_num_threads() == threads
    assert not torch.are_deterministic_algorithms_enabled()


def _run_without_sklearn(code: str) -> subprocess.CompletedProcess[str]:
    prelude = "import sys; sys.modules['sklearn'] = None\n"
    return subprocess.run(
        [sys.executable, "-c", prelude + code],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_loaders_work_without_sklearn() -> None:
    proc = _run_without_sklearn(
        "import nnwidgets.demo\n"
        "d = nnwidgets.demo.digits(); c = nnwidgets.demo.breast_cancer()\n"
        "assert 'sklearn' not in [m.split('.')[0] for m, v in sys.modules.items() if v is not None]\n"
        "print(tuple(d.inputs.shape), tuple(c.inputs.shape))\n"
    )
    assert proc.returncode == 0, proc.stderr
    assert "1, 8, 8) (" in proc.stdout


def test_train_script_without_sklearn_explains() -> None:
    proc = _run_without_sklearn(
        "import runpy; runpy.run_module('nnwidgets.demo.train', run_name='__main__')"
    )
    assert proc.returncode != 0
    assert "pip install nnwidgets[demo]" in proc.stderr
