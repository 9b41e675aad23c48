"""Real-sized models on this CPU: ResNet-18 and ViT-B/16 (torchvision, random weights) at 224 × 224.

Prints, per model:
- ``Attribution(model, x)`` in a kernel (an asyncio loop standing in for the
  kernel's, as in tests/test_attribution_jobs.py): time to the first map (the
  constructor returns) and to the complete view (the trust panel arrives), beside
  one ``attribute(model, x, <default method>)`` call in the same process;
- each method's default cost (seconds, peak MB beyond the process's RSS before
  the call) beside Captum's default call of the same method on the same model.
  Captum calls that would take hours (feature ablation over every pixel) are
  estimated from their timed forward and marked "est.".

With ``--estimates`` it prints, instead, each budgeted method's estimates (the timed
probe's, then the one from its first full-sized step) beside its actual time, on
``attribute``'s defaults without a time limit.

With ``--picker`` the first column is what picking the method in the view costs
(``view.method = m`` on a view without the trust panel: the view's own defaults,
e.g. occlusion on about 8 × 8 patches, 200 surrogate samples, 32 IG steps) instead
of ``attribute``'s defaults.

torchvision comes from .venv/torchvision (scripts/setup.sh); run with
``PYTHONPATH=$PWD .venv/bin/python benchmarks/real_models.py [resnet18|vit_b_16] [--repeats N] [--view-only]
[--picker] [--no-view] [--estimates]`` (``--no-view``: skip the constructor timings).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import captum.attr as ca  # noqa: E402

import nnwidgets as nw  # noqa: E402
from nnwidgets.engine.budget import TooSlow, auto_window  # noqa: E402
from nnwidgets.engine.frames.attribution import spatial_layers  # noqa: E402
from nnwidgets.widgets import base  # noqa: E402
from tests.torchvision_models import model as tv_model  # noqa: E402


def _status(key: str) -> float:
    for line in open("/proc/self/status"):
        if line.startswith(key):
            return int(line.split()[1]) / 1024
    return float("nan")


def measured(fn):
    """(seconds, peak MB beyond the RSS before, result or the exception's text)."""
    before = _status("VmRSS")
    open("/proc/self/clear_refs", "w").write("5")
    start = time.perf_counter()
    try:
        out = fn()
    except TooSlow as exc:
        out = f"refused: {str(exc).split(' on this model')[0]} ≈ {exc.estimate:.0f} s"
    return time.perf_counter() - start, _status("VmHWM") - before, out


def view_times(net, x, repeats: int = 7) -> dict[str, float]:
    """Medians of one attribute of the default method (``one``) and of constructor → first
    map (``first``); medians of the paired ratios constructor / attribute in wall-clock
    time (``ratio``) and in the calling thread's CPU time (``cpu_ratio``: what the
    constructor itself computes, which other processes' load barely moves; all of it
    with ``--threads 1``); constructor → complete view (``full``).

    The machine is shared: attribute and constructor alternate (ABBA order, so drift
    favours neither) and each pair gives one ratio; the view's trust job is stopped and
    its thread joined before the next pair, so it never competes with a timing.
    """
    nw.attribute(net, x[None], "input_x_gradient")  # warm

    def attribute_once() -> tuple[float, float]:
        cpu = time.thread_time()
        wall = measured(lambda: nw.attribute(net, x[None], "input_x_gradient"))[0]
        return wall, time.thread_time() - cpu

    async def construct(wait_trust: bool) -> tuple[float, float, float]:
        base.kernel_loop = asyncio.get_running_loop
        cpu, start = time.thread_time(), time.perf_counter()
        view = nw.Attribution(net, x)
        first, first_cpu = time.perf_counter() - start, time.thread_time() - cpu
        while wait_trust and not view._trust:
            await asyncio.sleep(0.02)
        full = time.perf_counter() - start
        view.close()  # a trust job not yet started never starts; a running one stops
        if getattr(view, "_jobs", None) is not None:
            view._jobs.quiesce()
        return first, first_cpu, full

    def construct_once(wait_trust: bool = False) -> tuple[float, float, float]:
        try:
            return asyncio.run(construct(wait_trust))
        finally:
            base.kernel_loop = kernel_loop

    ones, firsts, ratios, cpu_ratios = [], [], [], []
    for r in range(repeats):
        if r % 2 == 0:
            (a, a_cpu), (c, c_cpu, _) = attribute_once(), construct_once()
        else:
            (c, c_cpu, _), (a, a_cpu) = construct_once(), attribute_once()
        ones.append(a)
        firsts.append(c)
        ratios.append(c / a)
        cpu_ratios.append(c_cpu / a_cpu)
    med = statistics.median
    return {"one": med(ones), "first": med(firsts), "ratio": med(ratios), "cpu_ratio": med(cpu_ratios),
            "ratios": ratios, "cpu_ratios": cpu_ratios, "full": construct_once(wait_trust=True)[2]}


kernel_loop = base.kernel_loop


def captum_default(net, x, method: str, layer: str, target: int):
    """Captum's default call of the same method; None where it has no equivalent."""
    window = auto_window(tuple(x.shape[1:]))
    calls = {
        "gradient": lambda: ca.Saliency(net).attribute(x, target=target, abs=False),
        "saliency": lambda: ca.Saliency(net).attribute(x, target=target),
        "input_x_gradient": lambda: ca.InputXGradient(net).attribute(x, target=target),
        "integrated_gradients": lambda: ca.IntegratedGradients(net).attribute(x, target=target),
        "smoothgrad": lambda: ca.NoiseTunnel(ca.Saliency(net)).attribute(x, nt_type="smoothgrad", target=target),
        "gradcam": lambda: ca.LayerGradCam(net, dict(net.named_modules())[layer]).attribute(x, target=target),
        "occlusion": lambda: ca.Occlusion(net).attribute(x, window, strides=window, target=target),
        "kernel_shap": lambda: ca.KernelShap(net).attribute(x, target=target),
    }
    if x[0].numel() > 4096:  # Captum's default: one feature per pixel, 25 samples — hours of lasso-free
        calls.pop("kernel_shap")  # but meaningless fitting (stopped after > 5 min on ResNet-18)
    return calls.get(method)


def picked(view, m: str) -> tuple[float, float, str]:
    """Method ``m`` picked in the view (no trust panel): (seconds, peak MB, error shown)."""
    return measured(lambda: setattr(view, "method", m))[:2] + (view.error,)


def run(name: str, repeats: int = 7, view_only: bool = False, picker: bool = False, view_first: bool = True) -> None:
    net = tv_model(name)
    if name.startswith("vit"):
        torch.nn.init.normal_(net.heads.head.weight, std=0.02)  # torchvision's zero head: every map zero
    torch.manual_seed(0)
    x = torch.randn(3, 224, 224)
    if view_first:
        v = view_times(net, x, repeats)
        print(f"\n## {name} at 224 × 224 ({torch.get_num_threads()} torch threads, load average "
              f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)\n")
        print(f"attribute(input_x_gradient) {v['one']:.2f} s · Attribution(model, x) → first map {v['first']:.2f} s "
              f"(medians of {repeats}) · constructor / attribute, median of the paired ratios: {v['ratio']:.2f}× "
              f"wall-clock, {v['cpu_ratio']:.2f}× CPU time of the calling thread · → complete view with trust "
              f"{v['full']:.1f} s\n", flush=True)
        print("paired ratios, wall-clock: " + " ".join(f"{r:.2f}" for r in v["ratios"])
              + " · CPU: " + " ".join(f"{r:.2f}" for r in v["cpu_ratios"]) + "\n", flush=True)
        if view_only:
            return
    else:
        print(f"\n## {name} at 224 × 224\n", flush=True)
    layers, layer = spatial_layers(net, x[None])
    target = int(net(x[None]).argmax())
    with torch.no_grad():
        fwd = measured(lambda: net(x[None]))[0]
    ours_name = "picked in the view" if picker else "nnwidgets default"
    print(f"| method | {ours_name} | peak MB | Captum default | peak MB |")
    print("|---|---|---|---|---|", flush=True)
    view = nw.Attribution(net, x, trust=False) if picker else None
    if view is not None:
        layer = view.method_options.get("gradcam", {}).get("layer", layer)
        target = view.target
    order = ("gradient", "saliency", "input_x_gradient", "integrated_gradients", "smoothgrad", "gradcam",
             "occlusion", "feature_ablation", "kernel_shap", "lime", "learned_mask")
    if picker:  # cheap first, so that a run stopped by its time limit has the most rows
        order = ("gradcam", "saliency", "gradient", "input_x_gradient", "feature_ablation", "kernel_shap", "lime",
                 "learned_mask", "occlusion", "smoothgrad", "integrated_gradients")
    for m in order:
        if picker:
            if m not in view.methods:
                continue
            s, mb, error = picked(view, m)
            ours = f"{s:.2f} s" + (f" ({error.split(' on this model')[0]})" if error else "")
        else:
            opts = {"layer": layer} if m == "gradcam" else {}
            s, mb, out = measured(lambda: nw.attribute(net, x[None], m, target, **opts))
            ours = out if isinstance(out, str) else f"{s:.2f} s"
        call = captum_default(net, x[None], m, layer, target)
        if call is not None:
            cs, cmb, _ = measured(call)
            theirs, tmb = f"{cs:.2f} s", f"{cmb:.0f}"
        elif m == "feature_ablation":
            theirs, tmb = f"est. {x.numel() * fwd / 3600:.1f} h ({x.numel()} one-pixel forwards)", "–"
        elif m == "kernel_shap":
            theirs, tmb = f"not run: 25 samples over {x.numel():,} one-pixel features (> 5 min on ResNet-18)", "–"
        elif m == "lime":
            theirs, tmb = "not run: 50 samples over 150,528 one-pixel features", "–"
        else:
            theirs, tmb = "no equivalent", "–"
        print(f"| {m} | {ours} | {mb:.0f} | {theirs} | {tmb} |", flush=True)


def estimates(name: str) -> None:
    """Estimate vs actual seconds of the methods that time a probe (engine.budget)."""
    from nnwidgets.engine.progress import estimating

    net = tv_model(name)
    x = torch.randn(1, 3, 224, 224, generator=torch.Generator().manual_seed(0))
    nw.attribute(net, x, "saliency")  # warm, as a view that has drawn its first map
    print(f"\n## {name} at 224 × 224: estimate vs actual\n")
    print("| method | probe's estimate | after a full step | actual | probe / actual | full step / actual |")
    print("|---|---|---|---|---|---|", flush=True)
    for m, opts in (("occlusion", {}), ("feature_ablation", {}), ("kernel_shap", {}), ("learned_mask", {"steps": 20})):
        seen: list[float] = []
        with estimating(lambda seconds, _advice: seen.append(seconds)):
            start = time.perf_counter()
            nw.attribute(net, x, m, 0, time_limit=None, **opts)
            actual = time.perf_counter() - start
        probe, full = (seen + [float("nan")] * 2)[:2]
        m = m + (" (20 steps)" if opts else "")
        print(f"| {m} | {probe:.1f} s | {full:.1f} s | {actual:.1f} s | {probe / actual:.2f} | "
              f"{full / actual:.2f} |", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("models", nargs="*", default=["resnet18", "vit_b_16"])
    parser.add_argument("--repeats", type=int, default=7, help="constructor / attribute pairs")
    parser.add_argument("--view-only", action="store_true", help="only the constructor's timings, not the method table")
    parser.add_argument("--threads", type=int, default=None, help="torch intra-op threads (default: torch's)")
    parser.add_argument("--picker", action="store_true", help="the first column: picking the method in the view")
    parser.add_argument("--no-view", action="store_true", help="skip the constructor timings")
    parser.add_argument("--estimates", action="store_true", help="estimate vs actual of the budgeted methods")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    for name in args.models:
        if args.estimates:
            estimates(name)
        else:
            run(name, args.repeats, args.view_only, args.picker, not args.no_view)
