"""The Embedding widget and its engine: PCA against numpy, the one pass over each
data form, linked views set by a click, selection from the view, the figure."""

import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

import nnwidgets as nw
from nnwidgets import demo
from nnwidgets.engine import ExplanationInputError
from nnwidgets.engine.frames.embedding import activations, thumbnails
from nnwidgets.engine.projection import pca, project
from nnwidgets.figures.embedding import point_colors


def test_pca_equals_numpys_svd_projection_up_to_sign():
    x = torch.randn(200, 12, generator=torch.Generator().manual_seed(0)) @ torch.randn(12, 12)
    coords, explained = pca(x)
    xc = x.double().numpy() - x.double().numpy().mean(0)
    u, s, vt = np.linalg.svd(xc, full_matrices=False)
    ref = xc @ vt[:2].T
    for k in range(2):
        sign = np.sign(ref[:, k] @ coords[:, k].double().numpy())
        np.testing.assert_allclose(coords[:, k].numpy(), sign * ref[:, k], rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(explained.numpy(), (s[:2] ** 2) / (s ** 2).sum(), rtol=1e-5)
    assert project(x).cost.startswith("PCA of 200 points by torch")


def test_tsne_goes_through_scikit_learn():
    x = torch.randn(40, 5, generator=torch.Generator().manual_seed(1))
    p = project(x, "tsne")
    assert p.coords.shape == (40, 2) and p.library in ("scikit-learn", "openTSNE") and torch.isfinite(p.coords).all()
    with pytest.raises(ExplanationInputError, match="projection must be one of"):
        project(x, "mds")


def test_every_data_form_gives_the_same_activations():
    d = demo.digits()
    x, y = d.inputs[:50], d.targets[:50]
    forms = [x, TensorDataset(x, y), DataLoader(TensorDataset(x, y), batch_size=16), [(x[:20], y[:20]), (x[20:], y[20:])]]
    with torch.no_grad():
        ref = d.model.classifier.fc1(d.model.classifier.flatten(d.model.features(x)))
    for form in forms:
        a = activations(d.model, form, "classifier.fc1", batch_size=16)
        torch.testing.assert_close(a.acts, ref)
        assert torch.equal(a.predicted, d.model(x).argmax(1))
    assert (activations(d.model, x, "classifier.fc1").labels == -1).all()
    assert torch.equal(activations(d.model, forms[1], "classifier.fc1").labels, y)
    with pytest.raises(ExplanationInputError, match="iterable more than once"):
        activations(d.model, iter([x]), "classifier.fc1")


def test_thumbnails_fit_their_budget():
    images = torch.rand(1000, 1, 32, 32)
    small = thumbnails(images, budget=1000 * 8 * 8)
    assert small.shape == (1000, 8, 8) and small.dtype == torch.uint8
    torch.testing.assert_close(small[0].float(), torch.nn.functional.avg_pool2d(images[:1], 4)[0, 0] * 255,
                               atol=1.0, rtol=0)  # the data's range is ≈ [0, 1]


def test_a_click_sets_the_linked_views_in_one_answer():
    d = demo.digits()
    x, y = d.inputs[:30], d.targets[:30]
    at = nw.Attribution(d.model, x, labels=d.class_names, trust=False)
    layers = nw.Layers(d.model, x, labels=d.class_names)
    picked = []
    e = nw.Embedding(d.model, TensorDataset(x, y), layer="classifier.fc1", labels=d.class_names,
                     linked=[at, layers, picked.append])
    assert e.color_by == "correct" and e.linked_names == ["Attribution", "Layers", "builtin_function_or_method"]
    e._on_request({"new": {"seq": 1, "click": 17}})
    assert e.clicked == 17 and at.index == 17 and layers.example == 17 and picked == [17] and e.error == ""
    assert at.target == int(d.model(x[17:18]).argmax())  # explained for its own class, not the last one's
    e._on_request({"new": {"seq": 2, "click": 99}})
    assert "out of range" in e.error
    with pytest.raises(ExplanationInputError, match="built on the embedding's data"):
        nw.Embedding(d.model, x[:10], layer="classifier.fc1", linked=[at])


def test_selection_arrives_as_a_binary_buffer_and_colours_match_the_figure():
    d = demo.digits()
    e = nw.Embedding(d.model, d.inputs[:40], layer="classifier.relu")
    assert e.color_by == "predicted" and not e.has_labels
    e._on_message(e, {"select": True}, [np.array([2, 9, 31], "<u4").tobytes()])
    assert e.selected == [2, 9, 31] and e.n_selected == 3
    e.color_neuron(5)
    np.testing.assert_allclose(nw.transport.unpack(e._neuron_values), e.activations[:, 5].numpy())
    colors, scale = point_colors("neuron", np.zeros(40, int), e.predicted, np.ones(40), e.activations[:, 5].numpy(), 10)
    assert scale == (float(e.activations[:, 5].min()), float(e.activations[:, 5].max())) and colors.shape == (40, 3)
    fig = e.to_figure()
    assert "classifier.relu" in fig.axes[0].get_title()
    with pytest.raises(ExplanationInputError, match="needs true classes"):
        nw.Embedding(d.model, d.inputs[:40], layer="classifier.relu", color_by="correct")


def test_tables_hover_rows_and_a_dataframe_is_data():
    pd = pytest.importorskip("pandas")
    c = demo.breast_cancer()
    frame = pd.DataFrame(c.inputs[:60].numpy(), columns=c.feature_names)
    layer = [n for n, m in c.model.named_modules() if isinstance(m, nn.ReLU)][0]
    e = nw.Embedding(c.model, frame, layer=layer, feature_names=c.feature_names, targets=c.targets[:60])
    assert e.input_kind == "features" and e.has_labels
    np.testing.assert_allclose(nw.transport.unpack(e._rows), c.inputs[:60].numpy(), rtol=1e-6)
