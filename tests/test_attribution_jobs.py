"""In a kernel, Attribution computes in a worker thread: progress, cancel, newest wins.

An asyncio loop stands in for the kernel's; requests are set on the loop's
thread as comm messages would be, and the loop keeps turning while the worker
computes, exactly what lets a real kernel read the cancel click.
"""

from __future__ import annotations

import asyncio
import threading
import time

import numpy as np
import pytest
import torch
from torch import nn

import nnwidgets as nw
from nnwidgets.widgets import base as base_module

from .models import assert_same, fingerprint


class Slow(nn.Module):
    """A small classifier whose forward takes ``delay`` seconds and is counted."""

    def __init__(self, delay: float = 0.03) -> None:
        super().__init__()
        self.delay = delay
        # A shared cell, not an int attribute: the engine runs a private view of
        # the model, whose own attributes are its own.
        self._calls = [0]
        self.lin = nn.Linear(6, 3)
        torch.manual_seed(0)
        nn.init.normal_(self.lin.weight)

    @property
    def calls(self) -> int:
        return self._calls[0]

    @calls.setter
    def calls(self, value: int) -> None:
        self._calls[0] = value

    def forward(self, x):
        self._calls[0] += 1
        time.sleep(self.delay)
        return self.lin(x)


def make(model: Slow) -> nw.Attribution:
    # 80 steps in chunks of 4 rows: 20 forwards with a progress step after each.
    return nw.Attribution(
        model, torch.linspace(-1, 1, 6), method="gradient", trust=False,
        method_options={"integrated_gradients": {"n_steps": 80, "internal_batch_size": 4}},
    )


async def wait_for(cond, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        await asyncio.sleep(0.005)


def run(coro_fn, monkeypatch):
    """Run the scenario on a fresh event loop in its own thread (pytest's thread
    may already run one, e.g. Playwright's in the browser tests)."""
    outcome: dict = {}

    async def main():
        monkeypatch.setattr(base_module, "kernel_loop", asyncio.get_running_loop)
        return await coro_fn()

    def target():
        try:
            outcome["value"] = asyncio.run(main())
        except BaseException as exc:  # re-raised in the test's thread
            outcome["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(60)
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def test_progress_then_a_newer_request_supersedes_the_running_one(monkeypatch):
    model = Slow()
    w = make(model)
    before = fingerprint(model)
    answered, progress = [], []
    w.observe(lambda c: answered.append(c["new"]), names="_seq")
    w.observe(lambda c: progress.append(dict(c["new"])), names="_progress")

    async def scenario():
        model.calls = 0
        w._request = {"seq": 1, "method": "integrated_gradients", "compare": [], "target": 0}
        await wait_for(lambda: any(p.get("done", 0) >= 2 for p in progress))
        w._request = {"seq": 2, "method": "saliency", "compare": [], "target": 0}
        await wait_for(lambda: w._seq == 2)
        await asyncio.sleep(0.1)

    run(scenario, monkeypatch)
    assert answered == [2], "the superseded request must not be answered"
    assert w.method == "saliency" and w.error == ""
    assert 2 <= model.calls < 20, model.calls  # IG stopped early; saliency took one more forward
    running = [p for p in progress if p.get("state") == "running"]
    assert running and running[0]["seq"] == 1 and running[0]["title"] == "Integrated gradients"
    assert all(0.0 <= p["fraction"] <= 1.0 for p in running)
    assert w._progress == {}
    assert_same(before, fingerprint(model))


def test_cancel_keeps_the_maps_on_screen(monkeypatch):
    model = Slow()
    w = make(model)
    shown = w.attribution_map.copy()
    before = fingerprint(model)

    async def scenario():
        w._request = {"seq": 1, "method": "integrated_gradients", "compare": [], "target": 0}
        await wait_for(lambda: w._progress.get("done", 0) >= 1)
        w._request = {"seq": 2, "cancel": True}
        await asyncio.sleep(0.3)  # the worker stops at its next step; nothing more is answered

    run(scenario, monkeypatch)
    assert w._seq == 2 and w.error == ""
    assert w._progress == {"seq": 2, "state": "cancelled"}
    assert w.method == "gradient"
    np.testing.assert_array_equal(w.attribution_map, shown)
    assert_same(before, fingerprint(model))


def test_answer_then_trust_from_the_worker(monkeypatch):
    model = Slow(delay=0.0)
    w = nw.Attribution(model, torch.linspace(-1, 1, 6), method="gradient")

    async def scenario():
        w._request = {"seq": 1, "method": "input_x_gradient", "compare": ["integrated_gradients"], "target": 2}
        await wait_for(lambda: w._seq == 1)
        await wait_for(lambda: w._trust.get("seq") == 1)

    run(scenario, monkeypatch)
    x = torch.linspace(-1, 1, 6)
    expected = (model.lin.weight[2] * x).detach().numpy()
    np.testing.assert_allclose(w.maps["input_x_gradient"], expected, rtol=1e-5, atol=1e-7)
    assert w._trust["methods"] == ["input_x_gradient", "integrated_gradients"]
    assert w._trust["ig_delta"] == pytest.approx(0.0, abs=1e-4)  # linear model: IG is exact


def test_model_errors_in_the_worker_reach_the_view(monkeypatch):
    model = Slow(delay=0.0)
    w = make(model)

    def broken(x):
        raise RuntimeError("broken forward")

    async def scenario():
        model.forward = broken
        w._request = {"seq": 1, "method": "integrated_gradients", "compare": [], "target": 0}
        await wait_for(lambda: w._seq == 1)

    run(scenario, monkeypatch)
    assert "broken forward" in w.error
    assert not any(m._forward_hooks for m in model.modules())


def test_a_python_side_change_waits_for_the_worker_to_let_go(monkeypatch):
    model = Slow()
    w = make(model)
    before = fingerprint(model)

    async def scenario():
        w._request = {"seq": 1, "method": "integrated_gradients", "compare": [], "target": 0}
        await wait_for(lambda: w._progress.get("done", 0) >= 1)
        w.target = 2  # as a cell would: computed at once, on this thread, after the worker stopped
        assert w._jobs.running is None or w._jobs.running.cancel.is_set()
        assert not w._jobs._thread.is_alive()
        await asyncio.sleep(0.2)

    run(scenario, monkeypatch)
    assert w.target == 2 and w.method == "gradient" and w.error == ""
    assert_same(before, fingerprint(model))


class Deep(nn.Module):
    """Two layers to re-initialise, a slow forward, and a record of which copy ran each forward."""

    runs: list[torch.Tensor] = []  # class-level: the randomization check's deep copies record here too

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.lin1, self.lin2 = nn.Linear(6, 8), nn.Linear(8, 3)

    def forward(self, x):
        Deep.runs.append(self.lin2.weight)
        time.sleep(0.02)
        return self.lin2(torch.relu(self.lin1(x)))


def test_a_newer_request_stops_the_trust_job_inside_its_cascade(monkeypatch):
    model = Deep()
    w = nw.Attribution(model, torch.linspace(-1, 1, 6), method="gradient", compare=["saliency", "input_x_gradient"],
                       randomize_layers=2)
    before = fingerprint(model)

    def copies() -> int:  # forwards so far on a randomized copy (private views share the weights)
        return sum(t is not model.lin2.weight for t in Deep.runs)

    async def scenario():
        Deep.runs.clear()
        w._request = {"seq": 1, "method": "gradient", "compare": ["saliency", "input_x_gradient"], "target": 0}
        await wait_for(lambda: copies() >= 1)  # the trust job of answer 1 is in its cascade (6 maps)
        asked = copies()
        w._request = {"seq": 2, "method": "saliency", "compare": [], "target": 1}
        await wait_for(lambda: w._seq == 2)
        stopped = copies()
        await wait_for(lambda: w._trust.get("seq") == 2)
        return asked, stopped

    asked, stopped = run(scenario, monkeypatch)
    # The cascade stops at its next map: the forward in flight, and at most one racing the request.
    assert stopped - asked <= 2, (asked, stopped)
    assert w.method == "saliency" and w.target == 1 and w.error == ""
    assert not any(m._forward_hooks for m in model.modules())
    assert_same(before, fingerprint(model))
