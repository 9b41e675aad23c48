"""The static picture under an ipywidgets container (``VBox``, ``HBox``, ``Tab``, …) that
holds nnwidgets views, however the container is displayed: ``display(box)``, a cell's
last expression, ``nw.show(box)``.

ipywidgets draws a container itself, and its bundle has only the widget-view mime type,
so nbconvert's HTML offline and GitHub show nothing there. IPython's display formatter
registry adds the pictures without touching ipywidgets: a printer for ``ipywidgets.Box``
on its ``_ipython_display_`` formatter (the one IPython keeps for objects that need
several display calls; a type printer there ranks above any method of the object)
publishes the container's own bundle, unchanged, then the pictures of the views inside
as an output of their own, as a single view does (``static.py``; see ``export.py`` for
why not in the same bundle). The live view is sent before the PNGs are made.

A container with no nnwidgets view inside is declined: the printer raises
``NotImplementedError``, which IPython's formatters take as "not handled" (without a
traceback), and the container displays exactly as before, as an ``execute_result``.
A printer registered for ``Box`` before ours is kept and still runs for those.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

_MARK = "_nnw_box_printer"


def register(shell: Any = None) -> bool:
    """Give ``Box`` the printer in ``shell``'s display formatter (the running IPython's by
    default), once per shell; False where no IPython runs (marimo, a plain script)."""
    if shell is None:
        ipython = sys.modules.get("IPython")  # not imported: no kernel, nothing to register with
        shell = ipython.get_ipython() if ipython is not None else None
    formatter = getattr(getattr(shell, "display_formatter", None), "ipython_display_formatter", None)
    if formatter is None:
        return False
    from ipywidgets import Box

    if getattr(formatter.type_printers.get(Box), _MARK, False):
        return True
    formatter.for_type(Box, box_printer(shell, formatter.for_type(Box)))
    return True


def box_printer(shell: Any, previous: Callable[[Any], Any] | None) -> Callable[[Any], None]:
    """The printer for containers: ``previous`` (the printer it replaces) or IPython's
    default for those without nnwidgets views, the container and its views' pictures else."""

    def display_box(box: Any) -> None:
        from IPython.display import display

        from .export import fallback_bundle, views_in

        views = list(views_in(box))
        if not views:
            if previous is not None:
                previous(box)
                return
            method = getattr(type(box), "_ipython_display_", None)
            if callable(method):
                method(box)
                return
            raise NotImplementedError  # not ours: IPython goes on to the Box's own bundle
        data, metadata = shell.display_formatter.mimebundle_formatter(box)
        display(data, metadata=metadata, raw=True)
        fallback = fallback_bundle(views)
        if fallback is not None:
            display(fallback, raw=True)

    setattr(display_box, _MARK, True)
    return display_box
