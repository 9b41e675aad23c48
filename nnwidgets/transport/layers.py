"""The Layers view's payloads: its frame, its health and its structure table as the
trait values the view reads, packed once."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .arrays import pack

if TYPE_CHECKING:
    from ..engine.frames.layers import LayersFrame
    from ..engine.health import Health
    from ..engine.structure import LayerInfo

# Above this many values per array, activations, gradients and weights go as
# float16 (half the bytes; the view only colours and reads them). Below it,
# float32, so that the hover shows Python's exact numbers.
FLOAT16_ABOVE = 1 << 18


def wire_dtype(numel: int) -> str:
    return "float16" if numel > FLOAT16_ABOVE else "float32"


def empty() -> dict[str, Any]:
    """An empty float32 array: what a panel shows nothing from."""
    return pack(np.zeros(0, np.float32))


def _stack(values: Any) -> dict[str, Any]:
    """An activation-sized array in its wire dtype."""
    dtype = wire_dtype(values.numel())
    # torch casts to half several times faster than numpy's astype
    return pack(values.half() if dtype == "float16" else values, dtype)


def layer_rows(infos: Sequence[LayerInfo], batch: int, selectable: Sequence[str]) -> list[dict]:
    """One JSON-able row per module for the view's structure table."""
    shown = set(selectable)
    rows = []
    for info in infos:
        per_example, shape = info.per_example(batch), info.output_shape
        rows.append({
            "name": info.name, "type": info.type, "depth": info.depth,
            "shape": list(per_example) if per_example is not None else (list(shape) if shape else None),
            "params": info.params, "trainable": info.trainable, "calls": info.calls,
            "selectable": info.name in shown,
        })
    return rows


def health_state(health: Health) -> dict[str, Any]:
    """The health columns of the structure table."""
    return {
        "_dead": pack(health.dead), "_saturated": pack(health.saturated),
        "_dead_why": list(health.dead_why), "_saturated_why": list(health.saturated_why),
    }


def frame_state(frame: LayersFrame) -> dict[str, Any]:
    """Every trait one request sets, from its frame (the colour tables aside)."""
    state: dict[str, Any] = {
        "_input": pack(frame.input, "float32" if frame.input.is_floating_point() else "int32"),
        "_probs": pack(frame.scores),
        "_act": _stack(frame.activation), "_grad": _stack(frame.gradient),
        "_act_range": list(frame.act_range), "_grad_norms": pack(frame.grad_norms),
        "predicted": frame.predicted, "target": frame.target, "example": frame.example,
        "layer": frame.layer, "panel": frame.panel, "note": frame.note,
    }
    if frame.kind == "image":  # other inputs keep the range of the first example
        state["_display_range"] = list(frame.input_range)
    if frame.weights is not None and frame.wxg is not None:
        state["_weights"] = pack(frame.weights, wire_dtype(frame.weights.numel()))
        state["_wxg"] = pack(frame.wxg, wire_dtype(frame.wxg.numel()))
    else:
        state["_weights"], state["_wxg"] = empty(), empty()
    state.update(neuron_state(frame))
    return state


def neuron_state(frame: LayersFrame) -> dict[str, Any]:
    """The picked neuron's traits; cleared when none is picked."""
    n = frame.neuron
    state: dict[str, Any] = {
        "neuron": [], "neuron_value": 0.0, "_neuron_map": empty(), "_map_scale": 1.0,
        "_top_indices": pack(np.zeros(0, np.int32), "int32"), "_top_values": empty(), "_top_inputs": empty(),
        "top_source": "",
    }
    if n is None:
        return state
    state.update(neuron=list(n.index), neuron_value=n.value, top_source=n.top_source)
    if n.attribution is not None:
        state["_neuron_map"], state["_map_scale"] = pack(n.attribution), n.scale
    if n.top_indices is not None:
        state["_top_indices"], state["_top_values"] = pack(n.top_indices, "int32"), pack(n.top_values)
        if n.top_inputs is not None:
            state["_top_inputs"] = pack(n.top_inputs)
    return state
