"""Static forms for where the live view does not run: the fallback picture under a
displayed view (nbconvert's HTML offline, GitHub, a notebook opened without its
kernel) and ``show`` for containers (``VBox``/``HBox``) holding nnwidgets views.

Why a separate output: with widget state saved (nbconvert's default), nbconvert
and JupyterLab prefer the widget-view mime type over a PNG in the same bundle,
and offline its widget manager (from a CDN) never loads, so the PNG must be an
output of its own. Each live view, once drawn, hides the fallbacks that carry its
key (``js/src/lib/mount.ts``), so a live front end shows the picture only once.
"""

from __future__ import annotations

import html
import logging
import time
from collections.abc import Iterator, Mapping
from typing import Any

from .base import Widget, figure_png

log = logging.getLogger("nnwidgets")


def views_in(obj: Any, seen: set[int] | None = None) -> Iterator[Widget]:
    """The nnwidgets views in ``obj``: itself, or inside a container's ``children``, depth first."""
    seen = set() if seen is None else seen
    if id(obj) in seen:
        return
    seen.add(id(obj))
    if isinstance(obj, Widget):
        yield obj
    for child in getattr(obj, "children", None) or ():
        yield from views_in(child, seen)


def static_png(view: Widget, *, cached_only: bool = False) -> str | None:
    """The PNG of ``view.to_figure()`` for its current state (base64), made once per state.

    A state is the synced traits' values by identity: every answer sets new
    values, so an unchanged view displayed again reuses its PNG.
    """
    state = tuple(getattr(view, name, None) for name in view.keys)
    cache = getattr(view, "_png_cache", None)
    if cache is not None and len(cache[0]) == len(state) and all(a is b for a, b in zip(cache[0], state)):
        return cache[1]
    if cached_only:
        return None
    start = time.perf_counter()
    try:
        png = figure_png(view.to_figure())
    except Exception as exc:  # a broken static form must not hide the live view
        log.warning("nnwidgets: static figure failed: %s", exc)
        return None
    view._png_seconds = time.perf_counter() - start
    view._png_cache = (state, png)
    return png


def has_bytes(value: Any, depth: int = 0) -> bool:
    """Whether a serialized trait value holds binary buffers (what Colab drops on open)."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return True
    if depth > 4:
        return False
    if isinstance(value, Mapping):
        return any(has_bytes(v, depth + 1) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(has_bytes(v, depth + 1) for v in value)
    return False


def fallback_bundle(views: list[Widget]) -> dict[str, str] | None:
    """The fallback output for ``views``: their PNGs as HTML (hidden by any of them drawn live)
    and as ``image/png`` (the first) for renderers without HTML; None if no PNG could be made."""
    pngs = [(v, v._static_png()) for v in views]
    pngs = [(v, p) for v, p in pngs if p is not None]
    if not pngs:
        return None
    keys = " ".join(f"nnw-fallback-{v._fallback_key}" for v, _ in pngs)
    images = "".join(
        f'<img src="data:image/png;base64,{p}" alt="{html.escape(type(v).__name__)} (static picture)" '
        'style="max-width:100%;display:block">' for v, p in pngs
    )
    return {
        "text/html": f'<div class="nnw-fallback {keys}">{images}</div>',
        "image/png": pngs[0][1],
        "text/plain": f"<static picture of {len(pngs)} nnwidgets view(s)>",
    }


def show(obj: Any) -> Any:
    """Display ``obj`` (an nnwidgets view, or a ``VBox``/``HBox``/any container holding some) with
    a static picture of its nnwidgets views under it, for nbconvert's HTML offline and GitHub.

    A container displayed on its own gets no picture (ipywidgets draws it), so use
    ``nw.show(VBox([...]))`` where the notebook is meant to be read without a kernel.
    The live view is published first; the picture follows once it is made.
    """
    from IPython.display import display

    if isinstance(obj, Widget):
        obj._ipython_display_()
        return obj
    display(obj)
    bundle = fallback_bundle(list(views_in(obj)))
    if bundle is not None:
        display(bundle, raw=True)
    return obj
