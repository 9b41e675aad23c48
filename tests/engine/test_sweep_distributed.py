"""The same sweep past one process, on real engines: two torchrun CPU ranks (gloo,
a padded and shuffled DistributedSampler) and Ray Data in local mode
(``map_batches`` with a callable class over several blocks). Both must equal the
single-process sweep."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch

from nnwidgets import demo
from nnwidgets.engine.sweep import sweep_state
from nnwidgets.engine.sweep_state import SweepState

from .test_sweep_merge import assert_states_equal
from .torchrun_sweep import LAYERS, N

ROOT = Path(__file__).resolve().parents[2]


def test_torchrun_two_ranks_equal_one_process(tmp_path):
    out = tmp_path / "state.pt"
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
           "OMP_NUM_THREADS": "1"}
    run = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
         str(Path(__file__).with_name("torchrun_sweep.py")), str(out)],
        env=env, capture_output=True, text=True, timeout=240, cwd=tmp_path,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    saved = torch.load(out)
    assert saved["world"] == 2
    merged = SweepState.from_state_dict(saved["state"])
    d = demo.digits()
    whole = sweep_state(d.model, d.inputs[:N], LAYERS, top_k=5, batch_size=16)
    assert merged.count == N  # the sampler's padded duplicate is not counted
    assert_states_equal(merged, whole, exact=False)


def _start_ray(ray) -> None:
    """Start Ray in local mode. Its raylet must register within a fixed 30 s
    (ray/_private/node.py); on a loaded 2-core machine it sometimes misses that,
    which says nothing about the sweep, so the start-up (only) is tried again."""
    for attempt in range(3):
        try:
            ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, ignore_reinit_error=True)
            return
        except Exception as e:  # ray raises a bare Exception for this
            if "timed out during startup" not in str(e) or attempt == 2:
                raise
            ray.shutdown()


def test_ray_data_map_batches_equals_one_process():
    import ray

    from nnwidgets.engine.distributed import SweepBatches, merge_rows

    d = demo.digits()
    x = d.inputs[:120].numpy()
    _start_ray(ray)
    try:
        ds = ray.data.from_items([{"id": i, "x": x[i]} for i in range(len(x))], override_num_blocks=4)
        assert ds.num_blocks() >= 2
        states = ds.map_batches(
            SweepBatches, fn_constructor_kwargs={"model": d.model, "layers": LAYERS, "top_k": 5},
            batch_size=32, batch_format="numpy", concurrency=2,
        )
        rows = list(states.iter_rows())
    finally:
        ray.shutdown()
    assert len(rows) >= 4  # one state per batch, from several blocks
    merged = merge_rows(rows)
    whole = sweep_state(d.model, torch.as_tensor(np.asarray(x)), LAYERS, top_k=5)
    assert_states_equal(merged, whole, exact=False)
