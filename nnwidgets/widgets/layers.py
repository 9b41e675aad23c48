"""``Layers``: the model's inside, layer by layer: structure, activations, hover a
neuron, its attribution and top dataset inputs, weights, and layer health."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
import traitlets as t
from torch import nn

from ..engine import ExplanationInputError
from ..engine.contract import OutputSpec, with_contract
from ..engine.frames.layers import LayerPasses, LayersFrame, check_layers_args, layers_frame, layers_setup
from ..engine.frames.layers_parts import bind_parts
from ..engine.health import layer_health
from ..engine.keywords import keyed
from ..engine.images import user_batch
from ..engine.sweep import sweep
from ..figures import lookup_table
from ..figures.layers import opaque_table
from ..transport import pack, unpack
from ..transport.layers import frame_state, health_state, layer_rows
from . import fields
from .base import STATIC, Plan, Widget
from .tokenizer import tokens_for

if TYPE_CHECKING:
    from matplotlib.figure import Figure

PROGRESS_STEPS = 20  # progress messages per dataset sweep, at most


def _array(help: str = "") -> t.Dict:
    """A synced array, packed by ``transport.pack`` as {dtype, shape, buffer}."""
    return t.Dict(help=help).tag(sync=True)


class Layers(Widget):
    """See inside a network: every module with its output shape and parameter
    count; the selected layer's activations for one example (feature maps as one
    atlas, units as a heat strip, sequences as token × unit heatmaps); hover a
    neuron for its activation, its gradient for the target and the layer's
    statistics (in the browser); click it for its attribution back to the input
    and the dataset inputs that excite it most; weights and gradient × weight;
    and each layer's health: dead units (of ReLU-like layers), saturated values (of logistic
    and tanh layers), gradient norm.

    ``Layers(model, x, labels=None, data=None, layer=None, target="predicted",
    feature_names=None, tokens=None, neuron_method="neuron_gradient", top_k=9,
    batch_size=256, output=None, task="auto", mean=None, std=None, display=None, tokenizer=None)``:
    images as for ``Attribution``.

    ``x`` may be a mapping of keyword arguments (a tokenizer's ``BatchEncoding``): its
    ``input_ids`` are shown, the rest passed to the model unchanged, each example with
    its own rows (``data=`` is then not taken).
    ``x`` may be a tuple, one tensor (N, ...) per positional input of the model
    (``forward(image, meta)``): every activation and gradient is of the model run on
    all of them; the input panel, a neuron's attribution and the top inputs show the
    first input, the others held as given, and the view says so (``data=`` is then not taken).
    ``tokens`` (token-id inputs) gives each example's token strings: the input
    panel lists them and hovering a sequence layer names the token of the row;
    without it they are read by ``tokenizer`` (any Hugging Face tokenizer) or one
    found (a fast tokenizer's ``BatchEncoding``, the model's ``.tokenizer``).

    ``x`` is a batch (N, ...): the view picks one example of it at a time.
    ``data`` (a tensor or an iterable of batches / (x, y) pairs) is swept once,
    on first need, for dead units and each unit's top-k inputs; without it
    those come from ``x``. ``output`` and ``task`` as for ``Attribution``: which
    tensor of the model's output is explained, and whether the prediction shows
    softmax or sigmoid probabilities or raw scores (``output_label`` says which).
    """

    _esm = STATIC / "layers.js"

    layer_table = t.List(t.Dict(), help="Every module: name, type, depth, shape, params.").tag(sync=True)
    health_layers = t.List(t.Unicode(), help="Layers the view can show, in model order.").tag(sync=True)
    layer = t.Unicode("", help="The layer shown.").tag(sync=True)
    example = t.Int(0, help="Which example of x is shown.").tag(sync=True)
    n_examples = t.Int(1).tag(sync=True)
    labels = t.List(t.Unicode()).tag(sync=True)
    feature_names = t.List(t.Unicode()).tag(sync=True)
    tokens = t.List(t.Unicode(), help="The shown example's tokens (token-id inputs given tokens=).").tag(sync=True)
    target = t.Int(0, help="The output whose gradients are shown.").tag(sync=True)
    output_label = t.Unicode("", help="What the prediction shows: softmax / sigmoid probabilities or raw scores.").tag(sync=True)
    predicted = t.Int(0).tag(sync=True)
    input_kind = t.Unicode("other").tag(sync=True)
    neuron = t.List(t.Int(), help="The clicked neuron (index into the layer's output), or [].").tag(sync=True)
    neuron_value = t.Float(0.0).tag(sync=True)
    neuron_method = t.Unicode("neuron_gradient").tag(sync=True)
    note = t.Unicode("", help="Information for the user that is not an error.").tag(sync=True)
    panel = t.Unicode("activations", help="'activations' or 'weights'.").tag(sync=True)
    has_data = t.Bool(False).tag(sync=True)
    sweep_state = t.Unicode("", help="'', 'running' or 'done' (the data sweep).").tag(sync=True)
    sweep_progress = t.Float(0.0, help="Fraction of the data swept; -1 while the total is unknown.").tag(sync=True)
    stats_source = t.Unicode("").tag(sync=True)
    top_source = t.Unicode("").tag(sync=True)

    _input = _array("The shown example (float32, or int32 token ids).")
    _display_range = t.List(t.Float(), [0.0, 1.0]).tag(sync=True)
    _probs = _array("The prediction as read: probabilities, or the score of a single output.")
    _act = _array("The shown layer's activation, as drawn.")
    _grad = _array("∂(target output)/∂(activation).")
    _act_range = t.List(t.Float(), [0.0, 1.0]).tag(sync=True)
    _act_lut = _array("The activation's colour table, (256, 4) uint8.")
    _grad_norms = _array("Per layer: ‖∂(target output)/∂(output)‖.")
    _dead = _array("Per layer: fraction of dead units (NaN: not applicable).")
    _saturated = _array("Per layer: fraction of saturated values (NaN: not applicable).")
    _dead_why = t.List(t.Unicode(), help="Per layer: why dead is not applicable ('' where it is).").tag(sync=True)
    _saturated_why = t.List(t.Unicode(), help="Per layer: why saturated is not applicable.").tag(sync=True)
    _neuron_map = _array("The clicked neuron's attribution to the input.")
    _map_scale = t.Float(1.0).tag(sync=True)
    _map_lut = _array()
    _top_indices = _array("The clicked unit's top inputs: indices into data (else x), int32.")
    _top_values = _array("The top inputs' scores (the unit's mean activation).")
    _top_inputs = _array("The top inputs themselves (image and feature inputs).")
    _weights = _array("The layer's weight matrix or filters (the weights panel).")
    _wxg = _array("Gradient × weight, shaped like _weights.")
    _weights_lut = _array()

    def __init__(
        self, model: nn.Module, x: torch.Tensor, *, labels: Sequence[str] | None = None,
        data: torch.Tensor | Iterable | None = None, layer: str | None = None, target: int | str = "predicted",
        feature_names: Sequence[str] | None = None, tokens: Sequence[Sequence[str]] | None = None,
        neuron_method: str = "neuron_gradient", top_k: int = 9, batch_size: int = 256,
        output: OutputSpec = None, task: str = "auto", mean: Any = None, std: Any = None, display: Any = None,
        tokenizer: Any = None, **kwargs: Any,
    ) -> None:
        model = with_contract(model, output=output, task=task)
        input_note = ""
        if isinstance(x, tuple):  # several inputs: the first is shown, the others bound to the model
            parts = bind_parts(model, x, data=data)
            model, x = parts.model, parts.x
            input_note = (parts.note, parts.neuron_note) if parts.count > 1 else ""
            # The bound rows are the whole batch's: the batch is swept in one chunk.
            batch_size = max(batch_size, int(x.shape[0]))
        given = keyed(model, x)  # a BatchEncoding: its input_ids, the rest bound to the model
        if given.key is not None:
            if data is not None:
                raise ExplanationInputError(
                    f"data= cannot be swept with keyword inputs ({', '.join([str(given.key), *given.names])}); "
                    "pass x alone, its batch gives the statistics")
            # The bound rows are the whole batch's: the batch is swept in one chunk.
            batch_size = max(batch_size, int(given.x.shape[0]))
        if tokens is None:
            tokens = tokens_for(given.x, tokenizer=tokenizer, model=model, inputs=x)
        model, x = given.model, given.x
        x, data, feature_names, shown, unnormalize = user_batch(model, x, data, feature_names, mean, std, display)
        x, self._tokens = check_layers_args(model, x, tokens=tokens, data=data, target=target,
                                            neuron_method=neuron_method, top_k=top_k)
        # With "predicted", the target follows each example's prediction until the user picks one.
        self._follow = target == "predicted"
        x = x.detach()
        self._model, self._data, self._top_k, self._batch_size = model, data, top_k, batch_size
        setup = layers_setup(model, x, layer, labels=labels, feature_names=feature_names,
                             top_k=top_k, batch_size=batch_size)
        # Health and top inputs over the batch now (setup.stats); over the data set once it is swept.
        self._setup, self._data_stats, n = setup, None, x.shape[0]
        self._passes = LayerPasses(model, x, setup.layers, setup.reading, shown=shown, unnormalize=unnormalize,
                                   input_note=input_note or None)
        first = self._frame(0, target, setup.start, None, "activations")
        shown = {"_display_range": list(first.input_range), **self._state(first)}
        super().__init__(
            layer_table=layer_rows(setup.infos, n, setup.layers), health_layers=setup.layers, labels=setup.labels,
            feature_names=setup.feature_names, n_examples=n, input_kind=setup.kind, neuron_method=neuron_method,
            has_data=data is not None, stats_source=f"batch of {n}", output_label=setup.reading.label,
            _map_lut=pack(lookup_table(None, signed=True), dtype="uint8"),
            _weights_lut=pack(opaque_table(signed=True), dtype="uint8"),
            **health_state(layer_health(setup.layers, setup.stats)), **{**kwargs, **shown},
        )
        self._listen()

    # -- answering -------------------------------------------------------------------

    def _plan(self, request: Mapping[str, Any]) -> Plan:
        neuron = fields.integers(request, "neuron")
        example, layer = fields.integer(request, "example", self.example), fields.text(request, "layer", self.layer)
        panel = fields.text(request, "panel", self.panel, choices=("activations", "weights"))
        picked = None if request.get("target") is None else fields.integer(request, "target", 0)
        if request.get("sweep") or neuron:
            # Before the answer's hold_sync, so that the sweep's progress reaches the view as it runs.
            self._sweep_data()
        if picked is not None and not 0 <= picked < len(self.labels):
            raise ExplanationInputError(f"target {picked} is out of range: [0, {len(self.labels) - 1}]")

        def work(_progress: object) -> LayersFrame:
            # No target picked: the example's predicted class while following the prediction.
            target = picked if picked is not None else "predicted" if self._follow else self.target
            return self._frame(example, target, layer, neuron, panel)

        def apply(frame: LayersFrame) -> None:
            if picked is not None:
                self._follow = False  # a target the user picked stops the target following the prediction
            for name, value in self._state(frame).items():
                setattr(self, name, value)

        return Plan(work, apply, background=False)

    def _frame(self, example: int, target: int | str, layer: str, neuron: Sequence[int] | None,
               panel: str) -> LayersFrame:
        swept = self._data_stats is not None
        return layers_frame(
            self._passes, example, target, layer, neuron, panel=panel, neuron_method=self.neuron_method,
            stats=self._data_stats if swept else self._setup.stats, pool=self._data if swept else None,
            pool_name="data set" if swept else "batch",
        )

    def _state(self, frame: LayersFrame) -> dict[str, Any]:
        state = frame_state(frame)
        state["_act_lut"] = pack(opaque_table(signed=frame.signed), dtype="uint8")
        state["tokens"] = self._tokens[frame.example] if self._tokens else []
        return state

    def _sweep_data(self) -> None:
        """Sweep the data set through every layer once, with progress in the view."""
        if self._data is None or self._data_stats is not None:
            return
        last, seen = [-1.0], [0]

        def progress(done: int, total: int) -> None:
            seen[0] = done
            # An iterable without a length: -1, an indeterminate bar (sent once: an unchanged trait sends nothing).
            frac = done / total if total else -1.0
            if frac < 0 or frac - last[0] >= 1 / PROGRESS_STEPS:
                last[0] = frac
                self.sweep_progress = min(frac, 1.0)

        self.sweep_state, self.sweep_progress = "running", 0.0
        try:
            stats = sweep(self._model, self._data, self._setup.plain, top_k=self._top_k,
                          batch_size=self._batch_size, progress=progress)
        except Exception:
            self.sweep_state = ""
            raise
        self._data_stats = stats
        with self.hold_sync():
            for name, value in health_state(layer_health(self._setup.layers, stats)).items():
                setattr(self, name, value)
            self.stats_source = f"data set of {seen[0]}"
            self.sweep_state, self.sweep_progress = "done", 1.0

    def _refresh(self) -> None:
        x = self._passes.x
        self._setup = layers_setup(self._model, x, self.layer, labels=list(self.labels), top_k=self._top_k,
                                   feature_names=list(self.feature_names) or None, batch_size=self._batch_size)
        self._data_stats, self._passes = None, self._passes.renewed(self._setup.layers)
        with self.hold_sync():
            for name, value in health_state(layer_health(self._setup.layers, self._setup.stats)).items():
                setattr(self, name, value)
            self.stats_source, self.sweep_state, self.sweep_progress = f"batch of {x.shape[0]}", "", 0.0
        try:
            self.show()
        except ExplanationInputError:
            pass  # shown in the view; refresh() raises it

    # -- Python-side API ------------------------------------------------------------

    def show(self, layer: str | None = None, *, example: int | None = None, target: int | None = None,
             neuron: Sequence[int] | int | None = None, panel: str | None = None) -> None:
        """Change what the view shows, as the view itself would; errors are raised here too.

        A neuron with ``data`` not yet swept sweeps it first, with progress in the
        view (see :meth:`sweep`)."""
        neuron = [neuron] if isinstance(neuron, int) else neuron
        keep_neuron = layer is None and example is None and target is None and neuron is None
        request = {
            "example": self.example if example is None else example, "target": target,
            "layer": self.layer if layer is None else layer, "panel": self.panel if panel is None else panel,
            "neuron": (self.neuron or None) if keep_neuron else (list(neuron) if neuron else None),
        }
        try:
            plan = self._plan(request)  # a sweep it needs runs here, streaming its progress
        except Exception as exc:
            self._fail(self._seq + 1, exc)
        else:
            self._run(plan.work, plan.apply)
        if self.error:
            raise ExplanationInputError(self.error)

    def sweep(self) -> None:
        """Sweep ``data`` through every layer now (otherwise it runs on first need).

        Progress goes to the view while it runs (at most 20 updates; the bar is
        indeterminate for an iterable without a length) and nothing is printed.
        Kernel → browser messages leave during the cell, but the kernel reads
        no browser message until the sweep ends: clicks made meanwhile are
        answered after it (the newest one only)."""
        self._sweep_data()

    @property
    def activation(self) -> np.ndarray:
        """The shown layer's activation for the shown example (as drawn: (C, H, W), (T, D) or (D,))."""
        return unpack(self._act)

    @property
    def gradient(self) -> np.ndarray:
        """∂(target output)/∂(activation), same shape as ``activation``."""
        return unpack(self._grad)

    @property
    def neuron_attribution(self) -> np.ndarray:
        """The clicked neuron's attribution to the input ((H, W) for images, (F,) for features)."""
        return unpack(self._neuron_map)

    @property
    def top_examples(self) -> tuple[np.ndarray, np.ndarray]:
        """Indices (into ``data``, else into ``x``) and scores of the inputs that excite the clicked unit most."""
        return unpack(self._top_indices), unpack(self._top_values)

    @property
    def health(self) -> dict[str, dict[str, float]]:
        """Per layer: gradient norm for the target, dead-unit and saturated-value fractions.

        NaN where not applicable: "dead" only for layers whose output was ≥ 0 over the
        whole data (ReLU-like: a signed Linear/Conv output or logits never above 0 is
        not a dead unit of that layer; read the activation after it), "saturated" only
        for logistic and tanh layers."""
        norms, dead, sat = unpack(self._grad_norms), unpack(self._dead), unpack(self._saturated)
        return {n: {"grad_norm": float(norms[i]), "dead": float(dead[i]), "saturated": float(sat[i])}
                for i, n in enumerate(self.health_layers)}

    def to_figure(self) -> Figure:
        """The shown layer's activations and every layer's health as a matplotlib Figure."""
        from ..figures.layers import layers_figure

        lo, hi = self._act_range
        return layers_figure(
            layer=self.layer, layer_type=next((r["type"] for r in self.layer_table if r["name"] == self.layer), ""),
            activation=self.activation, lut=unpack(self._act_lut), lo=lo, hi=hi,
            names=self.health_layers, grad_norms=unpack(self._grad_norms), dead=unpack(self._dead),
            saturated=unpack(self._saturated), label=self.labels[self.target] if self.labels else str(self.target),
            example=self.example, stats_source=self.stats_source,
        )

