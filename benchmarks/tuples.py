"""Several-input models: the packed tuple (engine/tuples.py) against the same model as one
tensor, and against Captum's tuple path, side by side in one process.

    python benchmarks/tuples.py [--repeats 15]

An image + metadata model (a small CNN and 16 metadata values), batch 32, for
integrated gradients (50 steps), feature ablation (the metadata per value, the
image in patches) and occlusion. "one tensor" is the same computation on a model
that takes one concatenated tensor and splits it itself: what the packing costs
beyond that is the price of tuple inputs. Medians of alternated runs after warm-up.
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

import torch
from torch import nn

import nnwidgets as nw

warnings.filterwarnings("ignore")


class ImageMeta(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.Conv2d(16, 16, 3, padding=1), nn.ReLU())
        self.head = nn.Sequential(nn.Linear(16 + 16, 64), nn.ReLU(), nn.Linear(64, 4))

    def forward(self, image: torch.Tensor, meta: torch.Tensor) -> torch.Tensor:
        return self.head(torch.cat([self.conv(image).mean((2, 3)), meta], 1))


class Joined(nn.Module):
    """The same model on one flat tensor (N, 3·32·32 + 16), split by hand."""

    def __init__(self, inner: ImageMeta) -> None:
        super().__init__()
        self.inner = inner

    def forward(self, flat: torch.Tensor) -> torch.Tensor:
        image, meta = flat.split([3 * 32 * 32, 16], 1)
        return self.inner(image.reshape(-1, 3, 32, 32), meta)


def median_ms(fn, repeats: int) -> float:
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 1000 * statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    from captum.attr import FeatureAblation, IntegratedGradients, Occlusion

    torch.manual_seed(0)
    model = ImageMeta().eval()
    joined = Joined(model).eval()
    x = (torch.rand(32, 3, 32, 32), torch.randn(32, 16))
    flat = torch.cat([p.reshape(32, -1) for p in x], 1)
    image_mask = (torch.arange(32)[:, None] // 8 * 4 + torch.arange(32)[None] // 8).expand(3, 32, 32)[None]
    meta_mask = torch.arange(16)[None] + 16
    flat_mask = torch.cat([image_mask.reshape(1, -1), meta_mask], 1)
    runs = {
        "integrated_gradients": (
            lambda: nw.attribute(model, x, "integrated_gradients", 0, n_steps=50),
            lambda: nw.attribute(joined, flat, "integrated_gradients", 0, n_steps=50),
            lambda: IntegratedGradients(model).attribute(x, target=0, n_steps=50, internal_batch_size=1600)),
        "feature_ablation": (
            lambda: nw.attribute(model, x, "feature_ablation", 0, feature_mask=(image_mask, meta_mask)),
            lambda: nw.attribute(joined, flat, "feature_ablation", 0, feature_mask=flat_mask),
            lambda: FeatureAblation(model).attribute(x, target=0, feature_mask=(image_mask, meta_mask),
                                                     perturbations_per_eval=32)),
        "occlusion": (
            lambda: nw.attribute(model, x, "occlusion", 0, sliding_window_shapes=((3, 8, 8), (1,)),
                                 strides=((3, 8, 8), 1)),
            None,  # per-input windows have no one-tensor twin
            lambda: Occlusion(model).attribute(x, target=0, sliding_window_shapes=((3, 8, 8), (1,)),
                                               strides=((3, 8, 8), 1), perturbations_per_eval=32)),
    }
    print(f"{'method':24} {'tuple ms':>9} {'one tensor ms':>14} {'captum ms':>10} {'tuple/one':>10} {'tuple/captum':>13}")
    for name, (ours, one, captum) in runs.items():
        a = median_ms(ours, args.repeats)
        b = median_ms(one, args.repeats) if one else float("nan")
        c = median_ms(captum, args.repeats)
        print(f"{name:24} {a:9.1f} {b:14.1f} {c:10.1f} {a / b:10.2f} {a / c:13.2f}")


if __name__ == "__main__":
    main()
