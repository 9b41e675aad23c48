"""What every nnwidgets widget shares: error display, request sequence numbers,
one-message updates, and a static PNG in the display bundle."""

from __future__ import annotations

import asyncio
import base64
import io
import logging
import sys
from pathlib import Path
from typing import Any

import anywidget
import traitlets as t
from matplotlib.figure import Figure

STATIC = Path(__file__).resolve().parent.parent / "static"
log = logging.getLogger("nnwidgets")


class Widget(anywidget.AnyWidget):
    """Base class: subclasses implement ``to_figure`` and their own traits."""

    error = t.Unicode("", help="Message shown in the view when the last request failed.").tag(sync=True)
    _seq = t.Int(0, help="Sequence number of the request the current state answers.").tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        unknown = [k for k in kwargs if not self.has_trait(k)]
        if unknown:
            raise TypeError(f"{type(self).__name__} got unexpected keyword argument(s): {unknown}")
        super().__init__(**kwargs)

    def to_figure(self) -> Figure:
        """The view as a matplotlib Figure (for papers, CI logs, static front ends)."""
        raise NotImplementedError

    def _repr_mimebundle_(self, **kwargs: Any):
        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle is None:
            return None
        data, metadata = bundle if isinstance(bundle, tuple) else (bundle, {})
        # The PNG is what nbconvert, GitHub and other front ends without the widget
        # manager show; JupyterLab prefers the live view's mime type.
        try:
            data["image/png"] = figure_png(self.to_figure())
        except Exception as exc:  # a broken static form must not hide the live view
            log.warning("nnwidgets: static figure failed: %s", exc)
        return data, metadata

    def _latest(self, seq: int, compute) -> None:
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
        if pending is not None:
            self._answer(*pending)

    def _answer(self, seq: int, compute) -> None:
        """Run ``compute`` (which sets traits) for request ``seq`` as one message.

        Any error is shown in the view instead of reaching the kernel.
        """
        try:
            with self.hold_sync():
                compute()
                self.error = ""
                self._seq = seq
        except Exception as exc:
            with self.hold_sync():
                self.error = f"{type(exc).__name__}: {exc}"
                self._seq = seq


def kernel_loop() -> asyncio.AbstractEventLoop | None:
    """The running event loop of an IPython kernel, else None.

    Only a kernel's loop is sure to turn again right after the comm message
    that carried a request; any other running loop (a script under asyncio,
    Playwright's sync API, another front end) may not, so there we compute at once.
    """
    kernel = sys.modules.get("ipykernel.kernelbase")
    if kernel is None or not kernel.Kernel.initialized():
        return None
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def figure_png(fig: Figure, dpi: int = 100) -> str:
    """A Figure as a base64 PNG string, the form Jupyter display bundles carry."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return base64.b64encode(buf.getvalue()).decode("ascii")
