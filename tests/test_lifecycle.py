"""A view over a model other code keeps using: refresh after training, answers marked
stale when the weights change under them, close() mid-job, several views on one model."""

from __future__ import annotations

import asyncio
import random
import threading
import time

import numpy as np
import pytest
import torch
from torch import nn

import nnwidgets as nw
from nnwidgets import demo
from nnwidgets.widgets.base import STALE

from .test_attribution_jobs import Slow, run, wait_for


def _step(model: nn.Module, x: torch.Tensor) -> None:
    """One optimizer step: the weights change in place, as training in another cell does."""
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    model(x).sum().backward()
    opt.step()
    opt.zero_grad(set_to_none=True)


def test_refresh_recomputes_on_the_current_weights() -> None:
    d = demo.digits()
    model = d.model
    torch.manual_seed(0)
    model = type(model)()
    model.load_state_dict(d.model.state_dict())
    model.eval()
    x = d.inputs[:3]
    att = nw.Attribution(model, x, labels=d.class_names, method="saliency", target=3, trust=False)
    lay = nw.Layers(model, x, labels=d.class_names, layer="features.conv1")
    _step(model, x)
    att.refresh()
    lay.refresh()
    want = nw.attribute(model, x[:1], "saliency", 3).attributions[0].abs().amax(0)
    np.testing.assert_allclose(att.attribution_map, want.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(lay.activation, nw.capture(model, x[:1], ["features.conv1"])["features.conv1"][0].numpy(),
                               rtol=1e-5, atol=1e-6)
    cancer = demo.breast_cancer()
    m2 = type(cancer.model)()
    m2.load_state_dict(cancer.model.state_dict())
    m2.eval()
    wi = nw.WhatIf(m2, cancer.inputs[0], feature_names=cancer.feature_names, data=cancer.inputs)
    _step(m2, cancer.inputs[:8])
    wi.refresh()
    with torch.no_grad():
        probs = torch.softmax(m2(cancer.inputs[:1]), 1)[0]
    np.testing.assert_allclose(wi.probabilities, probs.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(nw.transport.unpack(wi._probs_original), probs.numpy(), rtol=1e-5, atol=1e-6)


class Trainee(Slow):
    """Slow, and takes an optimizer-like in-place step on its weights during the
    first ``changes`` forwards of a computation in the worker."""

    def __init__(self, changes: int) -> None:
        super().__init__(delay=0.01)
        self.changes = [changes]
        self.armed = [False]

    def forward(self, x):
        if self.armed[0] and self.changes[0] > 0 and x.shape[0] > 1:
            self.changes[0] -= 1
            with torch.no_grad():
                self.lin.weight.mul_(1.01)
        return super().forward(x)


@pytest.mark.parametrize("changes, stale", [(1, False), (1000, True)])
def test_weights_changed_during_a_job(monkeypatch, changes: int, stale: bool) -> None:
    model = Trainee(changes)
    w = nw.Attribution(model, torch.linspace(-1, 1, 6), method="gradient", trust=False,
                       method_options={"integrated_gradients": {"n_steps": 40}})

    async def scenario():
        model.armed[0] = True
        w._request = {"seq": 1, "method": "integrated_gradients", "target": 0}
        await wait_for(lambda: w._seq == 1)

    run(scenario, monkeypatch)
    model.armed[0] = False
    if stale:
        assert w.error == STALE
    else:  # recomputed once on the weights as they are now: a clean answer
        assert w.error == ""
        want = nw.attribute(model, torch.linspace(-1, 1, 6)[None], "integrated_gradients", 0, n_steps=40)
        np.testing.assert_allclose(w.attribution_map, want.attributions[0].numpy(), rtol=1e-5, atol=1e-6)


def test_close_mid_job_cancels_and_applies_nothing(monkeypatch) -> None:
    model = Slow(delay=0.02)
    w = nw.Attribution(model, torch.linspace(-1, 1, 6), method="gradient", trust=False,
                       method_options={"integrated_gradients": {"n_steps": 400, "internal_batch_size": 4}})
    shown = w.attribution_map.copy()
    seen: list[int] = []

    async def scenario():
        w._request = {"seq": 1, "method": "integrated_gradients", "target": 0}
        await wait_for(lambda: w._progress.get("done", 0) >= 1)
        thread = w._jobs._thread
        calls = model.calls
        w.close()
        t0 = time.monotonic()
        thread.join(5)
        seen.extend([int(thread.is_alive()), model.calls - calls])
        await asyncio.sleep(0.2)  # the loop turns: a late answer would be applied now
        return time.monotonic() - t0

    took = run(scenario, monkeypatch)
    alive, more_forwards = seen
    assert not alive and took < 5
    assert more_forwards <= 1  # it stopped at its next step (100 forwards were left)
    assert w._seq == 0 and w.method == "gradient"
    np.testing.assert_array_equal(w.attribution_map, shown)


def test_views_on_one_model_interleaved(monkeypatch) -> None:
    """Three views on one model, requests interleaved at random: every answer equals
    a direct computation, and no hook is left on the model."""
    d = demo.digits()
    model, x = d.model, d.inputs[:4]
    views = [nw.Attribution(model, x, labels=d.class_names, method="gradient", trust=False) for _ in range(3)]
    layers = nw.Layers(model, x, labels=d.class_names, layer="features.conv1")
    rng = random.Random(0)
    methods = ["gradient", "saliency", "input_x_gradient", "integrated_gradients", "gradcam"]
    asked: dict[int, dict] = {}

    async def scenario():
        for step in range(60):
            i = rng.randrange(len(views))
            w = views[i]
            req = {"seq": w._seq + 1 + step, "method": rng.choice(methods), "index": rng.randrange(4),
                   "target": rng.randrange(10), "compare": []}
            asked[i] = req
            w._request = req
            if rng.random() < 0.3:
                layers.show(example=rng.randrange(4), target=rng.randrange(10))
            await asyncio.sleep(rng.random() * 0.01)
        for i, w in enumerate(views):
            await wait_for(lambda w=w, i=i: w._seq == asked[i]["seq"])

    run(scenario, monkeypatch)
    for i, w in enumerate(views):
        req = asked[i]
        assert w.error == "", w.error
        opts = {"layer": w.method_options.get("gradcam", {}).get("layer") or "features.conv2"} if req["method"] == "gradcam" else {}
        exp = nw.attribute(model, x[req["index"]: req["index"] + 1], req["method"], req["target"], **opts)
        assert w.method == req["method"] and w.index == req["index"] and w.target == req["target"]
        want = exp.attributions[0].sum(0)  # the view sums channels (one here)
        np.testing.assert_allclose(w.attribution_map, want.numpy(), rtol=1e-4, atol=1e-5)
    act = nw.capture(model, x[layers.example: layers.example + 1], ["features.conv1"])["features.conv1"][0]
    np.testing.assert_allclose(layers.activation, act.numpy(), rtol=1e-5, atol=1e-6)
    assert all(not m._forward_hooks and not m._forward_pre_hooks and not m._backward_hooks for m in model.modules())
