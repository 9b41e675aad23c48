"""What the two forms of ``WhatIf`` share: an editor binds one kind of input (a row
of features, an image) to the engine's frames and to the traits its view reads."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from torch import nn

from ..engine import METHODS, ExplanationInputError
from ..engine.frames.whatif import Origin, whatif_origin

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from .whatif import WhatIf


class Editor:
    """One kind of input for ``WhatIf``: its set-up, its frames and their payloads.

    ``frame`` computes (engine only, touching no trait); ``payload`` turns a frame
    into trait values; ``figure`` draws the view's current state.
    """

    kind = ""

    def __init__(self, model: nn.Module, origin: Origin, labels: Sequence[str] | None,
                 drag_method: str, method: str) -> None:
        k = origin.probabilities.shape[0]
        names = [str(c) for c in range(k)] if labels is None else [str(c) for c in labels]
        if len(names) != k:
            raise ExplanationInputError(f"labels must name every one of the model's {k} outputs; got {len(names)}")
        self.model, self.origin, self.labels = model, origin, names
        self.drag_method, self.method = drag_method, method

    def method_for(self, phase: str) -> str:
        """While dragging, the cheap method answers; on release, the chosen one."""
        return self.drag_method if phase == "drag" else self.method

    def setup(self) -> dict[str, Any]:
        """The traits sent once, when the view opens."""
        return {
            "kind": self.kind,
            "labels": self.labels,
            "output_label": self.origin.reading.label,
            "method_titles": {m: METHODS[m].title for m in (self.drag_method, self.method)},
            "release_method": self.method,
        }

    def refresh(self) -> None:
        """Take the opening answer again on the model's current weights; drop cached curves."""
        self.origin = whatif_origin(self.model, self.origin.x, jacobian=self.origin.jacobian is not None)

    def first(self) -> Any:
        """The frame the view opens on."""
        raise NotImplementedError

    def frame(self, x: Any, *, phase: str, target: int, feature: int) -> Any:
        """The model's answer at the edited input ``x`` (``feature``: the swept one, or -1)."""
        raise NotImplementedError

    def payload(self, frame: Any) -> dict[str, Any]:
        """The traits that show ``frame``."""
        raise NotImplementedError

    def figure(self, view: WhatIf) -> Figure:
        """The view's current state as a matplotlib Figure."""
        raise NotImplementedError

    def edited_row(self, current: np.ndarray, values: Mapping[str | int, float], names: Sequence[str]) -> np.ndarray:
        """``current`` with ``values`` set (features by name or index), for ``set_values``."""
        raise ExplanationInputError("set_values is for tabular inputs; use set_image(image) for images")

    def edited_image(self, image: Any) -> Any:
        """The image to answer for, for ``set_image``."""
        raise ExplanationInputError("set_image is for images; use set_values(values) for a row of features")
