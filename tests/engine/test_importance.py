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


class PatchModel(nn.Module):
    """Two logits ±s of 1×4×4 images, s = Σ w_p · (sum of patch p's pixels) over the 2 × 2
    grid of 2-pixel patches, w = (1, 0.5, 0.25, 0): the bottom-right patch is ignored."""

    def __init__(self) -> None:
        super().__init__()
        w = torch.tensor([[1.0, 1.0, 0.5, 0.5], [1.0, 1.0, 0.5, 0.5], [0.25, 0.25, 0.0, 0.0], [0.25, 0.25, 0.0, 0.0]])
        self.register_buffer("w", w)

    def forward(self, x):
        s = (x[:, 0] * self.w).sum((1, 2))
        return torch.stack([s, -s], 1)


def test_patches_of_an_image_by_hand():
    from nnwidgets.engine.groups import groups_for

    x = torch.randn(120, 1, 4, 4, generator=torch.Generator().manual_seed(4))
    model = PatchModel().eval()
    groups = groups_for(x, patch=2)
    assert groups.grid == (2, 2) and groups.count == 4 and groups.names()[3].startswith("patch (1, 1)")
    assert groups.ids.reshape(4, 4).tolist() == [[0, 0, 1, 1], [0, 0, 1, 1], [2, 2, 3, 3], [2, 2, 3, 3]]
    s = model(x)[:, 0]
    y = (s < 0).long()  # the model is right on every image
    result = permutation_importance(model, x, y, repeats=6, seed=2, groups=groups)
    assert result.baseline == 1.0
    assert result.mean[3] == 0 and result.low[3] <= 0 <= result.high[3]  # the ignored patch
    assert (result.low[:3] > 0).all() and result.mean[0] > result.mean[1] > result.mean[2]
    # Gradient × input summed over a patch: ± w_p · (the patch's pixel sum), + for class 0.
    spread = attribution_spread(model, x, method="input_x_gradient", groups=groups)
    sums = x[:, 0].reshape(120, 2, 2, 2, 2).sum((2, 4)).reshape(120, 4)  # (row block, col block)
    sign = torch.where(s >= 0, 1.0, -1.0)[:, None]
    torch.testing.assert_close(spread.values, sign * sums * torch.tensor([1.0, 0.5, 0.25, 0.0]), rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(spread.inputs, sums / 4)
    assert spread.mean_abs[3] == 0
    # The default grid: one pixel per patch up to 1024 elements, about 16 × 16 above.
    assert groups_for(x).grid == (4, 4) and groups_for(torch.zeros(2, 3, 64, 64)).grid == (16, 16)
    with pytest.raises(ExplanationInputError, match="patch must be a side"):
        groups_for(x, patch=9)
    with pytest.raises(ExplanationInputError, match="images \\(N, C, H, W\\)"):
        groups_for(torch.zeros(2, 3, 4))
