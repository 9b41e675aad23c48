"""Engine speed and memory against the floor and against Captum, side by side.

    python benchmarks/engine.py [--quick] [--models a,b] [--methods x,y] [--no-memory]

For each model and method, three implementations run alternated in one
process (floor, nnwidgets, Captum), after warm-up; the table shows medians and
ratios. The floor is the least work the method needs, written by hand: a bare
forward plus one ``torch.autograd.grad`` of the summed target (for IG over the
50·B scaled inputs built beforehand; for occlusion the batched forwards of the
occluded inputs built beforehand). Peak memory is measured in a fresh
subprocess per configuration (VmHWM growth over the set-up's own peak).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent))
warnings.filterwarnings("ignore")

import nnwidgets as nw  # noqa: E402
from nnwidgets import demo  # noqa: E402
from resnet import ResNet18  # noqa: E402

torch.set_grad_enabled(True)


# -- models -------------------------------------------------------------------------------------


def make_model(name: str) -> tuple[nn.Module, torch.Tensor, dict]:
    """(model in eval mode, inputs, method settings) for a configuration name."""
    torch.manual_seed(0)
    if name.startswith("digits_cnn"):
        d = demo.digits()
        batch = int(name.split("_b")[1])
        return d.model.eval(), d.inputs[:batch].contiguous(), {"window": (1, 2, 2), "stride": (1, 1, 1)}
    if name.startswith("mlp"):
        batch = int(name.split("_b")[1])
        model = nn.Sequential(nn.Linear(30, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 2))
        return model.eval(), torch.randn(batch, 30), {"window": (1,), "stride": (1,)}
    if name == "resnet18_224":
        return ResNet18().eval(), torch.randn(1, 3, 224, 224), {"window": (3, 56, 56), "stride": (3, 56, 56)}
    raise SystemExit(f"unknown model {name}")


ALL_MODELS = ["digits_cnn_b1", "digits_cnn_b64", "mlp_b1", "mlp_b256", "resnet18_224"]
QUICK_MODELS = ["digits_cnn_b1", "digits_cnn_b64", "mlp_b1", "mlp_b256"]


# -- floors --------------------------------------------------------------------------------------


def floor_grad(model: nn.Module, x: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    leaf = x.detach().requires_grad_(True)
    out = model(leaf)
    (g,) = torch.autograd.grad(out.gather(1, target.view(-1, 1)).sum(), leaf)
    return g


def ig_scaled(x: torch.Tensor, n: int = 50) -> torch.Tensor:
    alphas = torch.linspace(0, 1, n).view(n, 1, *([1] * (x.dim() - 1)))
    return (alphas * x.unsqueeze(0)).reshape(n * x.shape[0], *x.shape[1:])


def occluded_inputs(x: torch.Tensor, window: tuple, stride: tuple) -> torch.Tensor:
    """Every occluded copy of x, built beforehand (not timed) for the occlusion floor."""
    shape = x.shape[1:]
    starts = [range(0, s - w + 1, st) for s, w, st in zip(shape, window, stride)]
    grids = torch.cartesian_prod(*[torch.tensor(list(r)) for r in starts]).view(-1, len(shape))
    copies = []
    for start in grids.tolist():
        y = x.clone()
        idx = (slice(None),) + tuple(slice(s, s + w) for s, w in zip(start, window))
        y[idx] = 0
        copies.append(y)
    return torch.cat(copies)


def leaf_layers(model: nn.Module) -> list[str]:
    return [n for n, m in model.named_modules() if n and not list(m.children())]


# -- implementations per method -----------------------------------------------------------------


def implementations(method: str, model: nn.Module, x: torch.Tensor, target: torch.Tensor, cfg: dict):
    """{impl: zero-argument callable} for a method, or None if nnwidgets lacks it."""
    from captum import attr as ca

    registered = nw.engine.METHODS
    if method in ("saliency", "input_x_gradient"):
        cap = ca.Saliency(model) if method == "saliency" else ca.InputXGradient(model)
        return {
            "floor": lambda: floor_grad(model, x, target),
            "nnwidgets": lambda: nw.attribute(model, x, method, target),
            "captum": lambda: cap.attribute(x, target=target),
        }
    if method == "integrated_gradients":
        if method not in registered:
            return None
        scaled = ig_scaled(x)
        rep = target.repeat(50)
        ig = ca.IntegratedGradients(model)
        return {
            "floor": lambda: floor_grad(model, scaled, rep),
            "nnwidgets": lambda: nw.attribute(model, x, method, target, n_steps=50),
            "captum": lambda: ig.attribute(x, target=target, n_steps=50),
        }
    if method == "occlusion":
        if method not in registered:
            return None
        occluded = occluded_inputs(x, cfg["window"], cfg["stride"])
        occ = ca.Occlusion(model)
        chunk = max(1, 4096 // x.shape[0]) * x.shape[0]

        def floor():
            with torch.no_grad():
                for i in range(0, occluded.shape[0], chunk):
                    model(occluded[i : i + chunk])

        return {
            "floor": floor,
            "nnwidgets": lambda: nw.attribute(
                model, x, method, target, sliding_window_shapes=cfg["window"], strides=cfg["stride"]
            ),
            "captum": lambda: occ.attribute(x, target=target, sliding_window_shapes=cfg["window"], strides=cfg["stride"]),
        }
    if method == "fused_refresh":
        try:
            from nnwidgets.engine.fused import refresh
        except ImportError:
            return None
        layers = leaf_layers(model)
        modules = dict(model.named_modules())
        sal = ca.Saliency(model)
        acts = ca.LayerActivation(model, [modules[n] for n in layers])

        def separate():
            with torch.no_grad():
                model(x)
            sal.attribute(x, target=target)
            acts.attribute(x)

        return {
            "floor": lambda: floor_grad(model, x, target),
            "nnwidgets": lambda: refresh(model, x, target, layers=layers, method="saliency"),
            "captum": separate,
        }
    if method == "hooks":
        layers = leaf_layers(model)
        modules = dict(model.named_modules())
        acts = ca.LayerActivation(model, [modules[n] for n in layers])

        def bare():
            with torch.no_grad():
                model(x)

        return {
            "floor": bare,
            "nnwidgets": lambda: nw.capture(model, x, layers),
            "captum": lambda: acts.attribute(x),
        }
    raise SystemExit(f"unknown method {method}")


ALL_METHODS = ["saliency", "input_x_gradient", "integrated_gradients", "occlusion", "fused_refresh", "hooks"]


def time_alternated(fns: dict[str, Callable], rounds: int, warmup: int = 2) -> dict[str, float]:
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    times: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    return {k: statistics.median(v) * 1e3 for k, v in times.items()}


# -- memory (one configuration per fresh process) -------------------------------------------------


def vm_hwm_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def measure_memory(model_name: str, method: str, impl: str) -> float:
    """Peak RSS growth (MB) of one call, in a fresh interpreter."""
    code = (
        "import sys; sys.argv=['x']; sys.path.insert(0, %r); import engine as b, torch;"
        "m, x, cfg = b.make_model(%r); t = m(x).argmax(1);"
        "fns = b.implementations(%r, m, x, t, cfg); base = b.vm_hwm_mb();"
        "fns[%r](); print(b.vm_hwm_mb() - base)"
    ) % (str(Path(__file__).resolve().parent), model_name, method, impl)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small models only, fewer rounds")
    ap.add_argument("--models", default=None)
    ap.add_argument("--methods", default=None)
    ap.add_argument("--no-memory", action="store_true")
    ap.add_argument("--json", default=None, help="also write the rows to this file")
    args = ap.parse_args()
    models = args.models.split(",") if args.models else (QUICK_MODELS if args.quick else ALL_MODELS)
    methods = args.methods.split(",") if args.methods else ALL_METHODS
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; medians in ms\n")
    header = f"{'model':16} {'method':22} {'floor':>9} {'nnwidgets':>10} {'captum':>9} {'nw/floor':>9} {'cap/floor':>9} {'nw/cap':>7}"
    if not args.no_memory:
        header += f" {'MB nw':>7} {'MB cap':>7}"
    print(header)
    rows = []
    for model_name in models:
        model, x, cfg = make_model(model_name)
        target = model(x).argmax(1)
        for method in methods:
            fns = implementations(method, model, x, target, cfg)
            if fns is None:
                print(f"{model_name:16} {method:22} (not in nnwidgets yet)")
                continue
            heavy = model_name.startswith("resnet")
            rounds = 3 if heavy else (5 if args.quick else 15)
            t = time_alternated(fns, rounds=rounds, warmup=1 if heavy else 2)
            row = {"model": model_name, "method": method, **t}
            line = (
                f"{model_name:16} {method:22} {t['floor']:9.2f} {t['nnwidgets']:10.2f} {t['captum']:9.2f}"
                f" {t['nnwidgets'] / t['floor']:9.2f} {t['captum'] / t['floor']:9.2f} {t['nnwidgets'] / t['captum']:7.2f}"
            )
            if not args.no_memory:
                row["mb_nnwidgets"] = measure_memory(model_name, method, "nnwidgets")
                row["mb_captum"] = measure_memory(model_name, method, "captum")
                line += f" {row['mb_nnwidgets']:7.0f} {row['mb_captum']:7.0f}"
            print(line, flush=True)
            rows.append(row)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
