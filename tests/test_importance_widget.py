"""The live Importance view: its payload (binary arrays, names as text), its answers to
the view's requests (another method, repeats, metric), the worker's progress and cancel,
errors shown in the view, and the figure drawing the view's features in its order."""

from __future__ import annotations

import asyncio
import time

import numpy as np
import pytest
import torch
from torch import nn

import nnwidgets as nw
from nnwidgets.engine import ExplanationInputError
from nnwidgets.engine.importance import attribution_spread, permutation_importance
from nnwidgets.figures.importance import feature_order, swarm_offsets, value_ranges
from nnwidgets.transport import unpack

from .engine.test_importance import ignoring_model
from .models import assert_same, fingerprint
from .test_attribution_jobs import run, wait_for


def table(n: int = 200, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    x = torch.randn(n, 3, generator=torch.Generator().manual_seed(seed))
    return x, (x[:, 0] * 2 + x[:, 1] < 0).long()  # the model predicts every row right


def gradients(y: torch.Tensor) -> torch.Tensor:
    """∂(predicted logit)/∂x of the ignoring model: ±(2, 1, 0), the predicted class being y."""
    return torch.tensor([2.0, 1.0, 0.0]) * (1 - 2 * y[:, None].float())


def test_the_payload_is_binary_and_equals_the_engine():
    x, y = table()
    model = ignoring_model()
    before = fingerprint(model)
    w = nw.Importance(model, torch.utils.data.TensorDataset(x, y), feature_names=["a", "b$", "<i>c</i>"],
                      repeats=6, method="input_x_gradient", top=2)
    for name in ("_permutation", "_attributions", "_values", "_ids", "_value_range", "_mean_abs", "_lut"):
        assert isinstance(getattr(w, name)["buffer"], memoryview), name
    assert w.feature_names == ["a", "b$", "<i>c</i>"] and w.top == 2 and w.n_examples == 200 == w.n_shown
    ref = permutation_importance(model, x, y, repeats=6)
    np.testing.assert_array_equal(unpack(w._permutation), torch.stack([ref.mean, ref.low, ref.high]).numpy())
    np.testing.assert_allclose(unpack(w._attributions), (x * gradients(y)).numpy(), rtol=1e-6)
    np.testing.assert_array_equal(unpack(w._values), x.numpy())
    np.testing.assert_array_equal(unpack(w._ids), np.arange(200))
    np.testing.assert_allclose(unpack(w._mean_abs), (x * torch.tensor([2.0, 1.0, 0.0])).abs().mean(0).numpy(),
                               rtol=1e-6)
    np.testing.assert_allclose(unpack(w._value_range), value_ranges(x.numpy()))
    # The ignored feature: exactly 0, inside its interval; the others above 0.
    p = unpack(w._permutation)
    assert p[0, 2] == 0 and p[1, 2] <= 0 <= p[2, 2] and (p[1, :2] > 0).all()
    assert w.baseline == 1.0 and w.metric == "accuracy" and w.repeats == 6
    assert_same(before, fingerprint(model))


def test_a_sample_keeps_each_examples_id():
    x, y = table(300)
    w = nw.Importance(ignoring_model(), list(zip(x.split(50), y.split(50))), method="input_x_gradient",
                      repeats=2, max_examples=40, seed=3)
    ids = unpack(w._ids)
    assert w.n_shown == 40 and w.n_examples == 300 and len(set(ids)) == 40 and (np.diff(ids) > 0).all()
    np.testing.assert_array_equal(unpack(w._values), x[ids].numpy())
    np.testing.assert_allclose(unpack(w._attributions), (x[ids] * gradients(y[ids])).numpy(), rtol=1e-6)


def test_requests_recompute_and_errors_stay_in_the_view():
    x, y = table()
    w = nw.Importance(ignoring_model(), torch.utils.data.TensorDataset(x, y), method="input_x_gradient",
                      methods=["gradient"], repeats=3)
    assert w.methods == ["input_x_gradient", "gradient"]
    w._request = {"seq": 1, "method": "gradient"}
    assert w._seq == 1 and w.error == "" and w.method == "gradient"
    np.testing.assert_allclose(unpack(w._attributions), gradients(y).numpy())
    w._request = {"seq": 2, "repeats": 5, "metric": "log_loss"}
    assert w.repeats == 5 and w.metric == "log_loss" and w.error == ""
    ref = permutation_importance(ignoring_model(), x, y, repeats=5, metric="log_loss")
    np.testing.assert_array_equal(unpack(w._permutation)[0], ref.mean.numpy())
    shown = unpack(w._permutation)
    w._request = {"seq": 3, "metric": "f1"}
    assert w._seq == 3 and "metric must be one of" in w.error
    w._request = {"seq": 4, "method": "no_such_method"}
    assert "unknown method" in w.error
    np.testing.assert_array_equal(unpack(w._permutation), shown)  # what was shown stays
    with pytest.raises(ExplanationInputError, match="repeats must be in"):
        w.recompute(repeats=1)


def test_bad_input_names_the_expected_form():
    x, y = table()
    with pytest.raises(ExplanationInputError, match="true classes"):
        nw.Importance(ignoring_model(), x)
    with pytest.raises(ExplanationInputError, match="feature_names must name all 3"):
        nw.Importance(ignoring_model(), x, targets=y, feature_names=["a"])
    with pytest.raises(ExplanationInputError, match="sort must be one of"):
        nw.Importance(ignoring_model(), x, targets=y, sort="size")
    with pytest.raises(ExplanationInputError, match="one class per row"):
        nw.Importance(ignoring_model(), x, targets=y[:5])


class SlowTable(nn.Module):
    """The ignoring model, with a forward that takes ``delay`` seconds."""

    def __init__(self, delay: float) -> None:
        super().__init__()
        self.delay = [delay]
        self.lin = ignoring_model()

    def forward(self, x):
        time.sleep(self.delay[0])
        return self.lin(x)


def test_the_permutation_runs_in_the_worker_with_progress_and_cancel(monkeypatch):
    x, y = table(64)
    model = SlowTable(0.0)
    w = nw.Importance(model, x, targets=y, method="gradient", repeats=2, batch_size=64)
    shown = unpack(w._permutation)
    progress: list[dict] = []
    w.observe(lambda c: progress.append(dict(c["new"])), names="_progress")
    model.delay[0] = 0.05  # 3 features × 40 repeats, one pass each: 6 s unless cancelled

    async def scenario():
        w._request = {"seq": 1, "repeats": 40, "metric": "accuracy"}
        await wait_for(lambda: w._progress.get("done", 0) >= 3)
        assert w._seq == 0  # the kernel's loop kept turning while the worker shuffled
        w._request = {"seq": 2, "cancel": True}
        await asyncio.sleep(0.3)

    run(scenario, monkeypatch)
    running = [p for p in progress if p.get("total")]
    assert running and running[0]["what"] == "permutation" and running[-1]["total"] == 120
    assert w._seq == 2 and w.error == "" and w._progress == {} and w.repeats == 2
    np.testing.assert_array_equal(unpack(w._permutation), shown)

    model.delay[0] = 0.0

    async def again():
        w._request = {"seq": 3, "repeats": 4, "metric": "accuracy"}
        await wait_for(lambda: w._seq == 3)

    run(again, monkeypatch)
    assert w.repeats == 4 and w.error == ""
    ref = permutation_importance(ignoring_model(), x, y, repeats=4, batch_size=64)
    np.testing.assert_array_equal(unpack(w._permutation)[0], ref.mean.numpy())


def test_the_figure_draws_the_views_features_in_its_order():
    x, y = table()
    w = nw.Importance(ignoring_model(), x, targets=y, method="input_x_gradient", repeats=3,
                      feature_names=["a", "b$", "c"])
    w.top, w.sort = 2, "given"
    fig = w.to_figure()
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == [r"b\$", "a"]  # first feature on top; a "$" drawn literally
    w.sort = "attribution"  # mean |x·∂y/∂x|: 2·E|x0| > E|x1| > 0
    assert [t.get_text() for t in w.to_figure().axes[0].get_yticklabels()] == [r"b\$", "a"]
    w.sort, w.top = "permutation", 3
    assert [t.get_text() for t in w.to_figure().axes[0].get_yticklabels()] == ["c", r"b\$", "a"]
    assert list(feature_order(np.array([1.0, 3.0, 3.0]), np.array([0.5, 0.1, 0.2]), "attribution", 2)) == [1, 2]
    assert list(feature_order(np.array([1.0, 3.0, 3.0]), np.array([0.5, 0.1, np.nan]), "permutation", 3)) == [0, 1, 2]
    assert w._repr_mimebundle_()[0]["image/png"]


def test_swarm_offsets_spread_ties_and_stay_bounded():
    off = swarm_offsets(np.zeros(9))
    assert sorted(off) == pytest.approx([-0.24, -0.18, -0.12, -0.06, 0, 0.06, 0.12, 0.18, 0.24])
    assert np.abs(swarm_offsets(np.zeros(100))).max() == pytest.approx(0.42)


def test_images_get_patches_on_a_grid_and_heat_maps():
    from .engine.test_importance import PatchModel

    x = torch.randn(80, 1, 4, 4, generator=torch.Generator().manual_seed(5))
    model = PatchModel().eval()
    y = (model(x)[:, 0] < 0).long()
    w = nw.Importance(model, x, targets=y, method="input_x_gradient", repeats=4, patch=2)
    assert w.kind == "patches" and w.grid == [2, 2] and w.top == 4
    assert w.feature_names == ["patch (0, 0) · px 0–1, 0–1", "patch (0, 1) · px 0–1, 2–3",
                               "patch (1, 0) · px 2–3, 0–1", "patch (1, 1) · px 2–3, 2–3"]
    p = unpack(w._permutation)
    assert p.shape == (3, 4) and p[0, 3] == 0 and p[1, 3] <= 0 <= p[2, 3] and (p[1, :3] > 0).all()
    assert unpack(w._mean_abs)[3] == 0 and unpack(w._attributions).shape == (80, 4)
    assert unpack(w._grid_lut).shape == (2, 256, 4) and unpack(w._lut).shape == (256, 4)
    fig = w.to_figure()
    assert len(fig.axes) == 3 + 1 + 2 + 2  # the panels, the colour bar, two heat maps and their bars
    heat = [a for a in fig.axes if a.get_images()][0].get_images()[0].get_array()
    np.testing.assert_allclose(np.asarray(heat), unpack(w._mean_abs).reshape(2, 2), rtol=1e-6)
    with pytest.raises(ExplanationInputError, match="feature_names must name all 4 patches"):
        nw.Importance(model, x, targets=y, patch=2, feature_names=["a"])


class TokenModel(nn.Module):
    """Two logits from token ids (N, 4): the head of Σ_t w_t · embedding(id_t), w = (1, 0.5, 0, 0.25):
    position 2 is ignored."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.emb = nn.Embedding(10, 3)
        self.register_buffer("w", torch.tensor([1.0, 0.5, 0.0, 0.25]))
        self.head = nn.Linear(3, 2)

    def forward(self, ids):
        return self.head((self.emb(ids) * self.w[None, :, None]).sum(1))


def test_token_positions_by_hand():
    model = TokenModel().eval()
    ids = torch.randint(0, 10, (150, 4), generator=torch.Generator().manual_seed(6))
    with torch.no_grad():
        y = model(ids).argmax(1)
    w = nw.Importance(model, ids, targets=y, method="layer_gradient_x_activation", repeats=4)
    assert w.kind == "tokens" and w.grid == [] and w.feature_names == ["token 0", "token 1", "token 2", "token 3"]
    assert w.methods == ["layer_gradient_x_activation", "layer_integrated_gradients"]
    p = unpack(w._permutation)
    assert p[0, 2] == 0 and p[1, 2] <= 0 <= p[2, 2] and p[0, 0] > 0
    # Gradient × activation of the embedding output, summed over its 3 dims: w_t · (head row of the
    # predicted class) · embedding(id_t); the head's bias is no token's.
    with torch.no_grad():
        ref = (model.emb.weight[ids] @ model.head.weight.T)  # (N, T, 2)
        ref = ref.gather(2, y[:, None, None].expand(-1, 4, 1))[..., 0] * model.w
    np.testing.assert_allclose(unpack(w._attributions), ref.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(unpack(w._values), ids.float().numpy())  # a token's value is its id
    with pytest.raises(ExplanationInputError, match="layer"):
        nw.Importance(nn.Sequential(nn.Linear(4, 2)), ids, targets=y)


def test_another_method_takes_the_options_it_knows():
    x, y = table(60)
    w = nw.Importance(ignoring_model(), x, targets=y, method="integrated_gradients", n_steps=8, repeats=2)
    w._request = {"seq": 1, "method": "gradient"}  # takes no n_steps: not passed
    assert w.error == "" and w.method == "gradient"
    w._request = {"seq": 2, "method": "integrated_gradients"}
    assert w.error == ""
    ref = attribution_spread(ignoring_model(), x, method="integrated_gradients", n_steps=8)
    np.testing.assert_allclose(unpack(w._attributions), ref.values.numpy(), rtol=1e-6)
    with pytest.raises(ExplanationInputError, match="n_step"):
        nw.Importance(ignoring_model(), x, targets=y, method="integrated_gradients", n_step=8, repeats=2)
