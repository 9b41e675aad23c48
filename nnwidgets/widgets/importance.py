"""``Importance``: global feature importance of a model over a data set, live in the
browser (permutation importance with intervals, the beeswarm of one method's
attributions coloured by the feature's value, mean |attribution|; hover, top-k and
order without the kernel) and as one figure in static exports."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import torch
import traitlets as t
from torch import nn

from ..engine import ExplanationInputError
from ..engine.data import as_data, batches
from ..engine.importance import (
    METRICS, AttributionSpread, PermutationImportance, attribution_spread, permutation_importance, sample_ids,
)
from ..engine.groups import groups_for
from ..engine.registry import check_methods, lookup
from ..figures.importance import SORTS, grid_tables, importance_figure, value_table
from ..transport import pack, unpack
from ..transport.importance import permutation_state, spread_state
from .base import STATIC, Plan, Progress, Widget, request_seq
from .first import First, start

if TYPE_CHECKING:
    from matplotlib.figure import Figure

DEFAULT_METHODS = ("integrated_gradients", "input_x_gradient", "gradient")
# Token ids have no gradient: their attribution goes through the embedding layer's output.
TOKEN_METHODS = ("layer_integrated_gradients", "layer_gradient_x_activation")


def embedding_layer(model: nn.Module) -> str:
    """The name of the model's first ``nn.Embedding`` (where token ids become vectors)."""
    for name, module in model.named_modules():
        if isinstance(module, nn.Embedding):
            return name
    raise ExplanationInputError("token ids are explained through their embedding layer: pass layer='<its name>'")


def _array(help: str = "") -> t.Dict:
    return t.Dict(help=help).tag(sync=True)


def _rows(data: Any, targets: Any) -> tuple[torch.Tensor, torch.Tensor]:
    xs, ys = [], []
    for b in batches(as_data(data), 1024):
        xs.append(b.x)
        if b.y is not None:
            ys.append(b.y.reshape(-1))
    x = torch.cat(xs)
    y = torch.as_tensor(targets).reshape(-1) if targets is not None else (torch.cat(ys) if ys else None)
    if y is None:
        raise ExplanationInputError("Importance needs the true classes: data of (x, y) pairs, or targets=")
    if y.shape[0] != x.shape[0]:
        raise ExplanationInputError(f"targets must give one class per row ({x.shape[0]}); got {y.shape[0]}")
    return x, y


class Importance(Widget):
    """``Importance(model, data, feature_names=None, targets=None, method=None, methods=None,
    repeats=10, metric="accuracy", seed=0, top=15, sort="attribution", max_examples=2000,
    patch=None, **method_options)``: ``data`` holds rows (N, F), images
    (N, C, H, W) or token ids (N, T), in any form ``Embedding`` takes ((x, y) pairs give the
    true classes; else ``targets``). A feature is a column, a square patch of side ``patch``
    (default: the perturbation methods' grid of about 16 × 16; the view adds heat maps over
    it) or a token position. ``method`` defaults to integrated gradients (for token ids:
    layer integrated gradients on the first ``nn.Embedding``, or ``layer=``), summed over
    each feature's elements.

    ``permutation`` holds each feature's drop in the score with a 95% interval over
    ``repeats`` shuffles of its column over all N rows; ``spread`` holds ``method``'s
    attribution of every row (a seeded sample of ``max_examples`` rows above that, each
    with its id in the data). In the view: hover a bar or a dot for its numbers, choose
    how many features (``top``) and their order (``sort``: "attribution", "permutation",
    "given"); a new method, metric or number of repeats runs in the worker with progress
    and cancel. ``to_figure()`` draws the same.

    In a kernel the constructor returns at once (after checking its arguments) and the first
    permutation and spread run in the worker, with a progress bar and cancel in the view;
    ``ready`` turns True when they are in. ``permutation``, ``spread``, ``mean_abs``,
    ``to_figure()`` and ``save_html()`` wait for them (``wait(timeout=300)``); the static
    picture shown before says it is still computing. In a script they are computed in the
    constructor, with a ``tqdm`` bar.
    """

    _esm = STATIC / "importance.js"

    feature_names = t.List(t.Unicode()).tag(sync=True)
    method = t.Unicode("integrated_gradients").tag(sync=True)
    methods = t.List(t.Unicode(), help="The methods the view offers.").tag(sync=True)
    metric = t.Unicode("accuracy").tag(sync=True)
    metrics = t.List(t.Unicode(), default_value=list(METRICS)).tag(sync=True)
    repeats = t.Int(10).tag(sync=True)
    baseline = t.Float(0.0, help="The score on the data as it is.").tag(sync=True)
    top = t.Int(15, min=1, help="How many features are shown (set in the view too).").tag(sync=True)
    sort = t.Enum(SORTS, "attribution", help="attribution, permutation or given (set in the view too).").tag(sync=True)
    n_examples = t.Int(0, help="Rows the permutation runs over.").tag(sync=True)
    n_shown = t.Int(0, help="Rows in the beeswarm.").tag(sync=True)
    kind = t.Unicode("features", help="What one feature is: features (columns), patches or tokens.").tag(sync=True)
    grid = t.List(t.Int(), help="Patches: [rows, cols] of the grid the heat maps show; else [].").tag(sync=True)
    _progress = t.Dict().tag(sync=True)
    _permutation = _array("(3, F) float32: mean drop, 95% low, 95% high.")
    _attributions = _array("(M, F) float32: each shown example's attribution.")
    _values = _array("(M, F) float32: each shown example's feature values.")
    _ids = _array("(M,) int32: each shown example's index in the data.")
    _value_range = _array("(F, 2) float32: each feature's colour scale (5th, 95th percentile).")
    _mean_abs = _array("(F,) float32: mean |attribution| over the shown examples.")
    _lut = _array("(256, 4) uint8 RGBA: the value colours, low → high.")
    _grid_lut = _array("(2, 256, 4) uint8 RGBA: the heat maps' colours, mean |attribution| and permutation.")

    def __init__(self, model: nn.Module, data: Any, *, feature_names: Sequence[str] | None = None,
                 targets: Any = None, method: str | None = None, methods: Sequence[str] | None = None,
                 repeats: int = 10, metric: str = "accuracy", seed: int = 0, top: int = 15,
                 sort: str = "attribution", max_examples: int | None = 2000, batch_size: int = 1024,
                 patch: int | None = None, **method_options: Any) -> None:
        x, y = _rows(data, targets)
        groups = groups_for(x, patch)
        names = [str(f) for f in feature_names] if feature_names is not None else groups.names()
        if len(names) != groups.count:
            raise ExplanationInputError(f"feature_names must name all {groups.count} {groups.kind}; got {len(names)}")
        if sort not in SORTS:
            raise ExplanationInputError(f"sort must be one of {', '.join(SORTS)}; got {sort!r}")
        tokens = groups.kind == "tokens"
        method = method or (TOKEN_METHODS[0] if tokens else DEFAULT_METHODS[0])
        offered = list(dict.fromkeys([method, *(methods or (TOKEN_METHODS if tokens else DEFAULT_METHODS))]))
        check_methods(offered, "layer" if tokens else "input")
        if tokens and method_options.get("layer") is None:
            method_options["layer"] = embedding_layer(model)
        self._model, self._x, self._y, self._seed, self._batch, self._groups = model, x, y, seed, batch_size, groups
        self._options, self._first = dict(method_options), method
        self._shown = sample_ids(x.shape[0], max_examples, seed)
        self._check(repeats=int(repeats), metric=metric)
        super().__init__(
            feature_names=names, methods=offered, top=max(1, min(int(top), groups.count)), sort=sort,
            n_examples=int(x.shape[0]), _lut=pack(value_table(), "uint8"), kind=groups.kind,
            grid=list(groups.grid or ()), _grid_lut=pack(grid_tables(), "uint8"),
            method=method, repeats=int(repeats), metric=metric,
        )
        self._listen()
        # The first pass over the data: in a kernel in the worker (this returns at once, the view
        # shows its progress), else here with a tqdm bar.
        start(self, *self._both(method, int(repeats), metric), desc="Importance")

    def _both(self, method: str, repeats: int, metric: str) -> tuple[Any, Any]:
        """The work and apply of the permutation and the spread together (the first result)."""
        def work(progress: Progress) -> tuple[PermutationImportance, AttributionSpread]:
            with progress.stage(what="permutation"):
                p = self._permute(repeats, metric)
            with progress.stage(what=method):
                return p, self._spread(method)

        def apply(both: tuple[PermutationImportance, AttributionSpread]) -> None:
            self._apply_permutation(both[0])
            self._apply_spread(both[1])

        return work, apply

    @property
    def permutation(self) -> PermutationImportance:
        """Each feature's drop in the score (mean, 95% interval); waits for the first result (``wait()``)."""
        self.wait()
        return self._perm

    @property
    def spread(self) -> AttributionSpread:
        """``method``'s attribution of each shown example; waits for the first result (``wait()``)."""
        self.wait()
        return self._spr

    def _spread(self, method: str) -> AttributionSpread:
        x = self._x if self._shown is None else self._x[self._shown]
        # The options were given for the first method (where a wrong one is an error); another
        # method chosen in the view takes those of them it knows (e.g. layer=, n_steps=).
        options = self._options if method == self._first else {
            k: v for k, v in self._options.items() if k in lookup(method).options}
        s = attribution_spread(self._model, x, method=method, groups=self._groups, **options)
        s.ids = self._shown
        return s

    def _permute(self, repeats: int, metric: str) -> PermutationImportance:
        return permutation_importance(self._model, self._x, self._y, repeats=repeats, metric=metric, seed=self._seed,
                                      batch_size=self._batch, groups=self._groups)

    # -- answering -------------------------------------------------------------------

    def _plan(self, request: Mapping[str, Any]) -> Plan:
        if not self.ready and {"method", "repeats", "metric"} & set(request):
            # No result yet (still computing, or stopped): whatever changes computes both.
            method, repeats, metric = (request.get(k, getattr(self, k)) for k in ("method", "repeats", "metric"))
            self._check(repeats=int(repeats), metric=str(metric), method=str(method))
            seq = request_seq(request, self._seq)
            self.method, self.repeats, self.metric = str(method), int(repeats), str(metric)
            return First(self, seq, *self._both(str(method), int(repeats), str(metric)), desc="Importance").bind()
        if "method" in request:
            method = str(request["method"])
            check_methods([method], "layer" if self._groups.kind == "tokens" else "input")

            def spread(progress: Progress) -> AttributionSpread:
                with progress.stage(what=method):
                    return self._spread(method)

            return Plan(spread, self._apply_spread)
        if "repeats" in request or "metric" in request:
            repeats = int(request.get("repeats", self.repeats))
            metric = str(request.get("metric", self.metric))
            self._check(repeats=repeats, metric=metric)

            def shuffle(progress: Progress) -> PermutationImportance:
                with progress.stage(what="permutation"):
                    return self._permute(repeats, metric)

            return Plan(shuffle, self._apply_permutation)
        raise ExplanationInputError(f"unknown request {sorted(request)}")

    def _check(self, *, repeats: int, metric: str, method: str | None = None) -> None:
        if metric not in METRICS:
            raise ExplanationInputError(f"metric must be one of {', '.join(METRICS)}; got {metric!r}")
        if not 2 <= repeats <= 1000:
            raise ExplanationInputError(f"repeats must be in [2, 1000]; got {repeats}")
        if method is not None:
            check_methods([method], "layer" if self._groups.kind == "tokens" else "input")

    def _apply_spread(self, s: AttributionSpread) -> None:
        self._spr = s
        for name, value in spread_state(s).items():
            setattr(self, name, value)
        self._progress = {}

    def _apply_permutation(self, p: PermutationImportance) -> None:
        self._perm = p
        for name, value in permutation_state(p).items():
            setattr(self, name, value)
        self._progress = {}

    def _show_progress(self, seq: int, done: int, total: int, info: Mapping[str, Any]) -> None:
        if seq > self._seq:
            self._progress = {"seq": seq, "what": info.get("what", ""), "done": done, "total": total}

    def _cancelled(self, seq: int) -> None:
        self._progress = {}

    def _refresh(self) -> None:
        if not self.ready:
            first = First(self, self._seq + 1, *self._both(self.method, self.repeats, self.metric), desc="Importance")
            plan = first.bind()
            return self._run(plan.work, plan.apply)
        self._run(*self._both(self.method, self.repeats, self.metric))

    # -- Python-side API ------------------------------------------------------------

    def recompute(self, *, method: str | None = None, repeats: int | None = None, metric: str | None = None) -> None:
        """Compute again with another ``method``, number of ``repeats`` or ``metric``, on this
        thread, as the view's controls would; errors are raised here too."""
        requests: list[dict[str, Any]] = [{"method": method}] if method is not None else []
        if repeats is not None or metric is not None:
            requests.append({k: v for k, v in (("repeats", repeats), ("metric", metric)) if v is not None})
        for request in requests:
            plan = self._plan(request)
            self._run(plan.work, plan.apply)
            if self.error:
                raise ExplanationInputError(self.error)

    @property
    def mean_abs(self) -> torch.Tensor:
        """(F,) mean |attribution| per feature over the shown examples."""
        self.wait()
        return torch.from_numpy(unpack(self._mean_abs))

    def to_figure(self) -> Figure:
        """The three panels as a matplotlib Figure, the view's features in the view's order."""
        p, s = self.permutation, self.spread  # both wait for the first result
        return importance_figure(self.feature_names, perm_mean=p.mean.numpy(), perm_low=p.low.numpy(),
                                 perm_high=p.high.numpy(), metric=p.metric, attributions=s.values.numpy(),
                                 inputs=s.inputs.numpy(), method=s.method, top=self.top, sort=self.sort,
                                 grid=tuple(self.grid) or None)
