"""Which methods fit each input kind, the options the view lets users edit,
and how an engine result becomes the map the view draws.

Options live at two levels. *View options* are the few that matter and that a
form can edit (integrated gradients' steps and baseline, SmoothGrad's samples
and noise, the occlusion window, Kernel SHAP's samples); they are JSON and sync
to the browser. *Engine options* are what ``nnwidgets.attribute`` takes; they
are derived from the view options here, with anything the user passed that the
form does not know (a baseline tensor, a feature mask) laid on top.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch

from ..engine import ExplanationInputError
from ..engine.baselines import patch_mask, reference, value_span
from ..engine.budget import TooSlow, duration
from ..engine.registry import METHODS
from .attribution_inputs import Inputs

# Every engine method that fits each kind. Grad-CAM is offered for images when
# the model has a layer with spatial output, for text on a transformer's blocks;
# perturbation methods on images work on square patches (the "window"), on text on tokens.
METHODS_BY_KIND: dict[str, tuple[str, ...]] = {
    "image": (
        "gradient", "saliency", "input_x_gradient", "integrated_gradients", "smoothgrad", "gradcam",
        "occlusion", "feature_ablation", "kernel_shap", "lime", "learned_mask",
    ),
    "tabular": (
        "gradient", "saliency", "input_x_gradient", "integrated_gradients", "smoothgrad",
        "feature_ablation", "kernel_shap", "lime", "learned_mask",
    ),
    "text": ("layer_integrated_gradients", "layer_gradient_x_activation", "gradcam", "feature_ablation",
             "kernel_shap", "lime"),
}
DEFAULT_METHOD = {"image": "input_x_gradient", "tabular": "integrated_gradients", "text": "layer_integrated_gradients"}
# Methods that are fast enough on the demo models to answer while exploring;
# the others still work, the view just marks them as slower.
FAST = {"gradient", "saliency", "input_x_gradient", "layer_gradient_x_activation", "gradcam"}

# Readable names where the engine's title would mislead for text.
TEXT_TITLES = {
    "layer_integrated_gradients": "Integrated gradients (embedding)",
    "layer_gradient_x_activation": "Gradient × embedding",
    "feature_ablation": "Token ablation",
    "kernel_shap": "Kernel SHAP (tokens)",
    "lime": "LIME (tokens)",
    "gradcam": "Grad-CAM (tokens of a block)",
}

# The editable fields per method: name, label, type and bounds. The view builds
# its form from this, so Python stays the one place that knows the methods.
SPECS: dict[str, list[dict[str, Any]]] = {
    "integrated_gradients": [
        {"name": "n_steps", "label": "steps", "type": "int", "min": 2, "max": 1000},
        {"name": "baseline", "label": "baseline", "type": "choice", "choices": []},
    ],
    "layer_integrated_gradients": [{"name": "n_steps", "label": "steps", "type": "int", "min": 2, "max": 1000}],
    "smoothgrad": [
        {"name": "nt_samples", "label": "samples", "type": "int", "min": 1, "max": 512},
        {"name": "noise", "label": "noise (× input range)", "type": "float", "min": 0.0, "max": 2.0},
    ],
    "occlusion": [{"name": "window", "label": "window (px)", "type": "int", "min": 1, "max": 512}],
    "feature_ablation": [{"name": "window", "label": "patch (px)", "type": "int", "min": 1, "max": 512}],
    "kernel_shap": [
        {"name": "window", "label": "patch (px)", "type": "int", "min": 1, "max": 512},
        {"name": "n_samples", "label": "samples", "type": "int", "min": 8, "max": 5000},
    ],
    "lime": [
        {"name": "window", "label": "patch (px)", "type": "int", "min": 1, "max": 512},
        {"name": "n_samples", "label": "samples", "type": "int", "min": 8, "max": 5000},
    ],
    "gradcam": [{"name": "layer", "label": "layer", "type": "choice", "choices": []}],
    "learned_mask": [
        {"name": "steps", "label": "steps", "type": "int", "min": 1, "max": 5000},
        {"name": "mode", "label": "mode", "type": "choice", "choices": ["preserve", "delete"]},
    ],
}
# Above this many estimated seconds the view says how long a run will take and how to shorten it.
SLOW_ESTIMATE = 10.0


def faster(method: str, kind: str) -> str:
    """What to change in the view's options form to make ``method`` faster ("" when nothing there)."""
    patch = " or raise the patch (px)" if kind == "image" else ""
    return {
        "occlusion": "raise the window (px)" if kind == "image" else "",
        "feature_ablation": "raise the patch (px)" if kind == "image" else "",
        "kernel_shap": "lower the samples" + patch,
        "lime": "lower the samples" + patch,
        "learned_mask": "lower the steps",
        "integrated_gradients": "lower the steps",
        "layer_integrated_gradients": "lower the steps",
        "smoothgrad": "lower the samples",
    }.get(method, "")


def estimate_note(method: str, kind: str, seconds: float, advice: str) -> str:
    """The sentence shown while a slow run computes ("" when it is quick): its timed estimate
    and how to shorten it (the form's fields, else the engine's ``advice``)."""
    if seconds <= SLOW_ESTIMATE:
        return ""
    how = faster(method, kind)
    how = f"{how} in the options" if how else advice
    return f"≈ {duration(seconds)} estimated; {how} to speed up"


def refused(exc: TooSlow, method: str, title: str, kind: str) -> TooSlow:
    """The engine's refusal as the view shows it: which method, and the form's fields to change."""
    how = faster(method, kind)
    extra = f" In this view: {how} in the options." if how else ""
    return TooSlow(f"{title}: {exc}.{extra}", exc.estimate)


# Fields that only mean something for images (patches of pixels).
IMAGE_ONLY = {"window"}


def methods_for(kind: str) -> tuple[str, ...]:
    """Every method the view offers for ``kind`` by default."""
    return METHODS_BY_KIND[kind]


def offered_methods(
    kind: str, given: Sequence[str] | None, main: str, compare: Sequence[str], has_spatial: bool
) -> list[str]:
    """The methods the view offers: ``given`` or the kind's own (Grad-CAM only with a
    spatial layer), plus ``main`` and ``compare``; each checked to fit the kind."""
    offered = list(given or methods_for(kind))
    if given is None and not has_spatial and "gradcam" in offered:
        offered.remove("gradcam")  # no layer with spatial output to take it from
    for m in [main, *compare]:
        if m not in offered:
            offered.append(m)
    check_fits(offered, kind)
    return offered


def split_options(
    methods: Sequence[str], user: Mapping[str, Mapping[str, Any]] | None, inputs: Inputs
) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """The user's ``method_options`` as (view options: the form's fields, defaults
    filled and checked; hidden options: everything else, passed to the engine as is)."""
    has_given = inputs.baseline_kind == "given"
    view, hidden = {}, {}
    for m in methods:
        given = dict((user or {}).get(m, {}))
        known = {f["name"] for f in specs_for([m], inputs, has_given).get(m, [])}
        view[m] = {**default_view_options(m, inputs, has_given),
                   **check_view_options(m, {k: v for k, v in given.items() if k in known}, inputs, has_given)}
        hidden[m] = {k: v for k, v in given.items() if k not in known}
    return view, hidden


def title(method: str, kind: str) -> str:
    if kind == "text" and method in TEXT_TITLES:
        return TEXT_TITLES[method]
    return METHODS[method].title if method in METHODS else method


def specs_for(methods: list[str], inputs: Inputs, has_given: bool) -> dict[str, list[dict[str, Any]]]:
    """The form fields of each offered method, with the baseline choices that fit the input."""
    choices = ["zero"] + (["mean"] if len(inputs) > 1 else []) + (["blur"] if inputs.kind == "image" else [])
    if has_given:
        choices.insert(0, "given")
    out = {}
    for m in methods:
        fields = [dict(f) for f in SPECS.get(m, []) if inputs.kind == "image" or f["name"] not in IMAGE_ONLY]
        for f in fields:
            if f["name"] == "baseline":
                f["choices"] = choices
            if f["name"] == "layer":
                f["choices"] = list(inputs.spatial_layers)
        if fields:
            out[m] = fields
    return out


def default_view_options(method: str, inputs: Inputs, has_given: bool) -> dict[str, Any]:
    """Defaults that suit the input where the engine's would not."""
    shape = inputs.examples[0].shape
    if method == "integrated_gradients":
        return {"n_steps": 32, "baseline": "given" if has_given else inputs.baseline_kind}
    if method == "layer_integrated_gradients":
        return {"n_steps": 32}
    if method == "smoothgrad":
        # SmoothGrad paper: noise at 10-20 % of the input's range; seeded so
        # that clicking back and forth shows the same map.
        return {"nt_samples": 16, "noise": 0.15}
    if method in ("occlusion", "feature_ablation", "kernel_shap", "lime") and inputs.kind == "image":
        window = {"window": max(1, max(shape[-2:]) // 8)}  # about 8 × 8 patches
        return window if method in ("occlusion", "feature_ablation") else {**window, "n_samples": 200}
    if method in ("kernel_shap", "lime"):
        return {"n_samples": 200}
    if method == "gradcam":
        return {"layer": inputs.spatial_default} if inputs.spatial_default else {}
    if method == "learned_mask":
        return {"steps": 150, "mode": "preserve"}
    return {}


def check_view_options(method: str, options: dict[str, Any], inputs: Inputs, has_given: bool) -> dict[str, Any]:
    """Validate options coming from the form: known names, types and bounds."""
    fields = {f["name"]: f for f in specs_for([method], inputs, has_given).get(method, [])}
    out = {}
    for name, value in options.items():
        f = fields.get(name)
        if f is None:
            raise ExplanationInputError(f"{method} has no option {name!r} in the view; options: {', '.join(fields) or 'none'}")
        if f["type"] == "choice":
            if value not in f["choices"]:
                raise ExplanationInputError(f"{name} must be one of {', '.join(f['choices'])}; got {value!r}")
        else:
            kind = int if f["type"] == "int" else float
            if isinstance(value, bool) or not isinstance(value, (int, float)) or (kind is int and value != int(value)):
                raise ExplanationInputError(f"{name} must be {'an integer' if kind is int else 'a number'}; got {value!r}")
            if not f["min"] <= value <= f["max"]:
                raise ExplanationInputError(f"{name} must be in [{f['min']}, {f['max']}]; got {value}")
            value = kind(value)
        out[name] = value
    return out


def baseline_tensor(choice: str, inputs: Inputs, i: int) -> torch.Tensor:
    """The baseline the form's choice names for example ``i``."""
    given = inputs.baseline(i) if inputs.baseline_kind == "given" else None
    batch = inputs.stacked() if choice == "mean" else None
    return reference(choice, inputs.examples[i], given=given, batch=batch)


def engine_options(
    method: str, view: dict[str, Any], hidden: dict[str, Any], inputs: Inputs, i: int, layer: str | None
) -> dict[str, Any]:
    """``attribute`` options for example ``i`` from the view options (+ the user's hidden ones)."""
    x = inputs.examples[i]
    opts: dict[str, Any] = {}
    if method == "integrated_gradients":
        opts["n_steps"] = view.get("n_steps", 32)
        opts["baselines"] = baseline_tensor(view.get("baseline", "zero"), inputs, i)
    elif method == "layer_integrated_gradients":
        opts["n_steps"] = view.get("n_steps", 32)
        opts["baselines"] = inputs.baseline(i)
    elif method == "smoothgrad":
        opts.update(nt_samples=view.get("nt_samples", 16), stdevs=view.get("noise", 0.15) * value_span(x), seed=0)
    elif method == "occlusion":
        w = int(view.get("window", 1))
        window = (x.shape[1], min(w, x.shape[2]), min(w, x.shape[3]))
        opts.update(sliding_window_shapes=window, strides=window)
    elif method in ("kernel_shap", "lime"):
        opts.update(n_samples=view.get("n_samples", 200), seed=0, baselines=inputs.baseline(i))
    elif method == "feature_ablation":
        opts["baselines"] = inputs.baseline(i)
    elif method == "learned_mask":
        opts.update(steps=view.get("steps", 150), mode=view.get("mode", "preserve"), seed=0,
                    baselines=inputs.baseline(i))
    elif method == "gradcam":
        if not view.get("layer"):
            raise ExplanationInputError("Grad-CAM needs a layer with spatial output (N, C, H, W) or a transformer "
                                        "block's tokens (N, T, D); the model has none")
        return {"layer": view["layer"], "upsample": inputs.kind == "image", **hidden}
    if inputs.kind == "image" and method in ("feature_ablation", "kernel_shap", "lime", "learned_mask") \
            and "window" in view:
        opts["feature_mask"] = patch_mask(x, int(view["window"]))
    if METHODS[method].kind == "layer":
        if layer is None:
            raise ExplanationInputError(f"{method} needs the embedding layer: pass embedding='name.of.layer'")
        opts["layer"] = layer
    opts.update(hidden)
    return opts


def check_request(
    index: int, method: str, compare: Sequence[str], options: Mapping[str, Any], offered: Sequence[str],
    view: dict[str, dict[str, Any]], inputs: Inputs,
) -> list[str]:
    """Check one request against the view: the methods it shows (main first); its
    form options are checked and laid over ``view`` (in place)."""
    if not 0 <= index < len(inputs):
        raise ExplanationInputError(f"index must be in [0, {len(inputs) - 1}]; got {index}")
    shown = [method] + [m for m in dict.fromkeys(compare) if m != method]
    for m in shown:
        if m not in offered:
            raise ExplanationInputError(f"unknown method {m!r}; choose from {', '.join(offered)}")
    for m, o in options.items():
        if m not in view:
            raise ExplanationInputError(f"options for unknown method {m!r}")
        view[m].update(check_view_options(m, dict(o), inputs, inputs.baseline_kind == "given"))
    return shown


def check_fits(methods: list[str], kind: str) -> None:
    """Refuse methods that are unknown or cannot explain this kind of input."""
    fits = {m for m, info in METHODS.items() if info.kind == "input"}
    if kind == "image":
        fits.add("gradcam")
    if kind == "text":  # gradients cannot flow into token ids: only layer methods and ablation
        fits = {m for m, info in METHODS.items() if info.kind == "layer"} | {
            "feature_ablation", "occlusion", "kernel_shap", "lime"}
    bad = [m for m in methods if m not in fits]
    if bad:
        raise ExplanationInputError(f"method(s) {bad} cannot explain {kind} input; choose from {', '.join(sorted(fits))}")
