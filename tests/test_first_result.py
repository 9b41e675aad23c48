"""Importance and Embedding compute their first result after the constructor returns.

In a kernel (an asyncio loop stands in for it, as in test_attribution_jobs.py) the
pass over the data runs in the worker: the constructor returns before the model's
first forward has finished, the view gets progress, cancel stops it and leaves no
hook, and a new request computes it. Without a kernel it runs in the constructor
with a tqdm bar. Gates (Events the model waits on) make the order certain, not timings.
"""

from __future__ import annotations

import asyncio
import sys
import threading

import numpy as np
import pytest
import torch
from torch import nn

import nnwidgets as nw
from nnwidgets.engine import ExplanationInputError

from .models import assert_same, fingerprint
from .test_attribution_jobs import run, wait_for


class Gated(nn.Module):
    """A classifier of 6 features whose forwards are counted and, while ``gate`` is
    closed, wait for it (past ``free`` forwards); it remembers the module objects it ran as
    (the engine's private views) so their hooks can be checked."""

    def __init__(self, free: int = 0) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.fc1, self.fc2 = nn.Linear(6, 8), nn.Linear(8, 3)
        self.shared = {"calls": 0, "free": free, "gate": threading.Event(), "ran_as": []}

    @property
    def calls(self) -> int:
        return self.shared["calls"]

    def forward(self, x):
        s = self.shared
        s["calls"] += 1
        s["ran_as"].append(self)
        if s["calls"] > s["free"]:
            assert s["gate"].wait(20), "the gate never opened"
        return self.fc2(torch.relu(self.fc1(x)))


def data(n: int = 64) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(1)
    return torch.randn(n, 6, generator=g), torch.randint(0, 3, (n,), generator=g)


def no_hooks(model: Gated) -> bool:
    modules = [m for view in [model, *model.shared["ran_as"]] for m in view.modules()]
    return not any(m._forward_hooks or m._forward_pre_hooks for m in modules)


def opened(model: Gated) -> Gated:
    model.shared["gate"].set()
    return model


# -- Embedding ---------------------------------------------------------------------------

def test_embedding_returns_before_its_first_result_and_shows_progress(monkeypatch):
    x, y = data()
    model = Gated()
    before = fingerprint(model)
    progress: list[dict] = []
    reference = nw.Embedding(opened(Gated()), torch.utils.data.TensorDataset(x, y), layer="fc1", batch_size=8)

    async def scenario():
        w = nw.Embedding(model, torch.utils.data.TensorDataset(x, y), layer="fc1", batch_size=8)
        w.observe(lambda c: progress.append(dict(c["new"])), names="_progress")
        # The worker waits in the first forward: the constructor returned without it.
        assert not w.ready and w.n_points == 0 and model.calls <= 1
        await wait_for(lambda: model.calls == 1)
        with pytest.raises(TimeoutError, match="still being computed"):
            w.wait(timeout=0.05)
        model.shared["gate"].set()
        await wait_for(lambda: w.ready)
        return w

    w = run(scenario, monkeypatch)
    assert w.error == "" and w.n_points == 64 and w.color_by == "correct"
    np.testing.assert_allclose(w.coords, reference.coords, rtol=1e-5, atol=1e-6)
    assert model.calls == 8  # 64 rows in batches of 8: the sweep ran once
    sweep = [p for p in progress if p.get("method") == "sweep"]
    assert sweep and sweep[0]["seq"] == 1 and sweep[-1]["total"] == 64
    assert all(0 <= p["done"] <= p["total"] for p in sweep)
    assert w._progress == {}
    assert_same(before, fingerprint(model))


def test_embedding_cancel_during_the_first_pass_then_a_new_request(monkeypatch):
    x, y = data()
    model = Gated(free=2)

    async def scenario():
        w = nw.Embedding(model, torch.utils.data.TensorDataset(x, y), layer="fc1", batch_size=8)
        await wait_for(lambda: model.calls == 3)  # two forwards done, the third waits
        w._request = {"seq": 1, "cancel": True}
        model.shared["gate"].set()
        await wait_for(lambda: w._jobs.running is None)
        assert not w.ready and "Stopped" in w.error and w._progress == {}
        assert model.calls < 8 and no_hooks(model)
        with pytest.raises(ExplanationInputError, match="cancelled"):
            w.wait()
        w._request = {"seq": 2, "click": 0}  # nothing to click yet: said in the view
        assert "still being computed" in w.error
        w._request = {"seq": 3, "projection": "pca"}
        await wait_for(lambda: w.ready)
        return w

    w = run(scenario, monkeypatch)
    assert w.error == "" and w.n_points == 64 and w._seq == 3 and no_hooks(model)
    w.click(5)
    assert w.clicked == 5


def test_embedding_reads_wait_for_the_first_result_on_the_kernel_thread(monkeypatch):
    x, y = data()
    model = Gated(free=10**6)

    async def scenario():
        w = nw.Embedding(model, x, layer="fc1", targets=y, batch_size=8)
        assert not w.ready
        png = w._static_png()  # the fallback picture says it is not ready, without waiting
        assert png and not w.ready
        fig = w.to_figure()  # waits (the loop is blocked: the worker's value is taken directly)
        assert w.ready and w.n_points == 64 and fig.axes
        return w

    w = run(scenario, monkeypatch)
    assert w.error == "" and len(w.predicted) == 64


def test_embedding_bad_input_still_fails_in_the_constructor(monkeypatch):
    x, y = data()

    async def scenario():
        with pytest.raises(Exception, match="nope"):
            nw.Embedding(Gated(), x, layer="nope")
        with pytest.raises(ExplanationInputError, match="texts"):
            nw.Embedding(Gated(), x, layer="fc1", texts=["a"])
        with pytest.raises(ExplanationInputError, match="color_by"):
            nw.Embedding(Gated(), x, layer="fc1", color_by="size")
        # Known only after the pass: shown in the view, raised by wait().
        w = nw.Embedding(opened(Gated()), x, layer="fc1", labels=["a", "b"])
        await wait_for(lambda: w.error != "")
        assert "labels" in w.error and not w.ready
        with pytest.raises(ExplanationInputError, match="labels"):
            w.wait()

    run(scenario, monkeypatch)


# -- Importance --------------------------------------------------------------------------

def test_importance_returns_before_its_first_result_and_reports_progress(monkeypatch):
    x, y = data(40)
    model = Gated()
    progress: list[dict] = []
    reference = nw.Importance(opened(Gated()), x, targets=y, repeats=2, method="gradient")

    async def scenario():
        w = nw.Importance(model, x, targets=y, repeats=2, method="gradient")
        w.observe(lambda c: progress.append(dict(c["new"])), names="_progress")
        assert not w.ready and w._permutation == {} and model.calls <= 1
        model.shared["gate"].set()
        await wait_for(lambda: w.ready)
        return w

    w = run(scenario, monkeypatch)
    assert w.error == "" and w._seq == 1
    np.testing.assert_allclose(w.permutation.mean, reference.permutation.mean)
    np.testing.assert_allclose(w.spread.values, reference.spread.values, rtol=1e-6)
    stages = [p["what"] for p in progress if p]
    assert stages[0] == "permutation" and stages[-1] == "gradient"
    assert all(p["seq"] == 1 for p in progress if p)


def test_importance_cancel_during_the_first_pass_then_a_new_method(monkeypatch):
    x, y = data(40)
    model = Gated(free=3)

    async def scenario():
        w = nw.Importance(model, x, targets=y, repeats=5, method="gradient")
        await wait_for(lambda: model.calls == 4)
        w._request = {"seq": 1, "cancel": True}
        model.shared["gate"].set()
        await wait_for(lambda: w._jobs.running is None)
        assert not w.ready and "Stopped" in w.error and no_hooks(model)
        calls = model.calls
        w._request = {"seq": 2, "method": "input_x_gradient"}
        await wait_for(lambda: w.ready)
        return w, calls

    w, calls = run(scenario, monkeypatch)
    assert calls < 20
    assert w.error == "" and w.method == "input_x_gradient" and w.spread.method == "input_x_gradient"
    assert w.permutation.mean.shape == (6,) and no_hooks(model)


def test_importance_wait_on_the_kernel_thread(monkeypatch):
    x, y = data(40)
    model = Gated(free=10**6)

    async def scenario():
        w = nw.Importance(model, x, targets=y, repeats=2, method="gradient")
        assert not w.ready
        p = w.permutation  # waits for the worker
        assert w.ready and p.mean.shape == (6,)
        return w

    w = run(scenario, monkeypatch)
    assert w.error == ""


# -- outside a kernel ---------------------------------------------------------------------

def test_outside_a_kernel_the_constructor_computes_with_a_tqdm_bar(capsys):
    x, y = data(40)
    w = nw.Importance(opened(Gated()), x, targets=y, repeats=2, method="gradient")
    assert w.ready and w.permutation.mean.shape == (6,)
    assert "Importance" in capsys.readouterr().err
    e = nw.Embedding(opened(Gated()), x, layer="fc1", targets=y)
    assert e.ready and e.n_points == 40
    assert "Embedding" in capsys.readouterr().err


def test_without_tqdm_no_bar(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)  # import fails
    x, y = data(40)
    w = nw.Importance(opened(Gated()), x, targets=y, repeats=2, method="gradient")
    assert w.ready and "Importance" not in capsys.readouterr().err


def test_outside_a_kernel_bad_input_raises_in_the_constructor():
    x, y = data(40)
    with pytest.raises(ExplanationInputError, match="labels"):
        nw.Embedding(opened(Gated()), x, layer="fc1", labels=["a", "b"])
    with pytest.raises(ExplanationInputError, match="metric"):
        nw.Importance(opened(Gated()), x, targets=y, metric="f7")


def test_refresh_computes_the_first_result_after_a_cancel(monkeypatch):
    x, y = data(40)
    model = Gated(free=1)

    async def scenario():
        w = nw.Importance(model, x, targets=y, repeats=2, method="gradient")
        e = nw.Embedding(opened(Gated()), x, layer="fc1", targets=y, batch_size=8)
        await wait_for(lambda: model.calls == 2)
        w._request = {"seq": 1, "cancel": True}
        model.shared["gate"].set()
        await wait_for(lambda: w._jobs.running is None)
        assert not w.ready
        w.refresh()  # on this thread, as the error in the view says
        e.refresh()
        return w, e

    w, e = run(scenario, monkeypatch)
    assert w.ready and w.error == "" and w.permutation.mean.shape == (6,)
    assert e.ready and e.n_points == 40
