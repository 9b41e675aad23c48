"""``Attribution``: an input with its attribution map, hover readout and class picker."""

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
from ..engine.validate import check_inputs, describe
from ..figures import attribution_figure, lookup_table
from ..transport import pack, unpack
from .base import STATIC, Widget


# Methods the view offers by default: on the demo models each answers a click
# within a few milliseconds (integrated gradients and occlusion included).
DEFAULT_METHODS = (
    "gradient", "saliency", "input_x_gradient", "integrated_gradients", "smoothgrad", "occlusion",
)


def default_options(method: str, image: torch.Tensor) -> dict[str, Any]:
    """Options that suit one image (C, H, W) where the engine's defaults do not."""
    c, h, w = image.shape
    if method == "occlusion":
        # About 8 × 8 patches over the image, side by side: one batched pass.
        window = (c, max(1, h // 8), max(1, w // 8))
        return {"sliding_window_shapes": window, "strides": window}
    if method == "smoothgrad":
        # Noise at 15 % of the input's range (SmoothGrad paper: 10-20 %), seeded
        # so that clicking back and forth shows the same map.
        span = float(image.max() - image.min()) or 1.0
        return {"stdevs": 0.15 * span, "nt_samples": 16, "seed": 0}
    return {}


def _as_image_batch(x: torch.Tensor) -> torch.Tensor:
    if not isinstance(x, torch.Tensor):
        raise ExplanationInputError(
            f"x must be a torch.Tensor image of shape (C, H, W) or (1, C, H, W); got {type(x).__name__}"
        )
    if x.dim() == 3:
        return x.unsqueeze(0)
    if x.dim() == 4 and x.shape[0] == 1:
        return x
    raise ExplanationInputError(
        f"x must be one image of shape (C, H, W) or (1, C, H, W); got {describe(x)}"
    )


class Attribution(Widget):
    """Show what in an image drives a classifier's output, live in the notebook.

    ``Attribution(model, x, labels=None, method="input_x_gradient",
    target="predicted", methods=None, top_k=5, colormap=None, opacity=0.85,
    method_options=None)``

    ``method_options`` maps a method name to options for the engine (e.g.
    ``{"integrated_gradients": {"n_steps": 100}}``), over defaults that suit
    one image (occlusion patches of about 1/8 of each side, SmoothGrad noise
    at 15 % of the input's range, seeded).

    Hover the picture to read input and attribution values; click a class bar
    to explain that class instead; pick another method from the menu.
    """

    _esm = STATIC / "attribution.js"

    labels = t.List(t.Unicode(), help="Class names, one per model output.").tag(sync=True)
    target = t.Int(0, help="The class being explained.").tag(sync=True)
    predicted = t.Int(0, help="The model's predicted class (read-only).").tag(sync=True)
    method = t.Unicode("input_x_gradient", help="The attribution method shown.").tag(sync=True)
    methods = t.List(t.Unicode(), help="Methods offered in the view's menu.").tag(sync=True)
    method_titles = t.Dict(help="Readable name of each method.").tag(sync=True)
    top_k = t.Int(5, help="How many prediction bars to show.").tag(sync=True)
    opacity = t.Float(0.85, min=0.0, max=1.0, help="Overlay opacity (browser-only).").tag(sync=True)

    _input = t.Dict().tag(sync=True)
    _display_range = t.List(t.Float()).tag(sync=True)
    _map = t.Dict().tag(sync=True)
    _lut = t.Dict().tag(sync=True)
    _scale = t.Float(1.0).tag(sync=True)
    _signed = t.Bool(True).tag(sync=True)
    _probs = t.Dict().tag(sync=True)
    # Requests come from the view; echoing them back would be a wasted message.
    _request = t.Dict().tag(sync=True, echo_update=False)

    def __init__(
        self,
        model: nn.Module,
        x: torch.Tensor,
        *,
        labels: Sequence[str] | None = None,
        method: str = "input_x_gradient",
        target: int | str = "predicted",
        methods: Sequence[str] | None = None,
        top_k: int = 5,
        colormap: str | None = None,
        opacity: float = 0.85,
        method_options: dict[str, dict[str, Any]] | None = None,
        **kwargs: Any,
    ) -> None:
        methods = list(methods or DEFAULT_METHODS)
        check_methods(methods + [method])
        if method not in methods:
            methods.append(method)
        self._model = model
        self._x = _as_image_batch(x)
        self._colormap = colormap
        check_inputs(model, self._x)  # before options are derived from the image's values
        self._method_options = {
            m: {**default_options(m, self._x[0]), **(method_options or {}).get(m, {})} for m in methods
        }
        # One pass validates everything and gives the class count for the labels.
        first = attribute(model, self._x, method, target, **self._method_options[method])
        if first.prediction.dim() != 2 or first.prediction.shape[1] < 2:
            raise ExplanationInputError(
                "Attribution needs a classifier whose output has shape (1, classes); got "
                f"{tuple(first.prediction.shape)}"
            )
        n_classes = first.prediction.shape[1]
        labels = [str(c) for c in range(n_classes)] if labels is None else [str(c) for c in labels]
        if len(labels) != n_classes:
            raise ExplanationInputError(
                f"labels must name every one of the model's {n_classes} outputs; got {len(labels)}"
            )
        image = self._x[0].detach().float().cpu()
        lo, hi = float(image.min()), float(image.max())
        super().__init__(
            labels=labels,
            methods=methods,
            method_titles={m: METHODS[m].title for m in methods},
            top_k=top_k,
            opacity=opacity,
            _input=pack(image),
            _display_range=[lo, hi if hi > lo else lo + 1.0],
            **kwargs,
        )
        with self.hold_sync():
            self._show(first)
        self.observe(self._on_request, names="_request")
        self.observe(self._on_python_change, names=["target", "method"])

    @t.validate("target")
    def _valid_target(self, proposal: dict) -> int:
        value = proposal["value"]
        if self.labels and not 0 <= value < len(self.labels):
            raise t.TraitError(
                f"target {value} is out of range: the model has {len(self.labels)} outputs, "
                f"so a target must be in [0, {len(self.labels) - 1}]"
            )
        return value

    @t.validate("method")
    def _valid_method(self, proposal: dict) -> str:
        value = proposal["value"]
        if self.methods and value not in self.methods:
            raise t.TraitError(f"unknown method {value!r}; choose from {', '.join(self.methods)}")
        return value

    # -- computing -------------------------------------------------------------

    def _show(self, exp) -> None:
        """Set every trait that depends on an explanation (caller holds sync)."""
        amap = exp.attributions[0].sum(dim=0).detach().float().cpu().numpy()
        signed = METHODS[exp.method].signed
        scale = float(np.abs(amap).max())
        probs = torch.softmax(exp.prediction[0].float(), dim=0).cpu()
        self._updating = True
        try:
            self._map = pack(amap)
            self._scale = scale if scale > 0 else 1.0
            self._signed = signed
            self._lut = pack(lookup_table(self._colormap, signed=signed), dtype="uint8")
            self._probs = pack(probs)
            self.predicted = int(probs.argmax())
            self.target = int(exp.target[0])
            self.method = exp.method
        finally:
            self._updating = False

    def _explain(self, target: int, method: str) -> None:
        if method not in self.methods:
            raise ExplanationInputError(f"unknown method {method!r}; choose from {', '.join(self.methods)}")
        self._show(attribute(self._model, self._x, method, target, **self._method_options[method]))

    def _on_request(self, change: dict) -> None:
        request = change["new"] or {}
        seq = int(request.get("seq", self._seq + 1))
        if seq <= self._seq:
            return  # an answer to a newer request was already sent
        self._latest(
            seq,
            lambda: self._explain(
                int(request.get("target", self.target)), str(request.get("method", self.method))
            ),
        )

    def _on_python_change(self, change: dict) -> None:
        if getattr(self, "_updating", False):
            return
        target, method = self.target, self.method
        self._answer(self._seq + 1, lambda: self._explain(target, method))

    # -- reading back -------------------------------------------------------------

    @property
    def attribution_map(self) -> np.ndarray:
        """The (H, W) map currently shown (attributions summed over channels)."""
        return unpack(self._map)

    @property
    def probabilities(self) -> np.ndarray:
        """The model's class probabilities for the input."""
        return unpack(self._probs)

    def to_figure(self) -> Figure:
        """The current view as a matplotlib Figure: same colours, same scale."""
        lo, hi = (-self._scale, self._scale) if self._signed else (0.0, self._scale)
        return attribution_figure(
            image=unpack(self._input),
            display_range=tuple(self._display_range),
            amap=self.attribution_map,
            lut=unpack(self._lut),
            lo=lo,
            hi=hi,
            opacity=self.opacity,
            probs=self.probabilities,
            labels=self.labels,
            target=self.target,
            predicted=self.predicted,
            top_k=self.top_k,
            title=f"{self.method_titles.get(self.method, self.method)}",
        )
