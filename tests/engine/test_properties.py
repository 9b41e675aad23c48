"""Property tests over every registered method: the model is left exactly as found,
after success and after every kind of error, whatever the model and its state."""

from __future__ import annotations

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch import nn

import nnwidgets as nw
from nnwidgets.engine import METHODS, ExplanationInputError, ModelCallError

from ..models import assert_same, fingerprint

ACTIVATIONS = [nn.ReLU, nn.Tanh, nn.Sigmoid, nn.Softplus]


# Methods that need a spatial layer get a small CNN instead of an MLP.
NEEDS_CONV = {"gradcam"}


def options_for(name: str, model: nn.Sequential) -> dict:
    """Options a method needs on the generated model's input, by option name."""
    info = METHODS[name]
    conv = isinstance(model[0], nn.Conv2d)
    layer = next(n for n, m in model.named_modules() if isinstance(m, (nn.Conv2d if conv else nn.Linear)))
    known = {"layer": layer, "neuron": 0, "sliding_window_shapes": (1, 2, 2) if conv else (1,)}
    missing = [o for o in info.required if o not in known]
    assert not missing, f"tell test_properties how to call {name!r}: it needs {missing}"
    opts = {o: known[o] for o in info.required}
    # keep slow defaults small: the property is about state, not accuracy
    for option, value in {"n_steps": 8, "nt_samples": 3, "n_samples": 16, "steps": 5}.items():
        if option in info.options:
            opts[option] = value
    return opts


@st.composite
def models_and_inputs(draw, conv: bool = False):
    n_in = draw(st.integers(2, 6))
    width = draw(st.integers(2, 8))
    n_out = draw(st.integers(2, 4))
    if conv:
        layers: list[nn.Module] = [nn.Conv2d(1, width, 3, padding=1)]
        if draw(st.booleans()):
            layers.append(nn.BatchNorm2d(width))
    else:
        layers = [nn.Linear(n_in, width)]
        if draw(st.booleans()):
            layers.append(nn.BatchNorm1d(width))
    layers.append(draw(st.sampled_from(ACTIVATIONS))())
    if draw(st.booleans()):
        layers.append(nn.Dropout(0.3))
    if conv:
        layers.append(nn.Flatten())
    layers.append(nn.Linear(width * 16 if conv else width, n_out))
    torch.manual_seed(draw(st.integers(0, 2**16)))
    model = nn.Sequential(*layers)
    model.train(draw(st.booleans()))
    for p in model.parameters():
        p.requires_grad_(draw(st.booleans()))
        if draw(st.booleans()):
            p.grad = torch.randn_like(p)
    if draw(st.booleans()):
        model[0].register_forward_hook(lambda m, a, o: None)
    batch = draw(st.integers(2, 4))  # BatchNorm in train mode needs more than one row
    return model, torch.randn(batch, 1, 4, 4) if conv else torch.randn(batch, n_in)


class Explodes(nn.Module):
    """Raises inside the forward, after the first layer ran (and any hooks fired)."""

    def __init__(self, inner: nn.Sequential) -> None:
        super().__init__()
        self.inner = inner

    def forward(self, x):
        self.inner[0](x)
        raise RuntimeError("exploded mid-forward")


FAST = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("method", sorted(METHODS))
@FAST
@given(data=st.data(), seed=st.integers(0, 100))
def test_model_unchanged_after_success(method, data, seed):
    model, x = data.draw(models_and_inputs(conv=method in NEEDS_CONV))
    before = fingerprint(model)
    x_before = x.clone()
    opts = options_for(method, model)
    if "seed" in METHODS[method].options:
        opts["seed"] = seed
    nw.attribute(model, x, method, target=0, **opts)
    assert_same(before, fingerprint(model))
    assert torch.equal(x, x_before)


@pytest.mark.parametrize("method", sorted(METHODS))
@FAST
@given(data=st.data(), bad=st.sampled_from(["target", "nan", "raises", "option"]))
def test_model_unchanged_after_errors(method, data, bad):
    model, x = data.draw(models_and_inputs(conv=method in NEEDS_CONV))
    before = fingerprint(model)
    opts = options_for(method, model)
    target: object = 0
    if bad == "target":
        target = 99
    elif bad == "nan":
        x = x.clone()
        x.view(-1)[0] = float("nan")
    elif bad == "option":
        opts["no_such_option"] = 1
    if bad == "raises":
        wrapper = Explodes(model)
        if "layer" in opts:
            opts["layer"] = "inner." + opts["layer"]
        with pytest.raises((ModelCallError, RuntimeError)):
            nw.attribute(wrapper, x, method, target=target, **opts)
    else:
        with pytest.raises(ExplanationInputError):
            nw.attribute(model, x, method, target=target, **opts)
    assert_same(before, fingerprint(model))
