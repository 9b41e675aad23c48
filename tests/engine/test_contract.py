"""The model contract: plain callables, tuple / dict / ModelOutput outputs, output=,
and task= deciding what the views show (softmax, sigmoid or raw scores)."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest
import torch
from torch import nn

import nnwidgets as nw
from nnwidgets.engine import ExplanationInputError, attribute, capture
from nnwidgets.engine.outputs import Reading, detect, readable, reading_of
from nnwidgets.engine.contract import with_contract


class ModelOutputLike(OrderedDict):
    """What transformers' ModelOutput is: a dict subclass whose keys are attributes too."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError as exc:
            raise AttributeError(name) from exc

    def to_tuple(self):
        return tuple(self.values())

    def __getitem__(self, k):
        return self.to_tuple()[k] if isinstance(k, int) else super().__getitem__(k)


def _net():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 6), nn.Tanh(), nn.Linear(6, 3))


class Wrapped(nn.Module):
    """Returns the logits inside another container, beside a hidden state."""

    def __init__(self, net: nn.Module, form: str) -> None:
        super().__init__()
        self.net, self.form = net, form

    def forward(self, x):
        logits, hidden = self.net(x), self.net[0](x)
        if self.form == "tuple":
            return hidden * 0 + 7, logits  # logits second: output=1 picks them
        if self.form == "dict":
            return {"hidden": hidden, "logits": logits}
        return ModelOutputLike(hidden_states=hidden, logits=logits)


@pytest.mark.parametrize("form,spec", [("dict", None), ("model_output", None), ("tuple", 1),
                                       ("model_output", "logits"), ("dict", lambda out: out["logits"])])
@pytest.mark.parametrize("method", ["saliency", "integrated_gradients", "occlusion"])
def test_containers_explain_the_logits(form, spec, method):
    net = _net()
    x = torch.randn(2, 4)
    opts = {"sliding_window_shapes": (1,)} if method == "occlusion" else {}
    want = attribute(net, x, method, 1, **opts).attributions
    got = attribute(Wrapped(net, form), x, method, 1, output=spec, **opts)
    assert torch.allclose(got.attributions, want, atol=1e-6)
    assert torch.allclose(got.prediction, net(x).detach())


def test_the_first_tensor_of_a_tuple_by_default():
    net = _net()
    x = torch.randn(2, 4)

    class Pair(nn.Module):
        def __init__(self):
            super().__init__()
            self.net = net

        def forward(self, x):
            return self.net(x), torch.zeros(())

    got = attribute(Pair(), x, "gradient", 2)
    assert torch.allclose(got.attributions, attribute(net, x, "gradient", 2).attributions)


def test_a_plain_callable_model_works_without_layers():
    net = _net()
    x = torch.randn(3, 4)
    want = attribute(net, x, "integrated_gradients", 0).attributions
    got = attribute(lambda t: {"logits": net(t)}, x, "integrated_gradients", 0).attributions
    assert torch.allclose(got, want, atol=1e-6)
    with pytest.raises(ExplanationInputError, match="layer methods need a torch.nn.Module.*plain callable"):
        attribute(lambda t: net(t), x, "layer_integrated_gradients", 0, layer="0")


def test_capture_and_bad_output_specs():
    net = _net()
    x = torch.randn(2, 4)
    got = capture(Wrapped(net, "dict"), x, ["net.1"])
    assert torch.allclose(got["net.1"], torch.tanh(net[0](x)))
    with pytest.raises(ExplanationInputError, match=r"output='nope' does not select anything.*'hidden', 'logits'"):
        attribute(Wrapped(net, "dict"), x, "gradient", 0, output="nope")
    with pytest.raises(ExplanationInputError, match="holds no tensor"):
        attribute(lambda t: "text", x, "gradient", 0)
    with pytest.raises(ExplanationInputError, match="task must be one of"):
        attribute(net, x, "gradient", 0, task="ranking")
    with pytest.raises(ExplanationInputError, match="model must be a torch.nn.Module or a callable"):
        attribute(42, x, "gradient", 0)


def test_the_user_model_carries_no_contract():
    net = _net()
    handle = with_contract(net, task="regression")
    assert handle is not net and reading_of(handle, torch.randn(2, 3)).kind == "score"
    assert reading_of(net, torch.randn(2, 3) * 5).kind == "probability"  # the model itself: untouched


# -- task: what the output means ---------------------------------------------------------


def test_detection_rules():
    logits = torch.tensor([[2.0, -1.0, 0.5]])
    assert detect(logits) == Reading("probability", "softmax")
    assert detect(torch.tensor([[0.387, 0.557, 0.40, 0.548, 0.56]])) == Reading("multilabel", "none")
    assert detect(torch.tensor([[0.2, 0.7, 0.1]])) == Reading("probability", "none")  # already a distribution
    assert detect(torch.tensor([[3.0], [1.0]])).kind == "score"
    assert detect(torch.tensor([3.0, 1.0])).kind == "score"  # (N,) output
    assert detect(logits, "regression").kind == "score"
    assert detect(logits, "multilabel") == Reading("multilabel", "sigmoid")
    sig = nn.Sequential(nn.Linear(2, 3), nn.Sigmoid())
    assert detect(torch.tensor([[0.2, 0.7, 0.1]]), model=sig).kind == "multilabel"  # the final Sigmoid decides
    soft = nn.Sequential(nn.Linear(2, 3), nn.Softmax(dim=1))
    assert detect(torch.tensor([[0.2, 0.7, 0.1]]), "multiclass", soft) == Reading("probability", "none")
    assert readable(logits, detect(logits, "multilabel"))[0].tolist() == pytest.approx(torch.sigmoid(logits)[0].tolist())


def _multilabel():
    torch.manual_seed(1)
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 5), nn.Sigmoid())


def test_attribution_bars_show_exactly_the_sigmoid_outputs():
    model, x = _multilabel(), torch.randn(3, 4)
    view = nw.Attribution(model, x, kind="tabular", trust=False)
    assert view.output == "multilabel" and view.output_label.startswith("independent probabilities")
    assert np.allclose(view.probabilities, model(x[:1]).detach().numpy()[0], atol=1e-6)
    assert "%" in view.batch_titles[0]


def test_a_two_output_regressor_shows_its_raw_scores():
    torch.manual_seed(2)
    model, x = nn.Linear(4, 2), torch.randn(3, 4) * 10
    view = nw.Attribution(model, x, kind="tabular", task="regression", trust=False)
    assert view.output == "score" and view.output_label == "raw scores"
    assert np.allclose(view.probabilities, model(x[:1]).detach().numpy()[0], atol=1e-5)
    fig = view.to_figure()
    assert fig is not None


def test_whatif_shows_sigmoid_outputs_and_regressor_scores():
    model = _multilabel()
    x, data = torch.randn(4), torch.randn(20, 4)
    view = nw.WhatIf(model, x, data=data)
    assert view.output_label.startswith("independent probabilities")
    assert np.allclose(view.probabilities, model(x).detach().numpy(), atol=1e-6)
    torch.manual_seed(3)
    reg = nn.Linear(4, 1)
    view = nw.WhatIf(reg, x, data=data)
    assert view.output_label == "raw scores"
    assert np.allclose(view.probabilities, reg(x).detach().numpy(), atol=1e-6)
    view.set_values({0: float(x[0]) + 1.0})
    assert np.allclose(view.probabilities, reg(view.current).detach().numpy(), atol=1e-5)
    view.to_figure()


def test_layers_on_a_vector_output():
    torch.manual_seed(4)
    model = nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 1), nn.Flatten(0))
    x = torch.randn(5, 4)
    view = nw.Layers(model, x)
    assert view.output_label == "raw scores"
    from nnwidgets.transport import unpack

    assert np.allclose(unpack(view._probs), model(x[:1]).detach().numpy(), atol=1e-6)


def test_deletion_scores_by_what_the_view_shows():
    from nnwidgets.engine import trust_report

    model, x = _multilabel(), torch.randn(1, 4)
    sal = attribute(model, x, "saliency", 2).attributions
    report = trust_report(model, x, 2, {"saliency": sal}, steps=4)
    # nothing removed: the curve starts at the model's own sigmoid output for the target, not a softmax of it
    assert report.deletion_scores["saliency"][0] == pytest.approx(float(model(x)[0, 2]), abs=1e-6)
    torch.manual_seed(5)
    reg = nn.Linear(4, 2)
    handle = with_contract(reg, task="regression")
    report = trust_report(handle, x, 1, {"saliency": attribute(reg, x, "saliency", 1).attributions}, steps=4)
    assert report.deletion_scores["saliency"][0] == pytest.approx(float(reg(x)[0, 1]), abs=1e-6)
