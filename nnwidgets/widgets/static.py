"""A view's static form: the PNG that nbconvert, GitHub and readers without a kernel
see, published after the live view, and the self-contained HTML copy."""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure


class StaticForm:
    """Mixin of :class:`~nnwidgets.widgets.base.Widget` for its static forms."""

    def _repr_mimebundle_(self, **kwargs: Any):
        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle is None:
            return None
        data, metadata = bundle if isinstance(bundle, tuple) else (bundle, {})
        # The PNG is what nbconvert, GitHub and other front ends without the widget
        # manager show; JupyterLab prefers the live view's mime type.
        png = self._static_png()
        if png is not None:
            data["image/png"] = png
        return data, metadata

    def _ipython_display_(self) -> None:
        """Display in IPython: the live view goes out first, its static picture after.

        The PNG costs a matplotlib import and a render (most of a second), which
        would otherwise delay the view itself. It follows as an output of its own
        (see ``export.py`` for why), which the live view hides once drawn, so the
        saved notebook keeps it for nbconvert, GitHub and readers without a kernel.
        """
        from IPython.display import display

        from .export import fallback_bundle

        bundle = super()._repr_mimebundle_()
        if bundle is None:
            return
        data, metadata = bundle if isinstance(bundle, tuple) else (bundle, {})
        display(data, metadata=metadata, raw=True)
        fallback = fallback_bundle([self])
        if fallback is not None:
            # A view still computing its first result shows a placeholder, replaced once it is in.
            handle = display(fallback, raw=True, display_id=not getattr(self, "ready", True))
            if handle is not None:
                self._fallback_handle = handle

    def _update_fallback(self, *, last: bool = False) -> None:
        """Replace the placeholder picture displayed before the first result with the real one.

        Sent when the result arrives and again (``last``) from the next cell that reads it:
        a live front end takes the first, a notebook runner (nbclient) only records updates
        sent while a cell runs."""
        handle = getattr(self, "_fallback_handle", None)
        if handle is None or not getattr(self, "ready", True) or getattr(self, "_updating_fallback", False):
            return  # (drawing the picture reads the result, which comes back here)
        from .export import fallback_bundle

        self._updating_fallback = True
        try:
            fallback = fallback_bundle([self])
        finally:
            self._updating_fallback = False
        if last:
            self._fallback_handle = None
        if fallback is not None:
            handle.update(fallback, raw=True)

    def save_html(self, path: str | Path, requests: Sequence[Mapping[str, Any]] | None = None) -> Path:
        """Write this view as one self-contained HTML file that works without a kernel or network
        (see :func:`nnwidgets.widgets.export.save_html`); returns the path."""
        from .export import save_html

        self.wait()  # the file holds the result, not the view still computing it
        return save_html(self, path, requests)

    def _static_png(self, *, cached_only: bool = False) -> str | None:
        """The PNG of ``to_figure()`` for the current state (base64), made once per state."""
        from .export import static_png

        if not getattr(self, "ready", True):  # no result yet: say so rather than wait for it
            return None if cached_only else figure_png(pending_figure(type(self).__name__))
        return static_png(self, cached_only=cached_only)


def figure_png(fig: Figure, dpi: int = 100) -> str:
    """A Figure as a base64 PNG string, the form Jupyter display bundles carry."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def pending_figure(name: str) -> Figure:
    """What the static picture of a view still computing its first result says."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(5, 0.6))
    fig.text(0.5, 0.5, f"{name}: computing its first result (the live view shows its progress)",
             ha="center", va="center", fontsize=9, usetex=False, parse_math=False)
    return fig
