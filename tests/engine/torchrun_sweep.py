"""Run by tests/engine/test_sweep_distributed.py under torchrun (2 CPU ranks, gloo):
each rank sweeps its DistributedSampler shard of the digits (an odd count, so the
sampler pads), the states are all-gathered and merged; rank 0 saves the result."""

import sys

import torch
import torch.distributed as dist
from torch.utils.data import TensorDataset

from nnwidgets import demo
from nnwidgets.engine.distributed import distributed_sweep

LAYERS = ["features.relu1", "classifier.fc1", "classifier.relu"]
N = 101

if __name__ == "__main__":
    torch.set_num_threads(1)
    dist.init_process_group("gloo")
    d = demo.digits()
    dataset = TensorDataset(d.inputs[:N], d.targets[:N])
    state = distributed_sweep(d.model, dataset, LAYERS, top_k=5, batch_size=16, shuffle=True, seed=3)
    if dist.get_rank() == 0:
        torch.save({"state": state.state_dict(), "world": dist.get_world_size()}, sys.argv[1])
    dist.destroy_process_group()
