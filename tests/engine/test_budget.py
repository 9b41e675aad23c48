"""Perturbation methods sized to the input: automatic feature groups, samples that follow
them, bounded fit memory, honest fit reports and a time limit from a timed probe."""

from __future__ import annotations

import time

import captum.attr as captum
import pytest
import torch
from torch import nn

import nnwidgets as nw
from nnwidgets.engine import budget
from nnwidgets.engine.baselines import patch_mask
from nnwidgets.engine.errors import ExplanationInputError


def _conv() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 4, 5, stride=4), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                         nn.Linear(4, 3)).eval()


def test_large_images_are_grouped_into_a_16_by_16_grid_of_patches():
    model, x = _conv(), torch.randn(2, 3, 64, 64)
    mask = budget.auto_mask(x)
    # Independent: the view's own patch ids of side 4 (64 / 16), broadcast over channels.
    assert torch.equal(mask.expand(2, 3, 64, 64), patch_mask(x, 4).expand(2, 3, 64, 64))
    auto = nw.attribute(model, x, "feature_ablation", 1)
    given = nw.attribute(model, x, "feature_ablation", 1, feature_mask=patch_mask(x, 4))
    torch.testing.assert_close(auto.attributions, given.attributions)
    assert auto.extras["features"] == 256 and "256 automatic feature groups" in auto.extras["grouping"]
    theirs = captum.Occlusion(model).attribute(x, (3, 4, 4), strides=(3, 4, 4), target=1, perturbations_per_eval=64)
    torch.testing.assert_close(nw.attribute(model, x, "occlusion", 1).attributions, theirs, rtol=1e-5, atol=1e-6)


def test_small_inputs_keep_one_feature_per_element_and_other_shapes_get_runs():
    assert budget.auto_mask(torch.zeros(1, 1, 28, 28)) is None  # ≤ 1024 elements: as Captum
    ids = budget.auto_mask(torch.zeros(1, 2000))
    assert int(ids.max()) + 1 == 250 and bool((ids.diff() >= 0).all())  # 250 contiguous runs of 8
    assert torch.equal(torch.bincount(ids.flatten()), torch.full((250,), 8))


def test_samples_follow_the_features_and_underdetermined_fits_say_so():
    torch.manual_seed(0)
    model, x = nn.Sequential(nn.Linear(100, 16), nn.Tanh(), nn.Linear(16, 3)).eval(), torch.randn(1, 100)
    few = nw.attribute(model, x, "kernel_shap", 0, n_samples=25, seed=0)
    assert few.extras["underdetermined"] and torch.isnan(few.extras["r2"]).all()
    assert "under-determined: 25 samples for 100 features" in few.extras["fit"]
    lime = nw.attribute(model, x, "lime", 0, n_samples=25, seed=0)
    assert lime.extras["underdetermined"] and torch.isnan(lime.extras["r2"]).all()
    auto = nw.attribute(model, x, "kernel_shap", 0, seed=0)
    assert auto.extras["n_samples"] == 2 * 101 and not auto.extras["underdetermined"]
    assert bool(torch.isfinite(auto.extras["r2"]).all())


def test_lime_on_a_full_size_image_uses_groups_and_refuses_a_dense_per_pixel_fit():
    model, x = _conv(), torch.randn(1, 3, 224, 224)
    exp = nw.attribute(model, x, "lime", 0, seed=0)  # would need 181 GB over one feature per pixel
    assert exp.extras["features"].numel() == 256 and exp.extras["n_samples"] == 514
    pixels = torch.arange(x[0].numel()).view(1, 3, 224, 224)
    with pytest.raises(ExplanationInputError, match=r"GiB of memory; group the elements"):
        nw.attribute(model, x, "lime", 0, feature_mask=pixels, seed=0)


class _Slow(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.inner, self.calls = _conv(), []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.calls.append(x.shape[0])
        time.sleep(0.005 * x.shape[0])  # a cost per row, as a real model's
        return self.inner(x)


@pytest.mark.parametrize("method,options", [
    ("feature_ablation", {}), ("occlusion", {}), ("kernel_shap", {}), ("lime", {}), ("learned_mask", {}),
])
def test_a_run_over_the_time_limit_is_refused_after_one_timed_forward(method, options):
    model, x = _Slow(), torch.randn(1, 3, 64, 64)
    with pytest.raises(budget.TooSlow, match=r"would take about \d+ s .*over the time_limit of 1 s") as info:
        nw.attribute(model, x, method, 0, time_limit=1.0, **options)
    assert info.value.estimate > 1.0
    assert len(model.calls) == 1 and model.calls[0] <= budget.PROBE_ROWS  # only the probe ran
    with pytest.raises(ExplanationInputError, match="time_limit must be"):
        nw.attribute(model, x, method, 0, time_limit=0)


def test_no_time_limit_runs_to_the_end():
    model, x = _Slow(), torch.randn(1, 3, 64, 64)
    exp = nw.attribute(model, x, "feature_ablation", 0, time_limit=None, perturbations_per_eval=128)
    # 257 rows: more than one unchecked forward may hold, so the first is a small timed probe
    assert sum(model.calls) == 257 and model.calls[0] <= budget.PROBE_ROWS and exp.attributions.shape == x.shape
