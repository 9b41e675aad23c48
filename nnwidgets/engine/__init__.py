"""The engine: torch only. Hooks, targets and attribution methods, usable without any widget."""

from .attribute import attribute
from .capture import capture
from .errors import ExplanationInputError, ModelCallError
from .methods import METHODS, TITLES, UNSIGNED, Explanation
from .state import preserved

__all__ = [
    "METHODS",
    "TITLES",
    "UNSIGNED",
    "Explanation",
    "ExplanationInputError",
    "ModelCallError",
    "attribute",
    "capture",
    "preserved",
]
