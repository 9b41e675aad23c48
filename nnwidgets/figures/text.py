"""The text helpers the view figures share: user text drawn literally, clipped and
wrapped (no matplotlib import, so widgets may use them before any figure is drawn)."""

from __future__ import annotations

import re
import textwrap

_DOLLAR = re.compile(r"(?<!\\)\$")


def literal(s: str) -> str:
    """``s`` as matplotlib draws it literally: every unescaped ``$`` escaped, so a
    label like ``$x^$`` is text, never (malformed) mathtext that fails the draw."""
    return _DOLLAR.sub(r"\\$", s)


def clip(s: str, limit: int) -> str:
    """``s`` cut to ``limit`` characters with an ellipsis (labels of a static picture)."""
    s = str(s)
    return s if len(s) <= limit else s[: max(1, limit - 1)].rstrip() + "…"


def wrap(s: str, width: int) -> str:
    """``s`` wrapped to lines of at most ``width`` characters (long words broken)."""
    return "\n".join(textwrap.wrap(str(s), max(8, width), break_long_words=True)) or ""


def wrapped_lines(lines: list[str], width: int) -> list[str]:
    return [wrap(line, width) for line in lines]
