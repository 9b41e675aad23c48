"""nnwidgets: Jupyter widgets that make a PyTorch model explain itself inline.

``attribute`` and ``capture`` compute (torch only); ``Attribution`` shows the
result live in the notebook, with a static matplotlib form for everywhere else.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .engine import Explanation, ExplanationInputError, ModelCallError, attribute, capture

if TYPE_CHECKING:
    from .widgets import Attribution, Embedding, Importance, Layers, WhatIf
    from .widgets.export import show

__version__ = "0.1.0"

__all__ = [
    "Attribution",
    "Embedding",
    "Explanation",
    "Importance",
    "Layers",
    "WhatIf",
    "ExplanationInputError",
    "ModelCallError",
    "attribute",
    "capture",
    "show",
]


def __getattr__(name: str) -> Any:
    # Widgets load on first use, so the engine and the demo data import without
    # anywidget, ipywidgets or matplotlib.
    if name in ("Attribution", "Embedding", "Importance", "Layers", "WhatIf"):
        from . import widgets

        return getattr(widgets, name)
    if name == "show":
        from .widgets.export import show

        return show
    raise AttributeError(f"module 'nnwidgets' has no attribute {name!r}")
