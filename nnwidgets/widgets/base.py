"""What every nnwidgets widget shares: request routing (sequence numbers, stale
answers dropped, slow work in a worker thread with progress and cancel), error
display, one-message updates; its static forms come from ``static.py``.

A widget describes each request from its view as a :class:`Plan`: ``work``
computes without touching traits (it may run in the worker thread), ``apply``
sets the traits of the answer on the kernel's thread, inside one ``hold_sync``.
The base does the rest, the same way for every widget.
"""

from __future__ import annotations

import asyncio
import sys
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anywidget
import traitlets as t

from ..engine.errors import ExplanationInputError
from ..engine.private import weights_token
from ..engine.progress import Cancelled
from .boxes import register as register_box_printer
from .jobs import Runner
from .plan import Plan, Progress
from .static import StaticForm, figure_png  # noqa: F401  (figure_png: part of this module's interface)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

STALE = ("The model's weights changed while this was computed (training in another cell?), twice in a row: "
         "what is shown may mix old and new weights. Call refresh() on the view once they have settled.")

STATIC = Path(__file__).resolve().parent.parent / "static"


class Widget(StaticForm, anywidget.AnyWidget):
    """Base class: subclasses define their traits, ``_plan`` and ``to_figure``."""

    error = t.Unicode("", help="Message shown in the view when the last request failed, or when its "
                      "answer is stale (the model's weights changed while it was computed).").tag(sync=True)
    _seq = t.Int(0, help="Sequence number of the request the current state answers.").tag(sync=True)
    # Requests come from the view; echoing them back would be a wasted message.
    _request = t.Dict().tag(sync=True, echo_update=False)
    # The class that marks this view's static picture in the notebook; the live view hides it.
    _fallback_key = t.Unicode(help="Key of this view's static fallback output.").tag(sync=True)
    background = t.Bool(True, help="In a kernel, compute the view's slow requests in a worker thread "
                        "(progress, cancel, newest request wins); False computes them on the kernel's thread.")
    ready = t.Bool(True, help="False while the view's first result is still computed (views that need a pass "
                   "over a data set first: the view shows its progress); see wait().").tag(sync=True)

    @t.default("_fallback_key")
    def _fallback_key_default(self) -> str:
        return uuid.uuid4().hex

    def __init__(self, **kwargs: Any) -> None:
        unknown = [k for k in kwargs if not self.has_trait(k)]
        if unknown:
            raise TypeError(f"{type(self).__name__} got unexpected keyword argument(s): {unknown}")
        super().__init__(**kwargs)
        # Before any display: a container holding this view may be displayed first (boxes.py).
        register_box_printer()

    # -- what subclasses provide -----------------------------------------------------------

    def to_figure(self) -> Figure:
        """The view as a matplotlib Figure (for papers, CI logs, static front ends)."""
        raise NotImplementedError

    def _plan(self, request: Mapping[str, Any]) -> Plan:
        """The plan for one request from the view; raise to show an error in the view."""
        raise NotImplementedError

    def _show_progress(self, seq: int, done: int, total: int, info: Mapping[str, Any]) -> None:
        """Show how far request ``seq`` is (kernel thread); widgets with a progress bar override."""

    def _cancelled(self, seq: int) -> None:
        """Set what the view shows for a cancelled request ``seq`` (kernel thread, in hold_sync)."""

    def _answered(self, seq: int) -> None:
        """Called after request ``seq`` was answered without error (e.g. to start follow-up work
        with :meth:`_follow`)."""

    # -- routing ----------------------------------------------------------------------------

    def _listen(self) -> None:
        """Start answering the view's requests (call at the end of ``__init__``)."""
        self.observe(self._on_request, names="_request")
        self.on_msg(self._on_view_message)

    def get_state(self, key: Any = None, drop_defaults: bool = False) -> dict:
        state = super().get_state(key, drop_defaults)
        if key is None:
            # Which traits carry binary buffers: a view that got them without (Colab) asks again.
            from .export import has_bytes

            state["_binary"] = sorted(n for n, v in state.items() if has_bytes(v))
        return state

    def _on_view_message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if isinstance(content, Mapping) and content.get("kind") == "nnw-resend-state":
            self.send_state()  # an update message, whose buffers front ends keep

    def _on_request(self, change: dict) -> None:
        request = change["new"]
        try:
            if not isinstance(request, Mapping):
                raise TypeError(f"a request must be a mapping; got {type(request).__name__}")
            seq = request_seq(request, self._seq)
        except Exception as exc:
            return self._fail(self._seq + 1, exc)
        if seq <= self._seq:
            return  # an answer to a newer request was already sent
        if request.get("cancel"):
            return self._cancel(seq)
        try:
            plan = self._plan(request)
        except Exception as exc:
            return self._fail(seq, exc)
        self._dispatch(seq, plan)

    def _dispatch(self, seq: int, plan: Plan) -> None:
        runner = self._runner() if plan.background else None
        if runner is None:
            return self._latest(seq, lambda: plan.apply(plan.work(Progress(self))))

        def done(seq: int, result: Any, error: BaseException | None) -> None:
            if isinstance(error, Cancelled) or seq <= self._seq or self._closed():
                return  # superseded or cancelled: a newer answer speaks for the view
            if error is not None:
                return self._fail(seq, error)
            value, stale = result
            self._answer(seq, lambda: plan.apply(value), note=STALE if stale else "")

        runner.submit(seq, lambda job: self._unchanged(plan.work, Progress(self, runner, job)), done)

    def _cancel(self, seq: int) -> None:
        runner = getattr(self, "_jobs", None)
        if runner is not None:
            runner.cancel()
        self._pending = None
        # What is on screen stays; the answer only says the request stopped.
        with self.hold_sync():
            self._cancelled(seq)
            self.error = ""
            first = getattr(self, "_pending_first", None)
            if not self.ready and first is not None:
                first.cancelled = True
                self.error = "Stopped before the first result: call refresh() (or choose again here) to compute it."
            self._seq = seq

    def _run(self, work: Callable[[Progress], Any], apply: Callable[[Any], None]) -> None:
        """Answer a change made from Python, on this thread, as the next request."""
        jobs = getattr(self, "_jobs", None)
        if jobs is not None:
            jobs.quiesce()  # this thread is about to use the model: the worker must let go first
        self._pending = None
        self._answer(self._seq + 1, lambda: apply(work(Progress(self))))

    def _follow(self, seq: int, plan: Plan) -> None:
        """Run ``plan`` as follow-up work of the answered request ``seq``, sent in a message
        of its own after the answer (so the view repaints first).

        In a kernel with a worker it runs there (unless a newer request already
        waits: its answer brings its own follow-up), without one on the loop's
        next turn; either way it is dropped once a newer request is answered or
        pending. Without a loop it runs at once. Its progress steps only check
        for cancellation; an error it raises is shown in the view.
        """
        def current() -> bool:
            return seq == self._seq and not self._closed()

        runner = self._runner() if plan.background else None
        if runner is not None:
            if runner.waiting:
                return

            def done(seq: int, result: Any, error: BaseException | None) -> None:
                if isinstance(error, Cancelled) or not current():
                    return
                if error is not None:
                    return self._settle(seq, lambda: _reraise(error))
                value, stale = result
                self._settle(seq, lambda: plan.apply(value), note=STALE if stale else None)

            def submit() -> None:
                job = runner.running
                if not current() or runner.waiting or (job is not None and not job.cancel.is_set()):
                    return  # a newer request runs or waits: its answer brings its own follow-up
                runner.submit(seq, lambda job: self._unchanged(plan.work, Progress(self, runner, job, show=False)),
                              done)

            # On the loop's next turn, i.e. once the cell that built or changed the view has
            # returned and its display is sent: the worker's torch threads then compete
            # with nothing the user waits for.
            runner.loop.call_soon(submit)
            return

        def run() -> None:
            if current() and getattr(self, "_pending", None) is None:
                self._settle(seq, lambda: plan.apply(plan.work(Progress(self))))

        loop = kernel_loop()
        if loop is None:
            run()
        else:
            loop.call_soon(run)

    def _settle(self, seq: int, compute: Callable[[], None], note: str | None = None) -> None:
        """Set follow-up traits of answered request ``seq`` in one message; an error is shown in the view."""
        try:
            with self.hold_sync():
                compute()
                if note is not None:
                    self.error = note
        except Exception as exc:
            self._fail(seq, exc)

    def _unchanged(self, work: Callable[[Progress], Any], progress: Progress) -> tuple[Any, bool]:
        """Run ``work`` in the worker and say whether the model's weights changed meanwhile
        (training in another cell): then it runs once more, and an answer whose weights
        still changed under it is marked stale rather than shown as if nothing happened."""
        model = getattr(self, "_model", None)
        if model is None:
            return work(progress), False
        for _ in range(2):
            before = weights_token(model)
            value = work(progress)
            if weights_token(model) == before:
                return value, False
        return value, True

    def wait(self, timeout: float | None = 300.0) -> Widget:
        """Block until the view's first result is in (views that compute it after their
        constructor returned, in a kernel) and return the view; at once if it is. Raises
        ``TimeoutError`` after ``timeout`` seconds (None: no limit), and the first
        computation's error if it failed or was cancelled."""
        from .first import wait

        wait(self, timeout)
        return self

    def refresh(self) -> None:
        """Recompute everything the view shows on the model's current weights (after
        more training, or after a stale answer); errors are raised here too."""
        self._refresh()
        if self.error:
            raise ExplanationInputError(self.error)

    def _refresh(self) -> None:
        """Drop what was computed from the old weights and answer the current state again."""
        raise NotImplementedError

    def _runner(self) -> Runner | None:
        loop = kernel_loop()
        if loop is None or not self.background:
            return None
        jobs = getattr(self, "_jobs", None)
        if jobs is None or jobs.loop is not loop:
            jobs = self._jobs = Runner(loop)
        return jobs

    def _latest(self, seq: int, compute: Callable[[], None]) -> None:
        """Answer request ``seq`` with ``compute``, skipping any that a newer one overtakes.

        Inside a running kernel the work is deferred to the next turn of the
        event loop: requests that arrived meanwhile (a slider dragged at 60 Hz)
        only replace the pending one, so Python computes just the newest.
        Without a running loop (scripts, tests) it runs at once.
        """
        self._pending = (seq, compute)
        loop = kernel_loop()
        if loop is None:
            self._run_pending()
            return
        if not getattr(self, "_scheduled", False):
            self._scheduled = True
            loop.call_soon(self._run_pending)

    def _run_pending(self) -> None:
        self._scheduled = False
        pending, self._pending = getattr(self, "_pending", None), None
        if pending is not None and not self._closed():
            self._answer(*pending)

    def _answer(self, seq: int, compute: Callable[[], None], note: str = "") -> None:
        """Run ``compute`` (which sets traits) for request ``seq`` as one message, with
        ``note`` (e.g. :data:`STALE`) shown where errors are.

        Any error is shown in the view instead of reaching the kernel.
        """
        try:
            with self.hold_sync():
                compute()
                self.error = note
                self._seq = seq
        except Exception as exc:
            return self._fail(seq, exc)
        self._answered(seq)

    def _fail(self, seq: int, exc: BaseException) -> None:
        with self.hold_sync():
            self.error = f"{type(exc).__name__}: {exc}"
            self._seq = max(seq, self._seq)

    def _closed(self) -> bool:
        return getattr(self, "_closing", False)

    def close(self) -> None:
        """Close the view: the running job and any queued one are cancelled."""
        self._closing = True
        self._pending = None
        jobs = getattr(self, "_jobs", None)
        if jobs is not None:
            jobs.cancel()
        super().close()

def _reraise(error: BaseException) -> None:
    raise error


def request_seq(request: Mapping[str, Any], current: int) -> int:
    """The request's sequence number (the next one when it carries none)."""
    seq = request.get("seq", current + 1)
    if isinstance(seq, bool) or not isinstance(seq, (int, float)) or seq != int(seq):
        raise TypeError(f"a request's seq must be an integer; got {seq!r}")
    return int(seq)


def kernel_loop() -> asyncio.AbstractEventLoop | None:
    """The running event loop of a notebook kernel (IPython's, or marimo's), else None.

    Only a kernel's loop is sure to turn again right after the message that
    carried a request, and to send what its callbacks set: ipykernel's, and
    marimo's, whose kernel thread runs an asyncio loop that reads its command
    queue through an executor and holds the session's context that widget
    updates are sent through. Any other running loop (a script under asyncio,
    Playwright's sync API) may not, so there we compute at once.
    """
    if not (_in_ipykernel() or _in_marimo()):
        return None
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _in_ipykernel() -> bool:
    kernel = sys.modules.get("ipykernel.kernelbase")
    return kernel is not None and kernel.Kernel.initialized()


def _in_marimo() -> bool:
    context = sys.modules.get("marimo._runtime.context.types")
    return context is not None and context.runtime_context_installed()
