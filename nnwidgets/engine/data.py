"""The forms a data set comes in, read the same way by every dataset pass: a
tensor of inputs, a map-style ``Dataset`` (``TensorDataset``), a ``DataLoader``
or any re-iterable of batches or ``(x, y, ...)`` pairs, and a pandas DataFrame
for tables. Each batch comes with the global ids of its examples."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import torch
from torch.utils.data import DataLoader, Dataset

from .errors import ExplanationInputError

FORMS = ("a torch.Tensor of inputs (M, ...), a Dataset (e.g. TensorDataset), a DataLoader, "
         "a list of batches or (x, y) pairs, or a pandas DataFrame")


@dataclass
class Batch:
    """One batch: its inputs, its labels when the data carries them, and the
    examples' global ids (positions in the data's order, unless given)."""

    x: torch.Tensor
    y: torch.Tensor | None
    ids: torch.Tensor  # (n,) int64


def as_data(data: object) -> torch.Tensor | Iterable:
    """``data`` in a form :func:`batches` reads more than once; a DataFrame becomes a float32 tensor."""
    if type(data).__name__ == "DataFrame" and hasattr(data, "to_numpy"):
        return torch.tensor(data.to_numpy(dtype="float32"))
    if isinstance(data, torch.Tensor) or isinstance(data, Dataset) or isinstance(data, DataLoader):
        return data
    if not isinstance(data, Iterable):
        raise ExplanationInputError(f"data must be {FORMS}; got {type(data).__name__}")
    if iter(data) is data:
        raise ExplanationInputError(
            f"data must be iterable more than once ({FORMS}): it is read again for the inputs shown; "
            f"got a one-shot {type(data).__name__}"
        )
    return data


def length(data: object) -> int:
    """How many examples ``data`` holds; 0 when that is not known in advance."""
    if isinstance(data, torch.Tensor):
        return int(data.shape[0])
    if isinstance(data, DataLoader):
        try:
            return len(data.dataset)  # type: ignore[arg-type]
        except TypeError:
            return 0
    if isinstance(data, Dataset) and hasattr(data, "__len__"):
        return len(data)  # type: ignore[arg-type]
    return 0


def _split(batch: object) -> tuple[torch.Tensor, torch.Tensor | None]:
    if isinstance(batch, (tuple, list)):
        if not batch or not isinstance(batch[0], torch.Tensor):
            raise ExplanationInputError(f"each batch of data must be a tensor or an (x, y, ...) pair; got {batch!r:.80}")
        y = batch[1] if len(batch) > 1 and isinstance(batch[1], torch.Tensor) else None
        return batch[0], y
    if isinstance(batch, torch.Tensor):
        return batch, None
    raise ExplanationInputError(f"each batch of data must be a tensor or an (x, y, ...) pair; got {type(batch).__name__}")


def batches(data: object, batch_size: int = 256) -> Iterator[Batch]:
    """The batches of ``data`` (see :func:`as_data`) with their global ids."""
    data = as_data(data)
    if isinstance(data, torch.Tensor):
        for i in range(0, data.shape[0], batch_size):
            x = data[i : i + batch_size]
            yield Batch(x, None, torch.arange(i, i + x.shape[0]))
        return
    if isinstance(data, Dataset) and not isinstance(data, DataLoader):
        data = DataLoader(data, batch_size=batch_size)
    seen = 0
    for batch in data:
        x, y = _split(batch)
        yield Batch(x, y, torch.arange(seen, seen + x.shape[0]))
        seen += x.shape[0]


def take(data: object, indices: Iterable[int]) -> torch.Tensor:
    """The inputs at ``indices`` (the data's order), stacked."""
    data = as_data(data)
    indices = [int(i) for i in indices]
    if isinstance(data, torch.Tensor):
        return data[torch.as_tensor(indices, dtype=torch.long, device=data.device)]
    if isinstance(data, Dataset) and not isinstance(data, DataLoader) and hasattr(data, "__getitem__"):
        return torch.stack([_split(data[i])[0] for i in indices])
    wanted: dict[int, torch.Tensor | None] = {i: None for i in indices}
    for batch in batches(data):
        lo = int(batch.ids[0]) if batch.ids.numel() else 0
        for i in wanted:
            if lo <= i < lo + batch.x.shape[0]:
                wanted[i] = batch.x[i - lo]
    missing = [i for i, v in wanted.items() if v is None]
    if missing:
        raise ExplanationInputError(f"the data gave fewer examples than the sweep saw (missing {missing})")
    return torch.stack([wanted[i] for i in indices])  # type: ignore[misc]
