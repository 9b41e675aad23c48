"""Activations (N, D) to 2-D: PCA in torch (exact, on the activations' device),
t-SNE and UMAP through their libraries (scikit-learn's TSNE, openTSNE or
umap-learn, whichever is installed): never a hand-written t-SNE. Each
projection reports its progress, can be cancelled between its stages, and says
what it cost."""

from __future__ import annotations

import importlib.util
import time
from dataclasses import dataclass

import numpy as np
import torch

from .errors import ExplanationInputError
from .progress import step

METHODS = ("pca", "tsne", "umap")


@dataclass
class Projection:
    """2-D coordinates of N points and what made them."""

    coords: torch.Tensor  # (N, 2) float32
    method: str
    library: str  # "torch", "scikit-learn", "openTSNE", "umap-learn"
    seconds: float
    explained: torch.Tensor | None  # PCA: the fraction of variance on each axis

    @property
    def cost(self) -> str:
        """One line for the view: what was projected, by what, in how long."""
        n = self.coords.shape[0]
        extra = ""
        if self.explained is not None:
            extra = f", {100 * float(self.explained.sum()):.0f}% of the variance"
        return f"{self.method.upper() if self.method == 'pca' else self.method} of {n:,} points by {self.library} " \
               f"in {self.seconds:.2f} s{extra}"


def pca(acts: torch.Tensor, k: int = 2) -> tuple[torch.Tensor, torch.Tensor]:
    """The first ``k`` principal-component scores of ``acts`` (N, D) and the fraction of
    variance each explains. Exact (an SVD of the centred data, in float64); each
    axis's sign is fixed so that its largest loading is positive."""
    x = acts.reshape(acts.shape[0], -1).double()
    x = x - x.mean(0, keepdim=True)
    if x.shape[1] < k:  # fewer dimensions than axes: pad with zeros
        x = torch.cat([x, x.new_zeros(x.shape[0], k - x.shape[1])], 1)
    _, s, vh = torch.linalg.svd(x, full_matrices=False)
    v = vh[:k]
    sign = torch.sign(v.gather(1, v.abs().argmax(1, keepdim=True)))
    sign[sign == 0] = 1
    v = v * sign
    total = (s ** 2).sum()
    explained = (s[:k] ** 2) / total if total > 0 else torch.zeros(k, dtype=s.dtype)
    return (x @ v.T).float(), explained.float()


def available(method: str) -> str | None:
    """The library that would run ``method``, or None if none is installed."""
    if method == "pca":
        return "torch"
    found = {name: importlib.util.find_spec(mod) is not None
             for name, mod in (("openTSNE", "openTSNE"), ("umap-learn", "umap"), ("scikit-learn", "sklearn"))}
    if method == "tsne":
        return "openTSNE" if found["openTSNE"] else "scikit-learn" if found["scikit-learn"] else None
    if method == "umap":
        return "umap-learn" if found["umap-learn"] else None
    return None


def project(acts: torch.Tensor, method: str = "pca", *, seed: int = 0, perplexity: float = 30.0,
            n_neighbors: int = 15) -> Projection:
    """Project ``acts`` (N, D) to 2-D with ``method`` ("pca", "tsne" or "umap").

    Progress: :func:`~nnwidgets.engine.progress.step` at 0 and at the end of
    each stage (a callback that raises stops the projection there; the
    libraries' own loops cannot be interrupted)."""
    if method not in METHODS:
        raise ExplanationInputError(f"projection must be one of {', '.join(METHODS)}; got {method!r}")
    if acts.dim() < 2 or acts.shape[0] < 2:
        raise ExplanationInputError(f"a projection needs at least 2 points (N, D); got shape {tuple(acts.shape)}")
    library = available(method)
    if library is None:
        need = "umap-learn" if method == "umap" else "scikit-learn or openTSNE"
        raise ExplanationInputError(f"projection={method!r} needs {need} installed (pip install {need.split()[0]})")
    flat = acts.reshape(acts.shape[0], -1)
    start = time.perf_counter()
    step(0, 2)
    if method == "pca":
        coords, explained = pca(flat)
        step(2, 2)
        return Projection(coords, method, library, time.perf_counter() - start, explained)
    # Non-linear methods start from the PCA of the data (what their authors advise), reduced to ≤ 50 dims.
    init, _ = pca(flat, 2)
    x = flat.double()
    x = (x - x.mean(0)).cpu().numpy()
    if x.shape[1] > 50:
        _, _, vh = np.linalg.svd(x, full_matrices=False)
        x = x @ vh[:50].T
    step(1, 2)
    init_np = (init / init[:, 0].std().clamp_min(1e-12) * 1e-4).double().cpu().numpy()
    perplexity = min(perplexity, (x.shape[0] - 1) / 3)
    if method == "tsne" and library == "openTSNE":
        from openTSNE import TSNE as OpenTSNE

        coords = np.asarray(OpenTSNE(perplexity=perplexity, random_state=seed, initialization=init_np,
                                     n_jobs=1).fit(x))
    elif method == "tsne":
        from sklearn.manifold import TSNE

        coords = TSNE(n_components=2, perplexity=perplexity, init=init_np, random_state=seed,
                      learning_rate="auto").fit_transform(x)
    else:
        import umap

        coords = umap.UMAP(n_neighbors=min(n_neighbors, x.shape[0] - 1), random_state=seed).fit_transform(x)
    step(2, 2)
    return Projection(torch.as_tensor(np.asarray(coords), dtype=torch.float32), method, library,
                      time.perf_counter() - start, None)
