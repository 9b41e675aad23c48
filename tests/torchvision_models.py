"""torchvision's pure-Python model code, for tests on real architectures (random weights).

torchvision is installed beside the environment (``scripts/setup.sh`` puts it in
``.venv/torchvision`` with ``--no-deps``): installed into it, its compiled ops
would not load against this torch and it would break ``import transformers``.
Its import registers fake kernels for ``torchvision::nms`` / ``qnms``, which need
the op schemas; without the C++ extension nobody defines them, so we do, once.
No model here needs a C++ op; no weights are downloaded (``weights=None``).
"""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TARGET = Path(os.environ.get("NNWIDGETS_TORCHVISION", ROOT / ".venv" / "torchvision"))

# As torchvision/csrc/ops/nms.cpp declares them.
SCHEMAS = (
    "nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
    "qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
)


@functools.lru_cache(None)
def torchvision():
    """The ``torchvision`` module from ``TARGET``; skip (fail under CI) when it is not there."""
    import torch

    if not (TARGET / "torchvision").is_dir():
        message = f"torchvision not installed in {TARGET}; run scripts/setup.sh"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    if not hasattr(torch.ops.torchvision, "nms"):
        lib = torch.library.Library("torchvision", "FRAGMENT")
        for schema in SCHEMAS:
            lib.define(schema)
        torchvision._keep = lib  # the schemas live as long as the library object
    if str(TARGET) not in sys.path:
        sys.path.insert(0, str(TARGET))
    import torchvision as tv

    return tv


def model(name: str, seed: int = 0, **kwargs):
    """``torchvision.models.<name>(weights=None, **kwargs)`` in eval mode, seeded."""
    import torch

    models = torchvision().models
    torch.manual_seed(seed)
    return getattr(models, name)(weights=None, **kwargs).eval()
