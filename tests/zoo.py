"""Architectures every engine method is checked on, against Captum and by property.

Each builder returns (model in eval mode, a batch of inputs, a description of
useful layers). Seeds make them reproducible.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn


@dataclass
class Case:
    name: str
    model: nn.Module
    inputs: torch.Tensor
    layer: str  # a layer suited to layer / neuron methods
    conv_layer: str | None = None  # a convolutional layer, for Grad-CAM
    embedding: str | None = None  # the embedding layer of a token model
    regression: bool = False  # single output: target=None


class Residual(nn.Module):
    def __init__(self, c: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(c)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(c, c, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(c)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        return torch.relu(self.bn2(self.conv2(out)) + x)


class TextAttention(nn.Module):
    """Embedding + one self-attention block + mean pooling + classifier."""

    def __init__(self, vocab: int = 50, dim: int = 16, classes: int = 3) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab, dim)
        self.attn = nn.MultiheadAttention(dim, 2, batch_first=True)
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, classes)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        e = self.embedding(ids)
        a, _ = self.attn(e, e, e, need_weights=False)
        return self.head(self.norm(e + a).mean(1))


class TextLSTM(nn.Module):
    def __init__(self, vocab: int = 50, dim: int = 12, classes: int = 4) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab, dim)
        self.lstm = nn.LSTM(dim, dim, batch_first=True)
        self.head = nn.Linear(dim, classes)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        out, _ = self.lstm(self.embedding(ids))
        return self.head(out[:, -1])


def _bn_stats(model: nn.Module, make_input: Callable[[], torch.Tensor]) -> None:
    # Non-trivial running statistics, so eval-mode BatchNorm is not the identity.
    model.train()
    with torch.no_grad():
        for _ in range(3):
            model(make_input())
    model.eval()


def mlp() -> Case:
    torch.manual_seed(10)
    model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 16), nn.Tanh(), nn.Linear(16, 3)).eval()
    return Case("mlp", model, torch.randn(4, 10), layer="2")


def cnn() -> Case:
    torch.manual_seed(11)
    model = nn.Sequential(
        nn.Conv2d(1, 6, 3, padding=1), nn.BatchNorm2d(6), nn.ReLU(inplace=True),
        nn.Conv2d(6, 8, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(8 * 4 * 4, 5),
    )
    _bn_stats(model, lambda: torch.randn(8, 1, 8, 8))
    return Case("cnn", model, torch.randn(3, 1, 8, 8), layer="3", conv_layer="3")


def residual() -> Case:
    torch.manual_seed(12)
    model = nn.Sequential(
        nn.Conv2d(3, 4, 3, padding=1), Residual(4), nn.AdaptiveAvgPool2d(2), nn.Flatten(), nn.Linear(16, 4)
    )
    _bn_stats(model, lambda: torch.randn(8, 3, 6, 6))
    return Case("residual", model, torch.randn(2, 3, 6, 6), layer="1", conv_layer="1.conv2")


def text_attention() -> Case:
    torch.manual_seed(13)
    return Case("text_attention", TextAttention().eval(), torch.randint(0, 50, (3, 7)), layer="attn",
                embedding="embedding")


def text_lstm() -> Case:
    torch.manual_seed(14)
    return Case("text_lstm", TextLSTM().eval(), torch.randint(0, 50, (2, 6)), layer="head", embedding="embedding")


def regression() -> Case:
    torch.manual_seed(15)
    model = nn.Sequential(nn.Linear(6, 16), nn.Softplus(), nn.Linear(16, 1)).eval()
    return Case("regression", model, torch.randn(5, 6), layer="1", regression=True)


DENSE_CASES = [mlp, cnn, residual, regression]  # float inputs
TOKEN_CASES = [text_attention, text_lstm]  # integer token ids: explain through the embedding
ALL_CASES = DENSE_CASES + TOKEN_CASES
