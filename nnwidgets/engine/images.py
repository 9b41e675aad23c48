"""Images as users have them: uint8 pixels, normalized tensors, and what is drawn.

**uint8 images** (what ``torchvision.io.read_image`` returns) are images, not
token ids, when they look like one: (C, H, W) or (N, C, H, W) with C in {1, 3, 4}
and H, W > 1. Gradients need a floating-point input, so the model receives the
*same pixel values* 0…255 as floats of its own dtype (``x.to(dtype)``), and the
attributions are per unit of those values. A model written for uint8 input
usually starts with ``x.float()`` (or ``x / 255``) and works on that unchanged.
If the model itself needs a uint8 tensor (e.g. it calls
``convert_image_dtype`` / ``ToDtype(scale=True)``, which only rescale integer
input), no gradient can flow through integer pixels at all: convert the image
yourself (``x.float() / 255``) and pass a model that takes floats.

**What is drawn.** By default, an image is drawn on the min–max of its batch (a
uint8 image on 0…255). For a normalized image, ``mean=``/``std=`` (one value per
channel, torchvision's ``Normalize`` convention: the model's input is
``(image - mean) / std``) draw ``x * std + mean`` on [0, 1], its true colours;
``display=`` gives the original image itself (same height and width). Only the
picture changes: the model still receives ``x`` as given.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Union

import torch
from torch import nn

from .errors import ExplanationInputError
from .state import model_dtype
from .validate import describe

Channels = Union[None, Sequence[float], torch.Tensor]
IMAGE_CHANNELS = (1, 3, 4)


def looks_like_image(x: object) -> bool:
    """(C, H, W) or (N, C, H, W) with C in {1, 3, 4} and H, W > 1 (any dtype but bool)."""
    return (
        isinstance(x, torch.Tensor) and x.dtype != torch.bool and x.dim() in (3, 4)
        and x.shape[-3] in IMAGE_CHANNELS and x.shape[-2] > 1 and x.shape[-1] > 1
    )


def is_integer_image(x: object) -> bool:
    """A uint8 tensor shaped like an image: a picture, not token ids (other integer
    dtypes stay what they were: ids, or an error naming the image forms)."""
    return looks_like_image(x) and x.dtype == torch.uint8  # type: ignore[union-attr]


def model_image(x: torch.Tensor, model: nn.Module | None) -> torch.Tensor:
    """What the model receives for image ``x``: ``x`` itself if floating point, else
    the same values as floats of the model's dtype (float32 for a model without one)."""
    if x.is_floating_point():
        return x
    dtype = (model_dtype(model) if model is not None else None) or torch.float32
    return x.to(dtype)


def _channels(values: Channels, c: int, what: str) -> torch.Tensor:
    t = torch.as_tensor(values, dtype=torch.float32).reshape(-1)
    if t.numel() == 1:
        t = t.expand(c)
    if t.numel() != c:
        raise ExplanationInputError(f"{what} must give one value per channel ({c}), like torchvision's Normalize; got {t.numel()}")
    return t.reshape(c, 1, 1)


def check_display(x: torch.Tensor, mean: Channels = None, std: Channels = None, display: object = None) -> None:
    """An error naming the expected form for inconsistent ``mean``/``std``/``display``."""
    if (mean is None) != (std is None):
        raise ExplanationInputError("mean= and std= go together (torchvision's Normalize(mean, std)); pass both")
    if display is not None and mean is not None:
        raise ExplanationInputError("pass either mean=/std= or display=, not both")
    if display is not None:
        if not isinstance(display, torch.Tensor):
            raise ExplanationInputError(f"display must be a torch.Tensor image (C, H, W) or batch (N, C, H, W); got {type(display).__name__}")
        batch = x if x.dim() == 4 else x.unsqueeze(0)
        shown = display if display.dim() == 4 else display.unsqueeze(0)
        if shown.dim() != 4 or shown.shape[0] != batch.shape[0] or shown.shape[-2:] != batch.shape[-2:]:
            raise ExplanationInputError(
                f"display must be the original image(s), one per example with x's height and width "
                f"{tuple(batch.shape[-2:])}; got {describe(display)} for x of {describe(x)}"
            )


def display_images(
    x: torch.Tensor, *, mean: Channels = None, std: Channels = None, display: object = None, original: torch.Tensor | None = None
) -> tuple[torch.Tensor, tuple[float, float]] | None:
    """The picture of image batch ``x`` (N, C, H, W) as float32 on the CPU and the
    [lo, hi] range it is drawn on, or None for the default (``x`` on its min–max).

    ``original`` is what the user passed when ``x`` is its float form (a uint8 image)."""
    check_display(x, mean, std, display)
    if mean is None and display is None and original is None:
        return None
    x = x.detach().float().cpu()
    if mean is not None:
        c = x.shape[1]
        return x * _channels(std, c, "std") + _channels(mean, c, "mean"), (0.0, 1.0)
    shown = display if display is not None else original
    if shown is None:
        return None
    assert isinstance(shown, torch.Tensor)
    integer = not shown.is_floating_point()
    shown = shown.detach().float().cpu()
    shown = shown if shown.dim() == 4 else shown.unsqueeze(0)
    if integer:
        return shown, (0.0, 255.0)
    lo, hi = float(shown.min()), float(shown.max())
    if lo >= 0.0 and hi <= 1.0:
        return shown, (0.0, 1.0)
    return shown, (lo, hi if hi > lo else lo + 1.0)


class Normalized(nn.Module):
    """``model`` fed ``(image - mean) / std``: a view that edits the image as it is seen
    (What-if's painting) runs the model on what it expects."""

    def __init__(self, model: nn.Module, mean: Channels, std: Channels, channels: int) -> None:
        super().__init__()
        self.model = model
        self._mean, self._std = _channels(mean, channels, "mean"), _channels(std, channels, "std")

    def forward(self, x: torch.Tensor) -> object:
        return self.model((x - self._mean.to(x)) / self._std.to(x))

    def normalize(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self._mean.to(x)) / self._std.to(x)

    def unnormalize(self, x: torch.Tensor) -> torch.Tensor:
        return x * self._std.to(x) + self._mean.to(x)


Shown = tuple[torch.Tensor, tuple[float, float]]


def image_batch(
    model: nn.Module | None, x: object, *, mean: Channels = None, std: Channels = None, display: object = None
) -> tuple[object, Shown | None, Callable[[torch.Tensor], torch.Tensor] | None]:
    """A batch ``x`` as the model receives it (a uint8 image as floats), what is drawn
    of it (None: ``x`` itself) and, with ``mean``/``std``, the map from an input of the
    model to its picture (for other images of the same kind, e.g. top inputs)."""
    given = mean is not None or std is not None or display is not None
    image = isinstance(x, torch.Tensor) and x.dim() == 4 and (x.is_floating_point() or is_integer_image(x))
    if not image:
        if given:
            raise ExplanationInputError("mean=, std= and display= are for image batches (N, C, H, W)")
        return x, None, None
    assert isinstance(x, torch.Tensor)
    original = None if x.is_floating_point() else x
    x = model_image(x, model)
    shown = display_images(x, mean=mean, std=std, display=display, original=original)
    unnormalize = None
    if mean is not None:
        m, s = _channels(mean, x.shape[1], "mean"), _channels(std, x.shape[1], "std")
        unnormalize = lambda t: t.float() * s + m  # noqa: E731
    return x, shown, unnormalize


def user_batch(
    model: nn.Module, x: object, data: object, feature_names: Any, mean: Channels, std: Channels, display: object
) -> tuple[object, object, Any, Shown | None, Callable[[torch.Tensor], torch.Tensor] | None]:
    """A batch view's ``x`` and ``data`` as the user has them (numpy, pandas, uint8
    images) as the model receives them: ``x``, ``data``, the feature names, what is
    drawn of ``x`` and how a model input is drawn (see :func:`image_batch`)."""
    from .tables import table_batch

    x, data, feature_names = table_batch(x, data, feature_names, model_dtype(model) or torch.float32)
    x, shown, unnormalize = image_batch(model, x, mean=mean, std=std, display=display)
    return x, data, feature_names, shown, unnormalize
