import asyncio

import numpy as np
import pytest
import torch

import nnwidgets as nw
from nnwidgets import demo
from nnwidgets.engine import ExplanationInputError
from nnwidgets.engine.whatif import ice, taylor_check
from nnwidgets.transport import pack, unpack
from nnwidgets.widgets import WhatIf

from .models import assert_same, fingerprint
from .test_widget import count_messages


@pytest.fixture(scope="module")
def cancer():
    return demo.breast_cancer()


@pytest.fixture
def view(cancer):
    return WhatIf(cancer.model, cancer.inputs[0], feature_names=cancer.feature_names, labels=cancer.class_names, data=cancer.inputs)


def request(view, seq, x, phase="drag", feature=3, target=1):
    view.set_state({"_request": {"seq": seq, "x": pack(x), "phase": phase, "feature": feature, "target": target}})


def test_initial_state(view, cancer):
    x0 = cancer.inputs[0]
    lows, highs = unpack(view._lows), unpack(view._highs)
    np.testing.assert_allclose(lows, cancer.inputs.min(0).values.numpy())
    np.testing.assert_allclose(highs, cancer.inputs.max(0).values.numpy())
    assert not unpack(view._categorical).any()
    with torch.no_grad():
        probs = torch.softmax(cancer.model(x0[None]), 1)[0].numpy()
    np.testing.assert_allclose(unpack(view._probs), probs, rtol=1e-5)
    assert view.target == view.predicted == int(probs.argmax())
    np.testing.assert_allclose(unpack(view._taylor_estimate), 0, atol=1e-7)
    assert view._ice_feature >= 0 and len(unpack(view._pdp)) == len(unpack(view._ice_values))
    cf = view._counterfactual
    row = x0.clone()
    row[cf["feature"]] = cf["value"]
    with torch.no_grad():
        assert int(cancer.model(row[None]).argmax()) == cf["new_class"] != view.predicted


def test_by_default_drag_and_release_give_one_explanation_per_input(view, cancer):
    """The issue's case: worst radius went −3.23 while dragging and +0.137 on release for
    the same input; now one method answers both, so the same input shows the same bars."""
    assert view.release_method == "integrated_gradients"
    x = cancer.inputs[0].clone()
    x[20] += 3.0
    request(view, 7, x, "drag", feature=20, target=1)
    dragged = unpack(view._attribution).copy()
    assert view.attribution_method == view.release_method
    request(view, 8, x, "release", feature=20, target=1)
    np.testing.assert_allclose(unpack(view._attribution), dragged, rtol=1e-6, atol=1e-9)
    assert np.array_equal(np.sign(unpack(view._attribution)), np.sign(dragged))
    # a slow release method gets a gradient preview while dragging, named as such by release_method
    slow = WhatIf(cancer.model, cancer.inputs[0], feature_names=cancer.feature_names, labels=cancer.class_names,
                  data=cancer.inputs, method="kernel_shap")
    request(slow, 2, x, "drag", feature=20, target=1)
    assert slow.attribution_method == "input_x_gradient" and slow.release_method == "kernel_shap"


def test_drag_answers_with_the_cheap_method_in_one_message(cancer):
    view = WhatIf(cancer.model, cancer.inputs[0], feature_names=cancer.feature_names, labels=cancer.class_names,
                  data=cancer.inputs, drag_method="input_x_gradient")
    x0 = cancer.inputs[0]
    x = x0.clone()
    x[3] += 400.0
    sent = count_messages(view)
    request(view, 5, x, "drag", feature=3, target=1)
    assert [m["method"] for m, _ in sent] == ["update"], sent
    assert view._seq == 5 and view.error == "" and view.attribution_method == "input_x_gradient"
    exp = nw.attribute(cancer.model, x[None], "input_x_gradient", 1)
    np.testing.assert_allclose(unpack(view._attribution), exp.attributions[0].numpy(), rtol=1e-5, atol=1e-7)
    jac = taylor_check(cancer.model, x0, x0).gradient
    np.testing.assert_allclose(unpack(view._taylor_estimate), (jac @ (x - x0)).numpy(), rtol=1e-5, atol=1e-7)
    with torch.no_grad():
        p0, p1 = (torch.softmax(cancer.model(v[None]), 1)[0] for v in (x0, x))
    np.testing.assert_allclose(unpack(view._taylor_actual), (p1 - p0).numpy(), rtol=1e-4, atol=1e-7)
    assert view._ice_feature == 3
    curve = ice(cancer.model, x, 3, torch.as_tensor(unpack(view._ice_values)))[:, 1]
    np.testing.assert_allclose(unpack(view._ice_outputs), curve.numpy(), rtol=1e-5, atol=1e-7)


def test_release_answers_with_the_chosen_method(view, cancer):
    x = cancer.inputs[0].clone()
    x[0] = 20.0
    request(view, 3, x, "release", feature=0, target=0)
    assert view.attribution_method == "integrated_gradients" and view.target == 0
    exp = nw.attribute(cancer.model, x[None], "integrated_gradients", 0, baselines=cancer.inputs.mean(0, keepdim=True))
    np.testing.assert_allclose(unpack(view._attribution), exp.attributions[0].numpy(), rtol=1e-4, atol=1e-6)


def test_stale_and_bad_requests(view, cancer, ):
    model = cancer.model
    before = fingerprint(model)
    x = cancer.inputs[0].clone()
    request(view, 9, x)
    request(view, 8, x * 2)  # older than what was answered: ignored
    assert view._seq == 9
    np.testing.assert_allclose(view.current.numpy(), x.numpy())
    view.set_state({"_request": {"seq": 10, "x": pack(x[:5]), "phase": "drag", "feature": 0, "target": 0}})
    assert "30 features" in view.error and view._seq == 10
    request(view, 11, x, target=7)
    assert "target 7 is out of range" in view.error
    request(view, 12, x)
    assert view.error == ""
    assert_same(before, fingerprint(model))


def test_only_the_newest_pending_request_is_computed(view, cancer, monkeypatch):
    import threading

    from nnwidgets.widgets import base

    # As inside a kernel: requests wait for the next turn of the running loop.
    monkeypatch.setattr(base, "kernel_loop", asyncio.get_running_loop)
    calls = []
    original = view._editor.frame
    view._editor.frame = lambda *a, **k: (calls.append(a), original(*a, **k))[1]

    async def burst():
        for seq in range(20, 30):
            x = cancer.inputs[0].clone()
            x[3] = 500.0 + seq
            request(view, seq, x)
        await asyncio.sleep(0)
        await asyncio.sleep(0)

    # a thread of its own: another library's loop may already run in this one
    worker = threading.Thread(target=lambda: asyncio.run(burst()))
    worker.start()
    worker.join()
    assert len(calls) == 1 and view._seq == 29
    assert view.current[3].item() == pytest.approx(529.0)


def test_python_api_and_figure(view, cancer):
    view.set_values({"mean radius": 25.0})
    assert view.current[0].item() == pytest.approx(25.0)
    view.reset()
    np.testing.assert_allclose(view.current.numpy(), cancer.inputs[0].numpy())
    fig = view.to_figure()
    assert fig._repr_png_()[:4] == b"\x89PNG"
    with pytest.raises(ExplanationInputError, match="set_image is for images"):
        view.set_image(cancer.inputs[0])
    with pytest.raises(TypeError, match=r"\['colormap'\] \(they are for image inputs\)"):
        WhatIf(cancer.model, cancer.inputs[0], colormap="viridis")


def test_categorical_from_data_and_explicit_ranges():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2)).eval()
    data = torch.stack([torch.randn(50), torch.randint(0, 4, (50,)).float(), torch.rand(50)], 1)
    w = WhatIf(model, data[0], data=data, feature_names=["a", "colour", "c"])
    assert unpack(w._categorical).tolist() == [0, 1, 0]
    assert unpack(w._steps)[1] == 1.0
    w2 = WhatIf(model, data[0], ranges=[(-5, 5), (0, 3), (0, 1)], categorical=["colour"], feature_names=["a", "colour", "c"])
    assert unpack(w2._lows).tolist() == [-5, 0, 0] and unpack(w2._categorical).tolist() == [0, 1, 0]


@pytest.mark.parametrize(
    "x, kwargs, pattern",
    [
        (torch.rand(2, 1, 8, 8), {}, r"one row of features, shape \(F,\) or \(1, F\), or one image .*; got shape \(2, 1, 8, 8\)"),
        (torch.rand(30), {"feature_names": ["a"]}, r"name all 30 features; got 1"),
        (torch.rand(30), {"data": torch.rand(5, 29)}, r"data must have shape \(rows, 30\)"),
        (torch.rand(30), {"ranges": [(1, 0)] * 30}, r"low > high"),
        (torch.rand(30), {"labels": ["x"]}, r"name every one of the model's 2 outputs"),
        (torch.rand(30), {"method": "nope"}, r"unknown method\(s\) \['nope'\]"),
        (torch.rand(30).double(), {}, r"dtype torch.float64"),
    ],
)
def test_bad_input(cancer, x, kwargs, pattern):
    with pytest.raises(ExplanationInputError, match=pattern):
        WhatIf(cancer.model, x, **kwargs)


# -- images ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def digits():
    return demo.digits()


def test_an_image_gets_the_image_editor(digits):
    from nnwidgets.widgets.whatif_image import ImageEditor

    before = fingerprint(digits.model)
    view = WhatIf(digits.model, digits.inputs[0], labels=digits.class_names)
    assert isinstance(view._editor, ImageEditor) and isinstance(view, WhatIf) and view.kind == "image"
    exp = nw.attribute(digits.model, digits.inputs[:1], "integrated_gradients", view.target)
    np.testing.assert_allclose(view.attribution_map, exp.attributions[0].sum(0).numpy(), rtol=1e-5, atol=1e-7)
    assert_same(before, fingerprint(digits.model))


def test_painted_image_request_is_answered(digits):
    view = WhatIf(digits.model, digits.inputs[0], labels=digits.class_names)
    x = digits.inputs[0].clone()
    x[0, 5:8, :] = 0.0  # erase the bottom stroke of the 2
    sent = count_messages(view)
    view.set_state({"_request": {"seq": 4, "x": pack(x), "phase": "release", "feature": -1, "target": 3}})
    assert [m["method"] for m, _ in sent] == ["update"]
    assert view.error == "" and view._seq == 4 and view.target == 3
    with torch.no_grad():
        probs = torch.softmax(digits.model(x[None]), 1)[0].numpy()
    np.testing.assert_allclose(view.probabilities, probs, rtol=1e-5)
    exp = nw.attribute(digits.model, x[None], "integrated_gradients", 3)
    np.testing.assert_allclose(view.attribution_map, exp.attributions[0].sum(0).numpy(), rtol=1e-5, atol=1e-7)
    np.testing.assert_array_equal(unpack(view._current), x.numpy())
    view.set_state({"_request": {"seq": 5, "x": pack(x), "phase": "drag", "feature": -1, "target": 3}})
    # one method both ways by default: the drag answer is the release answer for the same image
    assert view.attribution_method == "integrated_gradients" == view.release_method
    np.testing.assert_allclose(view.attribution_map, exp.attributions[0].sum(0).numpy(), rtol=1e-5, atol=1e-7)
    preview = WhatIf(digits.model, digits.inputs[0], labels=digits.class_names, drag_method="gradient")
    preview.set_state({"_request": {"seq": 5, "x": pack(x), "phase": "drag", "feature": -1, "target": 3}})
    assert preview.attribution_method == "gradient" and preview.release_method == "integrated_gradients"
    view.set_state({"_request": {"seq": 6, "x": pack(x[:, :4]), "phase": "drag", "feature": -1, "target": 3}})
    assert "shape (1, 8, 8)" in view.error
    assert view.to_figure()._repr_png_()[:4] == b"\x89PNG"
    with pytest.raises(ExplanationInputError, match=r"set_values is for tabular inputs; use set_image"):
        view.set_values({0: 1.0})
    view.set_image(x, target=2)
    assert view.target == 2 and view.attribution_method == "integrated_gradients"
    np.testing.assert_array_equal(view.current.numpy(), x.numpy())
    view.reset()
    np.testing.assert_array_equal(view.current.numpy(), digits.inputs[0].numpy())
