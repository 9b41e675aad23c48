"""What one request from a view does (a :class:`Plan`), and the handle its work has on
progress and cancellation (:class:`Progress`)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..engine.progress import estimating, reporting
from .jobs import Job, Runner

if TYPE_CHECKING:
    from .base import Widget


class Progress:
    """A job's handle on progress and cancellation, passed to ``Plan.work``.

    In the worker thread, :meth:`stage` routes the engine's progress steps to
    ``Widget._show_progress`` on the kernel's loop (at most every
    ``jobs.PROGRESS_INTERVAL`` s) and raises ``Cancelled`` once the job is
    cancelled; on the kernel's thread (no job) both are no-ops, since traits set
    inside the answer's ``hold_sync`` would not reach the view before it ends.
    With ``show=False`` (follow-up work) the steps only check for cancellation.
    """

    def __init__(self, widget: Widget, runner: Runner | None = None, job: Job | None = None, *,
                 show: bool = True) -> None:
        self._widget, self._runner, self.job, self._show = widget, runner, job, show

    @property
    def seq(self) -> int:
        return self.job.seq if self.job is not None else 0

    def check(self) -> None:
        """Raise ``Cancelled`` if this job was cancelled (call between steps)."""
        if self.job is not None:
            self.job.check()

    @contextlib.contextmanager
    def stage(self, **info: Any) -> Iterator[None]:
        """Within the block, engine progress ``(done, total)`` is shown with ``info``
        (e.g. which of several methods is running)."""
        if self.job is None or self._runner is None:
            yield
            return
        widget, runner, job = self._widget, self._runner, self.job
        if not self._show:
            with reporting(runner.progress(job, lambda *_: None)):
                yield
            return
        runner.loop.call_soon_threadsafe(widget._show_progress, job.seq, 0, 1, info)
        post = lambda seq, done, total: widget._show_progress(seq, done, total, info)  # noqa: E731
        shown = getattr(widget, "_show_estimate", None)  # a slow loop's timed estimate, where a view shows it

        def estimate(seconds: float, advice: str) -> None:
            runner.loop.call_soon_threadsafe(shown, job.seq, seconds, advice, info)

        with reporting(runner.progress(job, post)), estimating(estimate if shown is not None else None):
            yield


@dataclass
class Plan:
    """What one request does: ``work(progress)`` computes (touching no trait, so a
    worker thread may run it); ``apply(value)`` sets the answer's traits (kernel
    thread, inside ``hold_sync``). ``background=False`` keeps a cheap request on
    the kernel's thread."""

    work: Callable[[Progress], Any]
    apply: Callable[[Any], None]
    background: bool = True
