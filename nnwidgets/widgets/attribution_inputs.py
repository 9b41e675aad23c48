"""The three kinds of input the Attribution view shows, detected or declared.

* ``image``: float (C, H, W) or a batch (N, C, H, W), drawn as a picture; an
  integer (uint8) image with C in {1, 3, 4} is explained as floats of the same
  values (see :mod:`~nnwidgets.engine.images`), drawn on 0…255.
* ``tabular``: float (F,) or a batch (N, F), one signed bar per named feature; a
  DataFrame or Series names its features by its columns (see :mod:`~nnwidgets.engine.tables`).
* ``text``: integer token ids (T,), (1, T), (N, T) or a list of 1-D id tensors
  of different lengths, explained through an embedding layer; tokens are text.

Everything here normalises what the user passed into one form per kind, with
errors that name the expected shape; nothing here calls the model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import torch

from ..engine import ExplanationInputError
from ..engine.baselines import reference
from ..engine.frames.attribution import reduce_map, thumbnails
from ..engine.images import Channels, display_images, is_integer_image
from ..engine.tables import table_batch
from ..engine.validate import describe

Kind = Literal["image", "tabular", "text"]
KINDS: tuple[str, ...] = ("image", "tabular", "text")

# Longest side of a batch-strip thumbnail, in pixels.
THUMB = 40
# The strip shows at most this many examples (the index box reaches the rest).
STRIP_MAX = 64


@dataclass
class Inputs:
    """A batch of examples of one kind, each with a leading batch dimension of 1."""

    kind: Kind
    examples: list[torch.Tensor]  # (1, ...) each; same shape except for text
    feature_names: list[str] = field(default_factory=list)
    tokens: list[list[str]] = field(default_factory=list)  # text: one list per example
    baselines: list[torch.Tensor] | None = None  # per example, same shape; None = zeros / pad id 0
    baseline_kind: str = "zero"  # "given" (by the user), "mean" (of a tabular batch) or "zero"
    spatial_layers: list[str] = field(default_factory=list)  # images: modules with (N, C, H, W) output (Grad-CAM)
    spatial_default: str | None = None  # the last convolution among them: Grad-CAM's usual layer
    display: list[torch.Tensor] | None = None  # images: what is drawn, (1, C, H, W) each; None = the examples
    display_range: tuple[float, float] | None = None  # the range ``display`` is drawn on

    def __len__(self) -> int:
        return len(self.examples)

    def baseline(self, i: int) -> torch.Tensor:
        """The reference input of example ``i`` (integrated gradients, ablation, deletion)."""
        if self.baselines is not None:
            return self.baselines[i]
        return torch.zeros_like(self.examples[i])

    def stacked(self) -> torch.Tensor | None:
        """All examples as one batch, or None when text lengths differ."""
        shapes = {tuple(e.shape) for e in self.examples}
        return torch.cat(self.examples) if len(shapes) == 1 else None


def _tensor(x: object, what: str) -> torch.Tensor:
    if not isinstance(x, torch.Tensor):
        raise ExplanationInputError(f"{what} must be a torch.Tensor; got {type(x).__name__}")
    return x


def detect_kind(x: object, *, tokens: object = None, feature_names: object = None) -> Kind:
    """Image for 3-D/4-D floats and uint8 pictures, text for integer ids or a list of them,
    tabular for 1-D/2-D floats."""
    if isinstance(x, (list, tuple)):
        return "text"
    x = _tensor(x, "x")
    if is_integer_image(x):
        return "image"
    if not x.is_floating_point():
        return "text"
    if x.dim() in (3, 4):
        return "image"
    if x.dim() in (1, 2):
        return "tabular"
    raise ExplanationInputError(
        "x must be an image (C, H, W) / batch (N, C, H, W), a tabular row (F,) / batch (N, F), "
        f"or token ids (T,) / (N, T); got {describe(x)}"
    )


def _names(values: Sequence[object] | None, count: int, what: str, default: str) -> list[str]:
    if values is None:
        return [default.format(i) for i in range(count)]
    names = [str(v) for v in values]
    if len(names) != count:
        raise ExplanationInputError(f"{what} must have one name per feature ({count}); got {len(names)}")
    return names


def _batch_of(x: torch.Tensor, rank: int, what: str, form: str) -> torch.Tensor:
    if x.dim() == rank:
        return x.unsqueeze(0)
    if x.dim() == rank + 1:
        if x.shape[0] == 0:
            raise ExplanationInputError(f"x is an empty batch; {what} needs at least one example of shape {form}")
        return x
    raise ExplanationInputError(f"{what} must have shape {form} or (N, {form[1:]}; got {describe(x)}")


def _check_baseline(baseline: object, example: torch.Tensor, n: int) -> list[torch.Tensor] | None:
    """A baseline that broadcasts to one example, or one per example ((N, ...))."""
    if baseline is None:
        return None
    if isinstance(baseline, (int, float)) and not isinstance(baseline, bool):
        if not example.is_floating_point() and not isinstance(baseline, int):
            raise ExplanationInputError(f"token ids need an integer baseline id; got {baseline!r}")
        return [torch.full_like(example, baseline) for _ in range(n)]
    b = _tensor(baseline, "baseline").to(example.device)
    if b.is_floating_point() != example.is_floating_point():
        raise ExplanationInputError(
            f"baseline must have the input's kind of dtype ({example.dtype}); got {b.dtype}"
        )
    one = tuple(example.shape[1:])
    if tuple(b.shape) in (one, (1, *one)):
        b = b.reshape(example.shape).to(example.dtype)
        return [b for _ in range(n)]
    if tuple(b.shape) == (n, *one):
        return [b[i : i + 1].to(example.dtype) for i in range(n)]
    raise ExplanationInputError(
        f"baseline must have one example's shape {one} or the batch's shape {(n, *one)}; got {describe(b)}"
    )


def normalise(
    x: object,
    *,
    kind: str | None = None,
    feature_names: Sequence[object] | None = None,
    tokens: Sequence[object] | None = None,
    baseline: object = None,
    dtype: torch.dtype = torch.float32,
    mean: Channels = None,
    std: Channels = None,
    display: object = None,
) -> Inputs:
    """Check ``x`` against its kind and split it into examples of batch size 1.

    An integer image becomes floats of ``dtype`` (the model's); ``mean``/``std`` or
    ``display`` say how images are drawn (:mod:`~nnwidgets.engine.images`)."""
    if kind is not None and kind not in KINDS:
        raise ExplanationInputError(f"kind must be one of {', '.join(KINDS)}; got {kind!r}")
    # A numpy array or a pandas table (its columns name the features) as a tensor.
    x, _, feature_names = table_batch(x, None, feature_names, dtype)
    if baseline is not None and not isinstance(baseline, (int, float, list, tuple)):
        baseline = table_batch(baseline, None, None, dtype)[0]
    kind = kind or detect_kind(x, tokens=tokens, feature_names=feature_names)
    if kind == "text":
        return _text(x, tokens, baseline)
    x = _tensor(x, "x")
    original = None
    if kind == "image" and is_integer_image(x):
        original, x = x, x.to(dtype)
    if not x.is_floating_point():
        raise ExplanationInputError(f"{kind} inputs must be floating point (or uint8 images); got {describe(x)}")
    if kind != "image" and (mean is not None or std is not None or display is not None):
        raise ExplanationInputError(f"mean=, std= and display= are for image inputs; x is {kind}")
    shown = None
    if kind == "image":
        batch = _batch_of(x, 3, "an image", "(C, H, W)")
        names: list[str] = []
        shown = display_images(batch, mean=mean, std=std, display=display, original=original)
    else:
        batch = _batch_of(x, 1, "a tabular row", "(F,)")
        names = _names(feature_names, batch.shape[1], "feature_names", "feature {}")
    examples = [batch[i : i + 1] for i in range(batch.shape[0])]
    baselines = _check_baseline(baseline, examples[0], len(examples))
    source = "zero" if baselines is None else "given"
    if baselines is None and kind == "tabular" and len(examples) > 1:
        # Zero rarely means "absent" for raw features (a tumour radius of 0 is no
        # tumour at all): the batch's average row is the reference, as SHAP's
        # background data is.
        mean = reference("mean", examples[0], batch=batch)
        baselines, source = [mean for _ in examples], "mean"
    inputs = Inputs(kind, examples, feature_names=names, baselines=baselines, baseline_kind=source)  # type: ignore[arg-type]
    if shown is not None:
        inputs.display, inputs.display_range = [p.unsqueeze(0) for p in shown[0]], shown[1]
    return inputs


def _text(x: object, tokens: Sequence[object] | None, baseline: object) -> Inputs:
    if isinstance(x, (list, tuple)):
        rows = [_tensor(r, "each item of x").reshape(1, -1) for r in x]
    else:
        t = _tensor(x, "x")
        if t.dim() == 1:
            rows = [t.reshape(1, -1)]
        elif t.dim() == 2:
            rows = [t[i : i + 1] for i in range(t.shape[0])]
        else:
            raise ExplanationInputError(f"text input must be token ids (T,) or (N, T); got {describe(t)}")
    if not rows:
        raise ExplanationInputError("x is an empty list; text needs at least one sequence of token ids")
    for r in rows:
        if r.is_floating_point() or r.dtype == torch.bool:
            raise ExplanationInputError(f"text input must be integer token ids; got {describe(r)}")
        if r.shape[1] == 0:
            raise ExplanationInputError("a text example has no tokens")
    # tokens: one list for a single example, else one list per example.
    if tokens is None:
        per = [[str(int(i)) for i in r[0]] for r in rows]
    elif len(rows) == 1 and tokens and not isinstance(tokens[0], (list, tuple)):
        per = [[str(s) for s in tokens]]
    else:
        per = [[str(s) for s in ts] for ts in tokens]  # type: ignore[union-attr]
    if len(per) != len(rows):
        raise ExplanationInputError(f"tokens must give one list of token strings per example ({len(rows)}); got {len(per)}")
    for i, (r, ts) in enumerate(zip(rows, per)):
        if len(ts) != r.shape[1]:
            raise ExplanationInputError(
                f"tokens[{i}] has {len(ts)} strings but example {i} has {r.shape[1]} token ids"
            )
    baselines = None
    if baseline is not None:
        if isinstance(baseline, (list, tuple)):
            baselines = [_tensor(b, "each baseline").reshape(1, -1).to(r.dtype) for b, r in zip(baseline, rows)]
            if len(baselines) != len(rows) or any(b.shape != r.shape for b, r in zip(baselines, rows)):
                raise ExplanationInputError("baseline must give one id sequence per example, each of its example's length")
        elif len(rows) == 1 or len({r.shape for r in rows}) == 1:
            baselines = _check_baseline(baseline, rows[0], len(rows))
        else:
            raise ExplanationInputError(
                "with sequences of different lengths, pass baseline as a list of id tensors, one per example"
            )
    return Inputs("text", rows, tokens=per, baselines=baselines, baseline_kind="zero" if baselines is None else "given")


def split_maps(a: torch.Tensor, inputs: Inputs, name: str) -> list[torch.Tensor]:
    """One display map per example from a user's attribution tensor."""
    n = len(inputs)
    first = inputs.examples[0]
    if inputs.kind == "text":
        lengths = [e.shape[1] for e in inputs.examples]
        if n == 1 and a.dim() >= 1 and a.shape[0] == lengths[0] and a.dim() <= 2:
            rows = [a]  # (T,) or (T, D) for the one example
        elif a.dim() in (2, 3) and a.shape[0] == n and len(set(lengths)) == 1:
            rows = list(a)  # (N, T) or (N, T, D)
        else:
            raise ExplanationInputError(
                f"attributions[{name!r}] must be (N, T) or (N, T, D) for {n} text example(s) of "
                f"{lengths[0]} tokens; got {tuple(a.shape)}"
            )
        out = []
        for i, r in enumerate(rows):
            r = reduce_map(r.unsqueeze(0), "text")  # a token's score: summed over the embedding
            if r.numel() != lengths[i]:
                raise ExplanationInputError(
                    f"attributions[{name!r}] for example {i} has {r.numel()} scores but the text has {lengths[i]} tokens"
                )
            out.append(r)
        return out
    full = (n, *first.shape[1:])
    if tuple(a.shape) == tuple(first.shape[1:]) and n == 1:
        a = a.unsqueeze(0)
    if tuple(a.shape) != full:
        raise ExplanationInputError(
            f"attributions[{name!r}] must have the input's shape {full}"
            + (f" or {tuple(first.shape[1:])}" if n == 1 else "") + f"; got {tuple(a.shape)}"
        )
    return [reduce_map(a[i : i + 1], inputs.kind) for i in range(n)]


SPECIAL = ("[", "<")  # [CLS], [SEP], [PAD] (WordPiece); <s>, </s>, <pad>, <|endoftext|> (BPE, SentencePiece)


def detokenize(tokens: list[str]) -> str:
    """A readable line from WordPiece (``##`` continues a word), byte-level BPE (``Ġ``
    starts a word) or SentencePiece (``▁`` starts a word) tokens, special tokens left
    out, for the batch strip."""
    spaced = any(t.startswith(("Ġ", "▁")) for t in tokens)
    words: list[str] = []
    for tok in tokens:
        if tok.startswith(SPECIAL) and tok.endswith(("]", ">")) and len(tok) > 2:
            continue
        if spaced:  # a word starts at its marker; a piece without one continues the word
            if tok.startswith(("Ġ", "▁")) or not words:
                words.append(tok.lstrip("Ġ▁"))
            else:
                words[-1] += tok.replace("Ċ", " ")
        elif tok.startswith("##") and words:
            words[-1] += tok[2:]
        else:
            words.append(tok)
    text = " ".join(w for w in words if w)
    return text if len(text) <= 60 else text[:57] + "…"


def check_embedding(model: torch.nn.Module, inputs: Inputs, embedding: str | None) -> None:
    """Text needs the embedding layer attributions flow through, and it must be one of the model's."""
    if inputs.kind == "text" and embedding is None:
        raise ExplanationInputError(
            "text input needs embedding='<name of the embedding layer>' (a key of model.named_modules()), "
            "so attributions can flow through token embeddings"
        )
    if embedding is not None and embedding not in dict(model.named_modules()):
        raise ExplanationInputError(f"embedding {embedding!r} is not a module of the model")


def output_labels(labels: Sequence[object] | None, n_out: int, output: str) -> list[str]:
    """One name per model output: the given ones, or the output indices ("score" for a single score)."""
    names = [str(c) for c in range(n_out)] if labels is None else [str(c) for c in labels]
    if output == "score" and names == ["0"]:
        names = ["score"]
    if len(names) != n_out:
        raise ExplanationInputError(f"labels must name every one of the model's {n_out} outputs; got {len(names)}")
    return names


def strip_pictures(inputs: Inputs, lo: float, hi: float) -> np.ndarray:
    """(N, h, w, 3) uint8 small pictures of image examples for the batch strip."""
    from ..figures.colormap import display_image

    small = thumbnails(inputs.display or inputs.examples, THUMB, STRIP_MAX)
    return np.stack([display_image(img.numpy(), lo, hi) for img in small])
