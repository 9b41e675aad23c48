"""Geometry read from the page (DOM boxes and canvas pixels), not only values: where
zero lines sit, which way each bar points, whether a label is cut, colour contrast."""

from __future__ import annotations

BARS = """([rows, track, zero, fill]) => Array.from(document.querySelectorAll(rows)).map((row) => {
  const t = row.querySelector(track), z = row.querySelector(zero), f = row.querySelector(fill);
  const box = (e) => { if (!e) return null; const r = e.getBoundingClientRect(); return [r.left, r.right, r.top, r.bottom]; };
  return { value: Number(row.dataset.value), track: box(t), zero: box(z), fill: box(f),
           colour: f ? getComputedStyle(f).backgroundColor : null };
})"""

CLIPPED = """(sel) => Array.from(document.querySelectorAll(sel)).filter((e) => e.offsetParent !== null)
  .filter((e) => e.scrollWidth > e.clientWidth + 1).map((e) => e.textContent)"""


def bars(page, rows: str, track: str, zero: str, fill: str) -> list[dict]:
    return page.evaluate(BARS, [rows, track, zero, fill])


def assert_bars_share_zero_and_sign(found: list[dict], tol: float = 1.0) -> None:
    """Every row's zero line at the same x, and each drawn bar on the side of zero its value's sign says."""
    assert found, "no bars drawn"
    zeros = [b["zero"][0] for b in found if b["zero"]]  # the zero line starts where zero is
    assert zeros and max(zeros) - min(zeros) <= tol, f"zero lines at x = {sorted(set(round(z, 1) for z in zeros))}"
    z = zeros[0]
    for b in found:
        left, right = b["fill"][0], b["fill"][1]
        if right - left < 0.5 or b["value"] == 0:
            continue
        assert ((right - z) > (z - left)) == (b["value"] > 0), f"bar of {b['value']} drawn on the wrong side of zero"
        assert (left >= z - tol) if b["value"] > 0 else (right <= z + tol), f"bar of {b['value']} crosses zero"


def rgba(css: str) -> list[float]:
    parts = [float(p) for p in css[css.index("(") + 1:css.index(")")].replace("/", ",").split(",")]
    return parts[:3] + [parts[3] if len(parts) > 3 else 1.0]


def over(css: str, background: str) -> str:
    """``css`` (maybe translucent) composited over an opaque ``background``: the colour the eye sees."""
    (r, g, b, a), (R, G, B, _) = rgba(css), rgba(background)
    return f"rgb({a * r + (1 - a) * R}, {a * g + (1 - a) * G}, {a * b + (1 - a) * B})"


def luminance(css: str) -> float:
    """Relative luminance (WCAG) of an opaque rgb() colour."""
    parts = rgba(css)[:3]

    def lin(c: float) -> float:
        c /= 255.0
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (lin(c) for c in parts)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: float, b: float) -> float:
    hi, lo = max(a, b), min(a, b)
    return (hi + 0.05) / (lo + 0.05)


def clipped(page, selector: str) -> list[str]:
    """Texts of the visible elements matching ``selector`` whose content is cut (ellipsis or overflow)."""
    return page.evaluate(CLIPPED, selector)
