"""The dataset sweep past one process: under ``torchrun`` (one shard per rank, a
``DistributedSampler``, states all-gathered and merged) and inside Ray Data
(``Dataset.map_batches`` with :class:`SweepBatches`, a callable class holding
the model; each batch's state merged on the driver). Neither needs anything
but torch here: Ray calls the class, and ``torch.distributed`` is torch's.
See the README's "Beyond one machine" for both recipes."""

from __future__ import annotations

import pickle
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset

from .errors import ExplanationInputError
from .progress import step as report_step
from .sweep import sweep_batch
from .sweep_state import SweepState


class _Indexed(Dataset):
    """A map-style dataset whose items are (input, global index)."""

    def __init__(self, dataset: Dataset) -> None:
        self.dataset = dataset

    def __len__(self) -> int:
        return len(self.dataset)  # type: ignore[arg-type]

    def __getitem__(self, i: int) -> tuple[torch.Tensor, int]:
        item = self.dataset[i]
        return (item[0] if isinstance(item, (tuple, list)) else item), i


def distributed_sweep(
    model: nn.Module, dataset: Dataset, layers: Sequence[str], *, top_k: int = 9, batch_size: int = 256,
    shuffle: bool = False, seed: int = 0, saturation: float = 0.99, group: Any = None,
) -> SweepState:
    """Sweep ``dataset`` (map-style, with a length) across the ranks of the
    initialised default process group (``torchrun``): each rank sweeps its
    ``DistributedSampler`` shard, and every rank returns the merged state of all.

    The sampler pads the last shards by repeating examples so that every rank
    gets as many; those repeats are dropped before they count (a padded
    position is one at or past ``len(dataset)`` in the sampler's padded order),
    so every example counts once, and example ids are positions in ``dataset``
    whatever the shuffling."""
    import torch.distributed as dist
    from torch.utils.data.distributed import DistributedSampler

    if not dist.is_available() or not dist.is_initialized():
        raise ExplanationInputError("distributed_sweep needs an initialised process group "
                                    "(torch.distributed.init_process_group, e.g. under torchrun)")
    rank, world = dist.get_rank(group), dist.get_world_size(group)
    n = len(dataset)  # type: ignore[arg-type]
    sampler = DistributedSampler(dataset, num_replicas=world, rank=rank, shuffle=shuffle, seed=seed)
    loader = DataLoader(_Indexed(dataset), batch_size=batch_size, sampler=sampler)
    state, position = SweepState(top_k, saturation), 0
    for x, ids in loader:
        # the k-th sample of rank r sits at r + k·world in the sampler's padded order
        positions = rank + world * torch.arange(position, position + x.shape[0])
        position += x.shape[0]
        sweep_batch(model, x, layers, state, ids.long(), keep=positions < n)
        report_step(position, len(sampler))
    gathered: list[Any] = [None] * world
    dist.all_gather_object(gathered, state.state_dict(), group=group)
    return SweepState.merged(SweepState.from_state_dict(s) for s in gathered)


class SweepBatches:
    """For Ray Data: ``ds.map_batches(SweepBatches, fn_constructor_kwargs={...},
    batch_format="numpy", concurrency=2)``. Each actor holds the model; each
    batch of ``{x: inputs, id: global ids}`` becomes one row whose ``state``
    column holds that batch's pickled :class:`SweepState` (a few KB: per unit
    sums and the top k), to be merged by :func:`merge_rows`."""

    def __init__(self, model: nn.Module, layers: Sequence[str], top_k: int = 9, x: str = "x", id: str = "id",
                 saturation: float = 0.99) -> None:
        self.model, self.layers, self.top_k, self.saturation = model, list(layers), top_k, saturation
        self.x, self.id = x, id

    def __call__(self, batch: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        x = torch.as_tensor(np.stack(list(batch[self.x])) if batch[self.x].dtype == object else batch[self.x])
        state = SweepState(self.top_k, self.saturation)
        sweep_batch(self.model, x, self.layers, state, torch.as_tensor(batch[self.id]).long())
        blob = np.empty(1, dtype=object)
        blob[0] = pickle.dumps(state.state_dict())
        return {"state": blob}


def merge_rows(rows: Iterable[Mapping[str, Any]]) -> SweepState:
    """The merged state of the rows :class:`SweepBatches` produced (e.g. ``ds.iter_rows()``)."""
    return SweepState.merged(SweepState.from_state_dict(pickle.loads(r["state"])) for r in rows)
