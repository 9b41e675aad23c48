"""The Attribution view's frames as the trait payloads its front end reads, and back.

Names and sentences travel as JSON; every array as a binary buffer (``pack``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .arrays import pack, unpack


def frame_payload(frame: Any) -> dict[str, Any]:
    """An ``AttributionFrame``'s traits: the maps, their shared scale, the prediction."""
    return {
        "_maps": pack(frame.maps.numpy()),
        "_scale": frame.scale,
        "_probs": pack(frame.scores),
        "predicted": frame.predicted,
        "notes": list(getattr(frame, "notes", [])),
    }


def example_payload(example: Any, kind: str) -> dict[str, Any]:
    """One example (1, ...) as the view reads it: float32 values, or int32 token ids."""
    x = example[0].detach().cpu()
    if kind == "text":
        return pack(x.numpy().astype(np.int32), dtype="int32")
    return pack(x.float())


def thumbs_payload(pictures: np.ndarray) -> dict[str, Any]:
    """(N, h, w, 3) uint8 batch-strip pictures."""
    return pack(pictures, dtype="uint8")


def luts_payload(tables: Mapping[str, Mapping[str, np.ndarray]]) -> dict[str, Any]:
    """Every palette's signed and unsigned (256, 4) uint8 tables."""
    return {name: {k: pack(v, dtype="uint8") for k, v in pair.items()} for name, pair in tables.items()}


def batch_titles(scores: np.ndarray, labels: Sequence[str], output: str, texts: Sequence[str] | None = None) -> list[str]:
    """One line per example for the batch strip: its top class and confidence (or its top score)."""
    titles = []
    for i, row in enumerate(np.asarray(scores)):
        k = int(row.argmax()) if row.shape[0] > 1 else 0
        if output in ("probability", "multilabel"):
            head = f"#{i} · {labels[k]} {float(row[k]):.0%}"
        else:
            head = f"#{i} · {labels[k]} {float(row[k]):.3g}"
        if texts is not None:
            head += " · " + texts[i]
        titles.append(head)
    return titles


def trust_payload(report: Any) -> dict[str, Any]:
    """A ``TrustReport`` as the trust panel reads it (one entry per method shown, in order)."""
    shown = list(report.methods)
    return {
        "methods": shown,
        "ig_delta": report.ig_delta,
        "ig_gap": report.ig_gap,
        "ig_relative": report.ig_relative,
        "rank": pack(np.asarray(report.rank_agreement, dtype=np.float32)),
        "randomization": {m: float(v) for m, v in report.randomization.items()},
        "randomized_layers": list(report.randomized_layers),
        # signed ρ, the features compared, and the cascade (M, K): ρ after the top 1 … K layers
        "randomization_signed": {m: float(v) for m, v in report.randomization_signed.items()},
        "randomization_compared": {m: int(v[-1]) for m, v in report.randomization_compared.items()},
        "randomization_cascade": pack(np.stack([np.asarray(report.randomization_cascade[m], dtype=np.float32)
                                                for m in shown])) if report.randomization_cascade else None,
        "f_x": report.f_x,
        "f_baseline": report.f_baseline,
        "deletion_random": pack(np.asarray(report.deletion_random, dtype=np.float32)),
        "deletion_fractions": pack(np.asarray(report.deletion_fractions, dtype=np.float32)),
        "deletion_scores": pack(np.stack([np.asarray(report.deletion_scores[m], dtype=np.float32) for m in shown])),
        "deletion_area": {m: float(report.deletion_area[m]) for m in shown},
        "summary": dict(report.summary),
    }


def trust_arrays(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The trust panel's payload with its arrays decoded (what the static figure draws)."""
    out = dict(payload)
    for key in ("rank", "deletion_fractions", "deletion_scores", "deletion_random", "randomization_cascade"):
        if out.get(key) is not None:
            out[key] = unpack(out[key])
    return out
