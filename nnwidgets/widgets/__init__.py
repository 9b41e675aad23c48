"""Widgets: thin anywidget classes that bind the engine to the views in ``js/``."""

from .attribution import Attribution
from .base import Widget
from .embedding import Embedding
from .importance import Importance
from .layers import Layers
from .whatif import WhatIf

__all__ = ["Attribution", "Embedding", "Importance", "Layers", "WhatIf", "Widget"]
