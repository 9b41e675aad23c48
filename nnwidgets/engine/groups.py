"""What one "feature" of a global importance is, for each kind of input: a table's
column, an image's square patch (all channels together, the grid perturbation
methods use by default: :func:`~nnwidgets.engine.budget.auto_window`), or a token
position of a sequence of token ids."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .budget import auto_window
from .errors import ExplanationInputError


@dataclass
class Groups:
    """``ids`` (D,) long: the group of each element of one flattened example; ``count`` groups."""

    ids: torch.Tensor
    count: int
    kind: str  # "features", "patches" or "tokens"
    grid: tuple[int, int] | None = None  # patches: rows, columns of the grid
    side: int = 1  # patches: the side of one patch, in pixels

    def names(self) -> list[str]:
        if self.kind == "patches" and self.grid is not None:
            s = self.side
            where = (lambda r, c: "") if s == 1 else (
                lambda r, c: f" · px {r * s}–{r * s + s - 1}, {c * s}–{c * s + s - 1}")
            return [f"patch ({r}, {c}){where(r, c)}" for r in range(self.grid[0]) for c in range(self.grid[1])]
        if self.kind == "tokens":
            return [f"token {t}" for t in range(self.count)]
        return [f"x{j}" for j in range(self.count)]

    def members(self) -> list[torch.Tensor]:
        """Each group's element indices (into one flattened example)."""
        order = torch.argsort(self.ids, stable=True)
        counts = torch.bincount(self.ids, minlength=self.count).tolist()
        return list(torch.split(order, counts))

    def sum(self, flat: torch.Tensor) -> torch.Tensor:
        """(M, D) → (M, G): each group's sum."""
        out = torch.zeros(flat.shape[0], self.count, dtype=flat.dtype, device=flat.device)
        return out.index_add_(1, self.ids.to(flat.device), flat)

    def mean(self, flat: torch.Tensor) -> torch.Tensor:
        """(M, D) → (M, G): each group's mean."""
        counts = torch.bincount(self.ids, minlength=self.count).to(flat.device, flat.dtype)
        return self.sum(flat) / counts


def groups_for(x: torch.Tensor, patch: int | None = None) -> Groups:
    """The groups of ``x``: (N, F) float rows → columns; (N, T) integer token ids →
    positions; (N, C, H, W) images → square patches of side ``patch`` (default: a grid
    of about 16 × 16 cells, one pixel each for images up to 1024 elements)."""
    shape = tuple(x.shape[1:])
    if x.dim() == 2:
        kind = "features" if x.is_floating_point() else "tokens"
        return Groups(torch.arange(shape[0]), shape[0], kind)
    if x.dim() == 4:
        c, h, w = shape
        if patch is None:
            window = auto_window(shape)
            patch = 1 if window is None else max(window[1], window[2])
        if not (isinstance(patch, int) and 1 <= patch <= max(h, w)):
            raise ExplanationInputError(f"patch must be a side in pixels in [1, {max(h, w)}]; got {patch!r}")
        rows, cols = -(-h // patch), -(-w // patch)
        cell = (torch.arange(h)[:, None] // patch) * cols + torch.arange(w)[None, :] // patch
        return Groups(cell.expand(c, h, w).reshape(-1), rows * cols, "patches", (rows, cols), patch)
    raise ExplanationInputError(
        f"global importance needs feature rows (N, F), token ids (N, T) or images (N, C, H, W); "
        f"got shape {tuple(x.shape)}")
