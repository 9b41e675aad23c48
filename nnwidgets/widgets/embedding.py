"""``Embedding``: a layer's activations over a data set, projected to 2-D and drawn
as a scatter that pans, zooms, hovers and selects in the browser."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
import traitlets as t
from torch import nn

from ..engine import ExplanationInputError
from ..engine.data import as_data, length
from ..engine.frames.embedding import EmbeddingFrame, activations, class_names, frame_from
from ..engine.layers import resolve_layers
from ..engine.projection import METHODS
from ..figures.embedding import COLOR_MODES, CORRECT_RGB, category_table, continuous_table, embedding_figure
from ..transport import pack, unpack
from ..transport.embedding import neuron_state, points_state
from .base import STATIC, Plan, Progress, Widget, request_seq
from .first import First, start
from .embedding_links import link_for

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def _array(help: str = "") -> t.Dict:
    return t.Dict(help=help).tag(sync=True)


class Embedding(Widget):
    """The activations of ``layer`` for every example of ``data`` (a tensor, a
    Dataset, a DataLoader or an iterable of batches / (x, y) pairs, a DataFrame),
    projected to 2-D (``projection``: "pca" in torch, exact; "tsne" or "umap"
    through scikit-learn / openTSNE / umap-learn) and drawn as a scatter.

    ``Embedding(model, data, layer=..., labels=None, targets=None, projection="pca",
    color_by=None, feature_names=None, texts=None, linked=(), batch_size=256, seed=0)``

    Colour by true class (``targets``, else the data's y), predicted class,
    correct / incorrect, confidence or one unit's activation. Hover a point for
    its input (thumbnail, row or ``texts[i]``), read in the browser; drag a box
    to set ``selected``; click a point to show it in every ``linked`` view
    (see :mod:`~nnwidgets.widgets.embedding_links`), in the click's one round trip.

    In a kernel the constructor returns at once (after checking what it can without the
    model: layer, projection, colour mode, counts a sized data set gives) and the pass over
    the data and the projection run in the worker, with a progress bar and cancel in the view;
    ``ready`` turns True when the points are in. ``coords``, ``predicted``, ``activations``,
    ``click()``, ``to_figure()`` and ``save_html()`` wait for them (``wait(timeout=300)``);
    traits such as ``n_points`` hold their defaults until then. In a script the pass runs in
    the constructor, with a ``tqdm`` bar.
    """

    _esm = STATIC / "embedding.js"

    layer = t.Unicode("").tag(sync=True)
    labels = t.List(t.Unicode(), help="Class names.").tag(sync=True)
    feature_names = t.List(t.Unicode()).tag(sync=True)
    texts = t.List(t.Unicode(), help="Each point's text, for hover (text inputs).").tag(sync=True)
    color_by = t.Unicode("predicted", help="label, predicted, correct, confidence or neuron.").tag(sync=True)
    neuron = t.Int(0, help="The unit coloured by color_by='neuron'.").tag(sync=True)
    projection = t.Unicode("pca").tag(sync=True)
    cost = t.Unicode("", help="What the projection was and how long it took.").tag(sync=True)
    input_kind = t.Unicode("other").tag(sync=True)
    n_points = t.Int(0).tag(sync=True)
    n_units = t.Int(0).tag(sync=True)
    has_labels = t.Bool(False).tag(sync=True)
    linked_names = t.List(t.Unicode(), help="The linked views, by type.").tag(sync=True)
    clicked = t.Int(-1, help="The last clicked point (-1: none).").tag(sync=True)
    n_selected = t.Int(0).tag(sync=True)
    selected = t.List(t.Int(), help="Indices of the box-selected points (set from the view).")
    _progress = t.Dict().tag(sync=True)
    _xy = _array("(N, 2) float32 projected points.")
    _label = _array("(N,) int32 true classes, -1 unknown.")
    _predicted = _array("(N,) int32.")
    _confidence = _array("(N,) float32: the predicted class's probability.")
    _neuron_values = _array("(N,) float32: the coloured unit's activation.")
    _thumbs = _array("(N, h, w[, 3]) uint8 hover thumbnails (images).")
    _rows = _array("(N, F) hover rows (tables).")
    _palette = _array("(K, 3) uint8 class colours (figures.embedding.category_table).")
    _correct = _array("(2, 3) uint8: right, wrong.")
    _lut = _array("(256, 3) uint8 continuous scale.")

    def __init__(
        self, model: nn.Module, data: Any, *, layer: str, labels: Sequence[str] | None = None,
        targets: Any = None, projection: str = "pca", color_by: str | None = None,
        feature_names: Sequence[str] | None = None, texts: Sequence[str] | None = None,
        linked: Sequence[Any] = (), batch_size: int = 256, seed: int = 0, **kwargs: Any,
    ) -> None:
        if projection not in METHODS:
            raise ExplanationInputError(f"projection must be one of {', '.join(METHODS)}; got {projection!r}")
        if color_by is not None and color_by not in COLOR_MODES:
            raise ExplanationInputError(f"color_by must be one of {', '.join(COLOR_MODES)}; got {color_by!r}")
        resolve_layers(model, [layer])  # a wrong name fails here, not in the worker
        data = as_data(data)
        known = length(data) or None  # None: an iterable that does not say
        if texts is not None and known is not None and len(texts) != known:
            raise ExplanationInputError(f"texts must give one string per example ({known}); got {len(texts)}")
        self._links = [link_for(v, known, self._inputs) for v in linked]
        self._model, self._data, self._given = model, data, dict(
            layer=layer, labels=labels, targets=targets, color_by=color_by, feature_names=feature_names,
            texts=texts, linked=list(linked))
        self._batch, self._seed, self._method = batch_size, seed, projection
        super().__init__(
            layer=layer, feature_names=[str(f) for f in feature_names or []], texts=[str(s) for s in texts or []],
            color_by=color_by or "predicted", linked_names=[type(v).__name__ for v in linked], projection=projection,
            _correct=pack(CORRECT_RGB, "uint8"), _lut=pack(continuous_table(), "uint8"), **kwargs,
        )
        self.on_msg(self._on_message)
        self._listen()
        # The pass over the data and the projection: in a kernel in the worker (this returns at
        # once, the view shows its progress), else here with a tqdm bar.
        start(self, *self._sweep(projection), desc="Embedding")

    def _sweep(self, method: str) -> tuple[Any, Any]:
        """The work and apply of the first result: the pass over the data, then the projection."""
        given = self._given

        def work(progress: Progress) -> EmbeddingFrame:
            with progress.stage(method="sweep"):
                a = activations(self._model, self._data, given["layer"], targets=given["targets"],
                                batch_size=self._batch)
            with progress.stage(method=method):
                return frame_from(a, method, seed=self._seed)

        def apply(frame: EmbeddingFrame) -> None:
            a = frame.acts
            n = a.acts.shape[0]
            names = class_names(given["labels"], a.scores.shape[1])
            has_labels = bool((a.labels >= 0).any())
            color_by = given["color_by"] or ("correct" if has_labels else "predicted")
            if color_by in ("label", "correct") and not has_labels:
                raise ExplanationInputError(
                    f"color_by={color_by!r} needs true classes: data of (x, y) pairs or targets=")
            features, texts = [str(f) for f in given["feature_names"] or []], given["texts"]
            if features and frame.kind == "features" and len(features) != a.inputs.shape[1]:
                raise ExplanationInputError(
                    f"feature_names must name all {a.inputs.shape[1]} features; got {len(features)}")
            if texts is not None and len(texts) != n:
                raise ExplanationInputError(f"texts must give one string per example ({n}); got {len(texts)}")
            for view in given.get("linked", ()):
                link_for(view, n, self._inputs)
            self._apply_frame(frame)
            self.labels, self.has_labels, self.color_by = names, has_labels, color_by
            self._palette = pack(category_table(len(names)), "uint8")
            for k, v in neuron_state(a.acts[:, 0]).items():
                setattr(self, k, v)

        return work, apply

    def _inputs(self) -> torch.Tensor:
        return self._frame.acts.inputs

    # -- answering -------------------------------------------------------------------

    def _plan(self, request: Mapping[str, Any]) -> Plan:
        if not self.ready:
            if "projection" not in request:
                raise ExplanationInputError("the points are still being computed (or were stopped): "
                                            "wait for them, or choose a projection to compute them")
            method = str(request["projection"])
            if method not in METHODS:
                raise ExplanationInputError(f"projection must be one of {', '.join(METHODS)}; got {method!r}")
            return First(self, request_seq(request, self._seq), *self._sweep(method), desc="Embedding").bind()
        if "click" in request:
            index = int(request["click"])
            if not 0 <= index < self.n_points:
                raise ExplanationInputError(f"point {index} is out of range: [0, {self.n_points - 1}]")

            def show(_: Any) -> None:
                self.clicked = index
                for follow in self._links:  # the linked views answer in this same turn
                    follow(index)

            return Plan(lambda _p: None, show, background=False)
        if "neuron" in request:
            unit = int(request["neuron"])
            if not 0 <= unit < self.n_units:
                raise ExplanationInputError(f"neuron {unit} is out of range: [0, {self.n_units - 1}]")

            def colour(_: Any) -> None:
                self.neuron, self.color_by = unit, "neuron"
                for k, v in neuron_state(self._frame.acts.acts[:, unit]).items():
                    setattr(self, k, v)

            return Plan(lambda _p: None, colour, background=False)
        if "projection" in request:
            method = str(request["projection"])

            def work(progress: Progress) -> EmbeddingFrame:
                with progress.stage(method=method):
                    return frame_from(self._frame.acts, method, seed=self._seed)

            return Plan(work, self._apply_frame)
        raise ExplanationInputError(f"unknown request {sorted(request)}")

    def _apply_frame(self, frame: EmbeddingFrame) -> None:
        self._frame = frame
        for name, value in points_state(frame).items():
            setattr(self, name, value)
        self._progress = {}

    def _refresh(self) -> None:
        plan = First(self, self._seq + 1, *self._sweep(self.projection), desc="Embedding").bind()
        self.ready = False  # the pass runs again: the model's weights may have changed
        self._run(plan.work, plan.apply)

    def _show_progress(self, seq: int, done: int, total: int, info: Mapping[str, Any]) -> None:
        if seq > self._seq:
            self._progress = {"seq": seq, "method": info.get("method", ""), "done": done, "total": total}

    def _cancelled(self, seq: int) -> None:
        self._progress = {}

    def _on_message(self, _widget: Any, content: Any, buffers: Sequence[Any]) -> None:
        # A selection comes as one uint32 buffer of indices: 50,000 of them are 200 kB, not a JSON list.
        if isinstance(content, Mapping) and content.get("select"):
            picked = np.frombuffer(bytes(buffers[0]), dtype="<u4") if buffers else np.zeros(0, np.uint32)
            self.selected = [int(i) for i in picked if i < self.n_points]
            self.n_selected = len(self.selected)

    # -- Python-side API ------------------------------------------------------------

    def click(self, index: int) -> None:
        """Show point ``index`` in the linked views, as a click in the view would
        (after the first result: ``wait()``)."""
        self.wait()
        plan = self._plan({"click": index})
        self._run(plan.work, plan.apply)

    def color_neuron(self, unit: int) -> None:
        """Colour the points by unit ``unit``'s activation (after the first result: ``wait()``)."""
        self.wait()
        plan = self._plan({"neuron": unit})
        self._run(plan.work, plan.apply)

    def project(self, method: str) -> None:
        """Project again with ``method`` ("pca", "tsne", "umap"), on this thread."""
        plan = self._plan({"projection": method})
        self._run(plan.work, plan.apply)
        if self.error:
            raise ExplanationInputError(self.error)

    @property
    def coords(self) -> np.ndarray:
        """(N, 2) projected points; waits for the first result (``wait()``)."""
        self.wait()
        return unpack(self._xy)

    @property
    def activations(self) -> torch.Tensor:
        """(N, D) the layer's activations, one row per example; waits for the first result."""
        self.wait()
        return self._frame.acts.acts

    @property
    def predicted(self) -> np.ndarray:
        """(N,) the predicted classes; waits for the first result (``wait()``)."""
        self.wait()
        return unpack(self._predicted)

    def to_figure(self) -> Figure:
        """The scatter as a matplotlib Figure, coloured as the view is (waits for the first result)."""
        self.wait()
        return embedding_figure(
            self.coords, color_by=self.color_by, labels=unpack(self._label), predicted=self.predicted,
            confidence=unpack(self._confidence), neuron=unpack(self._neuron_values), class_names=self.labels,
            title=f"{self.layer}: {self.cost}", selected=self.selected, unit=self.neuron,
        )
