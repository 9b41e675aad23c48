"""Progress reports and cancellation from the engine's batched loops (engine/progress.py)."""

import threading

import pytest
import torch

import nnwidgets as nw
from nnwidgets.engine import Cancelled, reporting
from nnwidgets.engine.progress import step
from nnwidgets.engine.sweep import sweep

from ..models import Counting, TinyCNN, assert_same, fingerprint

X = torch.randn(2, 1, 6, 6, generator=torch.Generator().manual_seed(0))

# method → options giving several chunks (forwards) on X
CASES = {
    "integrated_gradients": {"n_steps": 12, "internal_batch_size": 4},  # 2 steps · 2 examples per chunk
    "smoothgrad": {"nt_samples": 6, "internal_batch_size": 3, "seed": 1},
    "occlusion": {"sliding_window_shapes": (1, 2, 2), "strides": 2, "perturbations_per_eval": 2},
    "feature_ablation": {"perturbations_per_eval": 5},
    "kernel_shap": {"n_samples": 40, "perturbations_per_eval": 8, "seed": 1},
    "lime": {"n_samples": 40, "perturbations_per_eval": 8, "seed": 1},
    "layer_integrated_gradients": {"layer": "inner.conv", "n_steps": 10, "internal_batch_size": 4},
    "neuron_integrated_gradients": {"layer": "inner.conv", "neuron": (1, 2, 3), "n_steps": 10,
                                    "internal_batch_size": 4},
    "learned_mask": {"steps": 6, "seed": 1},
}


def make_model() -> Counting:
    """A BatchNorm CNN in train mode with a frozen layer and stale .grad: everything to restore."""
    torch.manual_seed(0)
    model = Counting(TinyCNN()).train()
    model.inner.conv.weight.requires_grad_(False)
    model.inner.fc.weight.grad = torch.ones_like(model.inner.fc.weight)
    return model


def record():
    seen: list[tuple[int, int]] = []
    return seen, lambda done, total: seen.append((done, total))


def check_counts(seen: list[tuple[int, int]]) -> None:
    assert len(seen) >= 3, seen  # several chunks
    totals = {total for _, total in seen}
    assert len(totals) == 1, seen
    (total,) = totals
    dones = [done for done, _ in seen]
    assert dones == list(range(1, total + 1)), seen  # one report per chunk, ending at done == total


@pytest.mark.parametrize("method", list(CASES))
def test_progress_counts_chunks_and_changes_nothing(method):
    model = make_model()
    plain = nw.attribute(model, X, method, 0, **CASES[method])
    full = len(model.calls)
    model.calls.clear()
    seen, callback = record()
    with reporting(callback):
        reported = nw.attribute(model, X, method, 0, **CASES[method])
    check_counts(seen)
    assert len(model.calls) == full
    torch.testing.assert_close(reported.attributions, plain.attributions, rtol=0, atol=0)
    if plain.delta is not None:
        torch.testing.assert_close(reported.delta, plain.delta, rtol=0, atol=0)


@pytest.mark.parametrize("exception", [Cancelled, KeyError])
@pytest.mark.parametrize("method", list(CASES))
def test_raising_in_the_callback_stops_and_restores_the_model(method, exception):
    model = make_model()
    nw.attribute(model, X, method, 0, **CASES[method])
    full = len(model.calls)
    model.calls.clear()
    before = fingerprint(model)

    def cancel(done: int, total: int) -> None:
        if done == 2:
            raise exception("the user asked for something else")

    with pytest.raises(exception, match="something else"), reporting(cancel):
        nw.attribute(model, X, method, 0, **CASES[method])
    assert 0 < len(model.calls) < full  # stopped in the middle
    assert_same(before, fingerprint(model))  # mode, requires_grad, .grad (same object), params, buffers, hooks
    assert model.training and model.inner.bn.training
    assert all(not m._forward_hooks and not m._forward_pre_hooks and not m._backward_hooks for m in model.modules())
    # and it still works afterwards
    nw.attribute(model, X, method, 0, **CASES[method])


def test_gradient_methods_report_nothing():
    seen, callback = record()
    with reporting(callback):
        nw.attribute(make_model(), X, "saliency", 0)
    assert seen == []


def test_sweep_reports_rows_through_both_channels():
    model = make_model()
    data = torch.randn(10, 1, 6, 6)
    own: list[tuple[int, int]] = []
    seen, callback = record()
    with reporting(callback):
        sweep(model, data, ["inner.conv"], batch_size=4, progress=lambda d, t: own.append((d, t)))
    assert seen == own == [(4, 10), (8, 10), (10, 10)]
    # an iterable of unknown length: total 0 while running, then done == total
    seen.clear()
    with reporting(callback):
        sweep(model, [data[:4], data[4:]], ["inner.conv"])
    assert seen == [(4, 0), (10, 0), (10, 10)]
    before = fingerprint(model)

    def cancel(done: int, total: int) -> None:
        raise Cancelled()

    with pytest.raises(Cancelled), reporting(cancel):
        sweep(model, data, ["inner.conv"], batch_size=4)
    assert_same(before, fingerprint(model))


def test_nested_reporting_restores_the_outer_callback():
    outer, outer_cb = record()
    inner, inner_cb = record()
    step(1, 9)  # no callback: nothing happens
    with reporting(outer_cb):
        step(1, 3)
        with reporting(inner_cb):
            step(1, 2)
            with reporting(None):  # silences both
                step(5, 5)
            step(2, 2)
        step(2, 3)
        with pytest.raises(Cancelled), reporting(inner_cb):
            raise Cancelled()
        step(3, 3)  # restored after an exception too
    step(9, 9)
    assert outer == [(1, 3), (2, 3), (3, 3)]
    assert inner == [(1, 2), (2, 2)]
    with pytest.raises(TypeError, match="callable"):
        with reporting(42):
            pass


def test_reporting_does_not_leak_into_other_threads():
    mine, mine_cb = record()
    theirs, theirs_cb = record()
    inside = threading.Event()
    go_on = threading.Event()
    errors: list[BaseException] = []

    def other() -> None:
        try:
            step(7, 7)  # the main thread's callback must not see this
            with reporting(theirs_cb):
                step(1, 1)
                inside.set()
                go_on.wait(10)  # the main thread steps while this one's callback is set
                # a computation in this thread reports here only
                nw.attribute(make_model(), X, "integrated_gradients", 0, n_steps=4, internal_batch_size=2)
        except BaseException as exc:  # noqa: BLE001 - surfaced below
            errors.append(exc)

    with reporting(mine_cb):
        thread = threading.Thread(target=other)
        thread.start()
        assert inside.wait(10)
        step(1, 2)
        go_on.set()
        thread.join(30)
        step(2, 2)
    assert not errors, errors
    assert mine == [(1, 2), (2, 2)]
    assert theirs[0] == (1, 1) and theirs[1:] == [(1, 4), (2, 4), (3, 4), (4, 4)]
