"""Exceptions the engine raises for input it cannot explain."""

from __future__ import annotations


class ExplanationInputError(ValueError):
    """Input, target or options do not have the form a method expects.

    The message always names the expected form (shape, dtype, device, range).
    """


class ModelCallError(RuntimeError):
    """The user's model raised while being explained; the original is chained."""
