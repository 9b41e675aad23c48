"""In a kernel, ``Attribution(...)`` returns after its first map; the compared methods and
the trust evidence stream in from the worker while the kernel answers other cells.
Outside a kernel the object is complete when the constructor returns."""

from __future__ import annotations

import asyncio
import time

import pytest
import torch
from torch import nn

import nnwidgets as nw

from .test_attribution_jobs import Slow, run, wait_for


def test_constructor_returns_after_the_main_map_and_the_rest_streams_in(monkeypatch):
    model = Slow(delay=0.05)
    x = torch.linspace(-1, 1, 6)
    box: dict = {}

    async def scenario():
        model.calls = 0
        started = time.perf_counter()
        w = box["w"] = nw.Attribution(model, x, method="gradient", compare=["integrated_gradients"],
                                      method_options={"integrated_gradients": {"n_steps": 40,
                                                                               "internal_batch_size": 4}})
        box["returned"] = time.perf_counter() - started
        box["calls_at_return"] = model.calls
        box["shown_at_return"], box["trust_at_return"] = list(w.shown), dict(w._trust)
        ticks = 0
        while not (w._trust.get("methods") and len(w.shown) == 2):  # the kernel turns meanwhile
            ticks += 1
            await asyncio.sleep(0.01)
            assert ticks < 3000, "the trust panel never arrived"
        box["ticks"] = ticks

    run(scenario, monkeypatch)
    w = box["w"]
    assert box["shown_at_return"] == ["gradient"] and box["trust_at_return"] == {}
    assert box["calls_at_return"] <= 3  # the batch row, (spatial layers: none) and the main map
    assert box["ticks"] > 5  # other cells ran while the worker computed
    assert w.shown == ["gradient", "integrated_gradients"] and w.error == ""
    assert w._trust["methods"] == ["gradient", "integrated_gradients"]


def test_outside_a_kernel_the_constructor_returns_the_full_view():
    w = nw.Attribution(Slow(delay=0.0), torch.linspace(-1, 1, 6), method="gradient",
                       compare=["integrated_gradients"])
    assert w.shown == ["gradient", "integrated_gradients"]
    assert w._trust["methods"] == ["gradient", "integrated_gradients"]


class CountingCNN(nn.Module):
    """A small image classifier that counts its forward calls (in a shared cell: the
    engine runs a private view, whose own attributes are its own)."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.calls = [0]
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.fc = nn.Linear(4 * 8 * 8, 5)

    def forward(self, x):
        self.calls[0] += 1
        return self.fc(torch.relu(self.conv(x)).flatten(1))


@pytest.mark.parametrize("method", ["input_x_gradient", "saliency", "gradient"])
def test_one_example_and_a_gradient_method_take_one_forward(method):
    """The batch row, the layers Grad-CAM can use and the first map come from one pass."""
    model, x = CountingCNN(), torch.randn(3, 8, 8)
    w = nw.Attribution(model, x, method=method, compare=["gradient", "saliency"], trust=False)
    assert model.calls[0] == 1
    for i, m in enumerate(w.shown):
        want = nw.attribute(model, x[None], m).attributions[0].sum(0)
        assert torch.equal(w._frame.maps[i], want), m
    with torch.no_grad():
        probs = torch.softmax(model(x[None]), 1)[0]
    torch.testing.assert_close(w._frame.scores, probs)
    assert w.batch_titles == [f"#0 · {int(probs.argmax())} {float(probs.max()):.0%}"]
    assert (w._inputs.spatial_layers, w._inputs.spatial_default) == (["conv"], "conv") and "gradcam" in w.methods
    tab = Slow(delay=0.0)
    nw.Attribution(tab, torch.linspace(-1, 1, 6), method=method, trust=False)
    assert tab.calls == 1
    # a batch, or another method, still has the batch's forward of its own
    model.calls[0] = 0
    nw.Attribution(model, torch.randn(2, 3, 8, 8), method=method, trust=False)
    assert model.calls[0] == 2


def test_the_trust_job_starts_after_the_constructor_returned(monkeypatch):
    """Nothing competes with the cell that built the view: the worker starts on the loop's next turn."""
    box: dict = {}

    async def scenario():
        w = box["w"] = nw.Attribution(CountingCNN(), torch.randn(3, 8, 8))
        box["running_at_return"] = w._jobs is not None and w._jobs.running is not None
        ticks = 0
        while not w._trust.get("methods"):
            ticks += 1
            await asyncio.sleep(0.01)
            assert ticks < 3000, "the trust panel never arrived"

    run(scenario, monkeypatch)
    assert box["running_at_return"] is False
    assert box["w"]._trust["methods"] == ["input_x_gradient"] and box["w"].error == ""
