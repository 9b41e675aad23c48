"""``Attribution``: what in an input drives a model's output, for images, tables and text.

One widget, three input kinds (see ``attribution_inputs``), several methods
side by side on one shared symmetric scale, a trust panel with the evidence
for each map, and a static matplotlib form. The view sends one ``_request``
(example, target, methods, options); Python answers with every changed trait
in one message, numbers as binary buffers.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ContextManager

import numpy as np
import torch
import traitlets as t
from matplotlib.figure import Figure
from torch import nn

from ..engine import Explanation, ExplanationInputError, attribute
from ..engine.progress import Cancelled, reporting
from ..engine.passes import call_model
from ..engine.state import preserved
from ..engine.validate import check_inputs
from ..figures.attribution import attribution_figure
from ..figures.colormap import PALETTES, palette_tables
from ..transport import pack, unpack
from .attribution_inputs import detokenize, input_payload, normalise, thumbnails
from .attribution_options import (
    DEFAULT_METHOD, FAST, FROM_GRADIENT, check_fits, check_view_options, default_view_options, engine_options,
    methods_for, reduce_map, request_target, specs_for, title,
)
from .attribution_static import FromTensor
from .attribution_trust import trust_payload
from .base import STATIC, Widget, kernel_loop
from .jobs import Runner

# Kept for callers of the first release: the image methods offered by default.
DEFAULT_METHODS = methods_for("image")


class Attribution(FromTensor, Widget):
    """Show what in an input drives a model's output, live in the notebook.

    ``Attribution(model, x, labels=None, feature_names=None, tokens=None,
    embedding=None, kind=None, method=None, compare=(), target="predicted",
    methods=None, baseline=None, index=0, top_k=5, colormap="red-blue",
    opacity=0.85, threshold=0.0, top_percent=100.0, absolute=False, zoom=1.0,
    trust=True, randomize_layers=1, method_options=None)``

    ``x`` is an image (C, H, W), a tabular row (F,), token ids (T,), or a batch
    of any of them (a list of id tensors for texts of different lengths); the
    kind is detected from the shape and dtype, or declared with ``kind``.
    Text needs ``embedding``, the name of the model's embedding layer
    (``dict(model.named_modules())`` key), and ``tokens`` to show.
    ``baseline`` is the reference input for integrated gradients, ablation and
    the deletion curve (zeros, or the pad id 0, when not given).
    ``compare`` adds methods shown side by side with ``method``, all on one
    symmetric colour scale. ``method_options`` maps a method to options: the
    ones the view's form edits (``n_steps``, ``baseline``, ``nt_samples``,
    ``noise``, ``window``, ``n_samples``) or any other engine option.
    ``trust`` computes the trust panel after each answer; ``randomize_layers``
    is how many of the last layers to run its model-randomization check
    re-initialises (raise it for residual networks and transformers, where
    one layer changes little).

    Colormap, opacity, threshold, top-percent mask, absolute values and zoom
    change in the browser only (no kernel round trip); the Python traits set
    them from code and are what ``to_figure()`` draws.
    """

    _esm = STATIC / "attribution.js"

    kind = t.Unicode("image", help="Input kind: image, tabular or text (read-only).").tag(sync=True)
    labels = t.List(t.Unicode(), help="Class names, one per model output.").tag(sync=True)
    feature_names = t.List(t.Unicode(), help="Tabular feature names.").tag(sync=True)
    tokens = t.List(t.Unicode(), help="The tokens of the text example shown.").tag(sync=True)
    index = t.Int(0, help="Which example of the batch is shown.").tag(sync=True)
    n_examples = t.Int(1, help="Examples in the batch (read-only).").tag(sync=True)
    batch_titles = t.List(t.Unicode(), help="One line per example for the batch strip.").tag(sync=True)
    target = t.Int(0, help="The output being explained.").tag(sync=True)
    predicted = t.Int(0, help="The model's predicted class (read-only).").tag(sync=True)
    output = t.Unicode("probability", help="'probability' (softmax of logits), 'score' (one output) "
                       "or 'none' (from_tensor without probabilities).").tag(sync=True)
    method = t.Unicode("input_x_gradient", help="The main attribution method shown.").tag(sync=True)
    compare = t.List(t.Unicode(), help="Methods shown beside `method` on the same scale.").tag(sync=True)
    shown = t.List(t.Unicode(), help="The methods whose maps are shown, in order (read-only).").tag(sync=True)
    methods = t.List(t.Unicode(), help="Methods offered in the view.").tag(sync=True)
    method_titles = t.Dict(help="Readable name of each method.").tag(sync=True)
    method_options = t.Dict(help="The view-editable options of each method.").tag(sync=True)
    option_specs = t.Dict(help="Form fields per method (read-only).").tag(sync=True)
    slow_methods = t.List(t.Unicode(), help="Methods that take noticeably longer (read-only).").tag(sync=True)
    interactive = t.Bool(True, help="False for from_tensor views: no model to recompute with.").tag(sync=True)
    top_k = t.Int(5, help="How many prediction bars to show.").tag(sync=True)
    trust = t.Bool(True, help="Compute the trust panel (IG delta, rank agreement, randomization, deletion).").tag(sync=True)
    background = t.Bool(True, help="In a kernel, compute the view's requests in a worker thread "
                        "(progress, cancel, newest request wins); False computes them on the kernel's thread.")
    # Display settings: the view changes them locally, Python sets them and draws them in to_figure().
    colormap = t.Unicode("red-blue", help="Colour palette (see `palettes`).").tag(sync=True)
    palettes = t.List(t.Unicode(), help="Palettes the view offers (read-only).").tag(sync=True)
    opacity = t.Float(0.85, min=0.0, max=1.0, help="Overlay opacity.").tag(sync=True)
    threshold = t.Float(0.0, min=0.0, max=1.0, help="Hide |attribution| below this share of the scale.").tag(sync=True)
    top_percent = t.Float(100.0, min=0.0, max=100.0, help="Show only the top p % of |attribution|.").tag(sync=True)
    absolute = t.Bool(False, help="Show |attribution| on an unsigned scale.").tag(sync=True)
    zoom = t.Float(1.0, min=0.25, max=8.0, help="Display zoom of image maps.").tag(sync=True)

    _input = t.Dict().tag(sync=True)
    _display_range = t.List(t.Float()).tag(sync=True)
    _maps = t.Dict().tag(sync=True)
    _scale = t.Float(1.0).tag(sync=True)
    _luts = t.Dict().tag(sync=True)
    _probs = t.Dict().tag(sync=True)
    _thumbs = t.Dict().tag(sync=True)
    _trust = t.Dict().tag(sync=True)
    _progress = t.Dict().tag(sync=True)
    # Requests come from the view; echoing them back would be a wasted message.
    _request = t.Dict().tag(sync=True, echo_update=False)

    def __init__(
        self,
        model: nn.Module,
        x: torch.Tensor | Sequence[torch.Tensor],
        *,
        labels: Sequence[str] | None = None,
        feature_names: Sequence[str] | None = None,
        tokens: Sequence[str] | Sequence[Sequence[str]] | None = None,
        embedding: str | None = None,
        kind: str | None = None,
        method: str | None = None,
        compare: Sequence[str] = (),
        target: int | str = "predicted",
        methods: Sequence[str] | None = None,
        baseline: torch.Tensor | float | int | Sequence[torch.Tensor] | None = None,
        index: int = 0,
        top_k: int = 5,
        colormap: str = "red-blue",
        opacity: float = 0.85,
        threshold: float = 0.0,
        top_percent: float = 100.0,
        absolute: bool = False,
        zoom: float = 1.0,
        trust: bool = True,
        randomize_layers: int = 1,
        method_options: Mapping[str, Mapping[str, Any]] | None = None,
        **kwargs: Any,
    ) -> None:
        inputs = normalise(x, kind=kind, feature_names=feature_names, tokens=tokens, baseline=baseline)
        if inputs.kind == "text" and embedding is None:
            raise ExplanationInputError(
                "text input needs embedding='<name of the embedding layer>' (a key of model.named_modules()), "
                "so attributions can flow through token embeddings"
            )
        if embedding is not None and embedding not in dict(model.named_modules()):
            raise ExplanationInputError(f"embedding {embedding!r} is not a module of the model")
        if inputs.kind == "image":
            check_inputs(model, inputs.examples[0], needs_grad=False)
            inputs.spatial_layers, inputs.spatial_default = spatial_layers(model, inputs.examples[0])
        method = method or DEFAULT_METHOD[inputs.kind]
        offered = list(methods or methods_for(inputs.kind))
        if methods is None and not inputs.spatial_layers and "gradcam" in offered:
            offered.remove("gradcam")  # no layer with spatial output to take it from
        for m in [method, *compare]:
            if m not in offered:
                offered.append(m)
        check_fits(offered, inputs.kind)
        if isinstance(randomize_layers, bool) or not isinstance(randomize_layers, int) or randomize_layers < 0:
            raise ExplanationInputError(f"randomize_layers must be an int ≥ 0; got {randomize_layers!r}")
        self._model = model
        self._inputs = inputs
        self._embedding = embedding
        self._randomize_layers = randomize_layers
        has_given = inputs.baseline_kind == "given"
        view_opts, self._hidden = {}, {}
        for m in offered:
            user = dict((method_options or {}).get(m, {}))
            known = {f["name"] for f in specs_for([m], inputs, has_given).get(m, [])}
            view_opts[m] = {**default_view_options(m, inputs, has_given),
                            **check_view_options(m, {k: v for k, v in user.items() if k in known}, inputs, has_given)}
            self._hidden[m] = {k: v for k, v in user.items() if k not in known}

        for ex in inputs.examples:
            check_inputs(model, ex, needs_grad=False)
        if not 0 <= index < len(inputs):
            raise ExplanationInputError(f"index must be in [0, {len(inputs) - 1}]; got {index}")
        outputs = self._batch_outputs()
        output_kind = "probability" if outputs.shape[1] >= 2 else "score"
        n_out = outputs.shape[1]
        labels = [str(c) for c in range(n_out)] if labels is None else [str(c) for c in labels]
        if output_kind == "score" and labels == ["0"]:
            labels = ["score"]
        if len(labels) != n_out:
            raise ExplanationInputError(f"labels must name every one of the model's {n_out} outputs; got {len(labels)}")
        scores = torch.softmax(outputs, 1) if output_kind == "probability" else outputs
        super().__init__(
            kind=inputs.kind,
            labels=labels,
            feature_names=inputs.feature_names,
            n_examples=len(inputs),
            batch_titles=self._batch_titles(scores, labels, output_kind),
            output=output_kind,
            methods=offered,
            method_titles={m: title(m, inputs.kind) for m in offered},
            method_options=view_opts,
            option_specs=specs_for(offered, inputs, has_given),
            slow_methods=[m for m in offered if m not in FAST],
            top_k=top_k,
            trust=trust,
            colormap=colormap,
            palettes=list(PALETTES) + ([colormap] if colormap not in PALETTES else []),
            opacity=opacity,
            threshold=threshold,
            top_percent=top_percent,
            absolute=absolute,
            zoom=zoom,
            _luts=self._tables(colormap),
            **kwargs,
        )
        if inputs.kind == "image":
            lo, hi = self._image_range()
            self._thumbs = pack(thumbnails(inputs.examples, lo, hi), dtype="uint8")
        with self.hold_sync():
            self._explain(index, target, method, list(compare), {})
            self._run_trust(self._seq)
        self.observe(self._on_request, names="_request")
        self.observe(self._on_python_change, names=["target", "method", "compare", "index", "trust"])

    # -- construction helpers -----------------------------------------------------

    def _batch_outputs(self) -> torch.Tensor:
        """Model outputs for every example in one no-grad pass (per example for ragged text)."""
        stacked = self._inputs.stacked()
        with preserved(self._model), torch.no_grad():
            parts = [stacked] if stacked is not None else self._inputs.examples
            out = torch.cat([call_model(self._model, p).reshape(p.shape[0], -1) for p in parts])
        if out.shape[1] < 1:
            raise ExplanationInputError("Attribution needs a model with at least one output per example")
        return out.detach().float().cpu()

    def _batch_titles(self, scores: torch.Tensor, labels: list[str], output_kind: str) -> list[str]:
        titles = []
        for i, row in enumerate(scores):
            if output_kind == "probability":
                k = int(row.argmax())
                head = f"#{i} · {labels[k]} {float(row[k]):.0%}"
            else:
                head = f"#{i} · {labels[0]} {float(row[0]):.3g}"
            if self._inputs.kind == "text":
                head += " · " + detokenize(self._inputs.tokens[i])
            titles.append(head)
        return titles

    def _image_range(self) -> tuple[float, float]:
        stacked = torch.cat(self._inputs.examples).detach().float()
        lo, hi = float(stacked.min()), float(stacked.max())
        return lo, hi if hi > lo else lo + 1.0

    @staticmethod
    def _tables(colormap: str) -> dict[str, Any]:
        return {name: {k: pack(v, dtype="uint8") for k, v in tables.items()}
                for name, tables in palette_tables(colormap).items()}

    # -- validation of Python-side changes ------------------------------------------

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

    @t.validate("index")
    def _valid_index(self, proposal: dict) -> int:
        value = proposal["value"]
        if not 0 <= value < max(self.n_examples, 1):
            raise t.TraitError(f"index must be in [0, {self.n_examples - 1}]; got {value}")
        return value

    # -- computing -------------------------------------------------------------------

    def _explain(self, index: int, target: int | str, method: str, compare: list[str], options: dict) -> None:
        """Compute and set everything one request changes (the caller holds sync)."""
        self._apply(self._compute(index, target, method, compare, options))

    def _compute(
        self, index: int, target: int | str, method: str, compare: list[str], options: dict,
        around: Callable[[int, str], ContextManager[Any]] | None = None,
    ) -> dict[str, Any]:
        """Everything one request changes, computed without touching traits (so a
        worker thread may run it); ``around(i, method)`` wraps each method's run."""
        inputs = self._inputs
        if not 0 <= index < len(inputs):
            raise ExplanationInputError(f"index must be in [0, {len(inputs) - 1}]; got {index}")
        shown = [method] + [m for m in dict.fromkeys(compare) if m != method]
        for m in shown:
            if m not in self.methods:
                raise ExplanationInputError(f"unknown method {m!r}; choose from {', '.join(self.methods)}")
        has_given = inputs.baseline_kind == "given"
        view_opts = {m: dict(o) for m, o in self.method_options.items()}
        for m, o in (options or {}).items():
            if m not in view_opts:
                raise ExplanationInputError(f"options for unknown method {m!r}")
            view_opts[m].update(check_view_options(m, dict(o), inputs, has_given))
        x = inputs.examples[index]
        exps: dict[str, Explanation] = {}
        # Gradient, saliency and gradient × input all follow from one gradient:
        # shown together, they share one backward pass (a third of the time on a big model).
        family = [m for m in shown if m in FROM_GRADIENT and not self._hidden[m]]
        if len(family) >= 2:
            with around(shown.index(family[0]), family[0]) if around else contextlib.nullcontext():
                g = attribute(self._model, x, "gradient", target)
            target = int(g.target[0]) if g.target is not None else 0
            for m in family:
                exps[m] = Explanation(m, FROM_GRADIENT[m](g.attributions, x.to(g.attributions.dtype)),
                                      g.prediction, g.target)
        for i, m in enumerate(shown):
            if m in exps:
                continue
            opts = engine_options(m, view_opts[m], self._hidden[m], inputs, index, self._embedding)
            with around(i, m) if around else contextlib.nullcontext():
                exps[m] = attribute(self._model, x, m, target, **opts)
            target = int(exps[m].target[0]) if exps[m].target is not None else 0
        exps = {m: exps[m] for m in shown}
        maps = torch.stack([reduce_map(exps[m].attributions, inputs.kind) for m in shown]).cpu()
        scale = float(maps.abs().max()) if maps.numel() else 0.0
        pred = exps[method].prediction[0].detach().float().reshape(-1).cpu()
        scores = torch.softmax(pred, 0) if self.output == "probability" else pred
        shown_input = input_payload(inputs, index)
        return {
            "index": index, "x": x, "target": int(target) if isinstance(target, int) else 0, "method": method,
            "shown": shown, "exps": exps, "view_opts": view_opts, "input": shown_input,
            "maps": pack(maps.numpy()), "scale": scale if scale > 0 else 1.0, "probs": pack(scores),
            "predicted": int(scores.argmax()) if self.output == "probability" else 0,
        }

    def _apply(self, r: dict[str, Any]) -> None:
        """Set the traits of one computed answer (the caller holds sync)."""
        self._updating = True
        try:
            self._input = r["input"]
            if self._inputs.kind == "image":
                self._display_range = list(self._image_range())
            elif self._inputs.kind == "text":
                self.tokens = self._inputs.tokens[r["index"]]
            self._maps = r["maps"]
            self._scale = r["scale"]
            self._probs = r["probs"]
            self.method_options = r["view_opts"]
            self.predicted = r["predicted"]
            self.target = r["target"]
            self.method = r["method"]
            self.compare = r["shown"][1:]
            self.shown = r["shown"]
            self.index = r["index"]
            self._progress = {}
        finally:
            self._updating = False
        self._exps = r["exps"]
        self._trust_job = (r["x"], r["target"], r["exps"], r["index"], r["view_opts"])

    # -- the trust panel: computed after the maps, in a message of its own ------------------

    def _answer(self, seq: int, compute) -> None:
        super()._answer(seq, compute)
        if self.interactive and self.error == "":
            self._schedule_trust(seq)

    def _schedule_trust(self, seq: int) -> None:
        """Send the maps first (a click repaints at once), the trust evidence right after.

        In a kernel the evidence is computed on the next turn of the event loop,
        and skipped if a newer request arrived meanwhile: its answer brings its own.
        """
        if not self.trust:
            self._trust = {}
            return
        runner = self._runner()
        if runner is not None:
            if runner.waiting:
                return  # a newer request is on its way; its answer brings its own evidence
            job_args = self._trust_job

            def work(job):
                with reporting(runner.progress(job, lambda *_: None)):
                    return self._trust_report(*job_args)

            runner.submit(seq, work, self._trust_done)
            return
        loop = kernel_loop()
        if loop is None:
            self._run_trust(seq)
        else:
            loop.call_soon(self._run_trust, seq)

    def _run_trust(self, seq: int) -> None:
        if seq != self._seq or getattr(self, "_pending", None) is not None:
            return
        if not self.trust:
            self._trust = {}
            return
        try:
            report = self._trust_report(*self._trust_job)
        except Exception as exc:  # the maps stand; say why their evidence is missing
            report = {"methods": [], "error": f"{type(exc).__name__}: {exc}"}
        with self.hold_sync():
            self._trust = {**report, "seq": seq}

    def _trust_done(self, seq: int, value: Any, error: BaseException | None) -> None:
        if isinstance(error, Cancelled) or seq != self._seq:
            return
        if not self.trust:
            self._trust = {}
            return
        report = value if error is None else {"methods": [], "error": f"{type(error).__name__}: {error}"}
        with self.hold_sync():
            self._trust = {**report, "seq": seq}

    def _trust_report(self, x: torch.Tensor, target: int, exps: dict, index: int, view_opts: dict) -> dict:
        """The trust panel's numbers as JSON + binary buffers."""
        options = {m: engine_options(m, view_opts[m], self._hidden[m], self._inputs, index, self._embedding)
                   for m in exps}
        return trust_payload(self._model, self._inputs, index, x, target, exps, options, self._embedding,
                             self._randomize_layers, titles=dict(self.method_titles))

    def _on_request(self, change: dict) -> None:
        request = change["new"] or {}
        seq = int(request.get("seq", self._seq + 1))
        if seq <= self._seq:
            return  # an answer to a newer request was already sent
        if not self.interactive:
            return self._answer(seq, lambda: self._static_request(request))
        runner = self._runner()
        if request.get("cancel"):
            if runner is not None:
                runner.cancel()
            self._pending = None
            # The maps on screen stay; the answer only says the request stopped.
            return Widget._answer(self, seq, lambda: setattr(self, "_progress", {"seq": seq, "state": "cancelled"}))
        args = (
            int(request.get("index", self.index)),
            request_target(request.get("target", self.target)),
            str(request.get("method", self.method)),
            [str(m) for m in request.get("compare", self.compare)],
            dict(request.get("options") or {}),
        )
        if runner is None:
            return self._latest(seq, lambda: self._explain(*args))
        shown = [args[2]] + [m for m in dict.fromkeys(args[3]) if m != args[2]]

        def work(job):
            def around(i: int, m: str):
                self._runner_post(job.seq, i, len(shown), m, 0, 1)
                post = lambda s, done, total: self._post_progress(s, i, len(shown), m, done, total)  # noqa: E731
                return reporting(runner.progress(job, post))

            job.check()
            return self._compute(*args, around=around)

        runner.submit(seq, work, self._maps_done)

    # -- background work (inside a kernel): progress, cancel, newest wins ------------------

    def _runner(self) -> Runner | None:
        loop = kernel_loop()
        if loop is None or not self.background:
            return None
        jobs = getattr(self, "_jobs", None)
        if jobs is None or jobs.loop is not loop:
            jobs = self._jobs = Runner(loop)
        return jobs

    def _runner_post(self, seq: int, i: int, n: int, method: str, done: int, total: int) -> None:
        jobs = getattr(self, "_jobs", None)
        if jobs is not None:
            jobs.loop.call_soon_threadsafe(self._post_progress, seq, i, n, method, done, total)

    def _post_progress(self, seq: int, i: int, n: int, method: str, done: int, total: int) -> None:
        """Show how far request ``seq`` is (on the loop's thread); nothing once it is answered."""
        if seq <= self._seq:
            return
        share = done / total if total > 0 else 0.0
        self._progress = {
            "seq": seq, "state": "running", "method": method, "title": self.method_titles.get(method, method),
            "step": i + 1, "steps": n, "done": done, "total": total, "fraction": (i + share) / n,
        }

    def _maps_done(self, seq: int, value: Any, error: BaseException | None) -> None:
        if isinstance(error, Cancelled) or seq <= self._seq:
            return  # superseded or cancelled: a newer answer speaks for the view

        def apply() -> None:
            if error is not None:
                raise error
            self._apply(value)

        self._answer(seq, apply)

    def _on_python_change(self, change: dict) -> None:
        if getattr(self, "_updating", False):
            return
        jobs = getattr(self, "_jobs", None)
        if jobs is not None:
            jobs.quiesce()  # this thread is about to use the model: the worker must let go first
        if not self.interactive:
            return self._answer(self._seq + 1, lambda: self._static_request({"index": self.index}))
        args = (self.index, self.target, self.method, list(self.compare), {})
        self._answer(self._seq + 1, lambda: self._explain(*args))

    # -- reading back -------------------------------------------------------------------

    @property
    def maps(self) -> dict[str, np.ndarray]:
        """The maps currently shown, by method: (H, W), (F,) or (T,) each."""
        arr = unpack(self._maps)
        return {m: arr[i] for i, m in enumerate(self.shown)}

    @property
    def attribution_map(self) -> np.ndarray:
        """The main method's map currently shown."""
        return unpack(self._maps)[0]

    @property
    def probabilities(self) -> np.ndarray:
        """The model's class probabilities (or its score) for the example shown."""
        return unpack(self._probs)

    @property
    def explanations(self) -> dict:
        """The engine's full results behind the maps shown (empty for from_tensor views)."""
        return dict(getattr(self, "_exps", {}))

    def to_figure(self) -> Figure:
        """The current view as a matplotlib Figure: same colours, same shared scale, same mask."""
        tables = palette_tables(self.colormap).get(self.colormap) or next(iter(palette_tables(self.colormap).values()))
        return attribution_figure(
            kind=self.kind,
            inputs=unpack(self._input),
            display_range=tuple(self._display_range) if self._display_range else (0.0, 1.0),
            maps=[unpack(self._maps)[i] for i in range(len(self.shown))],
            titles=[self.method_titles.get(m, m) for m in self.shown],
            scale=self._scale,
            lut=tables["unsigned" if self.absolute else "signed"],
            absolute=self.absolute,
            threshold=self.threshold,
            top_percent=self.top_percent,
            opacity=self.opacity,
            probs=self.probabilities,
            output=self.output,
            labels=self.labels,
            target=self.target,
            predicted=self.predicted,
            top_k=self.top_k,
            feature_names=self.feature_names,
            tokens=self.tokens,
            trust=self._trust,
            method_titles=dict(self.method_titles),
        )


def spatial_layers(model: nn.Module, x: torch.Tensor) -> tuple[list[str], str | None]:
    """Modules whose output is (N, C, H, W) with H·W > 1, in the order they ran, and
    the last convolution among them (Grad-CAM's usual layer), from one hooked forward."""
    from ..engine.structure import structure

    names = [
        info.name for info in structure(model, x)
        if info.name and info.output_shape is not None and len(info.output_shape) == 4
        and info.output_shape[2] * info.output_shape[3] > 1
    ]
    modules = dict(model.named_modules())
    convs = [n for n in names if isinstance(modules[n], nn.modules.conv._ConvNd)]
    return names, (convs[-1] if convs else (names[-1] if names else None))
