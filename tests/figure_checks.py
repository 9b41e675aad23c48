"""Geometry checks for static figures: every text artist inside the figure, no two
overlapping (window extents after a real Agg draw), and the PNG renders."""

from __future__ import annotations

import itertools

from matplotlib.axis import Axis
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text

SLACK = 1.0  # pixels: antialiasing and rounding


def texts(fig: Figure) -> list[tuple[Text, object]]:
    """Every visible, non-empty text artist and its window extent after a draw."""
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    # tick labels exist for ticks outside the view too; only the ticks an axis draws count
    every_tick, drawn_tick = set(), set()
    for axis in fig.findobj(Axis):
        for tick in axis.get_major_ticks() + axis.get_minor_ticks():
            every_tick.update({id(tick.label1), id(tick.label2)})
        if not (axis.axes.axison and axis.get_visible()):
            continue  # an axis turned off draws no ticks
        for tick in axis._update_ticks():
            if tick.label1.get_visible():
                drawn_tick.add(id(tick.label1))
            if tick.label2.get_visible():
                drawn_tick.add(id(tick.label2))
    out = []
    for t in fig.findobj(Text):
        if id(t) in every_tick and id(t) not in drawn_tick:
            continue
        if not t.get_visible() or not t.get_text().strip():
            continue
        if t.axes is not None and not t.axes.get_visible():
            continue
        out.append((t, t.get_window_extent(renderer)))
    return out


def _overlap(a, b) -> float:
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    return max(0.0, w) * max(0.0, h) if w > SLACK and h > SLACK else 0.0


def text_problems(fig: Figure) -> list[str]:
    """Human-readable problems: text outside the figure, and overlapping pairs."""
    found = texts(fig)
    box = fig.bbox
    problems = []
    for t, e in found:
        if e.x0 < box.x0 - SLACK or e.y0 < box.y0 - SLACK or e.x1 > box.x1 + SLACK or e.y1 > box.y1 + SLACK:
            problems.append(f"outside the figure {tuple(round(v) for v in box.extents)}: {t.get_text()[:60]!r} at "
                            f"{tuple(round(v) for v in e.extents)}")
    for (t1, e1), (t2, e2) in itertools.combinations(found, 2):
        if _overlap(e1, e2) > 0:
            problems.append(f"overlap: {t1.get_text()[:40]!r} and {t2.get_text()[:40]!r}")
    return problems


def assert_readable(fig: Figure) -> None:
    problems = text_problems(fig)
    assert not problems, "\n".join(problems[:20]) + (f"\n… {len(problems) - 20} more" if len(problems) > 20 else "")
    png = fig.to_png() if hasattr(fig, "to_png") else None
    assert png is None or (png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 1000)
