"""``Layers``: the model's inside, layer by layer: structure, activations, hover a
neuron, its attribution and top dataset inputs, weights, and layer health."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import torch
import traitlets as t
from matplotlib.figure import Figure
from torch import nn

from ..engine import ExplanationInputError, attribute
from ..engine.fused import Refresh, refresh
from ..engine.methods.neuron import neuron_index
from ..engine.structure import structure
from ..engine.sweep import UnitStats, sweep
from ..engine.validate import check_inputs
from ..figures import lookup_table
from ..figures.layers import layers_figure, opaque_table, value_range
from ..transport import pack, unpack
from .base import STATIC, Widget
from .layers_data import (
    as_batch, gather, health_arrays, input_kind, layer_rows, probe, unit_of, viewable, weight_of, wire_dtype,
)

NEURON_METHODS = ("neuron_gradient", "neuron_integrated_gradients")
WEIGHT_CAP = 64  # conv filters shown: at most this many outputs × inputs
PROGRESS_STEPS = 20  # progress messages per dataset sweep, at most


def _empty() -> dict:
    return pack(np.zeros(0, np.float32))


class Layers(Widget):
    """See inside a network: every module with its output shape and parameter
    count; the selected layer's activations for one example (feature maps as one
    atlas, units as a heat strip, sequences as token × unit heatmaps); hover a
    neuron for its activation, its gradient for the target and the layer's
    statistics (in the browser); click it for its attribution back to the input
    and the dataset inputs that excite it most; weights and gradient × weight;
    and each layer's health: dead units (of ReLU-like layers), saturated sigmoid/tanh
    values, gradient norm.

    ``Layers(model, x, labels=None, data=None, layer=None, target="predicted",
    feature_names=None, tokens=None, neuron_method="neuron_gradient", top_k=9,
    batch_size=256)``

    ``tokens`` (token-id inputs) gives each example's token strings: the input
    panel lists them and hovering a sequence layer names the token of the row.

    ``x`` is a batch (N, ...): the view picks one example of it at a time.
    ``data`` (a tensor or an iterable of batches / (x, y) pairs) is swept once,
    on first need, for dead units and each unit's top-k inputs; without it
    those come from ``x``.
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

    _input = t.Dict().tag(sync=True)
    _display_range = t.List(t.Float(), [0.0, 1.0]).tag(sync=True)
    _probs = t.Dict().tag(sync=True)
    _act = t.Dict().tag(sync=True)
    _grad = t.Dict().tag(sync=True)
    _act_range = t.List(t.Float(), [0.0, 1.0]).tag(sync=True)
    _act_lut = t.Dict().tag(sync=True)
    _grad_norms = t.Dict().tag(sync=True)
    _dead = t.Dict().tag(sync=True)
    _saturated = t.Dict().tag(sync=True)
    _dead_why = t.List(t.Unicode(), help="Per layer: why dead is not applicable ('' where it is).").tag(sync=True)
    _saturated_why = t.List(t.Unicode(), help="Per layer: why saturated is not applicable.").tag(sync=True)
    _neuron_map = t.Dict().tag(sync=True)
    _map_scale = t.Float(1.0).tag(sync=True)
    _map_lut = t.Dict().tag(sync=True)
    _top_indices = t.Dict().tag(sync=True)
    _top_values = t.Dict().tag(sync=True)
    _top_inputs = t.Dict().tag(sync=True)
    _weights = t.Dict().tag(sync=True)
    _wxg = t.Dict().tag(sync=True)
    _weights_lut = t.Dict().tag(sync=True)
    _request = t.Dict().tag(sync=True, echo_update=False)

    def __init__(
        self,
        model: nn.Module,
        x: torch.Tensor,
        *,
        labels: Sequence[str] | None = None,
        data: torch.Tensor | Iterable | None = None,
        layer: str | None = None,
        target: int | str = "predicted",
        feature_names: Sequence[str] | None = None,
        tokens: Sequence[Sequence[str]] | None = None,
        neuron_method: str = "neuron_gradient",
        top_k: int = 9,
        batch_size: int = 256,
        **kwargs: Any,
    ) -> None:
        x = as_batch(x)
        self._tokens = _check_tokens(tokens, x)
        check_inputs(model, x, needs_grad=False)
        if not (target == "predicted" or (isinstance(target, int) and not isinstance(target, bool))):
            raise ExplanationInputError(f"target must be 'predicted' or an output index (int); got {target!r}")
        # With "predicted", the target follows each example's prediction until the user picks one.
        self._follow = target == "predicted"
        if neuron_method not in NEURON_METHODS:
            raise ExplanationInputError(f"neuron_method must be one of {', '.join(NEURON_METHODS)}; got {neuron_method!r}")
        if top_k < 1:
            raise ExplanationInputError(f"top_k must be ≥ 1; got {top_k}")
        if data is not None and not isinstance(data, torch.Tensor) and not isinstance(data, Iterable):
            raise ExplanationInputError(
                "data must be a torch.Tensor of inputs (M, ...) like x, or an iterable of batches "
                f"(a DataLoader, or (x, y) pairs); got {type(data).__name__}"
            )
        if data is not None and not isinstance(data, torch.Tensor) and iter(data) is data:
            raise ExplanationInputError(
                "data must be iterable more than once (a tensor, a DataLoader or a list of batches): it is "
                f"swept once and read again for the top inputs; got a one-shot {type(data).__name__}"
            )
        if isinstance(data, torch.Tensor):
            if data.shape[1:] != x.shape[1:]:
                raise ExplanationInputError(
                    f"data must hold inputs shaped like x's examples, (M, {', '.join(map(str, x.shape[1:]))}); "
                    f"got {tuple(data.shape)}"
                )
            check_inputs(model, data, needs_grad=False)
        self._model, self._x, self._data = model, x.detach(), data
        self._top_k, self._batch_size = top_k, batch_size
        n = x.shape[0]
        infos = structure(model, x)
        seen = probe(model, x, [i.name for i in infos if i.name])
        floats = {name for name, (_plain, is_float) in seen.items() if is_float}
        rows = layer_rows(infos, n, floats)
        names = [r["name"] for r in rows if r["selectable"]]
        if not names:
            raise ExplanationInputError("the model has no submodule with a floating-point tensor output to show")
        self._names = names
        self._plain = [name for name in names if seen[name][0]]  # what a sweep can capture
        if layer is not None and layer not in names:
            raise ExplanationInputError(f"layer {layer!r} cannot be shown; layers with a tensor output: {', '.join(names)}")
        # Health over the batch now; over the data set once it is swept.
        self._batch_stats = sweep(model, x, self._plain, top_k=min(top_k, n), batch_size=batch_size)
        self._data_stats: dict[str, UnitStats] | None = None
        self._cache: tuple[tuple, Refresh] | None = None
        kind = input_kind(x)
        first = x[0].detach().float().cpu() if kind in ("image", "features") else x[0].detach().cpu()
        lo, hi = (float(first.min()), float(first.max())) if first.numel() else (0.0, 1.0)
        probe_out = self._fused(0, target)
        out = probe_out.prediction
        if out.dim() != 2:
            raise ExplanationInputError(
                f"Layers needs a model whose output has shape (N, outputs); got {tuple(out.shape)}"
            )
        k = out.shape[1]
        label_list = [str(c) for c in range(k)] if labels is None else [str(c) for c in labels]
        if len(label_list) != k:
            raise ExplanationInputError(f"labels must name every one of the model's {k} outputs; got {len(label_list)}")
        fnames = [] if feature_names is None else [str(f) for f in feature_names]
        if kind == "features" and fnames and len(fnames) != x.shape[1]:
            raise ExplanationInputError(f"feature_names must name all {x.shape[1]} features; got {len(fnames)}")
        dead, saturated, dead_why, sat_why = health_arrays(names, self._batch_stats)
        super().__init__(
            layer_table=rows, health_layers=names, labels=label_list, feature_names=fnames,
            n_examples=n, input_kind=kind, neuron_method=neuron_method, has_data=data is not None,
            stats_source=f"batch of {n}", _display_range=[lo, hi if hi > lo else lo + 1.0],
            _dead=pack(dead), _saturated=pack(saturated), _dead_why=dead_why, _saturated_why=sat_why,
            _map_lut=pack(lookup_table(None, signed=True), dtype="uint8"),
            _weights_lut=pack(opaque_table(signed=True), dtype="uint8"),
            **kwargs,
        )
        # The deepest layer with spatial or sequence structure is a good start: it
        # shows the most; otherwise the last layer before the output.
        out_shape = list(out.shape[1:])
        start = layer or next((nm for nm in reversed(names) if len(self._shape(nm)) >= 2), None) or next(
            (nm for nm in reversed(names) if self._shape(nm) != out_shape), names[-1])
        with self.hold_sync():
            self._update(0, None if self._follow else int(target), start, None, "activations")
        self.observe(self._on_request, names="_request")

    # -- computing -------------------------------------------------------------------

    def _shape(self, name: str) -> list[int]:
        row = next(r for r in self.layer_table if r["name"] == name) if self.layer_table else None
        return list(row["shape"]) if row else []

    def _fused(self, example: int, target: int | str) -> Refresh:
        """One forward and one backward for ``example``: every layer's activation and
        gradient (cached until the example or the target changes)."""
        key = (example, target)
        if self._cache is not None and self._cache[0] == key:
            return self._cache[1]
        r = refresh(self._model, self._x[example : example + 1], target, layers=self._names, method=None)
        self._cache = (key, r)
        return r

    def _stats(self) -> tuple[dict[str, UnitStats], str]:
        if self._data_stats is not None:
            return self._data_stats, "data"
        return self._batch_stats, "batch"

    def _run_sweep(self) -> None:
        """Sweep the data set through every layer once, with progress in the view."""
        if self._data is None or self._data_stats is not None:
            return
        last, seen = [-1.0], [0]

        def progress(done: int, total: int) -> None:
            seen[0] = done
            if not total:  # an iterable without a length: the view shows an indeterminate bar
                self.sweep_progress = -1.0  # sent once: an unchanged trait sends nothing
                return
            frac = done / total
            if frac - last[0] >= 1 / PROGRESS_STEPS:
                last[0] = frac
                self.sweep_progress = min(frac, 1.0)

        self.sweep_state, self.sweep_progress = "running", 0.0
        try:
            stats = sweep(self._model, self._data, self._plain, top_k=self._top_k,
                          batch_size=self._batch_size, progress=progress)
        except Exception:
            self.sweep_state = ""
            raise
        self._data_stats = stats
        with self.hold_sync():
            dead, saturated, dead_why, sat_why = health_arrays(self._names, stats)
            self._dead, self._saturated = pack(dead), pack(saturated)
            self._dead_why, self._saturated_why = dead_why, sat_why
            self.stats_source = f"data set of {seen[0]}"
            self.sweep_state, self.sweep_progress = "done", 1.0

    def _neuron(self, layer: str, neuron: Sequence[int], act_shape: tuple[int, ...]) -> tuple[int, ...]:
        """The neuron as an index into the layer's own output (the view may show it flattened)."""
        shown = viewable(torch.empty(act_shape, device="meta")).shape
        idx = neuron_index(tuple(neuron), (1, *shown), layer)
        if tuple(shown) != tuple(act_shape):
            idx = tuple(int(i) for i in np.unravel_index(idx[0], act_shape))
        return idx

    def _update(self, example: int, target: int | None, layer: str, neuron: Sequence[int] | None, panel: str) -> None:
        """Set every trait for one state of the view (caller holds sync). ``target`` None:
        the example's predicted class while following the prediction, else the current target."""
        if not 0 <= example < self._x.shape[0]:
            raise ExplanationInputError(f"example must be in [0, {self._x.shape[0] - 1}]; got {example}")
        if layer not in self._names:
            raise ExplanationInputError(f"layer {layer!r} cannot be shown; choose one of {', '.join(self._names)}")
        k = len(self.labels) or None
        if target is not None and k is not None and not 0 <= target < k:
            raise ExplanationInputError(f"target {target} is out of range: [0, {k - 1}]")
        if panel not in ("activations", "weights"):
            raise ExplanationInputError(f"panel must be 'activations' or 'weights'; got {panel!r}")
        if target is None and self._follow:
            r = self._fused(example, "predicted")
            target = int(r.target[0]) if r.target is not None else 0
        else:
            target = self.target if target is None else target
            r = self._fused(example, target)
        full = r.activations[layer][0]
        act = viewable(full).float()
        grad = viewable(r.layer_gradients[layer][0]).float()
        dtype = wire_dtype(act.numel())
        lo, hi, signed = value_range(act)
        x_e = self._x[example]
        shown_input = x_e.detach().float().cpu() if self.input_kind in ("image", "features") else x_e.detach().cpu()
        out = r.prediction[0].float()
        probs = torch.softmax(out, 0) if out.numel() > 1 else out
        norms = np.array([float(r.layer_gradients[n].float().norm()) for n in self._names], np.float32)
        # A neuron's own attribution and top inputs, when one is picked.
        note = ""
        self._clear_neuron()
        if neuron:
            idx = self._neuron(layer, neuron, tuple(full.shape))
            note = self._show_neuron(example, target, layer, idx, len(full.shape))
            self.neuron = [int(i) for i in neuron]
            self.neuron_value = float(full[idx])
        if panel == "weights":
            note = self._show_weights(example, target, layer) or note
        else:
            self._weights, self._wxg = _empty(), _empty()
        self._input = pack(shown_input, dtype="float32" if shown_input.is_floating_point() else "int32")
        if self.input_kind == "image":
            lo_in, hi_in = float(shown_input.min()), float(shown_input.max())
            self._display_range = [lo_in, hi_in if hi_in > lo_in else lo_in + 1.0]
        self._probs = pack(probs)
        # torch casts to half several times faster than numpy's astype
        self._act = pack(act.half() if dtype == "float16" else act, dtype)
        self._grad = pack(grad.half() if dtype == "float16" else grad, dtype)
        self._act_range = [lo, hi]
        self._act_lut = pack(opaque_table(signed=signed), dtype="uint8")
        self._grad_norms = pack(norms)
        self.predicted = int(out.argmax())
        self.target, self.example, self.layer, self.panel = target, example, layer, panel
        self.tokens = self._tokens[example] if self._tokens else []
        self.note = note

    def _clear_neuron(self) -> None:
        self.neuron, self.neuron_value = [], 0.0
        self._neuron_map, self._map_scale = _empty(), 1.0
        self._top_indices, self._top_values, self._top_inputs = pack(np.zeros(0, np.int32), "int32"), _empty(), _empty()
        self.top_source = ""

    def _show_neuron(self, example: int, target: int, layer: str, idx: tuple[int, ...], rank: int) -> str:
        note = ""
        if self.input_kind in ("image", "features"):
            exp = attribute(self._model, self._x[example : example + 1], self.neuron_method, target,
                            layer=layer, neuron=idx)
            amap = exp.attributions[0].detach().float().cpu()
            if self.input_kind == "image":
                amap = amap.sum(0)
            scale = float(amap.abs().max())
            self._neuron_map, self._map_scale = pack(amap), scale if scale > 0 else 1.0
        else:
            note = "neuron attribution needs floating-point inputs (token ids have no gradient)"
        if self._data is not None and self._data_stats is None:
            # Not reached from the view or show(), which sweep before the answer's
            # hold_sync (see _answer); here, inside it, progress would not stream.
            self._run_sweep()
        stats, source = self._stats()
        if layer in stats:
            unit = unit_of(idx, rank)
            indices = stats[layer].top_indices[unit].cpu()
            self._top_indices = pack(indices, "int32")
            self._top_values = pack(stats[layer].top_values[unit])
            pool = self._data if source == "data" else self._x
            if self.input_kind in ("image", "features"):
                self._top_inputs = pack(gather(pool, indices.tolist()).float())
            self.top_source = "data set" if source == "data" else "batch"
        return note

    def _show_weights(self, example: int, target: int, layer: str) -> str:
        w = weight_of(self._model, layer)
        if w is None:
            self._weights, self._wxg = _empty(), _empty()
            return f"layer {layer!r} has no weight matrix or convolution filters to show"
        exp = attribute(self._model, self._x[example : example + 1], "gradient_x_weight", target, layer=layer)
        wxg = exp.attributions[0]
        w = w.detach()
        note = ""
        if w.dim() == 4 and (w.shape[0] > WEIGHT_CAP or w.shape[1] > WEIGHT_CAP):
            note = f"showing the first {min(w.shape[0], WEIGHT_CAP)} × {min(w.shape[1], WEIGHT_CAP)} of {w.shape[0]} × {w.shape[1]} filters"
            w, wxg = w[:WEIGHT_CAP, :WEIGHT_CAP], wxg[:WEIGHT_CAP, :WEIGHT_CAP]
        self._weights = pack(w.float(), wire_dtype(w.numel()))
        self._wxg = pack(wxg.float(), wire_dtype(wxg.numel()))
        return note

    def _answer(self, seq: int, compute) -> None:
        # A sweep asked for by the view runs before the answer's hold_sync, so its
        # progress reaches the view while it runs; its errors are shown like any other.
        if getattr(self, "_sweep_wanted", False):
            self._sweep_wanted = False
            try:
                self._run_sweep()
            except Exception as exc:
                with self.hold_sync():
                    self.error = f"{type(exc).__name__}: {exc}"
                    self._seq = seq
                return
        super()._answer(seq, compute)

    def _pick_target(self, target: object) -> int | None:
        """A target the user picked stops the target following the prediction."""
        if target is None:
            return None
        self._follow = False
        return int(target)

    def _on_request(self, change: dict) -> None:
        request = change["new"] or {}
        seq = int(request.get("seq", self._seq + 1))
        if seq <= self._seq:
            return
        if request.get("sweep") or (request.get("neuron") and self._data is not None):
            self._sweep_wanted = True

        def compute() -> None:
            neuron = request.get("neuron", None)
            self._update(
                int(request.get("example", self.example)), self._pick_target(request.get("target")),
                str(request.get("layer", self.layer)), [int(i) for i in neuron] if neuron else None,
                str(request.get("panel", self.panel)),
            )

        self._latest(seq, compute)

    # -- Python-side API ------------------------------------------------------------

    def show(self, layer: str | None = None, *, example: int | None = None, target: int | None = None,
             neuron: Sequence[int] | int | None = None, panel: str | None = None) -> None:
        """Change what the view shows, as the view itself would; errors are raised here too.

        A neuron with ``data`` not yet swept sweeps it first, with progress in the
        view (see :meth:`sweep`)."""
        if isinstance(neuron, int):
            neuron = [neuron]
        keep_neuron = layer is None and example is None and target is None and neuron is None
        if (neuron or (keep_neuron and self.neuron)) and self._data is not None:
            # The sweep runs before the answer's hold_sync, as for the view's own
            # requests, so its progress reaches the view while this cell runs.
            self._sweep_wanted = True

        def compute() -> None:
            self._update(self.example if example is None else example, self._pick_target(target),
                         self.layer if layer is None else layer,
                         (self.neuron or None) if keep_neuron else (list(neuron) if neuron else None),
                         self.panel if panel is None else panel)

        self._answer(self._seq + 1, compute)
        if self.error:
            raise ExplanationInputError(self.error)

    def sweep(self) -> None:
        """Sweep ``data`` through every layer now (otherwise it runs on first need).

        Progress goes to the view while it runs (at most 20 updates; the bar is
        indeterminate for an iterable without a length) and nothing is printed.
        Kernel → browser messages leave during the cell, but the kernel reads
        no browser message until the sweep ends: clicks made meanwhile are
        answered after it (the newest one only)."""
        self._run_sweep()

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
        for sigmoid/tanh layers."""
        norms, dead, sat = unpack(self._grad_norms), unpack(self._dead), unpack(self._saturated)
        return {n: {"grad_norm": float(norms[i]), "dead": float(dead[i]), "saturated": float(sat[i])}
                for i, n in enumerate(self.health_layers)}

    def to_figure(self) -> Figure:
        """The shown layer's activations and every layer's health as a matplotlib Figure."""
        lo, hi = self._act_range
        return layers_figure(
            layer=self.layer, layer_type=next((r["type"] for r in self.layer_table if r["name"] == self.layer), ""),
            activation=self.activation, lut=unpack(self._act_lut), lo=lo, hi=hi,
            names=self.health_layers, grad_norms=unpack(self._grad_norms), dead=unpack(self._dead),
            saturated=unpack(self._saturated), label=self.labels[self.target] if self.labels else str(self.target),
            example=self.example, stats_source=self.stats_source,
        )


def _check_tokens(tokens: Sequence[Sequence[str]] | None, x: torch.Tensor) -> list[list[str]]:
    """One list of token strings per example of token-id input ``x`` (N, T)."""
    if tokens is None:
        return []
    if x.is_floating_point() or x.dim() != 2:
        raise ExplanationInputError(f"tokens= is for token-id inputs (N, T); x has shape {tuple(x.shape)}")
    per = [[str(s) for s in row] for row in tokens]
    if len(per) != x.shape[0] or any(len(row) != x.shape[1] for row in per):
        raise ExplanationInputError(
            f"tokens must give {x.shape[1]} strings for each of the {x.shape[0]} examples, like x {tuple(x.shape)}"
        )
    return per
