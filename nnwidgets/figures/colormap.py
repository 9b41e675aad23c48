"""256-entry RGBA lookup tables and the compositing both the browser and matplotlib use.

The browser view (``js/src/lib/colormap.ts``) receives the same table and does
the same arithmetic, so the live view and the static figure look the same.
"""

from __future__ import annotations

import numpy as np
from matplotlib import colormaps

DEFAULT_SIGNED = "RdBu_r"
DEFAULT_UNSIGNED = "Reds"

# Palettes the view offers: a diverging colormap for signed maps and a
# sequential one for |attribution|, chosen to read as a pair.
PALETTES: dict[str, tuple[str, str]] = {
    "red-blue": ("RdBu_r", "Reds"),
    "purple-green": ("PRGn", "Greens"),
    "pink-green": ("PiYG", "RdPu"),
    "cool-warm": ("coolwarm", "YlOrRd"),
}


def palette_tables(extra: str | None = None) -> dict[str, dict[str, np.ndarray]]:
    """Signed and unsigned tables of every palette, plus ``extra`` (a palette
    or any matplotlib colormap name, used for both) so the browser can switch
    colours without asking the kernel."""
    pairs = dict(PALETTES)
    if extra and extra not in pairs:
        pairs[extra] = (extra, extra)
    return {
        name: {"signed": lookup_table(s, signed=True), "unsigned": lookup_table(u, signed=False)}
        for name, (s, u) in pairs.items()
    }


def lookup_table(name: str | None = None, *, signed: bool = True) -> np.ndarray:
    """A (256, 4) uint8 RGBA table from a matplotlib colormap.

    Alpha rises with the magnitude the entry stands for (from the centre for a
    signed scale, from the bottom for an unsigned one), so where attribution is
    near zero the input shows through the overlay.
    """
    name = name or (DEFAULT_SIGNED if signed else DEFAULT_UNSIGNED)
    try:
        cmap = colormaps[name]
    except KeyError as exc:
        raise ValueError(f"unknown matplotlib colormap {name!r}") from exc
    rgba = cmap(np.linspace(0.0, 1.0, 256))
    ramp = np.linspace(0.0, 1.0, 256)
    # sqrt: moderate attributions stay visible over a busy picture, zero stays clear.
    rgba[:, 3] = np.sqrt(np.abs(2.0 * ramp - 1.0) if signed else ramp)
    return np.round(rgba * 255.0).astype(np.uint8)


def lut_index(values: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Table index of each value on the scale [lo, hi]: round half to even, clamped."""
    values = np.asarray(values, dtype=np.float64)
    span = hi - lo
    scaled = (values - lo) / span * 255.0 if span > 0 else np.zeros_like(values)
    scaled = np.nan_to_num(scaled, nan=0.0, posinf=255.0, neginf=0.0)
    return np.clip(np.round(scaled), 0, 255).astype(np.intp)


def display_image(image: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """(C, H, W) input values to an (H, W, 3) uint8 picture on the range [lo, hi]."""
    image = np.asarray(image, dtype=np.float64)
    if image.shape[0] == 3:
        planes = image
    else:
        planes = np.repeat(image.mean(axis=0, keepdims=True), 3, axis=0)
    return lut_index(planes, lo, hi).astype(np.uint8).transpose(1, 2, 0)


def composite(
    base: np.ndarray, amap: np.ndarray, lut: np.ndarray, lo: float, hi: float, opacity: float
) -> np.ndarray:
    """Blend an (H, W) map coloured through ``lut`` over an (H, W, 3) uint8 picture."""
    entries = lut[lut_index(amap, lo, hi)].astype(np.float64)
    alpha = opacity * entries[..., 3:4] / 255.0
    out = (1.0 - alpha) * base.astype(np.float64) + alpha * entries[..., :3]
    return np.clip(np.round(out), 0, 255).astype(np.uint8)
