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

from collections.abc import Callable
from typing import Any

import torch

from ..engine import ExplanationInputError
from ..engine.registry import METHODS
from .attribution_inputs import Inputs, reduce_map  # noqa: F401  (re-exported for the widget)

# Every engine method that fits each kind. Grad-CAM is offered for images when
# the model has a layer with spatial output; perturbation methods on images work
# on square patches (the "window"), on text on tokens.
METHODS_BY_KIND: dict[str, tuple[str, ...]] = {
    "image": (
        "gradient", "saliency", "input_x_gradient", "integrated_gradients", "smoothgrad", "gradcam",
        "occlusion", "feature_ablation", "kernel_shap", "lime", "learned_mask",
    ),
    "tabular": (
        "gradient", "saliency", "input_x_gradient", "integrated_gradients", "smoothgrad",
        "feature_ablation", "kernel_shap", "lime", "learned_mask",
    ),
    "text": ("layer_integrated_gradients", "layer_gradient_x_activation", "feature_ablation", "kernel_shap", "lime"),
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
# Fields that only mean something for images (patches of pixels).
IMAGE_ONLY = {"window"}


def methods_for(kind: str) -> tuple[str, ...]:
    return METHODS_BY_KIND[kind]


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


def patch_mask(x: torch.Tensor, window: int) -> torch.Tensor:
    """Feature ids (1, 1, H, W) of square patches of side ``window``, row by row:
    perturbation methods then switch whole patches on and off, all channels together."""
    h, w = x.shape[-2:]
    rows = torch.arange(h, device=x.device) // window
    cols = torch.arange(w, device=x.device) // window
    per_row = -(-w // window)
    return (rows[:, None] * per_row + cols[None, :]).reshape(1, 1, h, w)


def _blur(x: torch.Tensor) -> torch.Tensor:
    """A strongly blurred copy of an image batch: a baseline without the fine detail."""
    k = max(3, (max(x.shape[-2:]) // 4) | 1)
    return torch.nn.functional.avg_pool2d(x, k, stride=1, padding=k // 2, count_include_pad=False)


def baseline_tensor(choice: str, inputs: Inputs, i: int) -> torch.Tensor:
    x = inputs.examples[i]
    if choice == "given" and inputs.baseline_kind == "given":
        return inputs.baseline(i)
    if choice == "mean":
        stacked = inputs.stacked()
        return stacked.mean(0, keepdim=True) if stacked is not None else torch.zeros_like(x)
    if choice == "blur":
        return _blur(x.float()).to(x.dtype)
    return torch.zeros_like(x)


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
        span = float(x.max() - x.min()) or 1.0
        opts.update(nt_samples=view.get("nt_samples", 16), stdevs=view.get("noise", 0.15) * span, seed=0)
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
            raise ExplanationInputError("Grad-CAM needs a layer with spatial output (N, C, H, W); the model has none")
        return {"layer": view["layer"], "upsample": True, **hidden}
    if inputs.kind == "image" and method in ("feature_ablation", "kernel_shap", "lime", "learned_mask") \
            and "window" in view:
        opts["feature_mask"] = patch_mask(x, int(view["window"]))
    if METHODS[method].kind == "layer":
        if layer is None:
            raise ExplanationInputError(f"{method} needs the embedding layer: pass embedding='name.of.layer'")
        opts["layer"] = layer
    opts.update(hidden)
    return opts


# How each gradient method's map follows from the plain gradient g at x (the
# engine's own definitions: saliency = |g|, as Captum's Saliency; input × g).
FROM_GRADIENT: dict[str, Callable[[torch.Tensor, torch.Tensor], torch.Tensor]] = {
    "gradient": lambda g, x: g,
    "saliency": lambda g, x: g.abs(),
    "input_x_gradient": lambda g, x: g * x,
}


def request_target(value: object) -> int | str:
    """A request's target: a class index, or "predicted" (the view's default when the example changes)."""
    if value == "predicted":
        return "predicted"
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
        raise ExplanationInputError(f"target must be a class index or 'predicted'; got {value!r}")
    return int(value)


def check_fits(methods: list[str], kind: str) -> None:
    """Refuse methods that are unknown or cannot explain this kind of input."""
    fits = {m for m, info in METHODS.items() if info.kind == "input"}
    if kind == "image":
        fits.add("gradcam")
    if kind == "text":  # gradients cannot flow into token ids: only layer methods and ablation
        fits = {m for m, info in METHODS.items() if info.kind == "layer" and m != "gradcam"} | {
            "feature_ablation", "occlusion", "kernel_shap", "lime"}
    bad = [m for m in methods if m not in fits]
    if bad:
        raise ExplanationInputError(f"method(s) {bad} cannot explain {kind} input; choose from {', '.join(sorted(fits))}")
