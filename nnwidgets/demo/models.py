"""Architectures of the two demo models shipped with nnwidgets.

Submodules are named (``features.conv1``, ``fc2``, ...) rather than numbered so
that layer pickers and captions in the widgets read well.
"""

from __future__ import annotations

from collections import OrderedDict

import torch
from torch import nn

__all__ = ["DigitsCNN", "BreastCancerMLP", "Standardize"]


class DigitsCNN(nn.Module):
    """Small CNN for 8x8 grey-scale digits: input (N, 1, 8, 8) in [0, 1], output logits (N, 10)."""

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(
            OrderedDict(
                conv1=nn.Conv2d(1, 16, kernel_size=3, padding=1),
                relu1=nn.ReLU(),
                conv2=nn.Conv2d(16, 32, kernel_size=3, padding=1),
                relu2=nn.ReLU(),
                pool=nn.MaxPool2d(2),
            )
        )
        self.classifier = nn.Sequential(
            OrderedDict(
                flatten=nn.Flatten(),
                fc1=nn.Linear(32 * 4 * 4, 64),
                relu=nn.ReLU(),
                fc2=nn.Linear(64, 10),
            )
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


class Standardize(nn.Module):
    """``(x - mean) / std`` with statistics stored as buffers.

    Keeping the scaling inside the model lets users feed (and attribute over)
    raw features in their natural units, and the statistics travel with the
    state_dict instead of in a separate scaler object.
    """

    def __init__(self, num_features: int) -> None:
        super().__init__()
        self.register_buffer("mean", torch.zeros(num_features))
        self.register_buffer("std", torch.ones(num_features))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean) / self.std


class BreastCancerMLP(nn.Module):
    """MLP on the 30 raw Wisconsin breast-cancer features: input (N, 30), output logits (N, 2)."""

    def __init__(self, num_features: int = 30) -> None:
        super().__init__()
        self.scale = Standardize(num_features)
        self.fc1 = nn.Linear(num_features, 32)
        self.relu1 = nn.ReLU()
        self.fc2 = nn.Linear(32, 16)
        self.relu2 = nn.ReLU()
        self.out = nn.Linear(16, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.scale(x)
        x = self.relu1(self.fc1(x))
        x = self.relu2(self.fc2(x))
        return self.out(x)
