"""Token strings for token-id inputs: from a tokenizer the user gives, else one found
(a fast tokenizer's ``BatchEncoding``, a sentence-transformers model's ``.tokenizer``),
else the ids themselves; and the pieces in the form the text views draw.

The views join a word's pieces by WordPiece's rule (a piece starting ``##``
continues the word before). Byte-level BPE (GPT-2, RoBERTa: ``Ġ`` starts a word,
bytes spelled as printable characters) and SentencePiece (``▁`` starts a word)
are brought to that form here: a piece that starts a word loses its marker, a
piece inside a word gets ``##``; byte-level pieces are decoded back to their text.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import torch
from torch import nn

from ..engine import ExplanationInputError

BPE, SENTENCEPIECE = "Ġ", "▁"
SPACE = "␣"  # a piece that is only a word-start marker: a space, visible


@lru_cache(maxsize=1)
def _byte_decoder() -> dict[str, int]:
    """GPT-2's printable character for each byte, inverted (``bytes_to_unicode``)."""
    keep = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    chars, extra = {}, 0
    for b in range(256):
        if b in keep:
            chars[chr(b)] = b
        else:
            chars[chr(256 + extra)] = b
            extra += 1
    return chars


def _bytes_text(piece: str) -> str:
    """A byte-level BPE piece as text (the piece itself if it is not byte-level)."""
    table = _byte_decoder()
    if not all(c in table for c in piece):
        return piece
    return bytes(table[c] for c in piece).decode("utf-8", errors="replace")


def _special(piece: str) -> bool:
    return len(piece) > 2 and ((piece[0] == "[" and piece[-1] == "]") or (piece[0] == "<" and piece[-1] == ">"))


def style_of(tokenizer: Any) -> str | None:
    """"bpe" (byte-level, ``Ġ``), "sentencepiece" (``▁``) or "wordpiece", from the
    tokenizer's vocabulary (a sentence of one word has no marker to tell); None if unknown."""
    try:
        sample = [str(p) for p in tokenizer.convert_ids_to_tokens(list(range(min(len(tokenizer), 4096))))]
    except Exception:  # not a tokenizer with a vocabulary we can read
        return None
    if any(p.startswith(BPE) for p in sample):
        return "bpe"
    return "sentencepiece" if any(p.startswith(SENTENCEPIECE) for p in sample) else "wordpiece"


def readable_pieces(pieces: Sequence[str], style: str | None = None) -> list[str]:
    """``pieces`` in the views' WordPiece form (see the module doc); WordPiece as it is.
    ``style`` (see :func:`style_of`) says the tokenizer's kind; None: told by the pieces."""
    pieces = [str(p) for p in pieces]
    byte_level = style == "bpe" if style else any(p.startswith(BPE) for p in pieces)
    marked = byte_level or any(p.startswith(SENTENCEPIECE) for p in pieces)
    spaced = style in ("bpe", "sentencepiece") if style else marked
    if not spaced:
        return pieces
    out, after_word = [], False
    for p in pieces:
        if _special(p):
            out.append(p)
            after_word = False
            continue
        starts = p.startswith((BPE, SENTENCEPIECE))
        text = _bytes_text(p) if byte_level else p
        text = text.lstrip(" " + SENTENCEPIECE) if starts else text
        if starts and not text:  # the space alone is the token: shown, and the next piece starts the word
            out.append(SPACE)
            after_word = False
            continue
        out.append(text if starts or not after_word or not text else "##" + text)
        after_word = True
    return out


def find_tokenizer(model: object, inputs: object = None) -> Any:
    """A tokenizer to read ids with when none is given: the ``.tokenizer`` the model or
    one of its modules keeps (a sentence-transformers model and its ``Transformer``
    module do), else None."""
    holders = [model, *(model.modules() if isinstance(model, nn.Module) else ())]
    for holder in holders:
        try:
            tok = getattr(holder, "tokenizer", None)
        except Exception:  # a property that cannot answer
            tok = None
        if tok is not None and hasattr(tok, "convert_ids_to_tokens"):
            return tok
    return None


def _encoding_tokens(inputs: object, n: int) -> list[list[str]] | None:
    """The token strings a fast tokenizer's ``BatchEncoding`` carries, if it does."""
    if not hasattr(inputs, "tokens") or not getattr(inputs, "encodings", None):
        return None
    try:
        return [list(inputs.tokens(i)) for i in range(n)]  # type: ignore[attr-defined]
    except Exception:  # a BatchEncoding without encodings (a slow tokenizer's)
        return None


def token_strings(ids: torch.Tensor, *, tokenizer: Any = None, model: object = None,
                  inputs: object = None) -> list[list[str]] | None:
    """One readable list of token strings per row of ``ids`` (N, T), or None when no
    tokenizer is given or found (the view then shows the ids)."""
    tok = tokenizer if tokenizer is not None else find_tokenizer(model, inputs)
    if tokenizer is not None and not hasattr(tokenizer, "convert_ids_to_tokens"):
        raise ExplanationInputError(
            f"tokenizer must be a Hugging Face tokenizer (with convert_ids_to_tokens); got {type(tokenizer).__name__}"
        )
    rows = ids.reshape(-1, ids.shape[-1]) if ids.dim() > 0 else ids.reshape(1, 1)
    style = None
    if tok is not None:
        raw = [[str(p) for p in tok.convert_ids_to_tokens([int(i) for i in row])] for row in rows]
        style = style_of(tok)
    else:
        raw = _encoding_tokens(inputs, rows.shape[0])
        if raw is None or any(len(r) != rows.shape[1] for r in raw):
            return None
    return [readable_pieces(r, style) for r in raw]


def tokens_for(x: object, *, tokenizer: Any = None, model: object = None,
               inputs: object = None) -> list[list[str]] | None:
    """:func:`token_strings` for what a view takes as token ids: (T,), (N, T) or a list of
    1-D id tensors; None for anything else (images, tables) or when nothing reads the ids."""
    rows = x if isinstance(x, (list, tuple)) else [x]
    if not rows or not all(isinstance(r, torch.Tensor) and not r.is_floating_point() and r.dtype != torch.bool
                           and r.dim() in (1, 2) for r in rows):
        if tokenizer is not None and isinstance(x, torch.Tensor) and x.is_floating_point():
            raise ExplanationInputError(f"tokenizer= is for token-id inputs; x is {x.dtype} of shape {tuple(x.shape)}")
        return None
    if not isinstance(x, (list, tuple)):
        return token_strings(x, tokenizer=tokenizer, model=model, inputs=inputs)
    out = []
    for r in rows:
        found = token_strings(r.reshape(1, -1), tokenizer=tokenizer, model=model)
        if found is None:
            return None
        out.append(found[0])
    return out


def vocab_labels(tokenizer: Any, n_out: int) -> list[str] | None:
    """Output names for a language model's (N, V) next-token scores: each id's token, a
    word start marked ``␣`` (" the" and "the" are different tokens), ids past the
    tokenizer's vocabulary as ids; None unless the outputs are the vocabulary."""
    if tokenizer is None or not hasattr(tokenizer, "convert_ids_to_tokens"):
        return None
    try:
        size = len(tokenizer)
    except TypeError:
        return None
    if n_out < size or n_out > size + 1024:  # a padded embedding matrix has a few more rows, not many
        return None
    pieces = [str(p) for p in tokenizer.convert_ids_to_tokens(list(range(size)))]
    byte_level = any(p.startswith(BPE) for p in pieces)
    labels = []
    for p in pieces:
        starts = p.startswith((BPE, SENTENCEPIECE))
        text = _bytes_text(p) if byte_level else p
        labels.append(SPACE + text.lstrip(" " + SENTENCEPIECE) if starts else text)
    return labels + [str(i) for i in range(size, n_out)]
