"""Dataset-view timings, side by side in one process.

1. Sweep throughput (examples/s) against a bare batched forward over the same
   DataLoader (goal ≥ 0.9×). The machine is shared, so the two alternate (ABBA
   order) for many rounds; each round gives one ratio, and the median of those
   ratios is the figure (the ratio of the best times beside it). Two models: the
   digits CNN (8 × 8 inputs, a few thousand multiply-adds per activation value
   at most: the sweep's per-value reductions weigh most there) and, with
   ``--resnet``, torchvision's ResNet-18 (random weights) at 64 × 64 with its four
   stages swept, where the forward's work per activation value is that of a real model.
2. Projection time (PCA in torch; t-SNE through scikit-learn where asked) for
   450 points (the shipped digits), 1,797 and 50,000 points of 64-d activations.

    PYTHONPATH=$PWD python benchmarks/dataset.py [--tsne] [--rounds N] [--resnet]
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

import torch
from torch.utils.data import DataLoader, TensorDataset

from nnwidgets import demo
from nnwidgets.engine.projection import project
from nnwidgets.engine.sweep import sweep_state


def best(fn, rounds: int = 5) -> float:
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    torch.set_num_threads(1)
    rounds = int(sys.argv[sys.argv.index("--rounds") + 1]) if "--rounds" in sys.argv else 15
    d = demo.digits()
    x = d.inputs.repeat(12, 1, 1, 1)  # 5,400 digits
    print("## the digits CNN, 5,400 examples of 8 × 8, batch 256, 4 layers\n")
    throughput(d.model, x, ["features.relu1", "features.relu2", "classifier.fc1", "classifier.relu"], 256, rounds)
    if "--resnet" in sys.argv:
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
        from tests.torchvision_models import model as tv_model

        net = tv_model("resnet18").eval()
        x = torch.randn(256, 3, 64, 64, generator=torch.Generator().manual_seed(0))
        print("## ResNet-18 (random weights), 256 examples of 3 × 64 × 64, batch 32, its 4 stages\n")
        throughput(net, x, ["layer1", "layer2", "layer3", "layer4"], 32, max(5, rounds // 2))
    projections()


def throughput(model, x: torch.Tensor, layers: list[str], batch: int, rounds: int) -> None:
    model.eval()  # as the sweep reads it (its private view is in eval mode)
    loader = DataLoader(TensorDataset(x, torch.zeros(len(x))), batch_size=batch)

    def bare() -> None:
        with torch.no_grad():
            for xb, _ in loader:
                model(xb)

    def swept() -> None:
        sweep_state(model, loader, layers, top_k=9)

    bare(), swept()  # warm up
    tb, ts, ratios, cpu_ratios = [], [], [], []
    for r in range(rounds):
        pair = (bare, swept) if r % 2 == 0 else (swept, bare)
        times, cpu = {}, {}
        for fn in pair:
            start, used = time.perf_counter(), time.thread_time()
            fn()
            times[fn], cpu[fn] = time.perf_counter() - start, time.thread_time() - used
        tb.append(times[bare])
        ts.append(times[swept])
        ratios.append(times[bare] / times[swept])
        cpu_ratios.append(cpu[bare] / cpu[swept])
    b, s = statistics.median(tb), statistics.median(ts)
    load = os.getloadavg()[0]
    print(f"{rounds} alternating rounds, load average {load:.1f} on {os.cpu_count()} cores\n")
    print(f"| pass | examples/s (median) |\n| --- | --- |\n| bare forward | {len(x) / b:,.0f} |\n"
          f"| sweep of {len(layers)} layers | {len(x) / s:,.0f} |\n"
          f"| ratio sweep / bare: median of the {rounds} paired ratios | {statistics.median(ratios):.2f}× |\n"
          f"| ratio of the best times | {min(tb) / min(ts):.2f}× |\n"
          f"| ratio in CPU time (one torch thread: all of it), median of the paired ratios | "
          f"{statistics.median(cpu_ratios):.2f}× |\n")


def projections() -> None:
    print("| points | dims | method | seconds |\n| --- | --- | --- | --- |")
    for n in (450, 1797, 50_000):
        acts = torch.randn(n, 64, generator=torch.Generator().manual_seed(n))
        print(f"| {n:,} | 64 | PCA (torch) | {best(lambda: project(acts), 3):.3f} |")
        if "--tsne" in sys.argv and n <= 1797:
            print(f"| {n:,} | 64 | t-SNE (scikit-learn) | {best(lambda: project(acts, 'tsne'), 1):.1f} |")


if __name__ == "__main__":
    main()
