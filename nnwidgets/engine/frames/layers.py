"""The Layers view's frame: for one request, the prediction, the shown layer's
activation and gradient, every layer's gradient norm, the picked neuron's
attribution and top inputs, and the layer's weights with gradient × weight,
from one fused pass (one forward, one backward) that is reused while only the
layer or the neuron changes. Also what the view's constructor needs: the layers
it can show, where it starts, and the checks on its arguments.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import torch
from torch import nn

from ..attribute import attribute
from ..errors import ExplanationInputError
from ..private import weights_token
from ..fused import Refresh, refresh
from ..keywords import example_model
from ..methods.neuron import neuron_index
from ..outputs import Reading, readable, reading_of
from ..passes import call_model
from ..private import private_view
from ..structure import LayerInfo, structure, viewable_layers
from ..sweep import UnitStats, check_data, gather, sweep, unit_of
from ..targets import Target
from ..validate import check_inputs, require_batch

NEURON_METHODS = ("neuron_gradient", "neuron_integrated_gradients")
PANELS = ("activations", "weights")
WEIGHT_CAP = 64  # conv filters shown: at most this many outputs × inputs
FLOAT_KINDS = ("image", "features")  # input kinds with a gradient to attribute to
TOKEN_NOTE = "neuron attribution needs floating-point inputs (token ids have no gradient)"
FORMS = "images (N, C, H, W), feature rows (N, F) or token ids (N, T)"


# -- the constructor's checks and setup ----------------------------------------------------


def check_layers_args(
    model: nn.Module, x: object, *, tokens: Sequence[Sequence[str]] | None, data: object,
    target: object, neuron_method: str, top_k: int,
) -> tuple[torch.Tensor, list[list[str]]]:
    """Check a Layers view's arguments; return ``x`` and one list of token strings per example."""
    x = require_batch(
        x, min_dim=2,
        not_tensor=f"x must be a torch.Tensor batch of inputs with the examples first, e.g. {FORMS}",
        not_batch=f"x must be a batch of inputs with the examples first, e.g. {FORMS}, N ≥ 1",
        hint=". For one example, add the batch dimension: x.unsqueeze(0)",
    )
    per_example = check_tokens(tokens, x)
    check_inputs(model, x, needs_grad=False)
    if not (target == "predicted" or (isinstance(target, int) and not isinstance(target, bool))):
        raise ExplanationInputError(f"target must be 'predicted' or an output index (int); got {target!r}")
    if neuron_method not in NEURON_METHODS:
        raise ExplanationInputError(f"neuron_method must be one of {', '.join(NEURON_METHODS)}; got {neuron_method!r}")
    if top_k < 1:
        raise ExplanationInputError(f"top_k must be ≥ 1; got {top_k}")
    check_data(model, data, x)
    return x, per_example


def check_tokens(tokens: Sequence[Sequence[str]] | None, x: torch.Tensor) -> list[list[str]]:
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


def input_kind(x: torch.Tensor) -> str:
    """How the view shows one example: 'image' (C, H, W), 'features' (F,), 'tokens', 'other'."""
    if not x.is_floating_point():
        return "tokens" if x.dim() == 2 else "other"
    return {4: "image", 2: "features"}.get(x.dim(), "other")


@dataclass
class LayersSetup:
    """What a Layers view knows of its model and batch before the first request."""

    infos: list[LayerInfo]  # every module (structure)
    layers: list[str]  # the ones the view can show, in model order
    plain: list[str]  # of those, the ones a sweep can capture (one tensor output)
    start: str  # the layer shown first
    labels: list[str]  # one name per output
    feature_names: list[str]
    kind: str  # input_kind of x
    stats: dict[str, UnitStats]  # the sweep of x itself: health before any data is swept
    reading: Reading = field(default_factory=Reading)  # how the prediction is shown (outputs.py)


def layers_setup(
    model: nn.Module, x: torch.Tensor, layer: str | None = None, *, labels: Sequence[str] | None = None,
    feature_names: Sequence[str] | None = None, top_k: int = 9, batch_size: int = 256,
) -> LayersSetup:
    """The structure of ``model`` on ``x`` (one forward), the layers a view can show,
    the first one to show (``layer``, else the deepest with spatial or sequence
    structure, else the last before the output), the checked ``labels`` (default:
    the output indices) and ``feature_names``, and the sweep of ``x``."""
    n = x.shape[0]
    infos = structure(model, x)
    names = viewable_layers(infos, n)
    if not names:
        raise ExplanationInputError("the model has no submodule with a floating-point tensor output to show")
    if layer is not None and layer not in names:
        raise ExplanationInputError(f"layer {layer!r} cannot be shown; layers with a tensor output: {', '.join(names)}")
    view = private_view(model)
    with torch.no_grad():
        output = call_model(view, x)  # the tensor the model's contract reads (the logits by default)
    if output.dim() > 2:
        raise ExplanationInputError(f"Layers needs a model whose output has shape (N, outputs) or (N,); got "
                                    f"{tuple(output.shape)}")
    output = output.reshape(n, -1)
    reading, out = reading_of(view, output), tuple(output.shape)
    k = out[1]
    names_of_outputs = [str(c) for c in range(k)] if labels is None else [str(c) for c in labels]
    if len(names_of_outputs) != k:
        raise ExplanationInputError(f"labels must name every one of the model's {k} outputs; got {len(names_of_outputs)}")
    features = [] if feature_names is None else [str(f) for f in feature_names]
    if input_kind(x) == "features" and features and len(features) != x.shape[1]:
        raise ExplanationInputError(f"feature_names must name all {x.shape[1]} features; got {len(features)}")
    shapes = {i.name: i.per_example(n) for i in infos if i.name in names}
    start = layer or default_layer(model, names, shapes) or next(
        (nm for nm in reversed(names) if shapes[nm] != out[1:]), names[-1])
    # a layer with one value per example (an (N,) output) has no units to sweep
    plain = [i.name for i in infos if i.name in shapes and i.tensor_output and len(shapes[i.name]) >= 1]
    stats = sweep(model, x, plain, top_k=min(top_k, n), batch_size=batch_size)
    return LayersSetup(infos, names, plain, start, names_of_outputs, features, input_kind(x), stats, reading)


# Layers that only pass on, pool away or drop what a block computed: never the first to show.
_PASSING = (nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.Dropout3d, nn.AlphaDropout, nn.Identity, nn.Flatten,
            nn.modules.pooling._AdaptiveAvgPoolNd, nn.modules.pooling._AdaptiveMaxPoolNd,
            nn.modules.pooling._AvgPoolNd, nn.modules.pooling._MaxPoolNd)


def default_layer(model: nn.Module, names: Sequence[str], shapes: dict) -> str | None:
    """The last block (a module with submodules, else any) whose output keeps spatial or
    sequence structure (C, H, W) with H·W > 1 or (T, D) with T > 1, passing layers skipped."""
    modules = dict(model.named_modules())

    def structured(nm: str) -> bool:
        shape, module = shapes[nm], modules.get(nm)
        if module is None or isinstance(module, _PASSING):
            return False
        return (len(shape) == 3 and shape[1] * shape[2] > 1) or (len(shape) == 2 and shape[0] > 1)

    found = [nm for nm in names if structured(nm)]
    blocks = [nm for nm in found if any(True for _ in modules[nm].children())]
    return (blocks or found or [None])[-1]


# -- one request ---------------------------------------------------------------------------


def viewable_shape(shape: Sequence[int]) -> tuple[int, ...]:
    """The shape the view draws one example's activation in: (C, H, W) maps, (T, D)
    or (D,); outputs of other ranks are flattened to units (D,)."""
    return tuple(shape) if len(shape) in (1, 2, 3) else (math.prod(shape),)


def layer_index(neuron: Sequence[int], shape: Sequence[int], layer: str) -> tuple[int, ...]:
    """The neuron the view picked (an index into the activation as drawn) as an index
    into one example's output of ``layer``, of ``shape``; checked."""
    shown = viewable_shape(shape)
    index = neuron_index(tuple(neuron), (1, *shown), layer)
    if shown == tuple(shape):
        return index
    flat, unravelled = index[0], []
    for size in reversed(tuple(shape)):
        flat, i = divmod(flat, size)
        unravelled.append(i)
    return tuple(reversed(unravelled))


def value_range(values: torch.Tensor) -> tuple[float, float, bool]:
    """(lo, hi, signed) of the finite values: symmetric around 0 when any is negative, else [0, max]."""
    if values.numel() == 0:
        return 0.0, 1.0, False
    lo, hi = (float(v) for v in torch.aminmax(values))
    if not (math.isfinite(lo) and math.isfinite(hi)):  # only then pay for the mask
        finite = values[torch.isfinite(values)]
        if finite.numel() == 0:
            return 0.0, 1.0, False
        lo, hi = (float(v) for v in torch.aminmax(finite))
    if lo < 0:
        m = max(abs(lo), abs(hi))
        return -m, m, True
    return 0.0, hi if hi > 0 else 1.0, False


def shown_weight(model: nn.Module, layer: str) -> torch.Tensor | None:
    """The layer's weight matrix (2-D) or convolution filters (4-D), else None."""
    w = getattr(dict(model.named_modules())[layer], "weight", None)
    return w if isinstance(w, nn.Parameter) and w.is_floating_point() and w.dim() in (2, 4) else None


class LayerPasses:
    """The fused pass over one example of ``x`` through every layer in ``layers`` (one
    forward, one backward), kept until another example or target is asked for: a view
    that switches layers or neurons redraws from the pass it has."""

    def __init__(
        self, model: nn.Module, x: torch.Tensor, layers: Sequence[str], reading: Reading | None = None, *,
        shown: tuple[torch.Tensor, tuple[float, float]] | None = None,
        unnormalize: Callable[[torch.Tensor], torch.Tensor] | None = None,
        input_note: tuple[str, str] | None = None,
    ) -> None:
        self.model, self.x, self.layers = model, x, list(layers)
        # several inputs (frames/layers_parts.py): what every frame says, and a frame with a neuron
        self.input_note = input_note
        self.reading = reading  # how the prediction is shown; None: decided from its values
        # images: what is drawn of x (N, C, H, W) and its range, and of a top input (mean/std); None: x itself
        self.shown, self.unnormalize = shown, unnormalize
        self._last: tuple[tuple[int, Target, tuple], Refresh] | None = None

    def model_of(self, example: int) -> nn.Module:
        """The model as ``example`` runs: with its own rows of bound keyword inputs (a mask)."""
        return example_model(self.model, example, self.x.shape[0])

    def renewed(self, layers: Sequence[str]) -> LayerPasses:
        """A fresh pass over the same inputs (and pictures) through ``layers``."""
        return LayerPasses(self.model, self.x, layers, shown=self.shown, unnormalize=self.unnormalize,
                           input_note=self.input_note)

    def get(self, example: int, target: Target) -> Refresh:
        # The weights are part of the key: after training in another cell the pass is taken again.
        key = (example, target, weights_token(self.model))
        if self._last is None or self._last[0] != key:
            x1 = self.x[example : example + 1]
            self._last = (key, refresh(self.model_of(example), x1, target, layers=self.layers, method=None))
        return self._last[1]


@dataclass
class NeuronFrame:
    """The picked neuron: its value, attribution to the input and top inputs."""

    index: tuple[int, ...]  # as the view picked it (into the activation as drawn)
    value: float
    attribution: torch.Tensor | None  # (H, W) for images, (F,) for features; None for token ids
    scale: float  # the attribution's largest magnitude (1 where it is 0)
    top_indices: torch.Tensor | None  # (k,) into the pool, most exciting first; None if not swept
    top_values: torch.Tensor | None
    top_inputs: torch.Tensor | None  # (k, ...) float, for image and feature inputs
    top_source: str  # the pool's name ("data set", "batch"), "" without top inputs


@dataclass
class LayersFrame:
    """Everything the Layers view shows for one request."""

    example: int
    target: int
    predicted: int
    layer: str
    panel: str
    kind: str  # input_kind
    input: torch.Tensor  # the shown example (float32 for image and feature inputs)
    input_range: tuple[float, float]
    scores: torch.Tensor  # (K,) the prediction as read (probabilities or scores)
    activation: torch.Tensor  # float32, in viewable_shape
    gradient: torch.Tensor  # ∂(target output)/∂(activation), same shape
    act_range: tuple[float, float]
    signed: bool  # the activation has negative values
    grad_norms: torch.Tensor  # (layers,) ‖∂y/∂(layer output)‖
    neuron: NeuronFrame | None
    weights: torch.Tensor | None  # the panel 'weights' only; capped at WEIGHT_CAP filters
    wxg: torch.Tensor | None  # gradient × weight, same shape
    note: str  # what the user should know that is not an error


def layers_frame(
    passes: LayerPasses, example: int, target: Target, layer: str, neuron: Sequence[int] | None = None, *,
    panel: str = "activations", neuron_method: str = "neuron_gradient",
    stats: Mapping[str, UnitStats] | None = None, pool: torch.Tensor | Iterable | None = None,
    pool_name: str = "batch",
) -> LayersFrame:
    """The frame for ``example`` of ``passes.x``, ``target`` ('predicted' or an int),
    ``layer`` and, if given, the ``neuron`` picked in it (an index into the activation
    as drawn). Top inputs come from ``stats`` (a sweep of ``pool``, else of ``x``)."""
    x = passes.x
    if not 0 <= example < x.shape[0]:
        raise ExplanationInputError(f"example must be in [0, {x.shape[0] - 1}]; got {example}")
    model = passes.model_of(example)
    if layer not in passes.layers:
        raise ExplanationInputError(f"layer {layer!r} cannot be shown; choose one of {', '.join(passes.layers)}")
    if panel not in PANELS:
        raise ExplanationInputError(f"panel must be 'activations' or 'weights'; got {panel!r}")
    kind = input_kind(x)
    r = passes.get(example, target)
    if target == "predicted":
        target = int(r.target[0]) if r.target is not None else 0
    full = r.activations[layer][0]
    act = full.reshape(viewable_shape(full.shape)).float()
    grad = r.layer_gradients[layer][0].reshape(act.shape).float()
    lo, hi, signed = value_range(act)
    shown = x[example].detach()
    shown = shown.float().cpu() if kind in FLOAT_KINDS else shown.cpu()
    lo_in, hi_in = (float(shown.min()), float(shown.max())) if shown.numel() else (0.0, 1.0)
    if passes.shown is not None and kind == "image":
        shown, (lo_in, hi_in) = passes.shown[0][example], passes.shown[1]
    out = r.prediction[0].reshape(-1)
    norms = torch.stack([r.layer_gradients[n].float().norm() for n in passes.layers]).cpu()
    x1 = x[example : example + 1]
    picked, note = None, ""
    if neuron:
        pool = x if pool is None else pool
        picked = _neuron(model, x1, target, layer, neuron, full, kind, neuron_method, stats, pool, pool_name)
        if picked.top_inputs is not None and passes.unnormalize is not None and kind == "image":
            picked.top_inputs = passes.unnormalize(picked.top_inputs)
        note = "" if kind in FLOAT_KINDS else TOKEN_NOTE
    weights = wxg = None
    if panel == "weights":
        weights, wxg, weights_note = _weights(model, x1, target, layer)
        note = weights_note or note
    if passes.input_note is not None:
        said = passes.input_note[1] if neuron and kind in FLOAT_KINDS else passes.input_note[0]
        note = "; ".join(n for n in (said, note) if n)
    return LayersFrame(
        example=example, target=int(target), predicted=int(out.argmax()), layer=layer, panel=panel, kind=kind,
        input=shown, input_range=(lo_in, hi_in if hi_in > lo_in else lo_in + 1.0), scores=readable(out, passes.reading),
        activation=act, gradient=grad, act_range=(lo, hi), signed=signed, grad_norms=norms,
        neuron=picked, weights=weights, wxg=wxg, note=note,
    )


def _neuron(model, x1, target, layer, neuron, full, kind, method, stats, pool, pool_name) -> NeuronFrame:
    index = layer_index(neuron, full.shape, layer)
    attribution, scale = None, 1.0
    if kind in FLOAT_KINDS:
        amap = attribute(model, x1, method, target, layer=layer, neuron=index).attributions[0].detach().float().cpu()
        if kind == "image":
            amap = amap.sum(0)
        attribution, biggest = amap, float(amap.abs().max())
        scale = biggest if biggest > 0 else 1.0
    top_i = top_v = top_x = None
    if stats is not None and layer in stats:
        unit = unit_of(index)
        top_i, top_v = stats[layer].top_indices[unit].cpu(), stats[layer].top_values[unit].cpu()
        if kind in FLOAT_KINDS:
            top_x = gather(pool, top_i.tolist()).float()
    return NeuronFrame(tuple(int(i) for i in neuron), float(full[index]), attribution, scale,
                       top_i, top_v, top_x, pool_name if top_i is not None else "")


def _weights(model, x1, target, layer) -> tuple[torch.Tensor | None, torch.Tensor | None, str]:
    w = shown_weight(model, layer)
    if w is None:
        return None, None, f"layer {layer!r} has no weight matrix or convolution filters to show"
    wxg = attribute(model, x1, "gradient_x_weight", target, layer=layer).attributions[0]
    w, note = w.detach(), ""
    if w.dim() == 4 and (w.shape[0] > WEIGHT_CAP or w.shape[1] > WEIGHT_CAP):
        note = (f"showing the first {min(w.shape[0], WEIGHT_CAP)} × {min(w.shape[1], WEIGHT_CAP)} "
                f"of {w.shape[0]} × {w.shape[1]} filters")
        w, wxg = w[:WEIGHT_CAP, :WEIGHT_CAP], wxg[:WEIGHT_CAP, :WEIGHT_CAP]
    return w.float(), wxg.float(), note
