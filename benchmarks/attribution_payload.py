"""Bytes the Attribution view sends for a 3×224×224 image with three methods.

Prints, for the first display and for one class click, what nnwidgets sends
(JSON part + binary buffers, as ipywidgets splits them) beside a peer run in
the same process: the same state with every array as a JSON list of floats,
which is how a widget without binary buffers would send it. Kernel-side time
per click is printed too (median of 5).

    python benchmarks/attribution_payload.py
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

import torch
from ipywidgets.widgets.widget import _remove_buffers

sys.path.insert(0, str(Path(__file__).resolve().parent))
from resnet import ResNet18  # noqa: E402

import nnwidgets as nw  # noqa: E402
from nnwidgets.transport import unpack  # noqa: E402


def sizes(state: dict) -> tuple[int, int]:
    """(JSON bytes, buffer bytes) of a widget state message."""
    json_part, _, buffers = _remove_buffers(state)
    return len(json.dumps(json_part).encode()), sum(len(memoryview(b).cast("B")) for b in buffers)


def as_json_lists(state: dict) -> int:
    """Bytes of the same state with every packed array as a JSON list of floats."""

    def convert(v):
        if isinstance(v, dict) and {"dtype", "shape", "buffer"} <= set(v):
            return unpack(v).astype(float).round(7).tolist()
        if isinstance(v, dict):
            return {k: convert(x) for k, x in v.items()}
        return v

    return len(json.dumps({k: convert(v) for k, v in state.items()}).encode())


def main() -> None:
    torch.manual_seed(0)
    torch.set_num_threads(2)
    model = ResNet18().eval()
    x = torch.rand(3, 224, 224)
    methods = dict(method="input_x_gradient", compare=["gradient", "saliency"])
    w = nw.Attribution(model, x, trust=False, **methods)
    state = {k: v for k, v in w.get_state().items() if k not in ("_esm", "_css")}
    j, b = sizes(state)
    peer = as_json_lists(state)
    print("first display, 3×224×224 image, 3 methods (trust panel off)")
    print(f"  nnwidgets: {j / 1e3:8.1f} kB JSON + {b / 1e6:6.2f} MB binary = {(j + b) / 1e6:6.2f} MB")
    print(f"  JSON-list peer: {peer / 1e6:6.2f} MB   ratio nnwidgets/peer = {(j + b) / peer:.2f}")

    sent: list[dict] = []
    original = w._send
    w._send = lambda msg, buffers=None: (sent.append({"msg": msg, "buffers": buffers or []}), original(msg, buffers))[1]
    times = []
    for seq in range(1, 6):
        sent.clear()
        t0 = time.perf_counter()
        # as the comm message from the view would set it
        w.set_state({"_request": {"seq": seq, "target": seq, "method": "input_x_gradient",
                                  "compare": ["gradient", "saliency"]}})
        times.append(time.perf_counter() - t0)
    update = [m for m in sent if "_maps" in m["msg"].get("state", {})][0]
    uj = len(json.dumps(update["msg"]).encode())
    ub = sum(len(memoryview(b).cast("B")) for b in update["buffers"])
    changed = update["msg"]["state"]
    peer_update = as_json_lists({k: getattr(w, k) for k in changed})
    print("one class click (maps and probabilities change; the image is not re-sent)")
    print(f"  traits sent: {', '.join(sorted(changed))}")
    print(f"  nnwidgets: {uj / 1e3:8.1f} kB JSON + {ub / 1e6:6.2f} MB binary = {(uj + ub) / 1e6:6.2f} MB")
    print(f"  JSON-list peer: {peer_update / 1e6:6.2f} MB   ratio nnwidgets/peer = {(uj + ub) / peer_update:.2f}")
    print(f"  kernel time per click (3 methods, ResNet-18, CPU): median {statistics.median(times) * 1e3:.0f} ms")


if __name__ == "__main__":
    main()
