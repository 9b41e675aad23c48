"""Models with several inputs (a tuple of tensors), against Captum on Captum's own test models.

Every method both libraries have is run on ``captum.testing.helpers.basic_models``'
multi-input models with tuple inputs, tuple baselines and ``additional_forward_args``,
and must equal Captum. Sampling methods get the same samples: SmoothGrad's noise is
drawn from the same seed (each input's in turn, as Captum does), Kernel SHAP's and
LIME's coalitions are handed to Captum through its ``perturb_func``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import pytest
import torch
from torch import nn

import nnwidgets as nw
from nnwidgets.engine import ExplanationInputError
from nnwidgets.engine.perturb import kernel_shap_samples, lime_samples

from ..models import assert_same, fingerprint

captum = pytest.importorskip("captum.attr")
basic = pytest.importorskip("captum.testing.helpers.basic_models")
linear_model = pytest.importorskip("captum._utils.models.linear_model")

TOL = dict(rtol=1e-5, atol=1e-6)


@dataclass
class Case:
    model: nn.Module
    inputs: tuple[torch.Tensor, ...]
    target: Any
    baselines: tuple
    args: Any = None
    layer: str | None = None
    neuron: tuple | None = None
    masks: tuple = field(default_factory=tuple)


def _x(*shape: int, scale: float = 1.0, shift: float = 0.0, seed: int = 0) -> torch.Tensor:
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed)) * scale + shift


def model2() -> Case:  # ReLU(ReLU(x1) − 1 − ReLU(x2)), output (N, 3)
    x = (_x(3, 3, scale=1.5, shift=2.0, seed=1), _x(3, 3, scale=0.5, seed=2))
    return Case(basic.BasicModel2(), x, 1, (0.5, torch.tensor([[0.1, 0.2, 0.0]])),
                masks=(torch.tensor([[0, 0, 1]]), torch.tensor([[1, 2, 2]])))  # id 1 spans both inputs


def model3() -> Case:
    x = (_x(2, 3, scale=1.5, shift=2.5, seed=3), _x(2, 3, scale=0.5, seed=4))
    return Case(basic.BasicModel3(), x, torch.tensor([0, 2]), (0.0, 0.2),
                masks=(torch.tensor([[0, 1, 2]]), torch.tensor([[3, 4, 5]])))


def model4() -> Case:  # a per-example tensor and an int as additional arguments
    x = (_x(3, 4, scale=1.5, shift=2.5, seed=5), _x(3, 4, scale=0.5, seed=6))
    divisor = _x(3, 4, scale=0.2, shift=2.0, seed=7)
    return Case(basic.BasicModel4_MultiArgs(), x, None, (torch.full((1, 4), 0.5), 0.1), args=(divisor, 2),
                masks=(torch.tensor([[0, 0, 1, 1]]), torch.tensor([[2, 3, 3, 2]])))


def model5() -> Case:  # a Python list and an int as additional arguments
    x = (_x(2, 3, scale=1.5, shift=2.5, seed=8), _x(2, 3, scale=0.5, seed=9))
    return Case(basic.BasicModel5_MultiArgs(), x, None, (0.2, 0.0), args=([2, 3], 1),
                masks=(torch.tensor([[0, 1, 1]]), torch.tensor([[2, 2, 0]])))


def model6() -> Case:  # 1 − ReLU(1 − (x1 + x2))[:, 1], output (N,)
    x = (_x(3, 3, scale=0.3, seed=10), _x(3, 3, scale=0.3, seed=11))
    return Case(basic.BasicModel6_MultiTensor(), x, None, (0.0, 0.0),
                masks=(torch.tensor([[0, 1, 2]]), torch.tensor([[0, 1, 2]])))


def multilayer() -> Case:  # three inputs, an int scale as additional argument, real layers
    torch.manual_seed(0)
    x = tuple(_x(3, 3, seed=12 + i) for i in range(3))
    return Case(basic.BasicModel_MultiLayer_MultiInput(), x, torch.tensor([0, 1, 1]),
                (0.1, torch.zeros(1, 3), _x(3, 3, scale=0.1, seed=20)), args=(2,),
                layer="model.linear1", neuron=(1,),
                masks=(torch.tensor([[0, 1, 2]]), torch.tensor([[3, 4, 5]]), torch.tensor([[0, 0, 0]])))


def linear() -> Case:
    torch.manual_seed(1)
    x = (_x(2, 4, seed=21), _x(2, 3, seed=22))
    return Case(basic.BasicLinearModel(), x, None, (0.3, _x(1, 3, seed=23)), layer="linear", neuron=(0,),
                masks=(torch.tensor([[0, 1, 1, 2]]), torch.tensor([[3, 3, 4]])))


CASES = [model2, model3, model4, model5, model6, multilayer, linear]
LAYERED = [multilayer, linear]


def _close(ours: Any, theirs: Any, tol: dict = TOL) -> None:
    assert isinstance(ours, tuple) and len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        torch.testing.assert_close(a, b.detach(), **tol)


def _ours(case: Case, method: str, **options: Any) -> nw.Explanation:
    before = fingerprint(case.model)
    exp = nw.attribute(case.model, case.inputs, method, case.target, additional_forward_args=case.args, **options)
    assert_same(before, fingerprint(case.model))
    return exp


def _theirs(explainer: Any, case: Case, **options: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return explainer.attribute(case.inputs, target=case.target, additional_forward_args=case.args, **options)


@pytest.mark.parametrize("build", CASES, ids=lambda b: b.__name__)
def test_gradient_methods_equal_captum(build):
    case = build()
    _close(_ours(case, "gradient").attributions, _theirs(captum.Saliency(case.model), case, abs=False))
    _close(_ours(case, "saliency").attributions, _theirs(captum.Saliency(case.model), case))
    _close(_ours(case, "input_x_gradient").attributions, _theirs(captum.InputXGradient(case.model), case))


@pytest.mark.parametrize("build", CASES, ids=lambda b: b.__name__)
def test_integrated_gradients_equals_captum_and_is_complete_over_every_input(build):
    case = build()
    exp = _ours(case, "integrated_gradients", baselines=case.baselines, n_steps=64)
    theirs, delta = _theirs(captum.IntegratedGradients(case.model), case, baselines=case.baselines, n_steps=64,
                            method="gausslegendre", return_convergence_delta=True)
    _close(exp.attributions, theirs)
    torch.testing.assert_close(exp.delta, delta, **TOL)
    assert exp.is_tuple and exp.extras["inputs"] == len(case.inputs)
    # Completeness sums over every input: Σ_i Σ attr_i = F(x) − F(b) + delta.
    with torch.no_grad():
        args = () if case.args is None else case.args
        bases = tuple(torch.as_tensor(b, dtype=x.dtype).expand_as(x) for b, x in zip(case.baselines, case.inputs))
        fx, fb = case.model(*case.inputs, *args), case.model(*bases, *args)
    pick = (lambda out: out.reshape(-1)) if out_1d(fx) else (lambda out: out.gather(1, exp.target.view(-1, 1)).squeeze(1))
    torch.testing.assert_close(exp.totals(), pick(fx) - pick(fb) + exp.delta, **TOL)
    assert float(exp.delta.abs().max()) < 5e-2 * max(1.0, float((pick(fx) - pick(fb)).abs().max()))  # ReLU kinks


def out_1d(out: torch.Tensor) -> bool:
    return out.dim() == 1 or out.shape[1] == 1


@pytest.mark.parametrize("build", CASES, ids=lambda b: b.__name__)
def test_perturbation_methods_equal_captum(build):
    case = build()
    exp = _ours(case, "feature_ablation", baselines=case.baselines, feature_mask=case.masks)
    _close(exp.attributions, _theirs(captum.FeatureAblation(case.model), case, baselines=case.baselines,
                                     feature_mask=case.masks))
    # Every scalar its own feature by default, ids running on across inputs.
    _close(_ours(case, "feature_ablation").attributions, _theirs(captum.FeatureAblation(case.model), case))
    # Occlusion: one window shape (and stride) per input, each input occluded in turn.
    windows = tuple((min(2, x.shape[1]),) for x in case.inputs)
    strides = tuple(1 for _ in case.inputs)
    exp = _ours(case, "occlusion", sliding_window_shapes=windows, strides=strides, baselines=case.baselines)
    theirs = _theirs(captum.Occlusion(case.model), case, sliding_window_shapes=windows, strides=strides,
                     baselines=case.baselines)
    _close(exp.attributions, theirs)
    assert exp.extras["window"] == (windows if case.args is None else [windows] * case.inputs[0].shape[0])


def _feeder(z: torch.Tensor):
    examples = iter(range(z.shape[0]))

    def rows(_inputs, **_kwargs):
        for row in z[next(examples)]:
            yield row.long().view(1, -1)

    return rows


def _design(case: Case, sample, n_samples: int, seed: int) -> torch.Tensor:
    """The rows our method draws: at once for the batch, or (with additional arguments,
    run one example at a time) from the same seed for each example."""
    n, m = case.inputs[0].shape[0], int(max(int(mk.max()) for mk in case.masks)) + 1
    if case.args is None:
        return sample(n, n_samples, m, torch.Generator().manual_seed(seed))
    return torch.cat([sample(1, n_samples, m, torch.Generator().manual_seed(seed)) for _ in range(n)])


# Captum's KernelShap and Lime themselves fail on BasicModel5's list argument (IndexError
# inside the model: their batching does not pass a list through), so it is left out here.
@pytest.mark.parametrize("build", [c for c in CASES if c is not model5], ids=lambda b: b.__name__)
def test_kernel_shap_and_lime_equal_captum_on_the_same_samples(build):
    case = build()
    s = 40
    exp = _ours(case, "kernel_shap", feature_mask=case.masks, baselines=case.baselines, n_samples=s, seed=5)
    explainer = captum.KernelShap(case.model)
    explainer.perturb_func = _feeder(_design(case, lambda *a: kernel_shap_samples(*a)[0], s, 5))
    theirs = _theirs(explainer, case, feature_mask=case.masks, baselines=case.baselines, n_samples=s,
                     perturbations_per_eval=s)
    _close(exp.attributions, theirs, dict(rtol=1e-5, atol=1e-5))
    exp = _ours(case, "lime", feature_mask=case.masks, baselines=case.baselines, n_samples=s, seed=3)
    pytest.importorskip("sklearn")
    explainer = captum.Lime(case.model, interpretable_model=linear_model.SkLearnLasso(alpha=0.01, tol=1e-12,
                                                                                      max_iter=100_000))
    explainer.perturb_func = _feeder(_design(case, lime_samples, s, 3))
    theirs = _theirs(explainer, case, feature_mask=case.masks, baselines=case.baselines, n_samples=s,
                     perturbations_per_eval=s)
    _close(exp.attributions, theirs, dict(rtol=1e-5, atol=1e-5))


@pytest.mark.parametrize("build", [model2, model3, model6, linear], ids=lambda b: b.__name__)
@pytest.mark.parametrize("nt_type", ["smoothgrad", "vargrad"])
def test_smoothgrad_equals_captums_noise_tunnel_with_per_input_stdevs(build, nt_type):
    # Without additional arguments the whole batch is drawn at once, each input's noise
    # in turn from one seeded generator: Captum's global-RNG draws, number for number.
    case = build()
    exp = _ours(case, "smoothgrad", nt_type=nt_type, nt_samples=4, stdevs=(0.2, 0.5), seed=11)
    torch.manual_seed(11)
    theirs = _theirs(captum.NoiseTunnel(captum.Saliency(case.model)), case, nt_type=nt_type, nt_samples=4,
                     stdevs=(0.2, 0.5), abs=False)
    _close(exp.attributions, theirs)


@pytest.mark.parametrize("build", LAYERED, ids=lambda b: b.__name__)
def test_layer_and_neuron_methods_equal_captum(build):
    case = build()
    layer = dict(case.model.named_modules())[case.layer]
    exp = _ours(case, "layer_integrated_gradients", layer=case.layer, baselines=case.baselines, n_steps=32)
    theirs, delta = _theirs(captum.LayerIntegratedGradients(case.model, layer), case, baselines=case.baselines,
                            n_steps=32, return_convergence_delta=True)
    torch.testing.assert_close(exp.attributions, theirs, **TOL)
    torch.testing.assert_close(exp.delta, delta, **TOL)
    exp = _ours(case, "layer_gradient_x_activation", layer=case.layer)
    torch.testing.assert_close(exp.attributions, _theirs(captum.LayerGradientXActivation(case.model, layer), case),
                               **TOL)
    # Neuron methods explain the input: one attribution per input again.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        grad = captum.NeuronGradient(case.model, layer).attribute(case.inputs, case.neuron,
                                                                   additional_forward_args=case.args)
        nig = captum.NeuronIntegratedGradients(case.model, layer).attribute(
            case.inputs, case.neuron, baselines=case.baselines, additional_forward_args=case.args, n_steps=32)
    _close(_ours(case, "neuron_gradient", layer=case.layer, neuron=case.neuron).attributions, grad)
    exp = _ours(case, "neuron_integrated_gradients", layer=case.layer, neuron=case.neuron,
                baselines=case.baselines, n_steps=32)
    _close(exp.attributions, nig)


@pytest.mark.parametrize("build", LAYERED, ids=lambda b: b.__name__)
def test_gradient_x_weight_sees_every_input(build):
    # No Captum equivalent: ∂y/∂W ⊙ W by plain autograd, one example at a time.
    case = build()
    exp = _ours(case, "gradient_x_weight", layer=case.layer)
    weight = dict(case.model.named_modules())[case.layer].weight
    args = () if case.args is None else case.args
    for i in range(case.inputs[0].shape[0]):
        out = case.model(*(x[i : i + 1] for x in case.inputs), *args)
        y = out.reshape(-1)[0] if case.target is None else out[0, int(case.target[i])]
        (g,) = torch.autograd.grad(y, weight)
        torch.testing.assert_close(exp.attributions[i], g * weight.detach(), **TOL)


def test_learned_mask_gives_one_mask_per_input():
    case = linear()
    exp = _ours(case, "learned_mask", steps=5, seed=0)
    assert [tuple(a.shape) for a in exp.attributions] == [(2, 4), (2, 3)]
    assert all(bool(((a >= 0) & (a <= 1)).all()) for a in exp.attributions)


def test_linear_model_analytic_answers():
    # f = w·[x1, x2] + b: IG, gradient × (x − b), occlusion of single elements and
    # exact Kernel SHAP all equal w ⊙ (x − baseline), split at the inputs' boundary.
    case = linear()
    w = case.model.linear.weight.detach()[0]
    base = (torch.full((4,), 0.3), case.baselines[1][0])
    expected = tuple(wi * (x - b) for wi, x, b in zip(torch.split(w, [4, 3]), case.inputs, base))
    for method, opts in [("integrated_gradients", dict(n_steps=8)), ("feature_ablation", {}),
                         ("occlusion", dict(sliding_window_shapes=((1,), (1,)))),
                         ("kernel_shap", dict(n_samples=300, seed=0))]:
        exp = nw.attribute(case.model, case.inputs, method, None, baselines=case.baselines, **opts)
        _close(exp.attributions, expected, dict(rtol=1e-4, atol=1e-5))


def test_default_grouping_never_spans_two_inputs():
    # A large image beside a small vector: the image is cut into patches, the vector
    # keeps one feature per scalar, and no feature id is shared.
    class ImageMeta(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = nn.Conv2d(3, 4, 3, padding=1)
            self.head = nn.Linear(4 + 5, 2)

        def forward(self, image: torch.Tensor, meta: torch.Tensor) -> torch.Tensor:
            return self.head(torch.cat([self.conv(image).mean((2, 3)), meta], 1))

    torch.manual_seed(0)
    model, x = ImageMeta(), (torch.randn(2, 3, 32, 32), torch.randn(2, 5))
    exp = nw.attribute(model, x, "feature_ablation", 1)
    image_ids, meta_ids = exp.extras["feature_mask"]
    assert image_ids.shape == (1, 3, 32, 32) and meta_ids.shape == (1, 5)
    assert set(image_ids.unique().tolist()).isdisjoint(meta_ids.unique().tolist())
    assert meta_ids.unique().numel() == 5 and image_ids.unique().numel() == 256
    assert "no group spans two inputs" in exp.extras["grouping"]
    theirs = captum.FeatureAblation(model).attribute(x, target=1, feature_mask=exp.extras["feature_mask"])
    _close(exp.attributions, theirs)
    occ = nw.attribute(model, x, "occlusion", 1)
    assert occ.extras["window"] == ((3, 2, 2), (1,))
    # Grad-CAM on the image branch's conv layer, the metadata passed along.
    cam = nw.attribute(model, x, "gradcam", 1, layer="conv")
    torch.testing.assert_close(cam.attributions, captum.LayerGradCam(model, model.conv).attribute(x, target=1), **TOL)


@pytest.mark.parametrize("inputs, options, match", [
    ((torch.randn(2, 3), torch.randint(0, 5, (2, 3))), {}, "input 1 of the tuple holds integers"),
    ((torch.randn(2, 3), torch.randn(3, 3)), {}, "same batch size"),
    ((), {}, "empty tuple"),
    ((torch.randn(2, 3), torch.randn(2, 3)), {"baselines": torch.zeros(2, 3)}, "tensor per input"),
    ((torch.randn(2, 3), torch.randn(2, 3)), {"baselines": (0.0,)}, "one entry per input"),
    ((torch.randn(2, 3), torch.randn(2, 3)), {"baselines": (0.0, torch.zeros(4))}, r"baselines\[1\]"),
])
def test_bad_tuple_inputs_get_clear_errors(inputs, options, match):
    with pytest.raises(ExplanationInputError, match=match):
        nw.attribute(basic.BasicModel2(), inputs, "integrated_gradients", 0, **options)


def test_bad_per_input_options_get_clear_errors():
    x = (torch.randn(2, 3), torch.randn(2, 3))
    with pytest.raises(ExplanationInputError, match="feature_mask for tuple inputs"):
        nw.attribute(basic.BasicModel2(), x, "feature_ablation", 0, feature_mask=torch.zeros(1, 3, dtype=torch.long))
    with pytest.raises(ExplanationInputError, match="sliding_window_shapes for tuple inputs"):
        nw.attribute(basic.BasicModel2(), x, "occlusion", 0, sliding_window_shapes=(2,))
    with pytest.raises(ExplanationInputError, match="stdevs"):
        nw.attribute(basic.BasicModel2(), x, "smoothgrad", 0, stdevs=(0.1, 0.2, 0.3))



def test_capture_takes_tuple_inputs():
    case = linear()
    before = fingerprint(case.model)
    acts = nw.capture(case.model, case.inputs, ["linear"])
    torch.testing.assert_close(acts["linear"], case.model(*case.inputs).detach())
    assert_same(before, fingerprint(case.model))
