"""What-if analysis for one input: first-order (Taylor) check, ICE / partial
dependence sweeps, and the smallest single-feature change that flips a class.

Each sweep is one batched pass on the model's device; the views call these on
every slider move, so nothing here loops over rows in Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Union

import torch
from torch import nn

from .errors import ExplanationInputError
from .outputs import Reading, reading_of
from .passes import call_model
from .private import private_view
from .validate import check_inputs

# "probability": the outputs as the model's task reads them (softmax or sigmoid
# probabilities, raw scores; see outputs.py), "logit": the raw outputs; or a Reading.
Output = Union[Literal["probability", "logit"], Reading]
_MAX_ROWS = 65_536  # rows per forward in sweeps: bounds memory for wide tables


def _scores(model: nn.Module, output: torch.Tensor, kind: Output) -> torch.Tensor:
    output = output.reshape(output.shape[0], -1)
    if kind == "logit":
        return output
    reading = kind if isinstance(kind, Reading) else reading_of(model, output)
    return reading.apply(output, dim=1)


def _forward_rows(model: nn.Module, rows: torch.Tensor, kind: Output) -> torch.Tensor:
    with torch.no_grad():
        parts = [call_model(model, rows[i : i + _MAX_ROWS]) for i in range(0, rows.shape[0], _MAX_ROWS)]
    return _scores(model, torch.cat(parts), kind)  # one reading for all rows


def _check_row(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    if not isinstance(x, torch.Tensor) or x.dim() != 1:
        got = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
        raise ExplanationInputError(f"x must be one row of features, a 1-D tensor (features,); got {got}")
    check_inputs(model, x.unsqueeze(0))
    return x


def _check_feature(x: torch.Tensor, feature: int) -> int:
    if not 0 <= feature < x.shape[0]:
        raise ExplanationInputError(f"feature {feature} is out of range: x has {x.shape[0]} features, [0, {x.shape[0] - 1}]")
    return feature


def sweep_grid(low: float, high: float, step: float, categorical: bool, points: int = 64) -> torch.Tensor:
    """The values a feature sweeps for ICE and PDP (float32): ``points`` evenly from
    ``low`` to ``high``, or every category (``step`` apart) for a categorical feature."""
    # float32 arithmetic, start + i·step, as numpy's linspace and arange do: the grid the
    # view plots is the grid the sweep ran on, to the last bit.
    lo, hi, st = (torch.tensor(v, dtype=torch.float32) for v in (low, high, step))
    if categorical:
        count = int(torch.ceil((hi + 0.5 * st - lo) / st))
        return lo + torch.arange(count, dtype=torch.float32) * st
    grid = lo + torch.arange(points, dtype=torch.float32) * ((hi - lo) / (points - 1))
    grid[-1] = hi
    return grid


@dataclass
class TaylorCheck:
    """First-order estimate of the change in each output against the model's actual change."""

    estimate: torch.Tensor  # (K,) Σᵢ ∂yₖ/∂xᵢ(x0) · Δxᵢ
    actual: torch.Tensor  # (K,) yₖ(x1) − yₖ(x0)
    gradient: torch.Tensor  # (K, features) Jacobian at x0


def taylor_check(model: nn.Module, x0: torch.Tensor, x1: torch.Tensor, *, output: Output = "probability") -> TaylorCheck:
    """Compare Δy ≈ J(x0)·(x1 − x0) with the actual Δy for every output.

    Where the two part, the local linear explanation at x0 has stopped holding.
    """
    _check_row(model, x0)
    _check_row(model, x1)
    if x0.shape != x1.shape:
        raise ExplanationInputError(f"x0 and x1 must have the same shape; got {tuple(x0.shape)} and {tuple(x1.shape)}")
    model = private_view(model)
    leaf = x0.detach().unsqueeze(0).requires_grad_(True)
    with torch.enable_grad():
        y0 = _scores(model, call_model(model, leaf), output)[0]
        # One backward per output: K is the number of classes, small for the views.
        jac = torch.stack([torch.autograd.grad(y0[k], leaf, retain_graph=True)[0][0] for k in range(y0.shape[0])])
    y1 = _forward_rows(model, x1.detach().unsqueeze(0), output)[0]
    delta = (x1 - x0).detach()
    return TaylorCheck(estimate=jac @ delta, actual=y1 - y0.detach(), gradient=jac)


def ice(
    model: nn.Module, x: torch.Tensor, feature: int, values: Sequence[float] | torch.Tensor, *, output: Output = "probability"
) -> torch.Tensor:
    """Individual conditional expectation: outputs (len(values), K) as ``feature`` sweeps ``values``."""
    _check_row(model, x)
    _check_feature(x, feature)
    grid = torch.as_tensor(values, dtype=x.dtype, device=x.device).reshape(-1)
    rows = x.detach().unsqueeze(0).repeat(grid.shape[0], 1)
    rows[:, feature] = grid
    model = private_view(model)
    return _forward_rows(model, rows, output)


def partial_dependence(
    model: nn.Module, data: torch.Tensor, feature: int, values: Sequence[float] | torch.Tensor, *, output: Output = "probability"
) -> torch.Tensor:
    """Average output over ``data`` rows (len(values), K) with ``feature`` set to each value."""
    if not isinstance(data, torch.Tensor) or data.dim() != 2:
        raise ExplanationInputError("data must be a 2-D tensor (rows, features)")
    check_inputs(model, data)
    _check_feature(data[0], feature)
    grid = torch.as_tensor(values, dtype=data.dtype, device=data.device).reshape(-1)
    rows = data.detach().unsqueeze(0).repeat(grid.shape[0], 1, 1)  # (G, R, F)
    rows[:, :, feature] = grid.view(-1, 1)
    model = private_view(model)
    scores = _forward_rows(model, rows.reshape(-1, data.shape[1]), output)
    return scores.view(grid.shape[0], data.shape[0], -1).mean(dim=1)


@dataclass
class Counterfactual:
    """The smallest single-feature change (relative to its range) that changes the predicted class."""

    feature: int
    value: float
    original_class: int
    new_class: int
    relative_change: float  # |Δ| / (feature's range)


def counterfactual(
    model: nn.Module, x: torch.Tensor, lows: torch.Tensor, highs: torch.Tensor, *, steps: int = 64
) -> Counterfactual | None:
    """Search each feature's range on a grid (one batched pass) for the nearest value
    that flips the predicted class; None if no single feature can."""
    _check_row(model, x)
    lows = torch.as_tensor(lows, dtype=x.dtype, device=x.device)
    highs = torch.as_tensor(highs, dtype=x.dtype, device=x.device)
    if lows.shape != x.shape or highs.shape != x.shape:
        raise ExplanationInputError(f"lows and highs need one value per feature ({x.shape[0]},)")
    n = x.shape[0]
    alphas = torch.linspace(0, 1, steps, dtype=x.dtype, device=x.device)
    grid = lows.view(-1, 1) + alphas.view(1, -1) * (highs - lows).view(-1, 1)  # (F, G)
    rows = x.detach().view(1, 1, n).repeat(n, steps, 1)
    rows[torch.arange(n), :, torch.arange(n)] = grid
    model = private_view(model)
    original = int(_forward_rows(model, x.detach().unsqueeze(0), "logit").argmax())
    classes = _forward_rows(model, rows.reshape(-1, n), "logit").argmax(dim=1).view(n, steps)
    span = (highs - lows).clamp_min(torch.finfo(x.dtype).tiny)
    distance = ((grid - x.view(-1, 1)).abs() / span.view(-1, 1)).masked_fill(classes == original, float("inf"))
    best = int(distance.argmin())
    f, g = divmod(best, steps)
    if not torch.isfinite(distance[f, g]):
        return None
    return Counterfactual(
        feature=f, value=float(grid[f, g]), original_class=original, new_class=int(classes[f, g]),
        relative_change=float(distance[f, g]),
    )
