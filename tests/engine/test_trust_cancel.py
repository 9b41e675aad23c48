"""Cancelling the trust evidence part-way (engine/report.py): the randomization cascade and the
deletion curve stop at their next chunk, a bounded number of forward passes after the cancel, and
leave no hook on any view of the model. Counted in forwards, not seconds."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from nnwidgets.engine import Cancelled, reporting, trust_report

from ..models import TinyCNN, assert_same, fingerprint

X = torch.randn(1, 1, 6, 6, generator=torch.Generator().manual_seed(0))
# Gradient maps report no progress of their own; Grad-CAM hooks the private view.
METHODS = ["saliency", "input_x_gradient", "gradcam"]
OPTIONS = {"gradcam": {"layer": "inner.conv"}}
# Forwards that may still run after the one during which a cancel is asked: in the cascade and the
# deletion curve, at most the rest of one map's (these take one forward each, so 0 is what runs);
# before the first check, the scores of x and the baseline and the forward that orders the layers.
BOUND = 1
BOUND_ANYWHERE = 2


class Recorded(nn.Module):
    """TinyCNN that records every forward: which copy of it ran (a private view, or a randomized
    deep copy), and asks for a cancel at the forward numbered ``cancel_at``."""

    runs: list[nn.Module] = []  # class-level: deep copies record here too
    cancel_at: int | None = None
    asked_at: int | None = None

    def __init__(self) -> None:
        super().__init__()
        self.inner = TinyCNN()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        Recorded.runs.append(self)
        if Recorded.cancel_at is not None and len(Recorded.runs) == Recorded.cancel_at:
            Recorded.asked_at = len(Recorded.runs)  # the user clicks while this forward runs
        return self.inner(x)


def cancel_when_asked(done: int, total: int) -> None:
    """What the view's progress callback does: raise once a cancel is asked (jobs.Runner.progress)."""
    if Recorded.asked_at is not None:
        raise Cancelled()


def report(model: nn.Module, maps: dict):
    return trust_report(model, X, 0, maps, method_options=OPTIONS, randomize_layers=2, steps=6)


def cancelled_at(model: nn.Module, maps: dict, k: int) -> tuple[int, str] | None:
    """Ask for a cancel during forward ``k``: (forwards run after it, which copy ran it), or None
    when the evidence was complete before forward ``k``."""
    Recorded.runs, Recorded.cancel_at, Recorded.asked_at = [], k, None
    try:
        with reporting(cancel_when_asked):
            report(model, maps)
    except Cancelled:
        shared = {id(p) for p in model.parameters()}
        copy = "randomized" if id(Recorded.runs[k - 1].inner.fc.weight) not in shared else "view"
        return len(Recorded.runs) - Recorded.asked_at, copy
    assert Recorded.asked_at is None, f"the cancel asked during forward {k} was never honoured"
    return None


@pytest.fixture
def small_chunks(monkeypatch):
    """Deletion rows in forwards of 8, so the curve has several chunks to stop between."""
    from nnwidgets.engine import batching

    monkeypatch.setattr(batching, "CHUNK_BUDGET_BYTES", 8 * batching.row_bytes(Recorded(), X))


def test_a_cancel_at_any_forward_of_the_trust_evidence_stops_it_within_a_bound(small_chunks):
    torch.manual_seed(0)
    model = Recorded().eval()
    maps = {m: torch.randn(1, 1, 6, 6) for m in METHODS}
    Recorded.runs, Recorded.cancel_at, Recorded.asked_at = [], None, None
    full = report(model, maps)
    assert full.randomization_depths == [1, 2] and full.randomized_layers == ["inner.fc", "inner.conv"]
    before = fingerprint(model)
    late: dict[int, tuple[int, str]] = {}
    k = 1
    while (found := cancelled_at(model, maps, k)) is not None:
        late[k] = found
        # no view of the model (private views, randomized copies) carries a hook of the engine's
        for run in Recorded.runs:
            for m in run.modules():
                assert not (m._forward_hooks or m._forward_pre_hooks or m._backward_hooks), (k, m)
        assert_same(before, fingerprint(model))
        k += 1
    cascade = [after for after, copy in late.values() if copy == "randomized"]
    assert len(cascade) == 2 * len(METHODS), late  # every map at both depths was a place to cancel
    assert len(late) >= len(cascade) + 6, late  # and the deletion curve's chunks (49 rows, 8 a forward)
    assert max(cascade) <= BOUND, late
    assert max(after for k, (after, _) in late.items() if k > 3) <= BOUND, late  # cascade and deletion
    assert max(after for after, _ in late.values()) <= BOUND_ANYWHERE, late
    Recorded.cancel_at = None
    again = report(model, maps)  # and the evidence is the same afterwards
    for m in METHODS:
        assert (again.randomization_cascade[m] == full.randomization_cascade[m]).all()
        assert (again.deletion_scores[m] == full.deletion_scores[m]).all()
