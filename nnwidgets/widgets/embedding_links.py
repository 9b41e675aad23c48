"""How a clicked point of an Embedding sets the example of a linked view.

A linked ``Attribution`` or ``Layers`` must be built on the same data as the
embedding (its batch is the data set: point i is its example i), so a click
sets its example (``index``, explained for its predicted class, as a click on its
strip does) / ``show(example=i)`` directly. A ``WhatIf`` holds one input:
a click loads the clicked point's input into it (``set_values`` for a row,
``set_image`` for an image). Any other callable is called with the index.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from ..engine import ExplanationInputError

Link = Callable[[int], None]


def _attribute_example(view: Any, i: int) -> None:
    # As a click on the Attribution's own strip: the new example is explained for its
    # own predicted class. Setting ``index`` alone would keep the class of the example
    # shown before (a "9" explained as the "2" it replaced).
    plan = view._plan({"index": i, "target": "predicted"})
    view._run(plan.work, plan.apply)


def link_for(view: Any, n: int | None, inputs: Callable[[], torch.Tensor]) -> Link:
    """The function that shows point ``i`` in ``view``; a clear error if the view cannot follow.

    ``n`` is the number of points (None while not known: checked again once it is);
    ``inputs()`` gives the points' inputs, read at the click."""
    from .attribution import Attribution
    from .layers import Layers
    from .whatif import WhatIf

    name = type(view).__name__
    if isinstance(view, (Attribution, Layers)):
        if n is not None and view.n_examples != n:
            raise ExplanationInputError(
                f"a linked {name} must be built on the embedding's data, one example per point "
                f"({n}); it has {view.n_examples}. E.g. {name}(model, inputs) with the same inputs as Embedding")
        if isinstance(view, Attribution):
            return lambda i: _attribute_example(view, int(i))
        return lambda i: view.show(example=int(i))
    if isinstance(view, WhatIf):
        if view.kind == "image":
            return lambda i: view.set_image(inputs()[int(i)])
        return lambda i: view.set_values({j: float(v) for j, v in enumerate(inputs()[int(i)].reshape(-1).tolist())})
    if callable(view):
        return lambda i: view(int(i))
    raise ExplanationInputError(
        f"linked views must be Attribution, Layers or WhatIf widgets, or callables taking an index; got {name}")
