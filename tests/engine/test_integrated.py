"""Integrated gradients: analytic answers, completeness, batching, Captum, errors."""

import pytest
import torch
from torch import nn

import nnwidgets as nw
from nnwidgets.engine import ExplanationInputError, ModelCallError, batching
from nnwidgets.engine.quadrature import QUADRATURES

from .. import zoo
from ..models import Counting, Quadratic, Raises, assert_same, fingerprint

TOL = dict(rtol=1e-5, atol=1e-5)


@pytest.fixture
def captum():
    return pytest.importorskip("captum.attr")


class PaperToy(nn.Module):
    """f(x) = ReLU(ReLU(x1) − 1 − ReLU(x2)), Sundararajan et al. 2017, section 2."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(torch.relu(x[:, 0]) - 1 - torch.relu(x[:, 1])).unsqueeze(1)


def ig(model, x, target="predicted", **options):
    return nw.attribute(model, x, "integrated_gradients", target, **options)


def manual_ig(model, x, baseline, target, alphas, weights):
    """IG by hand, one step at a time (no batching of steps, no shared code)."""
    total = torch.zeros_like(x)
    for a, w in zip(alphas, weights):
        point = (baseline + a * (x - baseline)).requires_grad_(True)
        out = model(point)
        (g,) = torch.autograd.grad(out.gather(1, target.view(-1, 1)).sum(), point)
        total += w * g
    return total * (x - baseline)


@pytest.mark.parametrize("quadrature", ["gausslegendre", "riemann_middle", "riemann_trapezoid"])
def test_paper_toy_model(quadrature):
    exp = ig(PaperToy(), torch.tensor([[3.0, 1.0]]), None, n_steps=400, quadrature=quadrature)
    torch.testing.assert_close(exp.attributions, torch.tensor([[1.5, -0.5]]), rtol=0, atol=5e-3)
    assert exp.target is None
    assert abs(exp.delta.item()) < 5e-3  # F(x) − F(0) = 1 = 1.5 − 0.5


def test_completeness_and_delta_is_independent_difference():
    case = zoo.regression()
    x = case.inputs
    baseline = torch.randn(x.shape, generator=torch.Generator().manual_seed(1))
    exp = ig(case.model, x, None, baselines=baseline, n_steps=64)
    with torch.no_grad():
        expected = exp.attributions.sum(1) - (case.model(x)[:, 0] - case.model(baseline)[:, 0])
    torch.testing.assert_close(exp.delta, expected, rtol=0, atol=1e-6)
    assert exp.delta.abs().max() < 1e-4  # a smooth model: the quadrature is accurate
    assert exp.delta.shape == (x.shape[0],)


def test_delta_reports_a_poor_quadrature():
    case = zoo.mlp()
    coarse = ig(case.model, case.inputs, 1, n_steps=2, quadrature="riemann_left")
    fine = ig(case.model, case.inputs, 1, n_steps=100)
    assert coarse.delta.abs().max() > 10 * fine.delta.abs().max()


def test_matches_manual_step_by_step_computation():
    case = zoo.cnn()
    x, target = case.inputs, torch.tensor([0, 3, 4])
    base = torch.full_like(x, 0.25)
    exp = ig(case.model, x, target, baselines=base, n_steps=9, quadrature="riemann_right")
    alphas = [(k + 1) / 9 for k in range(9)]
    expected = manual_ig(case.model, x, base, target, alphas, [1 / 9] * 9)
    torch.testing.assert_close(exp.attributions, expected, **TOL)


def test_riemann_trapezoid_is_the_trapezoid_rule():
    # Captum's trapezoid weights sum to (n − 1)/n; ours are the textbook rule
    # (see quadrature.py), so compare with an independent trapezoid computation.
    case = zoo.mlp()
    x, target, n = case.inputs, torch.tensor([2, 0, 1, 1]), 11
    exp = ig(case.model, x, target, n_steps=n, quadrature="riemann_trapezoid")
    alphas = torch.linspace(0, 1, n).tolist()
    weights = [0.5 / (n - 1)] + [1 / (n - 1)] * (n - 2) + [0.5 / (n - 1)]
    expected = manual_ig(case.model, x, torch.zeros_like(x), target, alphas, weights)
    torch.testing.assert_close(exp.attributions, expected, **TOL)


def test_batched_equals_per_example():
    case = zoo.cnn()
    x = case.inputs
    batched = ig(case.model, x, "predicted", n_steps=16)
    for i in range(x.shape[0]):
        single = ig(case.model, x[i : i + 1], "predicted", n_steps=16)
        torch.testing.assert_close(batched.attributions[i : i + 1], single.attributions, **TOL)
        torch.testing.assert_close(batched.delta[i : i + 1], single.delta, **TOL)
        assert batched.target[i] == single.target[0]


@pytest.mark.parametrize("internal_batch_size", [1, 3, 7, 12, 13, 1000])
def test_chunked_equals_unchunked(internal_batch_size):
    case = zoo.residual()
    x = case.inputs
    whole = ig(case.model, x, 1, n_steps=10)
    chunked = ig(case.model, x, 1, n_steps=10, internal_batch_size=internal_batch_size)
    torch.testing.assert_close(chunked.attributions, whole.attributions, **TOL)
    torch.testing.assert_close(chunked.delta, whole.delta, **TOL)
    torch.testing.assert_close(chunked.prediction, whole.prediction, **TOL)


@pytest.mark.parametrize(
    "internal_batch_size, calls", [(None, [6 * 3]), (12, [6, 12]), (7, [6, 6, 6]), (2, [6, 3, 3, 3, 3])]
)
def test_rows_per_forward(internal_batch_size, calls):
    # Whole steps per forward (at least one: N = 3 rows), and F(x), F(baseline)
    # ride in the only forward when everything fits in one, else get their own.
    torch.manual_seed(3)
    model = Counting(nn.Linear(4, 2))
    x = torch.randn(3, 4)
    ig(model, x, 0, n_steps=4, internal_batch_size=internal_batch_size)
    assert model.calls[-len(calls) :] == calls


def test_memory_budget_picks_the_chunks(monkeypatch):
    torch.manual_seed(4)
    model = Counting(nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2)))
    x = torch.randn(2, 4)
    whole = ig(model, x, 1, n_steps=6)
    assert model.calls[-1] == 2 * 8  # one forward: 6 steps, inputs and baselines
    row = batching.row_bytes(model, x[:1])
    monkeypatch.setattr(batching, "CHUNK_BUDGET_BYTES", 5 * row)  # 5 rows: 2 steps of 2
    model.calls.clear()
    chunked = ig(model, x, 1, n_steps=6)
    assert model.calls == [4, 4, 4, 4]  # F(x), F(b) without gradient, then 3 chunks
    torch.testing.assert_close(chunked.attributions, whole.attributions, **TOL)
    monkeypatch.setattr(batching, "CHUNK_BUDGET_BYTES", 1)  # never fewer than one step
    model.calls.clear()
    ig(model, x, 1, n_steps=3)
    assert model.calls == [4, 2, 2, 2]


@pytest.mark.parametrize("build", zoo.DENSE_CASES, ids=lambda b: b.__name__)
@pytest.mark.parametrize("quadrature", [q for q in QUADRATURES if q != "riemann_trapezoid"])
@pytest.mark.parametrize("internal_batch_size", [None, 7])
def test_agrees_with_captum(captum, build, quadrature, internal_batch_size):
    case = build()
    x = case.inputs
    target = None if case.regression else torch.arange(x.shape[0]) % 3
    ours = ig(case.model, x, target, n_steps=12, quadrature=quadrature, internal_batch_size=internal_batch_size)
    attr, delta = captum.IntegratedGradients(case.model).attribute(
        x, target=target, n_steps=12, method=quadrature, internal_batch_size=internal_batch_size,
        return_convergence_delta=True,
    )
    torch.testing.assert_close(ours.attributions, attr, **TOL)
    torch.testing.assert_close(ours.delta, delta, **TOL)


def test_defaults_equal_captums(captum):
    case = zoo.cnn()
    ours = ig(case.model, case.inputs)
    attr, delta = captum.IntegratedGradients(case.model).attribute(
        case.inputs, target=ours.target, return_convergence_delta=True
    )
    torch.testing.assert_close(ours.attributions, attr, **TOL)
    torch.testing.assert_close(ours.delta, delta, **TOL)
    assert torch.equal(ours.target, case.model(case.inputs).argmax(1))


@pytest.mark.parametrize("form", ["full", "one", "example", "feature", "scalar", "int"])
def test_baselines(captum, form):
    case = zoo.mlp()
    x = case.inputs
    gen = torch.Generator().manual_seed(7)
    given = {
        "full": torch.randn(x.shape, generator=gen),
        "one": torch.randn(1, 10, generator=gen),
        "example": torch.randn(10, generator=gen),
        "feature": torch.randn(1, 10, generator=gen)[0],
        "scalar": 0.3,
        "int": 1,
    }[form]
    full = given.expand_as(x) if isinstance(given, torch.Tensor) else torch.full_like(x, float(given))
    ours = ig(case.model, x, 2, baselines=given, n_steps=8)
    attr, delta = captum.IntegratedGradients(case.model).attribute(
        x, baselines=full.contiguous(), target=2, n_steps=8, return_convergence_delta=True
    )
    torch.testing.assert_close(ours.attributions, attr, **TOL)
    torch.testing.assert_close(ours.delta, delta, **TOL)


def test_baseline_equal_to_input_gives_zero():
    case = zoo.mlp()
    exp = ig(case.model, case.inputs, 0, baselines=case.inputs.clone())
    assert torch.count_nonzero(exp.attributions) == 0
    torch.testing.assert_close(exp.delta, torch.zeros(4), rtol=0, atol=1e-6)


def test_quadratic_closed_form():
    # y = a·x², straight path from 0: IG_i = a_i x_i² exactly (completeness per feature).
    torch.manual_seed(5)
    model = Quadratic(torch.randn(2, 5))
    x = torch.randn(3, 5)
    exp = ig(model, x, 1, n_steps=4)  # Gauss-Legendre is exact for this polynomial
    torch.testing.assert_close(exp.attributions, (model.a[1] * x**2).detach(), **TOL)


def test_callable_target_is_linear_in_the_target():
    case = zoo.mlp()
    x = case.inputs
    diff = ig(case.model, x, lambda out: out[:, 1] - out[:, 0], n_steps=10)
    one, zero = ig(case.model, x, 1, n_steps=10), ig(case.model, x, 0, n_steps=10)
    torch.testing.assert_close(diff.attributions, one.attributions - zero.attributions, **TOL)
    torch.testing.assert_close(diff.delta, one.delta - zero.delta, **TOL)
    assert diff.target is None


def test_regression_target_none():
    case = zoo.regression()
    exp = ig(case.model, case.inputs, None)
    assert exp.target is None and exp.prediction.shape == (5, 1)
    torch.testing.assert_close(exp.prediction, case.model(case.inputs).detach())


def test_float64_and_no_grad_and_inputs_untouched():
    case = zoo.mlp()
    model, x = case.model.double(), case.inputs.double()
    before = x.clone()
    with torch.no_grad():
        exp = ig(model, x, 1, n_steps=20)
    assert exp.attributions.dtype == torch.float64 and not exp.attributions.requires_grad
    assert torch.equal(x, before)
    assert exp.delta.abs().max() < 1e-2


@pytest.mark.parametrize("build", zoo.TOKEN_CASES, ids=lambda b: b.__name__)
def test_integer_tokens_point_to_the_embedding_route(build):
    case = build()
    with pytest.raises(ExplanationInputError, match="embedding"):
        ig(case.model, case.inputs, 0)


@pytest.mark.parametrize(
    "options, message",
    [
        ({"n_steps": 0}, "n_steps must be an int ≥ 1; got 0"),
        ({"n_steps": -3}, "n_steps must be an int ≥ 1"),
        ({"n_steps": 2.5}, "n_steps must be an int ≥ 1"),
        ({"n_steps": True}, "n_steps must be an int ≥ 1"),
        ({"n_steps": [3]}, "n_steps must be an int ≥ 1"),
        ({"quadrature": "simpson"}, "unknown quadrature 'simpson'; choose one of gausslegendre"),
        ({"quadrature": "riemann_trapezoid", "n_steps": 1}, "n_steps ≥ 2"),
        ({"baselines": torch.zeros(3, 10)}, r"baselines must have shape \(4, 10\), \(10,\).*got \(3, 10\)"),
        ({"baselines": torch.zeros(9)}, r"broadcastable to the inputs \(4, 10\); got \(9,\)"),
        ({"baselines": torch.zeros(1, 1, 10)}, r"got \(1, 1, 10\)"),
        ({"baselines": "zeros"}, "baselines must be None, a number or a tensor"),
        ({"baselines": True}, "baselines must be None, a number or a tensor"),
        ({"baselines": float("nan")}, "finite"),
        ({"baselines": torch.full((10,), float("inf"))}, "NaN or infinite"),
        ({"internal_batch_size": 0}, "internal_batch_size must be None or an int ≥ 1"),
        ({"internal_batch_size": 2.0}, "internal_batch_size must be None or an int ≥ 1"),
        ({"steps": 5}, r"unknown option\(s\) \[.steps.\]"),
    ],
)
def test_bad_options(options, message):
    case = zoo.mlp()
    before = fingerprint(case.model)
    with pytest.raises(ExplanationInputError, match=message):
        ig(case.model, case.inputs, 0, **options)
    assert_same(before, fingerprint(case.model))


def test_target_out_of_range():
    case = zoo.mlp()
    with pytest.raises(ExplanationInputError, match=r"target 3 is out of range"):
        ig(case.model, case.inputs, 3)


@pytest.mark.parametrize("internal_batch_size", [None, 4])
def test_model_unchanged_after_success_and_error(internal_batch_size):
    torch.manual_seed(6)
    case = zoo.cnn()
    model = case.model.train()  # a mode to restore; BatchNorm has running statistics
    model[0].weight.grad = torch.ones_like(model[0].weight)
    model[3].weight.requires_grad_(False)
    hook = model[1].register_forward_hook(lambda *a: None)
    before = fingerprint(model)
    ig(model, case.inputs, 1, n_steps=5, internal_batch_size=internal_batch_size)
    assert_same(before, fingerprint(model))
    with pytest.raises(ExplanationInputError):
        ig(model, case.inputs, 99, n_steps=5, internal_batch_size=internal_batch_size)
    assert_same(before, fingerprint(model))
    hook.remove()
    raises = Raises()
    before = fingerprint(raises)
    with pytest.raises(ModelCallError, match="boom"):
        ig(raises, torch.randn(2, 4), 0)
    assert_same(before, fingerprint(raises))


@pytest.mark.parametrize("fuse", [True, False])
@pytest.mark.parametrize("target", ["predicted", "callable"])
def test_chunk_gradients_helper(fuse, target):
    # The shared helper on its own: lead rows fused into the first of several
    # chunks (or not), "predicted" resolved on the lead rows' output.
    torch.manual_seed(8)
    model = Counting(nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 2)))
    lead_rows, rows = torch.randn(2, 3), torch.randn(7, 3)
    tgt = (lambda out: out[:, 0] * out[:, 1]) if target == "callable" else target

    def index(out):
        if target == "callable":
            return None
        return torch.cat([out.argmax(1), torch.tensor([1, 0, 1, 0, 1, 0, 1])])

    lead = batching.Lead((lead_rows[:1], lead_rows[1:]), fuse=fuse)
    chunks = list(batching.chunk_gradients(model, rows, 7, tgt, chunk_rows=3, index=index, lead=lead))
    assert [(c.start, c.stop) for c in chunks] == [(0, 3), (3, 6), (6, 7)]
    assert model.calls == ([5, 3, 1] if fuse else [2, 3, 3, 1])
    with torch.no_grad():
        torch.testing.assert_close(lead.output, model(lead_rows), **TOL)
    for i in range(7):
        point = rows[i : i + 1].clone().requires_grad_(True)
        out = model(point)
        value = tgt(out) if target == "callable" else out[:, 1 - i % 2]
        (g,) = torch.autograd.grad(value.sum(), point)
        chunk = chunks[i // 3]
        torch.testing.assert_close(chunk.gradient[i - chunk.start], g[0], **TOL)
        torch.testing.assert_close(chunk.output[i - chunk.start], out[0].detach(), **TOL)
    expected = tgt(lead.output) if target == "callable" else lead.output.gather(1, lead.index[:2, None])[:, 0]
    torch.testing.assert_close(lead.values, expected, **TOL)
