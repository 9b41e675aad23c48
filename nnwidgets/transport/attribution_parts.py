"""The several-input Attribution view's frame as trait payloads: one entry per input,
its map and its input as binary buffers, its own scale and share as numbers."""

from __future__ import annotations

from typing import Any

from .arrays import pack


def parts_payload(frame: Any) -> dict[str, Any]:
    """A ``PartsFrame``'s traits: per input its kind, map, input, display range, scale, total and share."""
    parts = []
    for p in frame.parts:
        lo, hi = float(p.shown.min()), float(p.shown.max())
        parts.append({
            "kind": p.kind, "map": pack(p.values), "input": pack(p.shown),
            "range": [lo, hi if hi > lo else lo + 1.0], "scale": p.scale, "total": p.total, "share": p.share,
        })
    return {
        "_parts": parts,
        "_probs": pack(frame.scores),
        "predicted": frame.predicted,
        "target": frame.target,
        "method": frame.method,
        "output_label": frame.reading.label,
        "delta": frame.delta,
    }
