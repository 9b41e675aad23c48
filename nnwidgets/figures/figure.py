"""A matplotlib Figure that shows itself in Jupyter without pyplot and draws every
string literally."""

from __future__ import annotations

import io

from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.axis import Axis
from matplotlib.ticker import FixedFormatter, FuncFormatter

from .text import literal

class ViewFigure(Figure):
    """A plain ``Figure`` (no pyplot state, nothing to close) with a PNG repr,
    so ``widget.to_figure()`` displays as the last line of a cell. Every text
    it draws is user text shown as typed (no mathtext)."""

    def draw(self, renderer) -> None:  # noqa: D401 - matplotlib's signature
        # Tick labels given as strings (set_yticks(ticks, labels)) are formatters
        # that return them at draw time: wrap those; numeric formatters stay.
        for axis in self.findobj(Axis):
            for formatter, put in ((axis.get_major_formatter(), axis.set_major_formatter),
                                   (axis.get_minor_formatter(), axis.set_minor_formatter)):
                if isinstance(formatter, FixedFormatter):
                    formatter.seq = [literal(str(s)) for s in formatter.seq]
                elif isinstance(formatter, FuncFormatter) and not getattr(formatter, "_literal", False):
                    wrapped = FuncFormatter(lambda x, pos=None, f=formatter.func: literal(str(f(x, pos))))
                    wrapped._literal = True
                    put(wrapped)
        for t in self.findobj(Text):
            text = t.get_text()
            if "$" in text:
                t.set_text(literal(text))
        super().draw(renderer)

    def to_png(self, dpi: int = 100) -> bytes:
        """The figure as PNG bytes."""
        buf = io.BytesIO()
        self.savefig(buf, format="png", dpi=dpi)
        return buf.getvalue()

    def _repr_png_(self) -> bytes:
        return self.to_png()
