"""A matplotlib Figure that shows itself in Jupyter without pyplot."""

from __future__ import annotations

import io

from matplotlib.figure import Figure


class ViewFigure(Figure):
    """A plain ``Figure`` (no pyplot state, nothing to close) with a PNG repr,
    so ``widget.to_figure()`` displays as the last line of a cell."""

    def to_png(self, dpi: int = 100) -> bytes:
        """The figure as PNG bytes."""
        buf = io.BytesIO()
        self.savefig(buf, format="png", dpi=dpi)
        return buf.getvalue()

    def _repr_png_(self) -> bytes:
        return self.to_png()
