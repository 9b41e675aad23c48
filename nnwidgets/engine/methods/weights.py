"""Parameter attribution: gradient × weight, ∂y/∂W ⊙ W, per example.

Per-example parameter gradients come from ``torch.func``: ``vmap`` over the
batch of ``grad`` of the target w.r.t. a detached copy of the weight, passed
in through ``functional_call``. The user's parameters are never differentiated
(their ``requires_grad`` and ``.grad`` are not touched, and a frozen layer
works too). Models that ``vmap`` cannot batch (data-dependent control flow,
``.item()``, random ops, some RNN kernels, train-mode BatchNorm) fall back to
one forward and one backward per example, with the same results.
"""

from __future__ import annotations

import warnings

import torch
from torch import nn
from torch.func import functional_call, grad, vmap

from ..errors import ExplanationInputError
from ..explanation import Explanation
from ..layers import resolve_layer
from ..contract import contract_of, pick_output
from ..passes import call_model
from ..registry import register
from ..targets import Target, resolve_target, select


def _weighted_layers(model: nn.Module) -> list[str]:
    return [n for n, m in model.named_modules() if isinstance(getattr(m, "weight", None), nn.Parameter)]


def _parameters(model: nn.Module, layer: str) -> dict[str, nn.Parameter]:
    module = resolve_layer(model, layer)
    prefix = f"{layer}." if layer else ""
    weight = getattr(module, "weight", None)
    if not isinstance(weight, nn.Parameter) or not weight.is_floating_point():
        valid = ", ".join(repr(n) for n in _weighted_layers(model)) or "(none)"
        raise ExplanationInputError(
            f"layer {layer!r} ({type(module).__name__}) has no floating-point `weight` "
            f"parameter; layers with one: {valid}"
        )
    params = {prefix + "weight": weight}
    bias = getattr(module, "bias", None)
    if isinstance(bias, nn.Parameter) and bias.is_floating_point():
        params[prefix + "bias"] = bias
    return params


def _functional(model: nn.Module, p: dict[str, torch.Tensor], x: torch.Tensor):
    """The model's raw output on ``x`` with parameters ``p``, passing what its contract
    binds beside the input (``additional_forward_args``, the other inputs of a tuple)."""
    bound = contract_of(model).bound
    fn = lambda *args, **kwargs: functional_call(model, p, args, kwargs)  # noqa: E731
    return fn(x) if bound is None else bound.call(fn, x)


def _per_example_vmap(model, params, inputs, index, target) -> dict[str, torch.Tensor]:
    def objective(p: dict[str, torch.Tensor], x: torch.Tensor, i: torch.Tensor) -> torch.Tensor:
        out = pick_output(_functional(model, p, x.unsqueeze(0)), contract_of(model).output)
        return select(out, None if index is None else i.view(1), target).sum()

    idx = index if index is not None else torch.zeros(inputs.shape[0], dtype=torch.long, device=inputs.device)
    with warnings.catch_warnings():
        # vmap's per-op fallback (e.g. for LSTM kernels) warns; the result is right, only slower.
        warnings.filterwarnings("ignore", message="There is a performance drop", category=UserWarning)
        return vmap(grad(objective), in_dims=(None, 0, 0))(params, inputs, idx)


def _per_example_loop(model, params, inputs, index, target) -> dict[str, torch.Tensor]:
    grads: dict[str, list[torch.Tensor]] = {name: [] for name in params}
    for i in range(inputs.shape[0]):
        p = {name: t.detach().requires_grad_(True) for name, t in params.items()}
        with torch.enable_grad():
            out = call_model(model, inputs[i : i + 1], lambda x: _functional(model, p, x))
            scalar = select(out, None if index is None else index[i : i + 1], target).sum()
            if scalar.requires_grad:
                got = torch.autograd.grad(scalar, list(p.values()), allow_unused=True)
            else:
                got = [None] * len(p)
        for (name, t), g in zip(p.items(), got):
            grads[name].append(torch.zeros_like(t) if g is None else g.detach())
    return {name: torch.stack(gs) for name, gs in grads.items()}


@register("gradient_x_weight", title="Gradient × weight", kind="parameter", needs_grad=False)
def gradient_x_weight(model: nn.Module, inputs: torch.Tensor, target: Target, *, layer: str) -> Explanation:
    """∂y/∂W ⊙ W for the ``weight`` of ``layer``, one map per example: shape
    (N, *W.shape). ``extras["bias"]`` holds ∂y/∂b ⊙ b, (N, *b.shape), when
    the layer has a bias. No Captum equivalent.

    Each example is differentiated on its own (a batch of one), which equals
    the batched model in eval mode.
    """
    params = {name: p.detach() for name, p in _parameters(model, layer).items()}
    with torch.no_grad():
        output = call_model(model, inputs)
    index = resolve_target(output, target)
    try:
        with torch.enable_grad():
            grads = _per_example_vmap(model, params, inputs, index, target)
    except ExplanationInputError:
        raise
    except Exception:  # vmap cannot batch this model; the loop reports the model's own errors
        grads = _per_example_loop(model, params, inputs, index, target)
    grads = {name: g.detach() for name, g in grads.items()}
    names = list(params)
    attributions = grads[names[0]] * params[names[0]]
    extras: dict = {"layer": layer}
    if len(names) > 1:
        extras["bias"] = grads[names[1]] * params[names[1]]
    return Explanation("gradient_x_weight", attributions, output, index, extras=extras)
