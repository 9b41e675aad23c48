"""Where a model lives: the device and floating dtype of its parameters and buffers."""

from __future__ import annotations

import torch
from torch import nn


def model_device(model: nn.Module) -> torch.device | None:
    """The device of the model's first parameter or buffer (None if it has neither)."""
    for tensor in model.parameters():
        return tensor.device
    for tensor in model.buffers():
        return tensor.device
    return None


def model_dtype(model: nn.Module) -> torch.dtype | None:
    """The floating dtype of the model's first floating parameter or buffer."""
    for tensor in model.parameters():
        if tensor.is_floating_point():
            return tensor.dtype
    for tensor in model.buffers():
        if tensor.is_floating_point():
            return tensor.dtype
    return None
