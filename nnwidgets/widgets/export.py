"""Static forms for where the live view does not run: the fallback picture under a
displayed view (nbconvert's HTML offline, GitHub, a notebook opened without its
kernel), also under containers (``VBox``/``HBox``) holding nnwidgets views (``boxes.py``).

Why a separate output: with widget state saved (nbconvert's default), nbconvert
and JupyterLab prefer the widget-view mime type over a PNG in the same bundle,
and offline its widget manager (from a CDN) never loads, so the PNG must be an
output of its own. Each live view, once drawn, hides the fallbacks that carry its
key (``js/src/lib/mount.ts``), so a live front end shows the picture only once.
"""

from __future__ import annotations

import base64
import html
import json
import logging
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

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


def show(obj: Any) -> None:
    """Display ``obj`` (an nnwidgets view, or a ``VBox``/``HBox``/any container holding some)
    with a static picture of its nnwidgets views under it, for nbconvert's HTML offline and GitHub.

    In IPython the same as ``display(obj)`` (or a container as a cell's last expression):
    ``boxes.py`` gives containers their pictures once a view exists. Without an IPython
    shell to register that with, ``show`` publishes them itself. The live view is
    published first; the picture follows once it is made. Returns None, as ``display``
    does, so that ``nw.show(box)`` as a cell's last expression does not display it twice.
    """
    from IPython.display import display

    from .boxes import register

    if isinstance(obj, Widget):
        obj._ipython_display_()
    elif register():
        display(obj)  # the container's printer adds the pictures
    else:  # no IPython shell to register the printer with: publish them here
        display(obj)
        bundle = fallback_bundle(list(views_in(obj)))
        if bundle is not None:
            display(bundle, raw=True)


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline' blob:; style-src 'unsafe-inline'; img-src data: blob:">
<title>{title}</title>
<style>body {{ margin: 16px; background: #fff; }} #nnw-note {{ font: 12px system-ui, sans-serif; color: #666; margin-bottom: 8px; }}</style>
</head><body>
<div id="nnw-note">{note}</div>
<div id="nnw-view"></div>
<script type="application/json" id="nnw-saved">{saved}</script>
<script type="module">{runtime}</script>
</body></html>
"""


def save_html(view: Widget, path: str | Path, requests: Sequence[Mapping[str, Any]] | None = None) -> Path:
    """Write ``view`` as one HTML file with its bundle and state inlined: no kernel, no network.

    In the file, everything the view does in the browser works as in a notebook
    (hover readouts, colours, opacity, threshold, top-%, zoom). Requests that need
    Python are answered from answers computed now: ``requests`` (e.g.
    ``[{"target": 3}, {"index": 2}, {"method": "integrated_gradients"}]``), by
    default the view's other examples and its runner-up classes; any other says
    in the view that it needs Python. The live view in the notebook is not changed.
    """
    base = view.get_state()
    esm = base.pop("_esm")
    answers = [{"request": dict(r), **_encoded(state)} for r, state in _answers(view, requests)]
    saved = {"esm": esm, "initial": _encoded(base), "answers": answers}
    note = (f"{type(view).__name__} saved by nnwidgets: hover, colours, threshold and zoom work here; "
            f"{len(answers)} answer(s) computed at save time; anything else needs the notebook.")
    text = PAGE.format(
        title=html.escape(f"nnwidgets {type(view).__name__}"), note=html.escape(note),
        saved=json.dumps(saved).replace("<", "\\u003c"),
        runtime=(Path(__file__).with_name("static_page.js")).read_text(encoding="utf-8"),
    )
    out = Path(path)
    out.write_text(text, encoding="utf-8")
    return out


def _encoded(state: dict) -> dict:
    from ipywidgets.widgets.widget import _remove_buffers

    state, paths, buffers = _remove_buffers(state)
    return {"state": state, "buffer_paths": paths,
            "buffers": [base64.b64encode(bytes(b)).decode("ascii") for b in buffers]}


def default_requests(view: Widget) -> list[dict]:
    """What a saved page can switch to without Python: the other examples of a batch and the
    runner-up classes (for views with ``index``/``n_examples`` and ``target``/``probabilities``)."""
    out: list[dict] = []
    n = getattr(view, "n_examples", 1) or 1
    out += [{"index": i} for i in range(min(int(n), 8)) if i != getattr(view, "index", 0)]
    probs = getattr(view, "probabilities", None)
    if probs is not None and getattr(view, "target", None) is not None:
        order = [int(i) for i in np.argsort(-np.asarray(probs, dtype=float).reshape(-1))]
        out += [{"target": c} for c in order[:3] if c != view.target]
    return out


def as_sent(view: Widget, request: Mapping[str, Any]) -> dict:
    """``request`` completed the way the Attribution view sends it (every field, the current
    values where it changes nothing; a new example explains its own predicted class), so the
    saved page can match what the view sends. Views without these traits keep it as given."""
    if not all(view.has_trait(n) for n in ("index", "target", "method", "shown")):
        return dict(request)
    full = {"index": view.index, "target": view.target, "method": view.method, "compare": list(view.shown[1:])}
    if "index" in request and "target" not in request:
        full["target"] = "predicted"
    return {**full, **request}


def _answers(view: Widget, requests: Sequence[Mapping[str, Any]] | None) -> list[tuple[Mapping, dict]]:
    """Each request's answer as the trait values it changes, computed on this thread with no
    message to the live view; the view's Python state is put back afterwards."""
    requests = [as_sent(view, r) for r in (default_requests(view) if requests is None else requests)]
    if not requests:
        return []
    saved_dict, saved_traits = dict(view.__dict__), dict(view._trait_values)
    results: list[tuple[Mapping, dict]] = []

    def run() -> None:
        # A thread with no running loop: the base answers at once, follow-ups included.
        for request in requests:
            view._trait_values.clear()
            view._trait_values.update(saved_traits)
            view.__dict__.update({k: v for k, v in saved_dict.items() if k != "_trait_values"})
            view._on_request({"new": {**request, "seq": saved_traits["_seq"] + 1}})
            changed = [k for k in view.keys if view._trait_values.get(k) is not saved_traits.get(k)]
            state = view.get_state(changed) if changed else {}
            state.pop("_esm", None)
            results.append((request, state))

    view._send = lambda *args, **kwargs: None  # the live view in the notebook must not see these
    try:
        worker = threading.Thread(target=run, name="nnwidgets-save-html")
        worker.start()
        worker.join()
    finally:
        del view._send
        extra = [k for k in view.__dict__ if k not in saved_dict]
        for k in extra:
            del view.__dict__[k]
        view.__dict__.update(saved_dict)
        view._trait_values.clear()
        view._trait_values.update(saved_traits)
    return results
