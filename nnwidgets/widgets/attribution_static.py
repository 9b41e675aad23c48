"""``Attribution.from_tensor``: the Attribution view for attribution tensors made
elsewhere (Captum, SHAP, your own code). No model: the maps are shown as given,
one example at a time; nothing is recomputed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch

from ..engine import ExplanationInputError
from ..engine.frames.attribution import given_frame, given_scores
from ..figures.colormap import PALETTES, palette_tables
from ..transport.attribution import luts_payload
from .attribution_inputs import normalise, split_maps
from .base import Plan, Widget


class FromTensor:
    """The part of ``Attribution`` that shows given tensors (a mixin of the widget)."""

    @classmethod
    def from_tensor(
        cls,
        x: torch.Tensor | Sequence[torch.Tensor],
        attributions: torch.Tensor | Mapping[str, torch.Tensor],
        *,
        labels: Sequence[str] | None = None,
        probabilities: torch.Tensor | None = None,
        target: int = 0,
        feature_names: Sequence[str] | None = None,
        tokens: Sequence[str] | Sequence[Sequence[str]] | None = None,
        kind: str | None = None,
        index: int = 0,
        **display: Any,
    ) -> Any:  # an Attribution
        """Show attribution tensors computed elsewhere (Captum, SHAP, your own code).

        ``attributions`` has ``x``'s shape (a batch when ``x`` is one), or, for
        text, (N, T) or (N, T, D) per-token scores; a dict shows several methods
        side by side on one scale. ``probabilities`` (N, classes) fills the
        prediction bars. There is no model, so the view cannot recompute: the
        method and target pickers are off; the example strip still works.
        """
        self = cls.__new__(cls)
        inputs = normalise(x, kind=kind, feature_names=feature_names, tokens=tokens)
        given = dict(attributions) if isinstance(attributions, Mapping) else {"attribution": attributions}
        maps: dict[str, list[torch.Tensor]] = {}
        for name, a in given.items():
            if not isinstance(a, torch.Tensor):
                raise ExplanationInputError(f"attributions[{name!r}] must be a torch.Tensor; got {type(a).__name__}")
            maps[name] = split_maps(a.detach(), inputs, name)
        n = len(inputs)
        probs = given_scores(probabilities, n, len(labels) if labels is not None else 1)
        n_out = probs.shape[1]
        labels = [str(c) for c in labels] if labels is not None else [str(c) for c in range(n_out)]
        if len(labels) != n_out:
            raise ExplanationInputError(f"labels must name each of the {n_out} columns of probabilities; got {len(labels)}")
        if not 0 <= target < n_out:
            raise ExplanationInputError(f"target must be in [0, {n_out - 1}]; got {target}")
        self._inputs = inputs
        self._given = maps
        self._given_probs = probs
        self._model = None
        names = list(maps)
        if probabilities is None:
            output_kind = "none"
        else:
            output_kind = "probability" if n_out >= 2 else "score"
        colormap = display.pop("colormap", "red-blue")
        Widget.__init__(  # the widget's traits without its model-bound __init__
            self,
            kind=inputs.kind,
            labels=labels,
            feature_names=inputs.feature_names,
            n_examples=n,
            batch_titles=[f"#{i}" for i in range(n)],
            output=output_kind,
            output_label="" if probabilities is None else "as given",
            methods=names,
            method_titles={m: m for m in names},
            interactive=False,
            trust=False,
            top_k=display.pop("top_k", 5),
            colormap=colormap,
            palettes=list(PALETTES) + ([colormap] if colormap not in PALETTES else []),
            _luts=luts_payload(palette_tables(colormap)),
            **display,
        )
        self._show_batch()
        self.target = target
        first = self._static_plan(index)
        with self.hold_sync():
            first.apply(first.work(None))
        self._listen()
        self.observe(self._on_python_change, names=["index"])
        return self

    def _static_plan(self, index: int) -> Plan:
        """Show example ``index`` of the given maps (cheap: answered on the kernel's thread)."""

        def work(_progress: Any) -> Any:
            if not 0 <= index < len(self._inputs):
                raise ExplanationInputError(f"index must be in [0, {len(self._inputs) - 1}]; got {index}")
            names = list(self._given)
            return given_frame(names, [self._given[m][index] for m in names], self._given_probs[index], self.output)

        return Plan(work, lambda frame: self._show(frame, index, method=frame.methods[0]), background=False)
