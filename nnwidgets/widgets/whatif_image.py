"""The image form of ``WhatIf``: paint, erase or occlude, then see the model answer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
import traitlets as t
from matplotlib.figure import Figure
from torch import nn

from ..engine import METHODS, ExplanationInputError, attribute
from ..engine.registry import check_methods
from ..engine.validate import check_inputs
from ..figures import attribution_figure, lookup_table
from ..transport import pack, unpack
from .whatif import WhatIf


class ImageWhatIf(WhatIf):
    """``WhatIf`` for one image (C, H, W): the view edits the image in the browser
    and sends it on release; Python answers with prediction and attribution map.

    ``WhatIf(model, image, labels=None, drag_method="gradient",
    method="integrated_gradients", colormap=None, opacity=0.85)``
    """

    _display_range = t.List(t.Float()).tag(sync=True)
    _map = t.Dict().tag(sync=True)
    _lut = t.Dict().tag(sync=True)
    _scale = t.Float(1.0).tag(sync=True)
    _signed = t.Bool(True).tag(sync=True)
    opacity = t.Float(0.85, min=0.0, max=1.0).tag(sync=True)

    def __init__(
        self,
        model: nn.Module,
        x: torch.Tensor,
        *,
        labels: Sequence[str] | None = None,
        drag_method: str = "gradient",
        method: str = "integrated_gradients",
        colormap: str | None = None,
        opacity: float = 0.85,
        **kwargs: Any,
    ) -> None:
        if getattr(self, "_initialised", False):
            return  # WhatIf.__new__ built this instance already; Python calls __init__ again
        image = x[0] if x.dim() == 4 else x
        if image.dim() != 3:
            raise ExplanationInputError(f"an image must have shape (C, H, W) or (1, C, H, W); got {tuple(x.shape)}")
        check_inputs(model, image.unsqueeze(0))
        check_methods([drag_method, method])
        self._model, self._x0 = model, image.detach().clone()
        self._drag_method, self._method, self._colormap = drag_method, method, colormap
        first = attribute(model, self._x0.unsqueeze(0), method)
        if first.prediction.dim() != 2 or first.prediction.shape[1] < 2:
            raise ExplanationInputError(
                f"WhatIf needs a classifier whose output has shape (1, classes); got {tuple(first.prediction.shape)}"
            )
        k = first.prediction.shape[1]
        label_list = [str(c) for c in range(k)] if labels is None else [str(c) for c in labels]
        if len(label_list) != k:
            raise ExplanationInputError(f"labels must name every one of the model's {k} outputs; got {len(label_list)}")
        self._probs0 = torch.softmax(first.prediction[0].float(), 0).cpu()
        lo, hi = float(self._x0.min()), float(self._x0.max())
        # Widget.__init__, not WhatIf.__init__: the tabular set-up does not apply.
        super(WhatIf, self).__init__(
            kind="image",
            labels=label_list,
            method_titles={m: METHODS[m].title for m in (drag_method, method)},
            opacity=opacity,
            _original=pack(self._x0),
            _display_range=[lo, hi if hi > lo else lo + 1.0],
            _probs_original=pack(self._probs0),
            **kwargs,
        )
        with self.hold_sync():
            self._show(self._x0, first)
        self.observe(self._on_request, names="_request")
        self._initialised = True

    def _show(self, x: torch.Tensor, exp) -> None:
        amap = exp.attributions[0].sum(dim=0).detach().float().cpu().numpy()
        signed = METHODS[exp.method].signed
        scale = float(np.abs(amap).max())
        probs = torch.softmax(exp.prediction[0].float(), 0).cpu()
        self._current = pack(x)
        self._map = pack(amap)
        self._scale = scale if scale > 0 else 1.0
        self._signed = signed
        self._lut = pack(lookup_table(self._colormap, signed=signed), dtype="uint8")
        self._probs = pack(probs)
        self.attribution_method = exp.method
        self.predicted = int(probs.argmax())
        self.target = int(exp.target[0])

    def _update(self, x: torch.Tensor, phase: str, target: int, feature: int) -> None:
        x = x.reshape(self._x0.shape) if x.numel() == self._x0.numel() else x
        if x.shape != self._x0.shape:
            raise ExplanationInputError(f"the edited image must have shape {tuple(self._x0.shape)}; got {tuple(x.shape)}")
        if not 0 <= target < len(self.labels):
            raise ExplanationInputError(f"target {target} is out of range: [0, {len(self.labels) - 1}]")
        method = self._drag_method if phase == "drag" else self._method
        self._show(x, attribute(self._model, x.unsqueeze(0), method, target))

    @property
    def attribution_map(self) -> np.ndarray:
        """The (H, W) map currently shown."""
        return unpack(self._map)

    def set_values(self, values=None, *, target=None) -> None:  # noqa: D401
        """Not for images: edit the image in the view, or call ``set_image``."""
        raise ExplanationInputError("set_values is for tabular inputs; use set_image(image) for images")

    def set_image(self, image: torch.Tensor, *, target: int | None = None) -> None:
        """Show the model's answer for an edited image, as if painted in the view."""
        x = image.detach().to(self._x0.device, self._x0.dtype)
        self._answer(self._seq + 1, lambda: self._update(x, "release", self.target if target is None else target, -1))
        if self.error:
            raise ExplanationInputError(self.error)

    def to_figure(self) -> Figure:
        """The edited image with its attribution map and the prediction, as a matplotlib Figure."""
        # An unsigned method's map is ≥ 0, so "absolute" only picks the [0, scale] range.
        return attribution_figure(
            kind="image", inputs=unpack(self._current), display_range=tuple(self._display_range),
            maps=[self.attribution_map],
            titles=[f"{self.method_titles.get(self.attribution_method, self.attribution_method)} (edited input)"],
            scale=self._scale, lut=unpack(self._lut), absolute=not self._signed, threshold=0.0, top_percent=100.0,
            opacity=self.opacity, probs=self.probabilities, output="probability", labels=self.labels,
            target=self.target, predicted=self.predicted, top_k=5,
        )
