"""In a kernel, ``Attribution(...)`` returns after its first map; the compared methods and
the trust evidence stream in from the worker while the kernel answers other cells.
Outside a kernel the object is complete when the constructor returns."""

from __future__ import annotations

import asyncio
import time

import torch

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
