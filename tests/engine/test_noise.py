"""SmoothGrad, SmoothGrad², VarGrad: Captum, formulas, seeds, batching, errors."""

import pytest
import torch
from torch import nn

import nnwidgets as nw
from nnwidgets.engine import METHODS, ExplanationInputError, ModelCallError
from nnwidgets.engine.methods.noise import draw_noise, smooth

from .. import zoo
from ..models import Counting, Quadratic, Raises, assert_same, fingerprint

TOL = dict(rtol=1e-5, atol=1e-5)


@pytest.fixture
def captum():
    return pytest.importorskip("captum.attr")


def sg(model, x, target="predicted", **options):
    return nw.attribute(model, x, "smoothgrad", target, **options)


@pytest.mark.parametrize("build", zoo.DENSE_CASES, ids=lambda b: b.__name__)
@pytest.mark.parametrize("nt_type", ["smoothgrad", "smoothgrad_sq", "vargrad"])
@pytest.mark.parametrize("base", ["gradient", "saliency", "input_x_gradient"])
def test_agrees_with_captum_exactly(captum, build, nt_type, base):
    # Captum draws torch.normal(0, stdev) from the global RNG; our private
    # generator seeded alike draws the same numbers (CPU), so the same seed
    # gives the same noise and the comparison is exact, not statistical.
    case = build()
    x = case.inputs
    target = None if case.regression else torch.arange(x.shape[0]) % 3
    ours = sg(case.model, x, target, nt_type=nt_type, base=base, nt_samples=4, stdevs=0.4, seed=123)
    method = captum.InputXGradient(case.model) if base == "input_x_gradient" else captum.Saliency(case.model)
    kwargs = {} if base == "input_x_gradient" else {"abs": base == "saliency"}
    torch.manual_seed(123)
    theirs = captum.NoiseTunnel(method).attribute(
        x, nt_type=nt_type, nt_samples=4, stdevs=0.4, target=target, **kwargs
    )
    torch.testing.assert_close(ours.attributions, theirs, **TOL)


def test_defaults_equal_captums_noise_tunnel(captum):
    case = zoo.cnn()
    ours = sg(case.model, case.inputs, seed=9)
    assert ours.extras["nt_type"] == "smoothgrad" and ours.extras["base"] == "gradient"
    torch.manual_seed(9)
    theirs = captum.NoiseTunnel(captum.Saliency(case.model)).attribute(
        case.inputs, target=ours.target, abs=False
    )  # NoiseTunnel defaults: nt_samples=5, stdevs=1.0
    torch.testing.assert_close(ours.attributions, theirs, **TOL)


def test_formula_on_the_drawn_noise():
    # y = a·x²: the gradient at a noisy point is 2 a (x + ε); check every nt_type
    # against the same noise, drawn again from the reported seed.
    torch.manual_seed(0)
    model = Quadratic(torch.randn(3, 5))
    x = torch.randn(2, 5)
    a = model.a[2].detach()
    exp = sg(model, x, 2, nt_type="smoothgrad", nt_samples=6, stdevs=0.5, seed=42)
    noise, seed = draw_noise((12, 5), 0.5, x, 42)
    assert seed == 42
    grads = (2 * a * (x.repeat_interleave(6, 0) + noise)).view(2, 6, 5)
    torch.testing.assert_close(exp.attributions, grads.mean(1), **TOL)
    sq = sg(model, x, 2, nt_type="smoothgrad_sq", nt_samples=6, stdevs=0.5, seed=42)
    torch.testing.assert_close(sq.attributions, (grads**2).mean(1), **TOL)
    var = sg(model, x, 2, nt_type="vargrad", nt_samples=6, stdevs=0.5, seed=42)
    torch.testing.assert_close(var.attributions, grads.var(1, unbiased=False), **TOL)


def test_smooth_reductions():
    per_sample = torch.tensor([[[1.0, -2.0], [3.0, 2.0]], [[0.0, 1.0], [0.0, 1.0]]])  # (N=2, S=2, 2)
    torch.testing.assert_close(smooth(per_sample, "smoothgrad"), torch.tensor([[2.0, 0.0], [0.0, 1.0]]))
    torch.testing.assert_close(smooth(per_sample, "smoothgrad_sq"), torch.tensor([[5.0, 4.0], [0.0, 1.0]]))
    torch.testing.assert_close(smooth(per_sample, "vargrad"), torch.tensor([[1.0, 4.0], [0.0, 0.0]]))


def test_linear_model_formulas():
    torch.manual_seed(1)
    lin = nn.Linear(6, 3)
    x = torch.randn(4, 6)
    w = lin.weight[1].detach().expand(4, 6)
    mean = sg(lin, x, 1, nt_type="smoothgrad", nt_samples=7, seed=0)
    torch.testing.assert_close(mean.attributions, w, **TOL)
    torch.testing.assert_close(sg(lin, x, 1, nt_type="smoothgrad_sq", nt_samples=7, seed=0).attributions, w**2, **TOL)
    torch.testing.assert_close(sg(lin, x, 1, nt_type="vargrad", nt_samples=7, seed=0).attributions,
                               torch.zeros(4, 6), rtol=0, atol=1e-6)
    torch.testing.assert_close(sg(lin, x, 1, base="saliency", seed=0).attributions, w.abs(), **TOL)


def test_zero_noise_is_the_base_method():
    case = zoo.cnn()
    for base in ("gradient", "saliency", "input_x_gradient"):
        noiseless = sg(case.model, case.inputs, 2, base=base, stdevs=0.0, nt_samples=3)
        plain = nw.attribute(case.model, case.inputs, base, 2)
        torch.testing.assert_close(noiseless.attributions, plain.attributions, **TOL)


def test_seeds_reproduce_and_differ_and_leave_the_global_rng_alone():
    case = zoo.mlp()
    state = torch.get_rng_state()
    a = sg(case.model, case.inputs, 1, seed=5)
    b = sg(case.model, case.inputs, 1, seed=5)
    c = sg(case.model, case.inputs, 1, seed=6)
    free = sg(case.model, case.inputs, 1)
    assert torch.equal(torch.get_rng_state(), state)
    assert torch.equal(a.attributions, b.attributions)
    assert not torch.allclose(a.attributions, c.attributions)
    again = sg(case.model, case.inputs, 1, seed=free.extras["seed"])
    assert torch.equal(free.attributions, again.attributions)
    assert not torch.allclose(free.attributions, a.attributions)


def test_prediction_and_target_come_from_the_clean_inputs():
    case = zoo.mlp()
    exp = sg(case.model, case.inputs, stdevs=3.0, seed=1)
    clean = case.model(case.inputs).detach()
    torch.testing.assert_close(exp.prediction, clean)
    assert torch.equal(exp.target, clean.argmax(1))


def test_callable_and_regression_targets():
    case = zoo.mlp()
    diff = sg(case.model, case.inputs, lambda out: out[:, 1] - out[:, 0], seed=2)
    one, zero = sg(case.model, case.inputs, 1, seed=2), sg(case.model, case.inputs, 0, seed=2)
    torch.testing.assert_close(diff.attributions, one.attributions - zero.attributions, **TOL)
    assert diff.target is None
    reg = zoo.regression()
    exp = sg(reg.model, reg.inputs, None, seed=2)
    assert exp.target is None and exp.attributions.shape == reg.inputs.shape


@pytest.mark.parametrize("internal_batch_size", [1, 3, 8, 19, 1000])
def test_chunked_equals_unchunked(internal_batch_size):
    case = zoo.residual()
    whole = sg(case.model, case.inputs, 0, nt_type="vargrad", nt_samples=4, seed=3)
    chunked = sg(case.model, case.inputs, 0, nt_type="vargrad", nt_samples=4, seed=3,
                 internal_batch_size=internal_batch_size)
    torch.testing.assert_close(chunked.attributions, whole.attributions, **TOL)
    torch.testing.assert_close(chunked.prediction, whole.prediction, **TOL)


@pytest.mark.parametrize(
    "internal_batch_size, calls", [(None, [2 + 10]), (12, [12]), (6, [2, 6, 4]), (4, [2, 4, 4, 2])]
)
def test_all_samples_batched(internal_batch_size, calls):
    torch.manual_seed(4)
    model = Counting(nn.Linear(3, 2))
    sg(model, torch.randn(2, 3), 0, seed=1, internal_batch_size=internal_batch_size)
    assert model.calls[-len(calls) :] == calls


def test_signed_flag():
    assert METHODS["smoothgrad"].signed
    case = zoo.mlp()
    assert sg(case.model, case.inputs, seed=0).extras["signed"]
    assert sg(case.model, case.inputs, seed=0, base="input_x_gradient").extras["signed"]
    for options in ({"base": "saliency"}, {"nt_type": "smoothgrad_sq"}, {"nt_type": "vargrad"}):
        exp = sg(case.model, case.inputs, seed=0, **options)
        assert not exp.extras["signed"] and bool((exp.attributions >= -1e-7).all())


@pytest.mark.parametrize("build", zoo.TOKEN_CASES, ids=lambda b: b.__name__)
def test_integer_tokens_point_to_the_embedding_route(build):
    case = build()
    with pytest.raises(ExplanationInputError, match="embedding"):
        sg(case.model, case.inputs, 0)


@pytest.mark.parametrize(
    "options, message",
    [
        ({"nt_type": "sq"}, "unknown nt_type 'sq'; choose one of smoothgrad, smoothgrad_sq, vargrad"),
        ({"base": "occlusion"}, "unknown base 'occlusion'; choose one of gradient, saliency, input_x_gradient"),
        ({"nt_samples": 0}, "nt_samples must be an int ≥ 1; got 0"),
        ({"nt_samples": 2.0}, "nt_samples must be an int ≥ 1"),
        ({"stdevs": -0.1}, r"stdevs must be a finite number ≥ 0 .*got -0.1"),
        ({"stdevs": float("nan")}, "stdevs must be a finite number ≥ 0"),
        ({"stdevs": float("inf")}, "stdevs must be a finite number ≥ 0"),
        ({"stdevs": (0.1,)}, "stdevs must be a finite number ≥ 0"),
        ({"seed": -1}, r"seed must be None or an int in \[0, 2\*\*64\)"),
        ({"seed": 1.5}, "seed must be None or an int"),
        ({"internal_batch_size": 0}, "internal_batch_size must be None or an int ≥ 1"),
        ({"n_samples": 3}, r"unknown option\(s\) \['n_samples'\]"),
    ],
)
def test_bad_options(options, message):
    case = zoo.mlp()
    before = fingerprint(case.model)
    state = torch.get_rng_state()
    with pytest.raises(ExplanationInputError, match=message):
        sg(case.model, case.inputs, 0, **options)
    assert_same(before, fingerprint(case.model))
    assert torch.equal(torch.get_rng_state(), state)


def test_model_unchanged_after_success_and_error():
    case = zoo.cnn()
    model = case.model.train()
    model[0].weight.grad = torch.ones_like(model[0].weight)
    model[3].bias.requires_grad_(False)
    before = fingerprint(model)
    x = case.inputs.clone()
    with torch.no_grad():
        exp = sg(model, x, 1, nt_samples=3, seed=0, internal_batch_size=4)
    assert not exp.attributions.requires_grad
    assert torch.equal(x, case.inputs)
    assert_same(before, fingerprint(model))
    with pytest.raises(ExplanationInputError, match="out of range"):
        sg(model, x, 7, seed=0)
    assert_same(before, fingerprint(model))
    raises = Raises()
    before = fingerprint(raises)
    with pytest.raises(ModelCallError, match="boom"):
        sg(raises, torch.randn(2, 4), 0)
    assert_same(before, fingerprint(raises))
