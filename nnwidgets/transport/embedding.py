"""The Embedding view's payloads: points, their colours' sources and what hover
shows of each input, as binary arrays packed once."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .arrays import pack

if TYPE_CHECKING:
    from ..engine.frames.embedding import EmbeddingFrame


def points_state(frame: EmbeddingFrame) -> dict[str, Any]:
    """Every trait the frame sets: coordinates, classes, confidence, hover inputs."""
    a = frame.acts
    empty_u8 = pack(np.zeros(0, np.uint8), "uint8")
    rows = frame.rows
    return {
        "_xy": pack(frame.projection.coords),
        "_label": pack(a.labels, "int32"), "_predicted": pack(a.predicted, "int32"),
        "_confidence": pack(a.confidence),
        "_thumbs": pack(frame.thumbs, "uint8") if frame.thumbs is not None else empty_u8,
        "_rows": pack(rows, "float32" if rows.numel() <= 1 << 20 else "float16") if rows is not None
        else pack(np.zeros(0, np.float32)),
        "input_kind": frame.kind, "n_points": int(a.acts.shape[0]), "n_units": int(a.acts.shape[1]),
        "projection": frame.projection.method, "cost": frame.projection.cost,
    }


def neuron_state(values: Any) -> dict[str, Any]:
    """One unit's activation per point (colour by neuron)."""
    return {"_neuron_values": pack(values)}
