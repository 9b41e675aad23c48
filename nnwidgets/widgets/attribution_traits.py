"""The Attribution view's state: its traits and their checks, and reading it back
(the maps and prediction shown, the engine's results, the static figure)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import traitlets as t

from ..figures.colormap import palette_tables
from ..transport import unpack
from ..transport.attribution import trust_arrays
from .base import STATIC, Widget

if TYPE_CHECKING:
    from matplotlib.figure import Figure


class AttributionTraits(Widget):
    """The traits the Attribution view syncs (see ``Attribution`` for what they mean)."""

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
    output = t.Unicode("probability", help="'probability' (class probabilities from the logits), 'score' (one output) "
                       "or 'none' (from_tensor without probabilities).").tag(sync=True)
    output_label = t.Unicode("", help="What the prediction bars show: 'softmax probabilities', 'sigmoid "
                             "probabilities', 'independent probabilities', 'raw scores' (read-only).").tag(sync=True)
    method = t.Unicode("input_x_gradient", help="The main attribution method shown.").tag(sync=True)
    compare = t.List(t.Unicode(), help="Methods shown beside `method` on the same scale.").tag(sync=True)
    shown = t.List(t.Unicode(), help="The methods whose maps are shown, in order (read-only).").tag(sync=True)
    methods = t.List(t.Unicode(), help="Methods offered in the view.").tag(sync=True)
    method_titles = t.Dict(help="Readable name of each method.").tag(sync=True)
    method_options = t.Dict(help="The view-editable options of each method.").tag(sync=True)
    option_specs = t.Dict(help="Form fields per method (read-only).").tag(sync=True)
    slow_methods = t.List(t.Unicode(), help="Methods that take noticeably longer (read-only).").tag(sync=True)
    unsigned_methods = t.List(t.Unicode(), help="Methods whose attributions are never negative, as "
                              "|∂y/∂x| (read-only): drawn on a 0 → max scale, without a signed sum.").tag(sync=True)
    complete_methods = t.List(t.Unicode(), help="Methods whose attributions sum to f(x) − f(baseline) (read-only): "
                              "their waterfall needs no gap step beyond the approximation error.").tag(sync=True)
    interactive = t.Bool(True, help="False for from_tensor views: no model to recompute with.").tag(sync=True)
    top_k = t.Int(5, help="How many prediction bars to show.").tag(sync=True)
    notes = t.List(t.Unicode(), help="Why the maps shown may look as they do: an all-zero map, a constant "
                   "output, an under-determined surrogate fit, automatic feature groups (read-only).").tag(sync=True)
    trust = t.Bool(True, help="Compute the trust panel (IG delta, rank agreement, randomization, deletion).").tag(sync=True)
    # Display settings: the view changes them locally, Python sets them and draws them in to_figure().
    colormap = t.Unicode("red-blue", help="Colour palette (see `palettes`).").tag(sync=True)
    palettes = t.List(t.Unicode(), help="Palettes the view offers (read-only).").tag(sync=True)
    opacity = t.Float(0.85, min=0.0, max=1.0, help="Overlay opacity.").tag(sync=True)
    threshold = t.Float(0.0, min=0.0, max=1.0, help="Hide |attribution| below this share of the scale.").tag(sync=True)
    top_percent = t.Float(100.0, min=0.0, max=100.0, help="Show only the top p % of |attribution|.").tag(sync=True)
    absolute = t.Bool(False, help="Show |attribution| on an unsigned scale.").tag(sync=True)
    zoom = t.Float(1.0, min=0.25, max=8.0, help="Display zoom of image maps.").tag(sync=True)

    _input = t.Dict().tag(sync=True)
    _padding_flags = t.Dict(help="The shown text's padding (T,) uint8, 1 where attention_mask is 0; {} without.").tag(sync=True)
    _display_range = t.List(t.Float()).tag(sync=True)
    _maps = t.Dict().tag(sync=True)
    _scale = t.Float(1.0).tag(sync=True)
    _luts = t.Dict().tag(sync=True)
    _probs = t.Dict().tag(sync=True)
    _thumbs = t.Dict().tag(sync=True)
    _trust = t.Dict().tag(sync=True)
    _progress = t.Dict().tag(sync=True)

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
        frame = getattr(self, "_frame", None)
        return dict(frame.explanations) if frame is not None else {}

    def to_figure(self) -> Figure:
        """The current view as a matplotlib Figure: same colours, same shared scale, same mask."""
        from ..figures.attribution import attribution_figure  # matplotlib.figure: off the live view's path

        tables = palette_tables(self.colormap).get(self.colormap) or next(iter(palette_tables(self.colormap).values()))
        maps = unpack(self._maps)
        # maps that are never negative (|∂y/∂x|) get a one-sided 0 → max scale, as in the view
        one_sided = self.absolute or (bool(self.shown) and all(m in self.unsigned_methods for m in self.shown))
        return attribution_figure(
            kind=self.kind,
            inputs=unpack(self._input),
            display_range=tuple(self._display_range) if self._display_range else (0.0, 1.0),
            maps=[maps[i] for i in range(len(self.shown))],
            titles=[self.method_titles.get(m, m) for m in self.shown],
            scale=self._scale,
            lut=tables["unsigned" if one_sided else "signed"],
            absolute=one_sided,
            threshold=self.threshold,
            top_percent=self.top_percent,
            opacity=self.opacity,
            probs=self.probabilities,
            output=self.output,
            output_label=self.output_label,
            labels=self.labels,
            target=self.target,
            predicted=self.predicted,
            top_k=self.top_k,
            feature_names=self.feature_names,
            tokens=self.tokens,
            padding=unpack(self._padding_flags).astype(bool) if self._padding_flags else None,
            trust=trust_arrays(self._trust),
            method_titles=dict(self.method_titles),
            waterfall=self._waterfall_ends(),
            notes=list(self.notes),
        )

    def _waterfall_ends(self) -> dict | None:
        """The main map's waterfall ends, when the trust evidence shown is about the maps shown."""
        tr = self._trust or {}
        if self.kind != "tabular" or tr.get("error") or tr.get("seq") not in (None, self._seq):
            return None
        if tr.get("f_x") is None or tr.get("f_baseline") is None or not self.shown:
            return None
        if self.shown[0] in self.unsigned_methods:  # magnitudes have no direction to step in
            return None
        return {"base": tr["f_baseline"], "fx": tr["f_x"], "complete": self.shown[0] in self.complete_methods}
