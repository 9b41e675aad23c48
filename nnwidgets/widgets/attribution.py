"""``Attribution``: what in an input drives a model's output, for images, tables and text.

One widget, three input kinds (see ``attribution_inputs``), several methods
side by side on one shared symmetric scale, a trust panel with the evidence
for each map, and a static matplotlib form. The view sends one ``_request``
(example, target, methods, options); Python answers with every changed trait
in one message, numbers as binary buffers.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import torch
from torch import nn

from ..engine import ExplanationInputError
from ..engine.arguments import default_layer
from ..engine.budget import TooSlow
from ..engine.contract import OutputSpec, with_contract
from ..engine.explanation import Explanation
from ..engine.keywords import example_model, keyed
from ..engine.frames.attribution import AttributionFrame, attribution_frame, batch_frame, image_range
from ..engine.frames.trust import trust_frame
from ..engine.checks.completeness import COMPLETE_METHODS
from ..engine.methods.gradients import FROM_GRADIENT
from ..engine.progress import Cancelled
from ..engine.registry import lookup
from ..engine.state import model_dtype
from ..figures.colormap import PALETTES, palette_tables
from ..transport.attribution import (
    batch_titles, example_payload, frame_payload, luts_payload, thumbs_payload, trust_payload,
)
from .attribution_inputs import check_embedding, detokenize, normalise, output_labels, strip_pictures
from .attribution_options import (
    DEFAULT_METHOD, FAST, check_request, engine_options, estimate_note, offered_methods, refused, specs_for,
    split_options, title,
)
from .attribution_static import FromTensor
from .attribution_traits import AttributionTraits
from . import fields
from .base import Plan, Progress
from .padding import padded_scale, padding_groups, padding_payload
from .tokenizer import find_tokenizer, tokens_for, vocab_labels


class Attribution(FromTensor, AttributionTraits):
    """Show what in an input drives a model's output, live in the notebook.

    ``Attribution(model, x, labels=None, feature_names=None, tokens=None,
    embedding=None, kind=None, method=None, compare=(), target="predicted",
    methods=None, baseline=None, index=0, top_k=5, colormap="red-blue",
    opacity=0.85, threshold=0.0, top_percent=100.0, absolute=False, zoom=1.0,
    trust=True, randomize_layers=1, method_options=None, output=None, task="auto",
    mean=None, std=None, display=None, tokenizer=None)``

    ``x`` is an image (C, H, W), a tabular row (F,), token ids (T,), or a batch
    of any of them (a list of id tensors for texts of different lengths); the
    kind is detected from the shape and dtype, or declared with ``kind``.
    ``x`` may also be a mapping of keyword arguments (a tokenizer's ``BatchEncoding``):
    its ``input_ids`` are explained and shown, the rest (``attention_mask``,
    ``token_type_ids``) passed to the model unchanged, each example with its own
    rows; positions where ``attention_mask`` is 0 are shown as padding, outside
    the colour scale. Text needs ``embedding``, the name of the model's embedding layer
    (``dict(model.named_modules())`` key; found for Hugging Face models by
    ``get_input_embeddings()``). The tokens shown are ``tokens``, else read by
    ``tokenizer`` (any Hugging Face tokenizer: WordPiece, BPE, SentencePiece),
    else by a tokenizer found (a fast tokenizer's ``BatchEncoding``, the model's
    ``.tokenizer``), else the ids.
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
    ``output`` picks the tensor to explain of a tuple, dict or ``ModelOutput``
    (default: the logits); ``task`` ("auto", "multiclass", "multilabel",
    "regression") says whether the bars show softmax probabilities,
    independent sigmoid probabilities or raw scores (``output_label`` says which).
    A uint8 image is explained as floats of the same values (0…255). A normalized
    image is drawn in its true colours with ``mean``/``std`` (torchvision's
    ``Normalize``: the picture is ``x * std + mean`` on [0, 1]) or ``display`` (the
    original image); the model still gets ``x``.
    ``x`` a tuple (one tensor per input of the model, e.g. ``(image, meta)``, batched
    (N, ...) as in Captum) gives one panel per input, each on its own scale
    (:class:`~nnwidgets.widgets.attribution_parts.PartsAttribution`).

    Colormap, opacity, threshold, top-percent mask, absolute values and zoom
    change in the browser only (no kernel round trip); the Python traits set
    them from code and are what ``to_figure()`` draws.
    """

    def __new__(cls, model: Any = None, x: Any = None, *args: Any, **kwargs: Any) -> Any:
        # A tuple is one tensor per input of a several-input model (Captum's form): its own view.
        if isinstance(x, tuple) and cls is Attribution:
            from .attribution_parts import PartsAttribution

            return PartsAttribution(model, x, *args, **kwargs)
        return super().__new__(cls)

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
        output: OutputSpec = None,
        task: str = "auto",
        mean: Sequence[float] | torch.Tensor | None = None,
        std: Sequence[float] | torch.Tensor | None = None,
        display: torch.Tensor | None = None,
        tokenizer: Any = None,
        **kwargs: Any,
    ) -> None:
        model = with_contract(model, output=output, task=task)
        given = keyed(model, x)  # a BatchEncoding: its input_ids, the rest bound to the model
        if tokens is None:
            tokens = tokens_for(given.x, tokenizer=tokenizer, model=model, inputs=x)
        model, x = given.model, given.x
        inputs = normalise(x, kind=kind, feature_names=feature_names, tokens=tokens, baseline=baseline,
                           dtype=model_dtype(model) or torch.float32, mean=mean, std=std, display=display)
        if inputs.kind == "text" and embedding is None and inputs.examples:
            embedding = default_layer(model, inputs.examples[0], None)
        check_embedding(model, inputs, embedding)
        self._padding = [] if given.padding is None or inputs.kind != "text" else [p for p in given.padding]
        method = method or DEFAULT_METHOD[inputs.kind]
        # One example and a gradient method: the batch's forward is the first map's own.
        fused = (len(inputs) == 1 and index == 0 and inputs.kind != "text" and method in FROM_GRADIENT
                 and not (method_options or {}).get(method))
        batch = batch_frame(model, inputs.examples, spatial=inputs.kind in ("image", "text"),
                            gradient_for=target if fused else None)
        inputs.spatial_layers, inputs.spatial_default = batch.spatial_layers, batch.spatial_default
        offered = offered_methods(inputs.kind, methods, method, compare, bool(inputs.spatial_layers))
        if isinstance(randomize_layers, bool) or not isinstance(randomize_layers, int) or randomize_layers < 0:
            raise ExplanationInputError(f"randomize_layers must be an int ≥ 0; got {randomize_layers!r}")
        view_opts, self._hidden = split_options(offered, method_options, inputs)
        if not 0 <= index < len(inputs):
            raise ExplanationInputError(f"index must be in [0, {len(inputs) - 1}]; got {index}")
        if labels is None and inputs.kind == "text":  # a language model's outputs: its vocabulary's tokens
            labels = vocab_labels(tokenizer if tokenizer is not None else find_tokenizer(model), batch.scores.shape[1])
        labels = output_labels(labels, batch.scores.shape[1], batch.output)
        self._model, self._inputs, self._embedding, self._randomize_layers = model, inputs, embedding, randomize_layers
        self._reading = batch.reading
        texts = [detokenize(ts) for ts in inputs.tokens] if inputs.kind == "text" else None
        super().__init__(
            kind=inputs.kind,
            labels=labels,
            feature_names=inputs.feature_names,
            n_examples=len(inputs),
            batch_titles=batch_titles(batch.scores.numpy(), labels, batch.output, texts),
            output=batch.output,
            output_label=batch.reading.label,
            methods=offered,
            method_titles={m: title(m, inputs.kind) for m in offered},
            method_options=view_opts,
            option_specs=specs_for(offered, inputs, inputs.baseline_kind == "given"),
            slow_methods=[m for m in offered if m not in FAST],
            unsigned_methods=[m for m in offered if not lookup(m).signed],
            complete_methods=[m for m in offered if m in COMPLETE_METHODS],
            top_k=top_k,
            trust=trust,
            colormap=colormap,
            palettes=list(PALETTES) + ([colormap] if colormap not in PALETTES else []),
            opacity=opacity,
            threshold=threshold,
            top_percent=top_percent,
            absolute=absolute,
            zoom=zoom,
            _luts=luts_payload(palette_tables(colormap)),
            **kwargs,
        )
        self._show_batch()
        # The first map at once; in a kernel the compared methods and the trust evidence
        # follow in the worker thread (the cell returns, the view fills in). Outside one
        # (scripts, tests) they run here, so the object is complete when it returns.
        streamed = self._runner() is not None
        first = self._maps_plan(index, target, method, [] if streamed else list(compare), {}, batch.gradient)
        first.apply(first.work(Progress(self)))
        self._listen()
        self.observe(self._on_python_change, names=["target", "method", "compare", "index", "trust"])
        if streamed and compare:
            seq, rest = self._seq, self._maps_plan(index, self.target, method, list(compare), {})

            def apply(value: Any) -> None:  # the compared maps, then their evidence
                rest.apply(value)
                self._answered(seq)

            self._follow(seq, Plan(rest.work, apply))
        else:
            self._answered(self._seq)

    def _example_model(self, index: int) -> nn.Module:
        """The model as example ``index`` is run: with its own rows of the keyword inputs."""
        return example_model(self._model, index, len(self._inputs))

    def _pad(self, index: int) -> torch.Tensor | None:
        """Example ``index``'s padding (T,) bool, None without an attention mask."""
        pads = getattr(self, "_padding", None)
        return pads[index] if pads else None

    def _show_batch(self) -> None:
        """The batch strip's pictures and the value range images are drawn on (images only)."""
        if self._inputs.kind == "image":
            self._range = self._inputs.display_range or image_range(self._inputs.examples)
            self._thumbs = thumbs_payload(strip_pictures(self._inputs, *self._range))

    def _show(self, frame: AttributionFrame, index: int, **traits: Any) -> None:
        """Set the traits of one answer: example ``index``, its frame, and ``traits``."""
        inputs = self._inputs
        self._updating = True
        try:
            shown = inputs.display[index] if inputs.display is not None else inputs.examples[index]
            self._input = example_payload(shown, inputs.kind)
            if inputs.kind == "image":
                self._display_range = list(self._range)
            elif inputs.kind == "text":
                self.tokens = inputs.tokens[index]
                self._padding_flags = padding_payload(self._pad(index), len(self.tokens))
            for name, value in {**frame_payload(frame), **traits}.items():
                setattr(self, name, value)
            self.shown = frame.methods
            self.index = index
        finally:
            self._updating = False

    # -- requests: the maps as one plan, the trust evidence as its follow-up ---------------------

    def _plan(self, request: Mapping[str, Any]) -> Plan:
        index = fields.integer(request, "index", self.index)
        if not self.interactive:
            return self._static_plan(index)
        return self._maps_plan(
            index, fields.target(request, self.target), fields.text(request, "method", self.method),
            fields.texts(request, "compare", self.compare), fields.mapping(request, "options", values="a mapping"),
        )

    def _maps_plan(self, index: int, target: int | str, method: str, compare: list[str], options: dict,
                   gradient: Explanation | None = None) -> Plan:
        inputs, offered, titles = self._inputs, list(self.methods), dict(self.method_titles)
        view = {m: dict(o) for m, o in self.method_options.items()}
        output = self._reading if self._model is not None else self.output

        def work(progress: Progress) -> tuple[AttributionFrame, dict, dict]:
            progress.check()
            shown = check_request(index, method, compare, options, offered, view, inputs)
            opts = {m: engine_options(m, view[m], self._hidden[m], inputs, index, self._embedding) for m in shown}

            @contextlib.contextmanager
            def stage(i: int, m: str) -> Iterator[None]:
                with progress.stage(method=m, title=titles.get(m, m), step=i + 1, steps=len(shown)):
                    try:
                        yield
                    except TooSlow as exc:  # refused before it ran long: say so with the form's knobs
                        raise refused(exc, m, titles.get(m, m), inputs.kind) from None

            frame = attribution_frame(self._example_model(index), inputs.examples[index], shown, target, opts,
                                      kind=inputs.kind, output=output, stage=stage, titles=titles, gradient=gradient)
            frame.scale = padded_scale(frame.maps, self._pad(index)) if inputs.kind == "text" else frame.scale
            return frame, view, opts

        def apply(result: tuple[AttributionFrame, dict, dict]) -> None:
            frame, view, opts = result
            self._show(frame, index, method_options=view, target=frame.target, method=frame.methods[0],
                       compare=frame.methods[1:], _progress={})
            self._frame, self._last = frame, (index, frame, opts)

        return Plan(work, apply)

    def _answered(self, seq: int) -> None:
        """Send the maps first (a click repaints at once), the trust evidence right after."""
        if not self.interactive:
            return
        if not self.trust:
            self._trust = {}
            return
        self._follow(seq, self._trust_plan(seq))

    def _trust_plan(self, seq: int) -> Plan:
        index, frame, opts = self._last
        model, inputs, titles = self._example_model(index), self._inputs, dict(self.method_titles)

        def work(progress: Progress) -> dict[str, Any]:
            try:
                with progress.stage():
                    report = trust_frame(
                        model, inputs.examples[index], frame.target, frame.explanations, opts, kind=inputs.kind,
                        baseline=inputs.baseline(index), layer=self._embedding,
                        randomize_layers=self._randomize_layers, titles=titles, reading=self._reading,
                        feature_mask=padding_groups(self._pad(index)) if inputs.kind == "text" else None,
                    )
                return trust_payload(report)
            except Cancelled:
                raise
            except Exception as exc:  # the maps stand; say why their evidence is missing
                return {"methods": [], "error": f"{type(exc).__name__}: {exc}"}

        def apply(payload: dict[str, Any]) -> None:
            self._trust = {**payload, "seq": seq} if self.trust else {}

        return Plan(work, apply)

    def _show_progress(self, seq: int, done: int, total: int, info: Mapping[str, Any]) -> None:
        if seq <= self._seq:
            return  # answered already: nothing more to show
        share = done / total if total > 0 else 0.0
        estimate = getattr(self, "_estimate", {})
        same = estimate.get("seq") == seq and estimate.get("step") == info["step"]
        self._progress = {
            "seq": seq, "state": "running", "method": info["method"], "title": info["title"],
            "step": info["step"], "steps": info["steps"], "done": done, "total": total,
            "fraction": (info["step"] - 1 + share) / info["steps"],
            **({"estimate": estimate["estimate"], "estimate_note": estimate["note"]} if same else {}),
        }

    def _show_estimate(self, seq: int, seconds: float, advice: str, info: Mapping[str, Any]) -> None:
        """A slow method's timed estimate (kernel thread): shown with its progress when long."""
        if seq <= self._seq or "method" not in info:
            return
        note = estimate_note(info["method"], self.kind, seconds, advice)
        self._estimate = {"seq": seq, "step": info.get("step"), "estimate": seconds, "note": note}
        if self._progress.get("seq") == seq and self._progress.get("step") == info.get("step"):
            self._progress = {**self._progress, "estimate": seconds, "estimate_note": note}

    def _cancelled(self, seq: int) -> None:
        self._progress = {"seq": seq, "state": "cancelled"}  # the maps on screen stay

    def _refresh(self) -> None:
        if self.interactive:
            batch = batch_frame(self._model, self._inputs.examples, spatial=False)
            texts = [detokenize(ts) for ts in self._inputs.tokens] if self._inputs.kind == "text" else None
            self.batch_titles = batch_titles(batch.scores.numpy(), list(self.labels), batch.output, texts)
        self._on_python_change({})

    def _on_python_change(self, change: dict) -> None:
        if getattr(self, "_updating", False):
            return
        if not self.interactive:
            plan = self._static_plan(self.index)
        else:
            plan = self._maps_plan(self.index, self.target, self.method, list(self.compare), {})
        self._run(plan.work, plan.apply)
