"""The sweep as a mergeable state: equal to a hand-written loop, shards merged in
any order equal one pass, serialisable, and progress / cancellation leave no hooks."""

import pickle
import random

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from nnwidgets.engine import Cancelled, reporting
from nnwidgets.engine.sweep import sweep, sweep_batch, sweep_state
from nnwidgets.engine import sweep_state as sweep_state_module
from nnwidgets.engine.sweep_state import SweepState, _sort_merge, top_merge


def dead_model(seed: int = 0) -> nn.Module:
    """Linear → ReLU → Linear → Tanh with two units that can never be positive and a saturating tanh."""
    g = torch.Generator().manual_seed(seed)
    lin = nn.Linear(3, 5)
    out = nn.Linear(5, 2)
    with torch.no_grad():
        lin.weight.copy_(torch.randn(5, 3, generator=g))
        lin.bias.copy_(torch.randn(5, generator=g))
        lin.weight[:2] = 0.0
        lin.bias[:2] = -1.0
        out.weight.copy_(torch.randn(2, 5, generator=g) * 4)
    return nn.Sequential(lin, nn.ReLU(), out, nn.Tanh()).eval()


LAYERS = ["0", "1", "3"]


def assert_states_equal(a: SweepState, b: SweepState, exact: bool = True) -> None:
    """Equal states. ``exact=False`` where the shards ran other batch compositions (another
    process): a float32 forward then differs in its last bits, so values are compared to 1e-5."""
    assert a.layers.keys() == b.layers.keys()
    for name in a.layers:
        x, y = a.layers[name], b.layers[name]
        assert (x.count, x.values, x.limits) == (y.count, y.values, y.limits)
        tol = dict(rtol=1e-12, atol=1e-9) if exact else dict(rtol=1e-5, atol=1e-5)
        torch.testing.assert_close(x.sum, y.sum, **tol)  # float64: rounding only
        for f in ("max", "min", "active", "saturated", "top_values", "top_ids"):
            if exact or f in ("active", "saturated", "top_ids"):
                assert torch.equal(getattr(x, f), getattr(y, f)), (name, f)
            else:
                torch.testing.assert_close(getattr(x, f), getattr(y, f), rtol=1e-5, atol=1e-5)


def test_the_sweep_over_a_dataloader_equals_a_manual_loop():
    model = dead_model()
    x = torch.randn(70, 3)
    loader = DataLoader(TensorDataset(x, torch.zeros(70)), batch_size=16)
    stats = sweep(model, loader, LAYERS, top_k=4)
    with torch.no_grad():
        pre = model[0](x)
        relu = torch.relu(pre)
        tanh = torch.tanh(model[2](relu))
    for name, act in (("0", pre), ("1", relu), ("3", tanh)):
        s = stats[name]
        torch.testing.assert_close(s.mean, act.mean(0))
        assert torch.equal(s.max, act.max(0).values) and torch.equal(s.min, act.min(0).values)
        torch.testing.assert_close(s.active, (act > 0).float().mean(0))
        order = act.T.argsort(dim=1, descending=True, stable=True)[:, :4]  # ties: the earlier example first
        assert torch.equal(s.top_values, act.T.gather(1, order)) and torch.equal(s.top_indices, order)
        assert s.count == 70
    assert stats["1"].dead.tolist() == [True, True, False, False, False] and stats["1"].nonnegative
    assert stats["3"].saturated_values == 70  # values per unit: examples × positions
    torch.testing.assert_close(stats["3"].saturated, (tanh.abs() >= 0.99).float().mean(0))
    assert stats["0"].saturated is None


def test_top_k_ties_are_broken_by_the_smaller_id():
    values = torch.tensor([[1.0, 2.0, 2.0, 2.0, float("nan")]])
    ids = torch.tensor([[9, 7, 3, 5, 0]])
    v, i = top_merge(values, ids, 3)
    assert v.tolist() == [[2.0, 2.0, 2.0]] and i.tolist() == [[3, 5, 7]]


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 6), st.integers(1, 60), st.integers(1, 12), st.integers(0, 10_000))
def test_the_one_topk_merge_equals_two_stable_sorts(rows, cols, k, seed):
    """The fast path (one topk of exact int64 keys) against the plain sorts: ties,
    NaN, ±inf, -0.0 against +0.0, ids in any order up to 2³² - 1."""
    g = torch.Generator().manual_seed(seed)
    pool = torch.tensor([0.0, -0.0, 1.0, -1.0, 2.5, float("nan"), float("inf"), -float("inf"), 1e-30, -3e38])
    values = torch.where(torch.rand(rows, cols, generator=g) < 0.6,
                         pool[torch.randint(len(pool), (rows, cols), generator=g)],
                         torch.randn(rows, cols, generator=g))
    ids = torch.randperm(cols, generator=g).repeat(rows, 1)
    ids[:, 0] = (1 << 32) - 1
    fast_v, fast_i = top_merge(values, ids, k)
    slow_v, slow_i = _sort_merge(values, ids, k)
    assert torch.equal(fast_i, slow_i)
    torch.testing.assert_close(fast_v, slow_v, equal_nan=True, rtol=0, atol=0)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 40), st.integers(1, 6), st.integers(0, 10_000), st.integers(1, 7))
def test_shards_merged_in_any_order_equal_one_pass(n, shards, seed, k):
    rng = random.Random(seed)
    # Inputs on a coarse grid: many examples score the same, so ties matter.
    x = torch.randint(-2, 3, (n, 3), generator=torch.Generator().manual_seed(seed)).float()
    model = dead_model(seed % 7)
    whole = sweep_state(model, x, LAYERS, top_k=k, batch_size=max(1, n // 3))
    ids = list(range(n))
    rng.shuffle(ids)  # shards of any examples, in any order
    cuts = sorted(rng.sample(range(1, n), min(shards - 1, n - 1))) if n > 1 else []
    parts = [ids[a:b] for a, b in zip([0, *cuts], [*cuts, n])]
    states = []
    for part in parts:
        state = SweepState(k)
        for j in range(0, len(part), 3):
            rows = torch.tensor(part[j:j + 3])
            sweep_batch(model, x[rows], LAYERS, state, rows)
        states.append(state)
    rng.shuffle(states)
    # any grouping: fold in a random tree
    while len(states) > 1:
        i = rng.randrange(len(states) - 1)
        states[i:i + 2] = [states[i].merge(states[i + 1])]
    merged = SweepState.from_state_dict(pickle.loads(pickle.dumps(states[0].state_dict())))
    assert_states_equal(merged, whole)
    a, b = merged.result(), whole.result()
    for name in LAYERS:
        assert torch.equal(a[name].dead, b[name].dead) and torch.equal(a[name].top_indices, b[name].top_indices)


def test_padding_rows_are_dropped_before_they_count():
    model, x = dead_model(), torch.randn(6, 3)
    padded = torch.cat([x, x[:2]])
    state = SweepState(3)
    sweep_batch(model, padded, LAYERS, state, torch.tensor([0, 1, 2, 3, 4, 5, 0, 1]),
                keep=torch.tensor([True] * 6 + [False] * 2))
    assert_states_equal(state, sweep_state(model, x, LAYERS, top_k=3))


def test_merging_refuses_other_settings():
    with pytest.raises(Exception, match="different top_k"):
        SweepState(3).merge(SweepState(4))


def hooks_of(model: nn.Module) -> int:
    return sum(len(m._forward_hooks) + len(m._forward_pre_hooks) for m in model.modules())


def test_progress_and_cancellation_leave_no_hooks():
    model, x = dead_model(), torch.randn(50, 3)
    seen = []
    with reporting(lambda done, total: seen.append((done, total))):
        sweep_state(model, x, LAYERS, batch_size=20)
    assert seen == [(20, 50), (40, 50), (50, 50)] and hooks_of(model) == 0

    def stop(done, total):
        if done >= 20:
            raise Cancelled()

    with pytest.raises(Cancelled), reporting(stop):
        sweep_state(model, x, LAYERS, batch_size=10)
    assert hooks_of(model) == 0
    # and an iterable without a length ends at done == total
    seen.clear()
    with reporting(lambda done, total: seen.append((done, total))):
        sweep_state(model, [x[:20], x[20:]], LAYERS)
    assert seen == [(20, 0), (50, 0), (50, 50)]


class Root(nn.Module):
    """NaN where its input is negative: a layer whose values are NaN in some positions only."""

    def forward(self, x):
        return x.sqrt()


@pytest.mark.parametrize("fold", [1, 40, 1 << 20])
def test_batches_folded_together_equal_batches_folded_one_by_one(monkeypatch, fold):
    """A state folds its layers' reduced batches a few thousand examples at a time: after
    every batch (fold = 1), every few, or once at the end, it is one state, NaN values
    (a NaN max, yet a unit active where another position is > 0) and padding included,
    and ``count`` sees the batches still waiting."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 5), Root(), nn.ReLU(), nn.Flatten(), nn.Linear(15, 2), nn.Tanh()).eval()
    layers = ["0", "1", "2", "5"]
    x = torch.randint(-2, 3, (45, 3, 4)).float()  # (N, T, D): units are the last axis, T positions
    monkeypatch.setattr(sweep_state_module, "FOLD_VALUES", 1)
    each = sweep_state(model, x, layers, top_k=4, batch_size=7)
    monkeypatch.setattr(sweep_state_module, "FOLD_VALUES", fold)
    state = SweepState(4)
    for i in range(0, 45, 7):
        n = min(i + 7, 45) - i
        sweep_batch(model, torch.cat([x[i:i + n], x[:2]]), layers, state, torch.cat([torch.arange(i, i + n), torch.arange(2)]),
                    keep=torch.arange(n + 2) < n)
        assert state.count == i + n
    for name in layers:  # as assert_states_equal, NaN equal to NaN
        a, b = state.layers[name], each.layers[name]
        assert (a.count, a.values, a.limits) == (b.count, b.values, b.limits)
        torch.testing.assert_close(a.sum, b.sum, rtol=1e-12, atol=1e-9, equal_nan=True)
        for f in ("max", "min", "top_values"):
            torch.testing.assert_close(getattr(a, f), getattr(b, f), rtol=0, atol=0, equal_nan=True)
        for f in ("active", "saturated", "top_ids"):
            assert torch.equal(getattr(a, f), getattr(b, f)), (name, f)
    with torch.no_grad():
        root = model[0](x).sqrt()
        out = model(x)  # (N, 2): one position per unit, NaN in the rows that met one
    assert out.isnan().any() and torch.equal(state.layers["5"].active, (out > 0).sum(0))
    assert root.isnan().any(1).any() and (root.isnan().any(1) & (root > 0).any(1)).any()  # the case that matters
    for s in (state, each):
        assert torch.equal(s.layers["1"].active, (root > 0).any(1).sum(0))
        assert torch.equal(s.layers["1"].max.isnan(), root.isnan().any(1).any(0))
