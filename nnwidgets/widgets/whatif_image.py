"""The image form of ``WhatIf``: paint, erase or occlude, then see the model answer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from ..engine import ExplanationInputError
from ..engine.frames.whatif import ImageFrame, image_frame, value_range, whatif_origin
from ..engine.contract import as_module
from ..engine.images import Normalized, check_display, is_integer_image, model_image
from ..engine.registry import check_methods
from ..engine.validate import describe
from ..engine.validate import check_inputs
from ..figures import lookup_table
from ..transport import unpack
from ..transport.whatif import image_payload, image_setup
from .whatif_editor import Editor

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from .whatif import WhatIf


def is_image(x: Any) -> bool:
    """Whether ``x`` is one image, (C, H, W) or (1, C, H, W)."""
    return isinstance(x, torch.Tensor) and (x.dim() == 3 or (x.dim() == 4 and x.shape[0] == 1))


def image_model(
    model: object, x: torch.Tensor, *, mean: Any, std: Any, display: Any
) -> tuple[nn.Module, torch.Tensor, tuple[float, float] | None]:
    """The model the editor runs, the image it edits and the range it is drawn on (None:
    its min–max): a uint8 image as floats of the same values, drawn on 0…255; with
    ``mean``/``std``, the image as seen (``x * std + mean``, on [0, 1]) and the model
    fed ``(image - mean) / std``."""
    if display is not None:
        raise ExplanationInputError(
            "WhatIf edits the image it shows, so it must turn the picture back into the model's input: "
            "pass mean= and std= (torchvision's Normalize) instead of display="
        )
    module = as_module(model)
    check_display(x, mean, std)
    if not x.is_floating_point():
        if not is_integer_image(x) or mean is not None:
            raise ExplanationInputError(f"an image must be floating point or uint8 (C in 1, 3, 4); got {describe(x)}")
        return module, model_image(x, module), (0.0, 255.0)
    if mean is None:
        return module, x, None
    channels = x.shape[-3]
    wrapped = Normalized(module, mean, std, channels)
    return wrapped, wrapped.unnormalize(x.detach()), (0.0, 1.0)


class ImageEditor(Editor):
    """One image (C, H, W): the view edits the image in the browser and sends it on
    release; Python answers with the prediction and the attribution map."""

    kind = "image"

    def __init__(
        self,
        model: nn.Module,
        x: torch.Tensor,
        *,
        labels: Sequence[str] | None,
        drag_method: str,
        method: str,
        colormap: str | None,
        opacity: float,
        display_range: tuple[float, float] | None = None,
    ) -> None:
        image = x[0] if x.dim() == 4 else x
        if image.dim() != 3:
            raise ExplanationInputError(f"an image must have shape (C, H, W) or (1, C, H, W); got {tuple(x.shape)}")
        check_inputs(model, image.unsqueeze(0))
        check_methods(list(dict.fromkeys([drag_method, method])))
        super().__init__(model, whatif_origin(model, image), labels, drag_method, method)
        self.colormap, self.opacity, self.display_range = colormap, opacity, display_range

    def setup(self) -> dict[str, Any]:
        shown = self.display_range or value_range(self.origin.x)
        return {**super().setup(), "opacity": self.opacity, **image_setup(self.origin, shown)}

    def first(self) -> ImageFrame:
        return image_frame(self.model, self.origin.x, self.origin, target=None, method=self.method)

    def frame(self, x: Any, *, phase: str, target: int, feature: int) -> ImageFrame:
        return image_frame(self.model, x, self.origin, target=target, method=self.method_for(phase))

    def payload(self, frame: ImageFrame) -> dict[str, Any]:
        return image_payload(frame, lookup_table(self.colormap, signed=frame.signed))

    def edited_image(self, image: Any) -> Any:
        return image.detach() if isinstance(image, torch.Tensor) else image

    def figure(self, view: WhatIf) -> Figure:
        # An unsigned method's map is ≥ 0, so "absolute" only picks the [0, scale] range.
        from ..figures.attribution import attribution_figure

        title = view.method_titles.get(view.attribution_method, view.attribution_method)
        return attribution_figure(
            kind="image", inputs=unpack(view._current), display_range=tuple(view._display_range),
            maps=[view.attribution_map], titles=[f"{title} (edited input)"],
            scale=view._scale, lut=unpack(view._lut), absolute=not view._signed, threshold=0.0, top_percent=100.0,
            opacity=view.opacity, probs=view.probabilities, output=self.origin.reading.kind, labels=view.labels,
            output_label=view.output_label,
            target=view.target, predicted=view.predicted, top_k=5,
        )
