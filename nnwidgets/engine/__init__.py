"""The engine: torch only. Hooks, targets and attribution methods, usable without any widget."""

from . import methods as _methods  # noqa: F401  (registers every method)
from .attribute import attribute
from .capture import capture
from .errors import ExplanationInputError, ModelCallError
from .explanation import Explanation
from .progress import Cancelled, reporting
from .registry import METHODS, MethodInfo, register
from .report import TrustReport, trust_report
from .private import private_view

__all__ = [
    "Cancelled",
    "METHODS",
    "Explanation",
    "ExplanationInputError",
    "MethodInfo",
    "ModelCallError",
    "attribute",
    "capture",
    "private_view",
    "register",
    "reporting",
    "trust_report",
    "TrustReport",
]
