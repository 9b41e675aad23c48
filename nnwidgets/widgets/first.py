"""A view's first result, computed after its constructor has returned.

``Importance`` and ``Embedding`` need a pass over a whole data set before they
have anything to show. In a kernel that pass runs in the worker thread like any
later request (the cell returns, the view shows its progress and a cancel
button, other cells run meanwhile); without a kernel loop (a script, a test)
it runs in the constructor with a ``tqdm`` bar on stderr, as every other view
computes at once there. :meth:`Widget.wait` (``view.wait()``) blocks until the
result is in; whatever reads the result (``to_figure()``, ``save_html``, the
result attributes) calls it.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from ..engine.errors import ExplanationInputError
from ..engine.progress import Cancelled, current, reporting
from .plan import Plan, Progress

if TYPE_CHECKING:
    from .base import Widget

# How long reading a result waits for it by default (seconds); wait(timeout=None) waits for good.
WAIT = 300.0


class First:
    """The computation of a view's first result; the worker leaves its value here, so
    :func:`wait` can take it on the kernel's thread without the kernel's loop turning."""

    def __init__(self, view: Widget, seq: int, work: Callable[[Progress], Any], apply: Callable[[Any], None],
                 desc: str) -> None:
        self.view, self.seq, self._work, self._apply, self.desc = view, seq, work, apply, desc
        self.done = threading.Event()
        self.value: Any = None
        self.error: BaseException | None = None
        self.cancelled = False  # the user stopped it (the view's cancel button)

    def plan(self) -> Plan:
        return Plan(self.work, self.apply)

    def bind(self) -> Plan:
        """Make this the view's first computation (a request that replaces one not yet in); its plan."""
        self.view._pending_first = self
        return self.plan()

    def work(self, progress: Progress) -> Any:
        """Compute (any thread): with a console bar when no view shows the progress."""
        try:
            with console_bar(self.desc) if progress.job is None else contextlib.nullcontext():
                value = self._work(progress)
        except BaseException as exc:
            self.error = exc
            self.done.set()
            raise
        self.value, self.error = value, None
        self.done.set()
        return value

    def apply(self, value: Any) -> None:
        """Set the result's traits (kernel thread, in ``hold_sync``); the view is ready."""
        self._apply(value)
        self.view.ready = True
        self.view._progress = {}
        from .base import kernel_loop

        loop = kernel_loop()  # the real static picture, once this answer's message is out
        if loop is not None:
            loop.call_soon(self.view._update_fallback)


def start(view: Widget, work: Callable[[Progress], Any], apply: Callable[[Any], None], desc: str,
          seq: int | None = None) -> First:
    """Begin the view's first computation: in the worker where there is a kernel loop,
    else here and now (errors raised)."""
    first = view._pending_first = First(view, view._seq + 1 if seq is None else seq, work, apply, desc)
    view.ready = False
    if view._runner() is None:
        value = first.work(Progress(view))
        with view.hold_sync():
            first.apply(value)
    else:
        view._dispatch(first.seq, first.plan())
    return first


def wait(view: Widget, timeout: float | None = WAIT) -> None:
    """Block until ``view``'s first result is in and set (at most ``timeout`` s); raise its error."""
    first: First | None = getattr(view, "_pending_first", None)
    if view.ready or first is None:
        view._update_fallback(last=True)
        return
    name = type(view).__name__
    if first.cancelled:
        raise ExplanationInputError(f"{name}: its first computation was cancelled; call refresh() to compute it")
    jobs = getattr(view, "_jobs", None)
    running = jobs.running if jobs is not None else None
    if running is not None and running.seq == first.seq and not running.cancel.is_set() and not jobs.waiting:
        if not first.done.wait(timeout):
            raise TimeoutError(f"{name}: its first result is still being computed after {timeout} s (the view "
                               "shows how far it is); call wait() again, or wait(timeout=None)")
    if first.done.is_set() and not isinstance(first.error, Cancelled):
        if first.error is None:
            view._answer(first.seq, lambda: first.apply(first.value))  # the worker's own answer is then dropped
        else:
            view._fail(first.seq, first.error)
    else:
        # Nothing computes it now (superseded by a request still queued for the loop this
        # thread holds, or stopped): compute it here.
        view._run(first.work, first.apply)
    if not view.ready:
        raise ExplanationInputError(f"{name}: its first result could not be computed: {view.error}")
    # Now, in the cell that reads the result: a notebook runner (nbclient) records the real
    # picture in place of the placeholder only while a cell runs.
    view._update_fallback(last=True)


@contextlib.contextmanager
def console_bar(desc: str) -> Iterator[None]:
    """Show the engine's progress as ``tqdm`` bars on stderr (one per loop of the
    computation); nothing if tqdm is missing or a callback is already listening."""
    try:
        from tqdm.auto import tqdm
    except ImportError:
        tqdm = None
    if tqdm is None or current() is not None:
        yield
        return
    bars: list[Any] = []

    def callback(done: int, total: int) -> None:
        bar = bars[-1] if bars else None
        if bar is None or done < bar.n or (total or None) != bar.total:
            if bar is not None:
                bar.close()
            bar = tqdm(total=total or None, desc=desc)
            bars.append(bar)
        bar.update(done - bar.n)

    try:
        with reporting(callback):
            yield
    finally:
        for bar in bars:
            bar.close()
