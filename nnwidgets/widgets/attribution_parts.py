"""``Attribution`` of a model with several inputs: ``Attribution(model, (image, meta))``.

One panel per input, as its kind asks: an image part as a map over the image, any
other part as one bar per scalar. Each panel has its own symmetric scale (the parts'
numbers count different elements in different units) and says so, with the part's
share of the total |attribution|. The view sends ``_request`` (method, class,
example); Python answers with one message, maps and inputs as binary buffers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import torch
import traitlets as t
from torch import nn

from ..engine import ExplanationInputError
from ..engine.contract import OutputSpec, with_contract
from ..engine.frames.parts import PART_METHODS, PartsFrame, check_parts, parts_frame
from ..engine.registry import METHODS
from ..figures.colormap import palette_tables
from ..transport.attribution import luts_payload
from ..transport.attribution_parts import parts_payload
from . import fields
from .base import STATIC, Plan, Widget

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def refuse_several(view: str, x: object) -> None:
    """A clear error for a view that edits one input, given a tuple (a several-input model)."""
    if isinstance(x, tuple):
        raise ExplanationInputError(
            f"{view} explains a model with one input: x is one tensor, an image batch (N, C, H, W) or feature rows "
            "(N, F), whose values it edits and predicts again; x is a tuple (one tensor per input of a model with "
            "several inputs), and editing several inputs at once is not supported. Use Attribution(model, x) for one "
            "panel per input or Layers(model, x) for its layers; to edit one input here, wrap the model so the "
            f"others are fixed, e.g. {view}(lambda image: model(image, meta), image)")


def batched(x: tuple) -> tuple[torch.Tensor, ...]:
    """Parts of one batch (N, ...) as given (Captum's form); parts whose first sizes
    differ are one example each and get a batch dimension."""
    if not isinstance(x, tuple) or not all(isinstance(p, torch.Tensor) for p in x):
        raise ExplanationInputError("x must be a tuple of tensors, one per input of the model")
    if x and len({p.shape[0] if p.dim() else -1 for p in x}) > 1:
        x = tuple(p.unsqueeze(0) for p in x)
    return check_parts(x)


class PartsAttribution(Widget):
    """What each input of a several-input model contributes; made by ``Attribution(model, x)``
    when ``x`` is a tuple (see :class:`~nnwidgets.widgets.attribution.Attribution`)."""

    _esm = STATIC / "attribution_parts.js"

    kind = t.Unicode("parts", help="Always 'parts': a model with several inputs (read-only).").tag(sync=True)
    part_names = t.List(t.Unicode(), help="A name per input, shown over its panel.").tag(sync=True)
    feature_names = t.List(t.List(t.Unicode()), help="Per input, a name per scalar of a vector input "
                           "(empty for image inputs).").tag(sync=True)
    labels = t.List(t.Unicode(), help="Class names, one per model output.").tag(sync=True)
    method = t.Unicode("integrated_gradients", help="The attribution method shown.").tag(sync=True)
    methods = t.List(t.Unicode(), help="Methods offered in the view.").tag(sync=True)
    method_titles = t.Dict(help="Readable name of each method.").tag(sync=True)
    target = t.Int(0, help="The output explained (-1: a single-output model).").tag(sync=True)
    predicted = t.Int(0, help="The model's predicted class (read-only).").tag(sync=True)
    index = t.Int(0, help="Which example of the batch is shown.").tag(sync=True)
    n_examples = t.Int(1, help="Examples in the batch (read-only).").tag(sync=True)
    output_label = t.Unicode("", help="What the prediction bars show (read-only).").tag(sync=True)
    delta = t.Float(None, allow_none=True, help="Integrated gradients' convergence delta, summed over every "
                    "input (read-only).").tag(sync=True)
    top_k = t.Int(5, help="How many prediction bars to show.").tag(sync=True)
    _parts = t.List(t.Dict()).tag(sync=True)
    _probs = t.Dict().tag(sync=True)
    _luts = t.Dict().tag(sync=True)

    def __init__(self, model: nn.Module, x: tuple, *, labels: Sequence[str] | None = None,
                 names: Sequence[str] | None = None, feature_names: Sequence[Sequence[str] | None] | None = None,
                 method: str | None = None, methods: Sequence[str] | None = None, target: Any = "predicted",
                 index: int = 0, method_options: Mapping[str, Mapping[str, Any]] | None = None,
                 additional_forward_args: Any = None, output: OutputSpec = None, task: str = "auto",
                 top_k: int = 5, **kwargs: Any) -> None:
        model = with_contract(model, output=output, task=task)
        parts = batched(x)
        offered = list(methods) if methods is not None else list(PART_METHODS)
        bad = [m for m in offered if m not in PART_METHODS]
        method = method or offered[0]
        if bad or method not in offered:
            raise ExplanationInputError(f"method(s) {bad or [method]} cannot explain a model with several inputs "
                                        f"here; choose from {', '.join(PART_METHODS)}")
        names = [str(n) for n in names] if names is not None else [f"input {i}" for i in range(len(parts))]
        if len(names) != len(parts):
            raise ExplanationInputError(f"names must name all {len(parts)} inputs; got {len(names)}")
        self._model, self._x, self._args = model, parts, additional_forward_args
        self._options = {k: dict(v) for k, v in (method_options or {}).items()}
        super().__init__(part_names=names, feature_names=_feature_names(parts, feature_names), methods=offered,
                         method_titles={m: METHODS[m].title for m in offered}, n_examples=parts[0].shape[0],
                         top_k=top_k, _luts=luts_payload(palette_tables("red-blue")), **kwargs)
        if not 0 <= index < parts[0].shape[0]:
            raise ExplanationInputError(f"index must be in [0, {parts[0].shape[0] - 1}]; got {index}")
        frame = self._compute(index, method, target)
        self.labels = [str(v) for v in labels] if labels is not None else [
            f"class {i}" for i in range(frame.scores.numel())]
        self._apply(index, frame)
        self._listen()

    def _compute(self, index: int, method: str, target: Any) -> PartsFrame:
        return parts_frame(self._model, self._x, index, method, target, self._options.get(method),
                           self._args)

    def _apply(self, index: int, frame: PartsFrame) -> None:
        with self.hold_sync():
            for name, value in parts_payload(frame).items():
                setattr(self, name, value)
            self.index = index
            self._frame = frame

    def _plan(self, request: Mapping[str, Any]) -> Plan:
        index = fields.integer(request, "index", self.index)
        if not 0 <= index < self.n_examples:
            raise ExplanationInputError(f"index must be in [0, {self.n_examples - 1}]; got {index}")
        method = request.get("method", self.method)
        if method not in self.methods:
            raise ExplanationInputError(f"method {method!r} is not offered here; choose from {', '.join(self.methods)}")
        target = request.get("target", self.target)
        target = None if target == -1 else target
        return Plan(lambda _progress: self._compute(index, method, target), lambda f: self._apply(index, f))

    def to_figure(self) -> Figure:
        from ..figures.parts import parts_figure

        return parts_figure(self._frame, self.part_names, self.feature_names, self.labels)


def _feature_names(parts: tuple[torch.Tensor, ...], given: Sequence[Sequence[str] | None] | None) -> list[list[str]]:
    from ..engine.frames.parts import part_kind

    out = []
    for i, p in enumerate(parts):
        own = None if given is None or i >= len(given) else given[i]
        if part_kind(tuple(p.shape[1:])) == "image":
            out.append([])
            continue
        size = p[0].numel()
        names = [str(n) for n in own] if own is not None else [f"x{j}" for j in range(size)]
        if len(names) != size:
            raise ExplanationInputError(f"feature_names[{i}] must name all {size} values of input {i}; got {len(names)}")
        out.append(names)
    return out
