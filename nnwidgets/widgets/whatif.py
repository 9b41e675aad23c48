"""``WhatIf``: drag a feature (or paint over an image) and watch prediction and attribution follow, live."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
import traitlets as t
from torch import nn

from .attribution_parts import refuse_several
from ..engine import ExplanationInputError
from ..engine.contract import OutputSpec, with_contract
from ..transport import pack, unpack
from . import fields
from .base import STATIC, Plan, Widget
from .whatif_editor import Editor
from .whatif_image import ImageEditor, image_model, is_image
from .whatif_tabular import TabularEditor

if TYPE_CHECKING:
    from matplotlib.figure import Figure


class WhatIf(Widget):
    """Perturb the features of one tabular input, or paint over an image, and
    watch the model's prediction and attribution answer.

    A row of features gets one slider per feature:

    ``WhatIf(model, x, feature_names=None, labels=None, data=None, ranges=None,
    categorical=None, drag_method=None, method="integrated_gradients")``

    ``data`` (rows × features) gives slider ranges, means and the partial
    dependence curve; ``ranges`` (one (low, high) per feature) overrides them.
    ``x`` and ``data`` may be tensors, numpy arrays or pandas objects (a Series or
    one-row DataFrame for ``x``): the columns name the features, and categorical
    columns are selects of their categories, the model getting each one's code
    (see :mod:`~nnwidgets.engine.tables`).
    An image ``(C, H, W)`` gets a paint / erase / occlusion editor:

    ``WhatIf(model, image, labels=None, drag_method=None,
    method="integrated_gradients", colormap=None, opacity=0.85)``

    A uint8 image is edited and explained as floats of the same values (0…255). For a
    normalized image, ``mean``/``std`` (torchvision's ``Normalize``) make the view edit
    and show the image as it is seen, ``x * std + mean`` on [0, 1] (``current`` is that
    image), and feed the model ``(current - mean) / std``: maps are then per unit of
    the pixels you see.

    While a slider moves (or a patch slides), ``drag_method`` answers; on release, ``method``.
    ``output`` and ``task`` as for ``Attribution``: a regressor's raw scores, a
    multi-label model's independent probabilities or softmax class probabilities.

    By default (``drag_method=None``) both are ``method``, so one input shows one
    explanation whatever the phase; only when ``method`` is a slow perturbation
    method does a gradient method answer while dragging, and the view labels
    that answer as the fast preview of the release answer.
    """

    _esm = STATIC / "whatif.js"

    kind = t.Unicode("tabular", help="'tabular' or 'image': which view the front end draws.").tag(sync=True)

    feature_names = t.List(t.Unicode()).tag(sync=True)
    category_names = t.Dict(help="Categorical features of a DataFrame: index -> the categories, by code.").tag(sync=True)
    labels = t.List(t.Unicode()).tag(sync=True)
    target = t.Int(0).tag(sync=True)
    predicted = t.Int(0).tag(sync=True)
    attribution_method = t.Unicode("").tag(sync=True)
    method_titles = t.Dict().tag(sync=True)
    output_label = t.Unicode("", help="What the bars show: softmax / sigmoid probabilities or raw scores.").tag(sync=True)
    release_method = t.Unicode("", help="The method that answers on release (a different attribution_method is a preview).").tag(sync=True)
    opacity = t.Float(0.85, min=0.0, max=1.0, help="Opacity of the attribution map over an image.").tag(sync=True)

    _original = t.Dict().tag(sync=True)
    _current = t.Dict().tag(sync=True)
    _probs = t.Dict().tag(sync=True)
    _probs_original = t.Dict().tag(sync=True)
    # the tabular view
    _lows = t.Dict().tag(sync=True)
    _highs = t.Dict().tag(sync=True)
    _steps = t.Dict().tag(sync=True)
    _categorical = t.Dict().tag(sync=True)
    _means = t.Dict().tag(sync=True)
    _attribution = t.Dict().tag(sync=True)
    _taylor_estimate = t.Dict().tag(sync=True)
    _taylor_actual = t.Dict().tag(sync=True)
    _ice_feature = t.Int(-1).tag(sync=True)
    _ice_values = t.Dict().tag(sync=True)
    _ice_outputs = t.Dict().tag(sync=True)
    _pdp = t.Dict().tag(sync=True)
    _counterfactual = t.Dict().tag(sync=True)
    # the image view
    _display_range = t.List(t.Float()).tag(sync=True)
    _map = t.Dict().tag(sync=True)
    _lut = t.Dict().tag(sync=True)
    _scale = t.Float(1.0).tag(sync=True)
    _signed = t.Bool(True).tag(sync=True)

    def __init__(
        self,
        model: nn.Module,
        x: torch.Tensor,
        *,
        feature_names: Sequence[str] | None = None,
        labels: Sequence[str] | None = None,
        data: torch.Tensor | np.ndarray | None = None,
        ranges: Sequence[tuple[float, float]] | None = None,
        categorical: Sequence[int | str] | None = None,
        drag_method: str | None = None,
        method: str = "integrated_gradients",
        colormap: str | None = None,
        opacity: float | None = None,
        output: OutputSpec = None,
        task: str = "auto",
        mean: Sequence[float] | torch.Tensor | None = None,
        std: Sequence[float] | torch.Tensor | None = None,
        display: Any = None,
        **kwargs: Any,
    ) -> None:
        refuse_several("WhatIf", x)
        # One public class for both kinds of input; what differs lives in the editor.
        self._editor: Editor
        if is_image(x):
            _only_for("tabular", feature_names=feature_names, data=data, ranges=ranges, categorical=categorical)
            model, x, shown_range = image_model(model, x, mean=mean, std=std, display=display)
            model = with_contract(model, output=output, task=task)
            self._editor = ImageEditor(model, x, labels=labels, drag_method=drag_method or _drag_default(method, "gradient"),
                                       method=method, colormap=colormap, opacity=0.85 if opacity is None else opacity,
                                       display_range=shown_range)
        else:
            model = with_contract(model, output=output, task=task)
            _only_for("image", colormap=colormap, opacity=opacity, mean=mean, std=std, display=display)
            self._editor = TabularEditor(
                model, x, feature_names=feature_names, labels=labels, data=data, ranges=ranges,
                categorical=categorical, drag_method=drag_method or _drag_default(method, "input_x_gradient"),
                method=method,
            )
        super().__init__(**self._editor.setup(), **kwargs)
        with self.hold_sync():
            self._show(self._editor.first())
        self._listen()

    # -- answering ---------------------------------------------------------------------

    def _plan(self, request: Mapping[str, Any]) -> Plan:
        # Each answer is quick (one attribution, a cached sweep): it stays on the kernel's
        # thread, and while a slider drags only the newest waiting request is computed.
        sent = fields.array(request, "x")
        feature = fields.integer(request, "feature", -1)
        phase = fields.text(request, "phase", "release", choices=("drag", "release"))
        target = fields.integer(request, "target", self.target)
        current, swept = self._current, self._ice_feature

        def work(_progress: Any) -> Any:
            x = unpack(sent if sent is not None else current)
            return self._editor.frame(x, phase=phase, target=target, feature=feature if feature >= 0 else swept)

        return Plan(work, self._show, background=False)

    def _show(self, frame: Any) -> None:
        for name, value in self._editor.payload(frame).items():
            setattr(self, name, value)

    def _release(self, x: Any, target: int | None) -> None:
        """Answer for input ``x`` as if edited in the view and released."""
        target, swept = self.target if target is None else target, self._ice_feature
        self._run(lambda _progress: self._editor.frame(x, phase="release", target=target, feature=swept), self._show)

    def _refresh(self) -> None:
        self._editor.refresh()
        self._probs_original = pack(self._editor.origin.probabilities)
        self._release(unpack(self._current), None)

    # -- Python-side API ------------------------------------------------------------

    @property
    def current(self) -> torch.Tensor:
        """The input the view currently shows."""
        return torch.as_tensor(unpack(self._current))

    @property
    def probabilities(self) -> np.ndarray:
        """Class probabilities at the current input."""
        return unpack(self._probs)

    @property
    def attributions(self) -> np.ndarray:
        """Attribution of each feature at the current input, for the current target."""
        return unpack(self._attribution)

    @property
    def attribution_map(self) -> np.ndarray:
        """The (H, W) map currently shown over an image."""
        return unpack(self._map)

    def set_values(self, values: dict[str | int, float] | None = None, *, target: int | None = None) -> None:
        """Set features (by name or index) from Python, as if dragged and released."""
        self._release(self._editor.edited_row(unpack(self._current), values or {}, self.feature_names), target)
        if self.error:
            raise ExplanationInputError(self.error)

    def set_image(self, image: torch.Tensor, *, target: int | None = None) -> None:
        """Show the model's answer for an edited image, as if painted in the view."""
        self._release(self._editor.edited_image(image), target)
        if self.error:
            raise ExplanationInputError(self.error)

    def reset(self) -> None:
        """Back to the original input."""
        self._release(self._editor.origin.x.clone(), None)

    def to_figure(self) -> Figure:
        """The view as a matplotlib Figure: for a row, attribution bars, prediction, Taylor
        check and ICE curve; for an image, the edited image with its attribution map."""
        return self._editor.figure(self)


# Perturbation methods take many forwards per answer: too slow to follow a drag.
_SLOW = {"occlusion", "feature_ablation", "kernel_shap", "lime", "learned_mask"}


def _drag_default(method: str, fast: str) -> str:
    """The same method while dragging as on release (one explanation per input),
    unless it is too slow to follow a drag: then ``fast``, labelled a preview."""
    return fast if method in _SLOW else method


def _only_for(kind: str, **given: Any) -> None:
    passed = [name for name, value in given.items() if value is not None]
    if passed:
        raise TypeError(f"WhatIf got unexpected keyword argument(s): {passed} (they are for {kind} inputs)")
