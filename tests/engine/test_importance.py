"""Global importance: permutation importance with intervals, and the attribution spread."""

import pytest
import torch
from torch import nn

from nnwidgets.engine import ExplanationInputError
from nnwidgets.engine.importance import attribution_spread, permutation_importance


def ignoring_model() -> nn.Module:
    """Class logits from features 0 and 1 only; feature 2 is ignored (zero weights)."""
    lin = nn.Linear(3, 2)
    with torch.no_grad():
        lin.weight.copy_(torch.tensor([[2.0, 1.0, 0.0], [-2.0, -1.0, 0.0]]))
        lin.bias.zero_()
    return lin.eval()


def test_an_ignored_feature_gets_zero_within_its_interval():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(300, 3, generator=g)
    y = (x[:, 0] * 2 + x[:, 1] < 0).long()  # the model is right on every row
    result = permutation_importance(ignoring_model(), x, y, repeats=8, seed=1)
    assert result.baseline == 1.0
    assert result.mean[2] == 0 and result.low[2] <= 0 <= result.high[2]
    assert result.low[0] > 0.2 and result.low[1] > 0.05 and result.mean[0] > result.mean[1]
    assert (result.low <= result.mean).all() and (result.mean <= result.high).all()
    lossy = permutation_importance(ignoring_model(), x, y, repeats=4, metric="log_loss")
    assert lossy.mean[2] == 0 and lossy.mean[0] > 0
    with pytest.raises(ExplanationInputError, match="repeats must be ≥ 2"):
        permutation_importance(ignoring_model(), x, y, repeats=1)


def test_the_spread_holds_every_rows_attribution():
    x = torch.randn(40, 3, generator=torch.Generator().manual_seed(2))
    spread = attribution_spread(ignoring_model(), x, method="input_x_gradient", target=0, batch_size=16)
    torch.testing.assert_close(spread.values, x * torch.tensor([2.0, 1.0, 0.0]))
    assert spread.mean_abs[2] == 0
