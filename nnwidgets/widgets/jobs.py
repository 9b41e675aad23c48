"""Slow work off the kernel's thread: progress, cancellation, newest request wins.

While a computation runs in the worker thread the kernel keeps reading comm
messages, so the view can show progress, and a newer request (or the cancel
button) stops the running one at its next chunk (``engine.progress.step``).
Results are handed back to the kernel's event loop, the only thread that
touches traits, so every message to the view is still sent from there.

The worker runs on the engine's private view of the model, so code in another
cell that switches its mode or hooks it meanwhile is never undone; weights
changed in place meanwhile (training) are shared with the view.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from typing import Any

from ..engine.progress import Cancelled

# At most this many progress messages per second.
PROGRESS_INTERVAL = 0.1


class Job:
    """One submitted computation: its request number and its cancel flag."""

    def __init__(self, seq: int) -> None:
        self.seq = seq
        self.cancel = threading.Event()

    def check(self) -> None:
        """Raise ``Cancelled`` if the job was cancelled (call between steps)."""
        if self.cancel.is_set():
            raise Cancelled()


Work = Callable[[Job], Any]
Done = Callable[[int, Any, BaseException | None], None]


class Runner:
    """Runs one job at a time in a worker thread; submitting cancels the running one.

    ``work(job)`` runs in the worker and returns a value; ``done(seq, value,
    error)`` then runs on ``loop``'s thread (``error`` is ``Cancelled`` for a
    cancelled job). A job submitted while another runs waits for it to stop;
    only the newest waiting job is kept.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.running: Job | None = None
        self._queued: tuple[int, Work, Done] | None = None
        self._thread: threading.Thread | None = None

    @property
    def waiting(self) -> bool:
        """A newer job is waiting for the running one to stop."""
        return self._queued is not None

    def submit(self, seq: int, work: Work, done: Done) -> None:
        if self.running is not None:
            self.running.cancel.set()
            self._queued = (seq, work, done)
            return
        self._start(seq, work, done)

    def cancel(self) -> None:
        """Stop the running job at its next step and drop any waiting one."""
        self._queued = None
        if self.running is not None:
            self.running.cancel.set()

    def quiesce(self, timeout: float | None = 30.0) -> None:
        """Cancel everything and wait until the worker has let go of the model,
        so code on the kernel's thread may use it (its done() still runs later,
        as a no-op for a cancelled job)."""
        self.cancel()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def progress(self, job: Job, post: Callable[[int, int, int], None]) -> Callable[[int, int], None]:
        """An engine progress callback for ``job``: raises when cancelled, and
        posts ``post(seq, done, total)`` to the loop at most every PROGRESS_INTERVAL s."""
        last = [0.0]

        def callback(done: int, total: int) -> None:
            job.check()
            now = time.monotonic()
            if now - last[0] >= PROGRESS_INTERVAL:
                last[0] = now
                self.loop.call_soon_threadsafe(post, job.seq, done, total)

        return callback

    def _start(self, seq: int, work: Work, done: Done) -> None:
        job = Job(seq)
        self.running = job

        def run() -> None:
            try:
                value, error = work(job), None
            except BaseException as exc:  # handed to done() on the loop's thread
                value, error = None, exc
            try:
                self.loop.call_soon_threadsafe(self._finished, job, done, value, error)
            except RuntimeError:  # the loop closed (kernel shutting down): nobody to tell
                pass

        self._thread = threading.Thread(target=run, name=f"nnwidgets-job-{seq}", daemon=True)
        self._thread.start()

    def _finished(self, job: Job, done: Done, value: Any, error: BaseException | None) -> None:
        self.running = None
        try:
            done(job.seq, value, error)
        finally:
            if self._queued is not None:
                queued, self._queued = self._queued, None
                self.submit(*queued)  # done() may have started a job: submit cancels it first
