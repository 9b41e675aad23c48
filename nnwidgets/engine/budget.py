"""Sizing perturbation methods to the input and to the model's speed.

- **Feature groups by default.** Without a ``feature_mask`` (or, for occlusion,
  a window) an input of more than :data:`AUTO_LIMIT` elements per example is
  split into about :data:`GROUPS` features: an image (N, C, H, W) into square
  patches, all channels together, of a grid of about 16 × 16 cells; any other
  input into contiguous runs of its flattened elements. At or below the limit
  every element stays its own feature, as in Captum.
- **Samples follow the features.** A surrogate fit over M groups has M + 1
  unknowns: fewer samples leave it under-determined (any R² is meaningless).
- **A time limit from a timed probe.** :class:`Budget` times the first forward
  of a run and refuses, naming the estimate, a run that would exceed
  ``time_limit`` seconds (``None``: no limit).
"""

from __future__ import annotations

import math
import time

import torch

from .errors import ExplanationInputError
from .progress import estimated

AUTO_LIMIT = 1024  # elements per example up to which every element is its own feature
GRID = 16  # image cells per side by default
GROUPS = GRID * GRID  # features of any other large input
TIME_LIMIT = 60.0  # seconds a perturbation method may run by default
PROBE_ROWS = 16  # rows of the timed first forward when a run takes several
SINGLE_ROWS = 256  # rows a run may do in one unchecked forward (bounded: a fraction of a probe's worth)


class TooSlow(ExplanationInputError):
    """A run refused before it started: its estimated time exceeds the limit."""

    def __init__(self, message: str, estimate: float) -> None:
        super().__init__(message)
        self.estimate = estimate


def auto_window(shape: tuple[int, ...]) -> tuple[int, ...] | None:
    """The default window (= stride) for a non-batch ``shape``; None: one element per feature."""
    if math.prod(shape) <= AUTO_LIMIT:
        return None
    if len(shape) == 3:  # an image: square patches of a GRID × GRID grid, channels together
        side = -(-max(shape[1:]) // GRID)
        return (shape[0], min(side, shape[1]), min(side, shape[2]))
    # Any other shape: one feature per index of the leading dims while they number at
    # most GROUPS, the next dim cut into runs to fill up to GROUPS, the dims after it whole.
    window, cells = [], 1
    for d in shape:
        if cells * d <= GROUPS:
            window.append(1)
            cells *= d
        else:
            runs = max(1, GROUPS // cells)
            window.append(-(-d // runs))
            cells = GROUPS + 1  # every later dim whole
    return tuple(window)


def auto_mask(inputs: torch.Tensor) -> torch.Tensor | None:
    """Default feature ids (1, ...) for ``inputs`` (N, ...), the windows of :func:`auto_window`
    as groups numbered in C order; None when every element stays its own feature."""
    shape = tuple(inputs.shape[1:])
    window = auto_window(shape)
    if window is None:
        return None
    ids = torch.zeros((), dtype=torch.long, device=inputs.device)
    for d, w in zip(shape, window):
        cells = -(-d // w)
        ids = ids.unsqueeze(-1) * cells + torch.arange(d, device=inputs.device) // w
    return ids.unsqueeze(0)


def grouping_note(inputs: torch.Tensor, m: int) -> str:
    """What the automatic grouping did, for ``extras["grouping"]``."""
    return (f"{m} automatic feature groups over {inputs[0].numel()} elements (no feature_mask was given; "
            f"inputs above {AUTO_LIMIT} elements are grouped)")


def auto_samples(m: int) -> int:
    """Default samples for a surrogate over ``m`` groups: twice its unknowns (m + 1), at least 25."""
    return max(25, 2 * (m + 1))


def check_time_limit(value: object) -> float | None:
    if value is None:
        return None
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0
    if not ok:
        raise ExplanationInputError(f"time_limit must be a number of seconds > 0, or None (no limit); got {value!r}")
    return float(value)


def duration(seconds: float) -> str:
    """``seconds`` as a reader says it: "40 s", "3 min", "1.5 h"."""
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


class Budget:
    """Times the work done so far and refuses a run whose estimate exceeds ``time_limit``."""

    def __init__(self, time_limit: float | None, what: str, lower: str) -> None:
        self.limit, self.what, self.lower = check_time_limit(time_limit), what, lower
        self.start = time.perf_counter()

    def check(self, done: float, total: float, *, report: bool = True) -> float:
        """Estimated seconds in all from ``done`` of ``total`` units of work so far; raise
        :class:`TooSlow` when above the limit. ``report=False``: a lower bound that only
        refuses (the estimate a view shows comes later)."""
        spent = time.perf_counter() - self.start
        return self._judged(spent * total / max(done, 1e-12), spent, refuse=True, report=report)

    def rest(self, done: float, total: float, last: float, last_seconds: float, *, refuse: bool) -> float:
        """The time so far plus the ``total − done`` units still to come at the rate of the
        last ``last`` units (``last_seconds``): closer than :meth:`check` once a full-sized
        step has run, since the probe's rate overshoots (a first call at a new shape warms
        up; small batches cost more per row on a CPU): measured ≈ 1.1–1.7× on ResNet-18 at
        224 × 224, which this second estimate removes. ``refuse``: also hold it to the limit."""
        spent = time.perf_counter() - self.start
        estimate = spent + max(0.0, total - done) * last_seconds / max(last, 1e-12)
        return self._judged(estimate, spent, refuse=refuse, report=True)

    def _judged(self, estimate: float, spent: float, *, refuse: bool, report: bool) -> float:
        if refuse and self.limit is not None and estimate > self.limit:
            raise TooSlow(
                f"{self.what} would take about {duration(estimate)} on this model and input (estimated "
                f"from a timed {duration(spent) if spent >= 1 else f'{spent * 1000:.0f} ms'} of its work), "
                f"over the time_limit of {duration(self.limit)}; {self.lower}, or pass a larger "
                f"time_limit (None: no limit)", estimate)
        if report:
            estimated(estimate, self.lower)
        return estimate
