"""Attribution methods, one module per family; importing this registers them all."""

from . import gradients  # noqa: F401
