"""The Embedding view's frame: one pass of a data set through the model for a
layer's activations, the predictions and their confidence, the true labels the
data carries, what hover shows of each input, and the 2-D projection."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from ..data import as_data, batches, length
from ..errors import ExplanationInputError
from ..hooks import hooked_forward
from ..layers import resolve_layers
from ..outputs import readable
from ..progress import step
from ..projection import Projection, project
from .layers import input_kind

THUMB_BUDGET = 4 << 20  # bytes of hover thumbnails sent to the browser, at most
ROW_BUDGET = 8 << 20


@dataclass
class Activations:
    """What one pass over the data gave."""

    acts: torch.Tensor  # (N, D) float32, the layer's output flattened per example
    scores: torch.Tensor  # (N, K) readable outputs (probabilities for K ≥ 2)
    labels: torch.Tensor  # (N,) int64 true labels, -1 where unknown
    inputs: torch.Tensor  # (N, ...) the inputs as given (CPU), for hover and importance

    @property
    def predicted(self) -> torch.Tensor:
        if self.scores.shape[1] == 1:
            return (self.scores[:, 0] > 0).long()
        return self.scores.argmax(1)

    @property
    def confidence(self) -> torch.Tensor:
        if self.scores.shape[1] == 1:
            return torch.sigmoid(self.scores[:, 0])
        return self.scores.max(1).values


@dataclass
class EmbeddingFrame:
    acts: Activations
    projection: Projection
    kind: str  # "image", "features", "tokens", "other"
    thumbs: torch.Tensor | None  # (N, h, w) or (N, h, w, 3) uint8 for images
    rows: torch.Tensor | None  # (N, F) float32 for tables


def activations(model: nn.Module, data: object, layer: str, *, targets: object = None,
                batch_size: int = 256) -> Activations:
    """Run ``data`` through ``model`` once (batched, no grad) and keep ``layer``'s
    output per example, the readable output and the true classes (``targets``
    given, else the data's ``y``)."""
    data = as_data(data)
    (module,) = resolve_layers(model, [layer])
    total = length(data)
    acts, scores, ys, xs, seen = [], [], [], [], 0
    for batch in batches(data, batch_size):
        got: list[torch.Tensor] = []

        def watch(_name: str, _module: nn.Module, output: object) -> None:
            if isinstance(output, torch.Tensor) and not got:
                got.append(output.detach().reshape(output.shape[0], -1).float().cpu())

        out = hooked_forward(model, batch.x, watch, {layer: module})
        if not got:
            raise ExplanationInputError(f"layer {layer!r} does not output one tensor; pick a layer that does")
        acts.append(got[0])
        scores.append(readable(out.reshape(out.shape[0], -1)))
        ys.append(batch.y.reshape(-1).long().cpu() if batch.y is not None and batch.y.numel() == batch.x.shape[0]
                  else torch.full((batch.x.shape[0],), -1))
        xs.append(batch.x.detach().cpu())
        seen += batch.x.shape[0]
        step(seen, total)
    if seen == 0:
        raise ExplanationInputError("data holds no examples")
    if seen != total:
        step(seen, seen)
    y = torch.cat(ys)
    if targets is not None:
        y = torch.as_tensor(targets).reshape(-1).long().cpu()
        if y.shape[0] != seen:
            raise ExplanationInputError(f"targets must give one class per example of data ({seen}); got {y.shape[0]}")
    return Activations(torch.cat(acts), torch.cat(scores), y, torch.cat(xs))


def thumbnails(images: torch.Tensor, budget: int = THUMB_BUDGET) -> torch.Tensor:
    """(N, C, H, W) images as uint8 thumbnails on the data's range: (N, h, w), or (N, h, w, 3)
    for colour; average-pooled so that all of them fit in ``budget`` bytes (side ≥ 4)."""
    n, c, h, w = images.shape
    channels = 3 if c == 3 else 1
    side = max(h, w)
    while side > 4 and n * channels * side * side * min(h, w) / max(h, w) > budget:
        side = side // 2
    x = images.float() if channels == 3 else images.float().mean(1, keepdim=True)
    if side < max(h, w):
        x = F.adaptive_avg_pool2d(x, (max(1, h * side // max(h, w)), max(1, w * side // max(h, w))))
    lo, hi = float(images.min()), float(images.max())
    x = ((x - lo) / (hi - lo if hi > lo else 1.0) * 255).round().clamp(0, 255).to(torch.uint8)
    return x.permute(0, 2, 3, 1).contiguous() if channels == 3 else x[:, 0].contiguous()


def embedding_frame(model: nn.Module, data: object, layer: str, *, targets: object = None,
                    method: str = "pca", batch_size: int = 256, seed: int = 0) -> EmbeddingFrame:
    """Everything the Embedding view shows for ``data``: the pass, then the projection."""
    a = activations(model, data, layer, targets=targets, batch_size=batch_size)
    return frame_from(a, method, seed=seed)


def frame_from(a: Activations, method: str = "pca", *, seed: int = 0) -> EmbeddingFrame:
    """The frame of activations already gathered (e.g. merged from shards), projected by ``method``."""
    kind = input_kind(a.inputs)
    thumbs = thumbnails(a.inputs) if kind == "image" else None
    rows = a.inputs.float() if kind == "features" and a.inputs.numel() * 4 <= ROW_BUDGET else None
    return EmbeddingFrame(a, project(a.acts, method, seed=seed), kind, thumbs, rows)


def class_names(labels: Sequence[str] | None, n_outputs: int) -> list[str]:
    """The class names: ``labels`` given, else the output indices (a single score: classes 0 and 1)."""
    names = [str(i) for i in range(max(n_outputs, 2))] if labels is None else [str(c) for c in labels]
    if labels is not None and n_outputs >= 2 and len(names) != n_outputs:
        raise ExplanationInputError(f"labels must name every one of the model's {n_outputs} outputs; "
                                    f"got {len(names)}")
    return names
