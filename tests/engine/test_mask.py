"""learned_mask: Captum has no equivalent, so it is checked against analytic optima."""

import pytest
import torch
from torch import nn

import nnwidgets as nw
from nnwidgets.engine import ExplanationInputError, ModelCallError
from nnwidgets.engine.methods.mask import _total_variation, learned_mask

from ..models import Raises, TinyCNN, assert_same, fingerprint
from ..zoo import DENSE_CASES


def _linear(weight, bias=None) -> nn.Linear:
    weight = torch.as_tensor(weight, dtype=torch.float32)
    lin = nn.Linear(weight.shape[1], weight.shape[0])
    with torch.no_grad():
        lin.weight.copy_(weight)
        lin.bias.copy_(torch.zeros(weight.shape[0]) if bias is None else torch.as_tensor(bias))
    return lin


def _quadrant_images(n: int, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """8×8 images whose class (0–3) is the quadrant that is bright."""
    y = torch.randint(0, 4, (n,), generator=gen)
    x = 0.2 * torch.rand(n, 1, 8, 8, generator=gen)
    for i, q in enumerate(y.tolist()):
        r, c = divmod(q, 2)
        x[i, 0, 4 * r : 4 * r + 4, 4 * c : 4 * c + 4] += 1.0
    return x, y


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    # Intra-op threads only add overhead on these tiny tensors, and much more on a
    # shared machine; restored afterwards so other modules see the usual setting.
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def quadrant_cnn():
    gen = torch.Generator().manual_seed(0)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(64, 4))
    x, y = _quadrant_images(64, gen)
    params = list(model.parameters())
    for _ in range(60):  # plain gradient descent: the rule is easy to learn
        loss = nn.functional.cross_entropy(model(x), y)
        with torch.no_grad():
            for p, g in zip(params, torch.autograd.grad(loss, params)):
                p.sub_(0.5 * g)
    model.eval()
    xt, yt = _quadrant_images(6, gen)
    assert torch.equal(model(xt).argmax(1), yt)  # precondition: the model learned the rule
    inside = torch.zeros(6, 1, 8, 8, dtype=torch.bool)
    for i, q in enumerate(yt.tolist()):
        r, c = divmod(q, 2)
        inside[i, 0, 4 * r : 4 * r + 4, 4 * c : 4 * c + 4] = True
    return model, xt, yt, inside


def test_preserve_reaches_the_analytic_optimum_of_a_linear_model():
    # y = w·(b + m ⊙ (x − b)) − λ mean(m) is linear in m: the optimum over the box keeps
    # feature i iff w_i (x_i − b_i) > λ / D.  Feature 4 helps, but by less than λ / D.
    w = [[2.0, 0.0, -1.0, 1.5, 0.05, 0.0]]
    x = torch.tensor([[1.0, 3.0, 1.0, 2.0, 1.0, -2.0], [2.0, 1.0, 2.0, 1.0, 1.0, 1.0]])
    exp = nw.attribute(_linear(w), x, "learned_mask", target=None, sparsity=0.6, steps=150, seed=0)
    expected = torch.tensor([[1.0, 0, 0, 1, 0, 0], [1, 0, 0, 1, 0, 0]])
    assert torch.equal((exp.attributions > 0.5).float(), expected)
    assert ((exp.attributions - expected).abs() < 0.1).all()
    # Without the sparsity penalty the small helper is kept too.
    free = nw.attribute(_linear(w), x, "learned_mask", target=None, sparsity=0.0, steps=150, seed=0)
    assert (free.attributions[:, 4] > 0.9).all()
    # The score of the kept features alone: 2·1 + 1.5·2 and 2·2 + 1.5·1.
    torch.testing.assert_close(exp.extras["final_score"], torch.tensor([5.0, 5.5]), atol=0.3, rtol=0)
    # A baseline equal to x on feature 0 makes that feature useless to keep.
    base = torch.zeros(2, 6)
    base[:, 0] = x[:, 0]
    moved = nw.attribute(_linear(w), x, "learned_mask", target=None, sparsity=0.6, steps=150, seed=0,
                         baselines=base)
    assert (moved.attributions[:, 0] < 0.1).all() and (moved.attributions[:, 3] > 0.9).all()


def test_preserve_keeps_both_factors_of_a_product():
    class Product(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.scale = nn.Parameter(torch.ones(()))

        def forward(self, x):
            return (self.scale * x[:, 0] * x[:, 1]).unsqueeze(1)

    x = torch.tensor([[2.0, 3.0, 5.0, -4.0]])
    exp = nw.attribute(Product(), x, "learned_mask", target=None, steps=150, seed=1)
    m = exp.attributions[0]
    assert m[:2].min() > 0.9 and m[2:].max() < 0.1


def test_delete_finds_the_feature_whose_removal_kills_the_class():
    # logit_0 = 6 x0 + x1 − 3 against logit_1 = 0: deleting x0 flips the class, deleting
    # x1 as well gains log(1 − p) ≈ 0.08 nats, less than its cost λ / D = 0.125.
    lin = _linear([[6.0, 1.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]], bias=[-3.0, 0.0])
    x = torch.ones(2, 4)
    exp = nw.attribute(lin, x, "learned_mask", target=0, mode="delete", seed=0)
    assert (exp.attributions[:, 0] > 0.95).all() and (exp.attributions[:, 1:] < 0.2).all()
    assert (exp.extras["initial_score"] > 0.95).all() and (exp.extras["final_score"] < 0.2).all()
    assert exp.extras["mode"] == "delete"
    kept = nw.attribute(lin, x, "learned_mask", target=0, mode="preserve", seed=0)
    assert (kept.attributions[:, 0] > 0.9).all() and (kept.attributions[:, 2:] < 0.1).all()


@pytest.mark.parametrize("mode", ["preserve", "delete"])
def test_cnn_mask_concentrates_in_the_deciding_quadrant(quadrant_cnn, mode):
    model, x, y, inside = quadrant_cnn
    exp = nw.attribute(model, x, "learned_mask", target="predicted", mode=mode, steps=100, seed=0)
    m = exp.attributions
    assert m.shape == x.shape and float(m.min()) >= 0 and float(m.max()) <= 1
    for i in range(len(x)):
        assert m[i][inside[i]].mean() > m[i][~inside[i]].mean() + 0.15, i
        assert m[i][~inside[i]].mean() < 0.15, i
    loss = exp.extras["loss"]
    assert loss.shape == (100,) and loss[-1] < loss[0]
    assert torch.equal(exp.target, y)
    if mode == "preserve":
        assert (exp.extras["final_score"] > 0.9).all()
    else:
        assert (exp.extras["final_score"] < 0.5).all()


def test_smoothness_lowers_total_variation(quadrant_cnn):
    model, x, _, _ = quadrant_cnn
    rough = nw.attribute(model, x, "learned_mask", steps=60, seed=0).attributions
    smooth = nw.attribute(model, x, "learned_mask", steps=60, seed=0, smoothness=1.0).attributions
    assert _total_variation(smooth).mean() < 0.6 * _total_variation(rough).mean()


def test_feature_groups_share_one_value(quadrant_cnn):
    model, x, y, _ = quadrant_cnn
    ids = torch.tensor([[7, -3], [10, 2]]).repeat_interleave(4, 0).repeat_interleave(4, 1)  # quadrants
    exp = nw.attribute(model, x, "learned_mask", feature_mask=ids, steps=80, seed=0)
    m = exp.attributions
    for gid in ids.unique():
        values = m[:, 0][:, ids == gid]
        assert torch.equal(values, values[:, :1].expand_as(values))
    quadrant_means = torch.stack([m[:, 0][:, ids == g].mean(1) for g in (7, -3, 10, 2)], 1)
    assert torch.equal(quadrant_means.argmax(1), y)
    # A per-example grouping (N, 1, H, W) is accepted too and gives the same answer.
    per = nw.attribute(model, x, "learned_mask", feature_mask=ids.expand(6, 1, 8, 8), steps=80, seed=0)
    torch.testing.assert_close(per.attributions, m)


def test_seed_reproduces_and_the_global_rng_is_untouched():
    torch.manual_seed(3)
    model = TinyCNN().eval()
    x = torch.randn(2, 1, 6, 6)
    state = torch.get_rng_state()
    a = nw.attribute(model, x, "learned_mask", steps=20, seed=5)
    b = nw.attribute(model, x, "learned_mask", steps=20, seed=5)
    c = nw.attribute(model, x, "learned_mask", steps=20, seed=6)
    nw.attribute(model, x, "learned_mask", steps=5)  # seed=None: a private fresh generator
    assert torch.equal(torch.get_rng_state(), state)
    assert torch.equal(a.attributions, b.attributions) and torch.equal(a.extras["loss"], b.extras["loss"])
    assert not torch.equal(a.attributions, c.attributions)


def test_model_and_inputs_unchanged_under_no_grad():
    torch.manual_seed(4)
    model = TinyCNN().train()
    model.conv.weight.grad = torch.ones_like(model.conv.weight)  # the user's own gradient
    model.fc.bias.requires_grad_(False)
    x = torch.randn(3, 1, 6, 6)
    x_before, before = x.clone(), fingerprint(model)
    outside = nw.attribute(model, x, "learned_mask", steps=15, seed=0)
    with torch.no_grad():
        inside = nw.attribute(model, x, "learned_mask", steps=15, seed=0)
    assert_same(before, fingerprint(model))
    assert model.fc.weight.grad is None and torch.equal(x, x_before)
    torch.testing.assert_close(inside.attributions, outside.attributions)
    assert not inside.attributions.requires_grad and inside.attributions.shape == x.shape
    # Called directly, without attribute()'s safety net that restores .grad afterwards.
    model.eval()
    before = fingerprint(model)
    learned_mask(model, x, "predicted", steps=3, seed=0)
    assert_same(before, fingerprint(model))


def test_callable_target_and_prediction():
    lin = _linear([[1.0, 0.0, 0.0], [0.0, 0.0, 3.0]])
    x = torch.ones(2, 3)
    exp = nw.attribute(lin, x, "learned_mask", target=lambda out: out[:, 1] - out[:, 0], steps=150, seed=0)
    assert exp.target is None
    assert (exp.attributions[:, 2] > 0.9).all() and (exp.attributions[:, :2] < 0.1).all()
    torch.testing.assert_close(exp.prediction, lin(x).detach())
    torch.testing.assert_close(exp.extras["initial_score"], torch.tensor([2.0, 2.0]))


@pytest.mark.parametrize("build", DENSE_CASES, ids=lambda b: b.__name__)
def test_runs_on_every_dense_architecture(build):
    case = build()
    target = None if case.regression else "predicted"
    before = fingerprint(case.model)
    exp = nw.attribute(case.model, case.inputs, "learned_mask", target=target, steps=10, seed=0)
    assert_same(before, fingerprint(case.model))
    assert exp.attributions.shape == case.inputs.shape and torch.isfinite(exp.attributions).all()
    assert exp.extras["final_score"].shape == (case.inputs.shape[0],)
    assert exp.extras["loss"][-1] < exp.extras["loss"][0]


BAD = [
    ({"mode": "keep"}, "mode must be one of 'preserve', 'delete'; got 'keep'"),
    ({"steps": 0}, "steps must be an int ≥ 1; got 0"),
    ({"steps": 2.5}, "steps must be an int ≥ 1"),
    ({"lr": 0.0}, "lr must be a finite number > 0; got 0.0"),
    ({"lr": float("nan")}, "lr must be a finite number > 0"),
    ({"sparsity": -0.1}, "sparsity must be a finite number ≥ 0; got -0.1"),
    ({"smoothness": -1.0}, "smoothness must be a finite number ≥ 0"),
    ({"init": 1.0}, "init must be a number strictly between 0 and 1"),
    ({"seed": "a"}, "seed must be an int or None"),
    ({"feature_mask": torch.zeros(5, 5, dtype=torch.long)},
     "feature_mask must have shape (2, 1, 6, 6) or (1, 6, 6) — broadcastable to the inputs (2, 1, 6, 6); got (5, 5)"),
    ({"feature_mask": torch.zeros(6, 6)}, "feature_mask must hold integer group ids; got dtype torch.float32"),
    ({"feature_mask": torch.zeros(6, 6, dtype=torch.long), "smoothness": 0.5},
     "smoothness (a total-variation penalty) needs image inputs of shape (N, C, H, W) and feature_mask=None"),
    ({"baselines": torch.zeros(3, 6, 6)}, "baselines must have shape (2, 1, 6, 6), (1, 6, 6) or any shape broadcastable to the inputs (2, 1, 6, 6); got (3, 6, 6)"),
    ({"baselines": "black"}, "baselines must be None, a number or a tensor broadcastable to the inputs (2, 1, 6, 6)"),
]


@pytest.mark.parametrize("options, message", BAD, ids=[str(sorted(o)) for o, _ in BAD])
def test_bad_options_are_refused_and_leave_the_model_alone(options, message):
    torch.manual_seed(5)
    model = TinyCNN().eval()
    model.fc.weight.grad = torch.zeros_like(model.fc.weight)
    before = fingerprint(model)
    with pytest.raises(ExplanationInputError) as info:
        nw.attribute(model, torch.randn(2, 1, 6, 6), "learned_mask", **{"steps": 3, **options})
    assert message in str(info.value)
    assert_same(before, fingerprint(model))


def test_model_error_is_reported_and_the_model_left_alone():
    model = Raises()
    before = fingerprint(model)
    with pytest.raises(ModelCallError, match="boom inside the model"):
        nw.attribute(model, torch.randn(2, 4), "learned_mask", steps=3)
    assert_same(before, fingerprint(model))


def test_smoothness_refused_for_flat_inputs_and_integer_inputs_refused():
    lin = _linear([[1.0, 2.0]])
    with pytest.raises(ExplanationInputError, match=r"needs image inputs of shape \(N, C, H, W\).*got inputs of shape \(1, 2\)"):
        nw.attribute(lin, torch.ones(1, 2), "learned_mask", target=None, smoothness=0.1)
    emb = nn.Sequential(nn.Embedding(5, 3), nn.Flatten(), nn.Linear(6, 2))
    ids = torch.tensor([[1, 2]])
    before = fingerprint(emb)
    with pytest.raises(ExplanationInputError, match="floating-point input"):
        nw.attribute(emb, ids, "learned_mask", steps=2)
    with pytest.raises(ExplanationInputError, match="learned_mask needs a floating-point input"):
        learned_mask(emb, ids, "predicted", steps=2)  # called directly, without attribute's checks
    assert_same(before, fingerprint(emb))


@pytest.mark.gpu
@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_on_cuda_matches_cpu():
    lin = _linear([[6.0, 1.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]], bias=[-3.0, 0.0])
    x = torch.ones(2, 4)
    cpu = nw.attribute(lin, x, "learned_mask", target=0, mode="delete", seed=0)
    gpu = nw.attribute(lin.cuda(), x.cuda(), "learned_mask", target=0, mode="delete", seed=0)
    assert gpu.attributions.device.type == "cuda" and gpu.extras["final_score"].device.type == "cuda"
    torch.testing.assert_close(gpu.attributions.cpu(), cpu.attributions, atol=1e-3, rtol=0)
