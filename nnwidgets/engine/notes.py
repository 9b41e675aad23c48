"""Why a map may look as it does: sentences for an all-zero map, a constant output,
an under-determined surrogate fit or an automatic feature grouping.

An empty panel says nothing; a zero-initialised head (torchvision's ViT ships
one until trained) makes every gradient map all zero, and the view should say so.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import nn

from .explanation import Explanation


def zero_layers(model: object) -> list[str]:
    """Names of the modules with weights that are all zero (a zero-initialised head)."""
    if not isinstance(model, nn.Module):
        return []
    found = []
    for name, module in model.named_modules():
        weight = getattr(module, "weight", None)
        if name and isinstance(weight, torch.Tensor) and weight.numel() and not bool(weight.detach().any()):
            found.append(name)
    return found


def _constant(prediction: torch.Tensor) -> bool:
    row = prediction.detach().reshape(prediction.shape[0], -1)[0].float()
    return row.numel() > 1 and bool((row == row[0]).all())


def map_notes(model: object, explanations: Mapping[str, Explanation], maps: torch.Tensor,
              titles: Mapping[str, str] | None = None) -> list[str]:
    """One sentence per thing the user should know about these maps (none when all is well)."""
    titles = dict(titles or {})
    notes: list[str] = []
    first = next(iter(explanations.values()), None)
    constant = first is not None and _constant(first.prediction)
    zeros = [m for m, mp in zip(explanations, maps) if not bool(mp.any())]
    if constant:
        notes.append("The model's outputs are all equal for this input, so there is no class to explain: "
                     "every map is flat. Is the model untrained, or its last layer zero?")
    if zeros:
        names = ", ".join(titles.get(m, m) for m in zeros)
        dead = zero_layers(model)
        if dead:
            notes.append(f"{names}: the map is all zero. Layer {dead[-1]!r} has all-zero weights (e.g. a head "
                         "initialised to zero, as torchvision's ViT has until trained), so no gradient or "
                         "perturbation reaches the output through it.")
        elif not constant:
            notes.append(f"{names}: the map is all zero: the explained output does not change with the input "
                         "along this method's path (a saturated or dead path, a detached input, or a layer "
                         "after which the target no longer depends on it).")
    for m, exp in explanations.items():
        for key in ("fit", "grouping"):
            text = exp.extras.get(key)
            if isinstance(text, str) and (key == "grouping" or exp.extras.get("underdetermined")):
                notes.append(f"{titles.get(m, m)}: {text}.")
    return notes
