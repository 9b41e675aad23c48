"""Tables as users have them: numpy arrays, pandas DataFrames and Series, categorical columns."""

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

import nnwidgets as nw
from nnwidgets.engine import ExplanationInputError
from nnwidgets.engine.tables import as_table


class Linear3(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.fc = nn.Linear(3, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x)


@pytest.fixture()
def df():
    return pd.DataFrame({
        "age": [30.0, 45.0, 61.0, 22.0],
        "colour": pd.Categorical(["red", "blue", "red", "green"], categories=["red", "green", "blue"]),
        "city": ["paris", "oslo", "rome", "oslo"],  # object: categories sorted
    })


def test_dataframe_columns_and_category_codes(df):
    t = as_table(df)
    assert t.names == ["age", "colour", "city"]
    assert t.categories == {1: ["red", "green", "blue"], 2: ["oslo", "paris", "rome"]}
    expected = np.array([[30, 0, 1], [45, 2, 0], [61, 0, 2], [22, 1, 0]], dtype=np.float32)
    np.testing.assert_array_equal(t.values.numpy(), expected)
    # the same codes as pandas' own
    np.testing.assert_array_equal(t.values[:, 1].numpy(), df["colour"].cat.codes.to_numpy())
    np.testing.assert_array_equal(t.values[:, 2].numpy(), df["city"].astype("category").cat.codes.to_numpy())
    row = as_table(df.iloc[1], categories=t.categories)
    np.testing.assert_array_equal(row.values.numpy(), expected[1])
    with pytest.raises(ExplanationInputError, match="not one of its categories"):
        as_table(pd.DataFrame({"age": [1.0], "colour": ["red"], "city": ["lima"]}), categories=t.categories)


def test_whatif_takes_a_dataframe_with_named_and_categorical_columns(df):
    model = Linear3()
    view = nw.WhatIf(model, df.iloc[1], data=df)
    assert view.feature_names == ["age", "colour", "city"]
    assert view.category_names == {"1": ["red", "green", "blue"], "2": ["oslo", "paris", "rome"]}
    from nnwidgets.transport import unpack
    cat = unpack(view._categorical)
    assert list(cat.astype(bool)) == [False, True, True]
    assert list(unpack(view._lows)[1:]) == [0.0, 0.0] and list(unpack(view._highs)[1:]) == [2.0, 2.0]
    x = torch.tensor([[45.0, 2.0, 0.0]])
    expected = torch.softmax(model(x), 1)[0].detach().numpy()
    np.testing.assert_allclose(view.probabilities, expected, rtol=1e-5, atol=1e-6)
    view.set_values({"colour": 1})
    expected = torch.softmax(model(torch.tensor([[45.0, 1.0, 0.0]])), 1)[0].detach().numpy()
    np.testing.assert_allclose(view.probabilities, expected, rtol=1e-5, atol=1e-6)
    # numpy rows and tables, no raw torch error
    arr = nw.WhatIf(model, df.iloc[0:1], data=as_table(df).values.numpy().astype(np.float64))
    assert arr.feature_names == ["age", "colour", "city"]
    with pytest.raises(ExplanationInputError, match="numeric"):
        nw.WhatIf(model, x[0], data=np.array([["a", "b", "c"]], dtype=object))


def test_attribution_and_layers_take_dataframes_and_numpy(df):
    model = Linear3()
    view = nw.Attribution(model, df, method="input_x_gradient", trust=False)
    assert view.kind == "tabular" and view.feature_names == ["age", "colour", "city"]
    values = as_table(df).values
    leaf = values[:1].clone().requires_grad_(True)
    out = model(leaf)
    (g,) = torch.autograd.grad(out[0, int(out.argmax())], leaf)
    np.testing.assert_allclose(view.maps["input_x_gradient"], (g * leaf).detach()[0].numpy(), rtol=1e-5, atol=1e-6)
    assert nw.Attribution(model, df.iloc[2], trust=False).feature_names == ["age", "colour", "city"]
    assert nw.Attribution(model, values.numpy().astype(np.float64), trust=False).kind == "tabular"
    layers = nw.Layers(model, df, data=df)
    assert layers.feature_names == ["age", "colour", "city"]
    ids = nw.Layers(nn.Sequential(nn.Embedding(10, 4), nn.Flatten(), nn.Linear(12, 2)), np.array([[1, 2, 3]]))
    assert ids.input_kind == "tokens"  # integer numpy ids stay ids


def test_detokenize_wordpiece_bpe_and_sentencepiece():
    from nnwidgets.widgets.attribution_inputs import detokenize

    assert detokenize(["[CLS]", "un", "##believ", "##able", "film", "[SEP]", "[PAD]"]) == "unbelievable film"
    assert detokenize(["<s>", "The", "Ġunbeliev", "able", "Ġfilm", "</s>", "<pad>"]) == "The unbelievable film"
    assert detokenize(["▁The", "▁un", "believ", "able", "▁film", "</s>"]) == "The unbelievable film"
