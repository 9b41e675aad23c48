"""The static form of the Attribution view: images, tables and text, one or
several methods on one shared scale, the same mask and colours as the browser,
and the trust panel's deletion curves and one-line verdicts."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.cm import ScalarMappable
from matplotlib.colors import ListedColormap, Normalize
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

from .colormap import composite, display_image, lut_index
from .figure import ViewFigure
from .text import clip, literal, wrap
from .waterfall import WATERFALL_FEATURES, draw_waterfall, output_axis

# Tabular figures list at most this many features (the largest by |attribution|).
MAX_FEATURES = 20
LABEL = 26  # characters of a user label a static figure keeps (class, feature, method names)
TRUST_WIDTH = 9.0  # inches: the trust row's curve, legend and verdicts need this much
CHARS_PER_INCH = 14  # at fontsize 8: how many characters a wrapped line holds per inch
SMALL_SHARE = 0.25  # a compared panel below this share of the shared scale is flagged (js/src/attribution/scale.ts)


def top_classes(probs: np.ndarray, k: int, target: int) -> list[int]:
    """Indices of the k most probable classes, descending, plus the target if missing."""
    order = [int(i) for i in np.argsort(-probs, kind="stable")[:k]]
    if target not in order:
        order.append(int(target))
    return order


def mask_map(amap: np.ndarray, scale: float, threshold: float, top_percent: float, absolute: bool,
             skip: np.ndarray | None = None) -> np.ndarray:
    """What the view draws for a map: |values| when ``absolute``, and values
    below ``threshold`` × scale or outside the top ``top_percent`` % by
    magnitude set to 0 (drawn transparent); cells ``skip`` flags (text padding)
    are 0 and not counted in the top share. Mirrors js/src/attribution/mask.ts."""
    v = np.asarray(amap, dtype=np.float64)
    out = np.abs(v) if absolute else v.copy()
    mag = np.abs(v)
    hide = mag < threshold * scale
    skip = np.zeros(mag.shape, dtype=bool) if skip is None else np.asarray(skip, dtype=bool).reshape(mag.shape)
    if top_percent < 100.0:
        kept = mag[~skip]
        keep = math.ceil(top_percent / 100.0 * kept.size)
        if keep <= 0:
            hide |= True
        else:
            cutoff = np.sort(kept, axis=None)[::-1][keep - 1]
            hide |= mag < cutoff
    out[hide | skip] = 0.0
    return out


def _colour(lut: np.ndarray, value: float, lo: float, hi: float) -> tuple[float, ...]:
    return tuple(lut[int(lut_index(np.asarray([value]), lo, hi)[0])] / 255.0)


def attribution_figure(
    *,
    kind: str,
    inputs: np.ndarray,
    display_range: tuple[float, float],
    maps: Sequence[np.ndarray],
    titles: Sequence[str],
    scale: float,
    lut: np.ndarray,
    absolute: bool,
    threshold: float,
    top_percent: float,
    opacity: float,
    probs: np.ndarray,
    output: str,
    labels: Sequence[str],
    target: int,
    predicted: int,
    top_k: int,
    feature_names: Sequence[str] = (),
    tokens: Sequence[str] = (),
    padding: np.ndarray | None = None,  # text: (T,) bool, True where the position is padding (no input)
    trust: dict[str, Any] | None = None,  # the trust panel with its arrays as numpy
    method_titles: dict[str, str] | None = None,
    output_label: str = "",  # what the bars show ("softmax probabilities", "raw scores", ...)
    waterfall: dict[str, Any] | None = None,  # tabular: base, fx, complete (the main method's sum property)
    notes: Sequence[str] = (),  # the view's notes (engine.notes): why a map may look as it does
) -> Figure:
    """The Attribution view as a Figure (see ``Attribution.to_figure``). ``waterfall``
    (tabular only): the ends base f(baseline) and f(x) of the main method's waterfall and
    whether that method has completeness; None draws no waterfall."""
    lo, hi = (0.0, scale) if absolute else (-scale, scale)
    pads = padding if kind == "text" and padding is not None and np.any(padding) else None
    shown = [mask_map(m, scale, threshold, top_percent, absolute, pads) for m in maps]
    n = len(shown)
    has_trust = bool(trust) and "deletion_scores" in trust
    notes = list(notes) + scale_notes(maps, titles, scale)
    titles = [clip(t, 40) for t in titles]
    width = {"image": 2.6 * n + 3.4, "tabular": 2.6 * n + 4.6, "text": 9.0}[kind]
    width = max(width, TRUST_WIDTH) if has_trust else width
    text_lines = 1 + sum(len(t) + 2 for t in tokens) // 110 if kind == "text" else 1
    height = {"image": 3.2, "tabular": 0.9 + 0.22 * min(MAX_FEATURES + 1, len(maps[0])),
              "text": 0.35 * n * (text_lines + 1) + 1.4}[kind]
    height = max(height, 2.6)
    trust_height = _trust_height(trust, width) if has_trust else 0.0
    wf = waterfall if kind == "tabular" and waterfall else None
    wf_height = 1.5 + 0.2 * (min(len(maps[0]), WATERFALL_FEATURES + 1) + 4) if wf else 0.0
    note_text = _notes_text(notes, width)
    note_height = 0.2 + (note_text.count("\n") + 1) * 8 * 1.35 / 72 if notes else 0.0
    # As in the view: the notes above the maps, the waterfall and the trust row below them.
    heights = [h for h in (note_height, height, wf_height, trust_height) if h]
    fig = ViewFigure(figsize=(width, sum(heights)), layout="constrained")
    rows = list(np.atleast_1d(fig.subfigures(len(heights), 1, height_ratios=heights))) if len(heights) > 1 else [fig]
    if notes:
        _notes_panel(rows.pop(0), note_text)
    top = rows[0]
    if kind == "text":
        panels = top.subfigures(1, 2, width_ratios=[3.0, 1.0])
        _text_panel(panels[0], shown, titles, tokens, lut, lo, hi, pads)
        bar_fig = panels[1]
    else:
        axes = top.subplots(1, n + 1, width_ratios=[1.0] * n + [1.0])
        axes = np.atleast_1d(axes)
        if kind == "image":
            base = display_image(inputs, *display_range)
            for ax, m, name in zip(axes[:n], shown, titles):
                ax.imshow(composite(base, m, lut, lo, hi, opacity), interpolation="nearest")
                ax.set_xticks([])
                ax.set_yticks([])
                ax.set_title(wrap(name, 22), fontsize=9)
            mappable = ScalarMappable(norm=Normalize(lo, hi), cmap=ListedColormap(lut / 255.0))
            top.colorbar(mappable, ax=list(axes[:n]), fraction=0.05,
                         label="magnitude, 0 → max (shared scale)" if absolute else "attribution (shared scale)")
        else:
            _tabular_panels(axes[:n], shown, maps[0], titles, feature_names, inputs, lut, lo, hi)
        bar_fig = None
        _prediction_bars(axes[n], probs, output, labels, target, predicted, top_k, output_label)
    if bar_fig is not None:
        _prediction_bars(bar_fig.subplots(), probs, output, labels, target, predicted, top_k, output_label)
    if wf:
        draw_waterfall(rows[1].subplots(), maps[0], float(wf["base"]), float(wf["fx"]), names=feature_names,
                       inputs=np.asarray(inputs).reshape(-1), method=titles[0], complete=bool(wf.get("complete")),
                       axis_label=output_axis(output_label, output, clip(labels[target], LABEL)))
    if has_trust:
        _trust_panel(rows[-1], trust, dict(method_titles or {}))
    return fig


def scale_notes(maps: Sequence[np.ndarray], titles: Sequence[str], scale: float) -> list[str]:
    """The view's note under a compared panel whose values are a small share of the
    shared scale: drawn on it, the panel looks empty although it is not."""
    if len(maps) < 2 or scale <= 0:
        return []
    out = []
    for m, title in zip(maps, titles):
        own = float(np.abs(np.asarray(m, dtype=np.float64)).max(initial=0.0))
        share = own / scale
        if 0 < share < SMALL_SHARE:  # an all-zero map has the engine's own note
            out.append(f"{title}: range ±{own:.3g}: {share * 100:.2g} % of the shared ±{scale:.3g}, so its colours "
                       "are faint on this scale (the live view can scale each panel alone).")
    return out


def _notes_text(notes: Sequence[str], width: float) -> str:
    chars = int(CHARS_PER_INCH * width * 0.9)
    return "\n".join(wrap("• " + n, chars).replace("\n", "\n   ") for n in notes)


def _notes_panel(sub, text: str) -> None:
    ax = sub.subplots()
    ax.set_axis_off()
    ax.axvline(0.0, color="#f9a825", linewidth=3)  # the view's amber margin
    ax.text(0.012, 0.5, text, va="center", fontsize=8, color="#333", transform=ax.transAxes)


def _tabular_panels(axes, shown, primary, titles, feature_names, values, lut, lo, hi) -> None:
    full = np.argsort(-np.abs(np.asarray(primary)), kind="stable")
    # As in the view, a long table's tail is one row: its summed attribution.
    fold = len(full) > MAX_FEATURES + 1
    order, rest = (full[:MAX_FEATURES], full[MAX_FEATURES:]) if fold else (full, full[:0])
    names = [f"{clip(feature_names[i], LABEL)} = {values[i]:.3g}" for i in order]
    if fold:
        names.append(f"{len(rest)} other features (sum)")
    ypos = np.arange(len(names))[::-1]
    for k, (ax, m, name) in enumerate(zip(axes, shown, titles)):
        vals = np.asarray(m)[order]
        if fold:
            vals = np.append(vals, np.asarray(m)[rest].sum())
        ax.barh(ypos, vals, color=[_colour(lut, v, lo, hi)[:3] for v in vals], edgecolor="#555", linewidth=0.3)
        ax.axvline(0, color="#888", linewidth=0.6)
        ax.set_xlim(lo * 1.05 if lo < 0 else 0, hi * 1.05)
        ax.set_yticks(ypos, names if k == 0 else [""] * len(names), fontsize=7)
        ax.set_title(wrap(name, 26), fontsize=9)
        ax.tick_params(axis="x", labelsize=7)
        ax.xaxis.set_major_locator(MaxNLocator(3, symmetric=lo < 0))


PAD = "pad"  # what a padded position says, in the view and in the figure


def _text_panel(sub, shown, titles, tokens, lut, lo, hi, padding=None) -> None:
    """Each method's tokens as coloured boxes, wrapped to the panel's width; padding
    as a grey hatched "pad" box outside the colour scale."""
    ax = sub.subplots()
    ax.set_axis_off()
    width = 0.012  # axes units per character, at fontsize 10 in the figure's width

    def lines_of(toks):
        lines, line, x = [], [], 0.0
        for i, tok in enumerate(toks):
            w = width * (len(tok) + 1.5)
            if line and x + w > 1.0:
                lines.append(line)
                line, x = [], 0.0
            line.append((i, tok, x))
            x += w
        return lines + ([line] if line else [])

    layout = lines_of([PAD if padding is not None and padding[i] else t for i, t in enumerate(tokens)])
    rows = len(shown) * (len(layout) + 1)
    step = 1.0 / max(rows, 1)
    y = 1.0
    for m, name in zip(shown, titles):
        ax.text(0.0, y - 0.5 * step, name, fontsize=9, color="#555", transform=ax.transAxes, va="center")
        y -= step
        for line in layout:
            for i, tok, x in line:
                if padding is not None and padding[i]:
                    ax.text(x, y - 0.5 * step, PAD, fontsize=8, style="italic", color="#777", transform=ax.transAxes,
                            va="center", gid="pad", bbox={"facecolor": "none", "edgecolor": "#999", "hatch": "///",
                                                          "linestyle": "--", "linewidth": 0.5, "pad": 1.5})
                    continue
                rgba = _colour(lut, float(m[i]), lo, hi)
                ax.text(x, y - 0.5 * step, literal(tok), fontsize=10, transform=ax.transAxes, va="center",
                        bbox={"facecolor": rgba[:3], "alpha": max(rgba[3], 0.02), "edgecolor": "none", "pad": 1.5})
            y -= step
    mappable = ScalarMappable(norm=Normalize(lo, hi), cmap=ListedColormap(lut / 255.0))
    sub.colorbar(mappable, ax=ax, orientation="horizontal", fraction=0.08, label="attribution (shared scale)")


def _prediction_bars(ax, probs, output, labels, target, predicted, top_k, output_label="") -> None:
    probs = np.asarray(probs, dtype=np.float64).reshape(-1)
    if output == "none":
        ax.set_axis_off()
        return
    if output == "score" and probs.shape[0] == 1:
        ax.barh([0], [probs[0]], color="#d62728")
        ax.set_yticks([0], [clip(labels[0], LABEL)])
        ax.set_title(f"output: {probs[0]:.4g}", fontsize=10)
        return
    shown = top_classes(probs, top_k, target)
    ypos = np.arange(len(shown))[::-1]
    colours = ["#d62728" if c == target else "#9aa5b1" for c in shown]
    ax.barh(ypos, [probs[c] for c in shown], color=colours)
    ax.set_yticks(ypos, [clip(labels[c], LABEL) + (" (predicted)" if c == predicted else "") for c in shown], fontsize=8)
    ax.set_xlabel(output_label or "probability", fontsize=8)
    ax.set_title(wrap(f"explaining: {clip(labels[target], LABEL)}", 24), fontsize=9)
    if output == "score":  # raw scores: no [0, 1] axis, values as they are
        ax.tick_params(axis="x", labelsize=7)
        for y, c in zip(ypos, shown):
            ax.text(probs[c], y, f" {probs[c]:.4g}", va="center", fontsize=8)
        return
    ax.set_xlim(0, 1)
    ax.set_xticks([0, 0.5, 1], ["0", "50%", "100%"], fontsize=7)
    for y, c in zip(ypos, shown):
        inside = probs[c] > 0.8  # long bars carry their label inside, in white
        x = probs[c] - 0.02 if inside else probs[c] + 0.02
        ax.text(x, y, f"{probs[c]:.1%}", va="center", ha="right" if inside else "left",
                color="white" if inside else "black", fontsize=8)


def _summary(trust: dict[str, Any], width: float) -> str:
    chars = int(CHARS_PER_INCH * width * 0.58)
    return "\n".join(wrap(line, chars) for line in trust.get("summary", {}).values())


def _trust_height(trust: dict[str, Any], width: float) -> float:
    """Inches the trust row needs: the curve with its legend, or the wrapped verdicts."""
    lines = _summary(trust, width).count("\n") + 1
    legend = len(trust["methods"]) + (1 if trust.get("deletion_random") is not None else 0)
    return max(2.2 + 0.16 * legend, 0.6 + lines * 8 * 1.3 / 72)


_DASHES = ["-", "--", ":", "-.", (0, (5, 1, 1, 1)), (0, (1, 2))]


def _trust_panel(sub, trust: dict[str, Any], names: dict[str, str]) -> None:
    width = sub.get_figure(root=True).get_figwidth() if hasattr(sub, "get_figure") else TRUST_WIDTH
    ax_curve, ax_text = sub.subplots(1, 2, width_ratios=[0.42, 0.58])
    fractions = np.asarray(trust["deletion_fractions"])
    scores = np.asarray(trust["deletion_scores"])
    methods = list(trust["methods"])
    for k, (name, row) in enumerate(zip(methods, scores)):
        area = trust["deletion_area"].get(name, float("nan"))
        same = next((methods[j] for j in range(k) if np.allclose(scores[j], row)), None)
        label = f"{clip(names.get(name, name), LABEL)} (area {area:.3f})"
        if same is not None:
            label += f", same curve as {clip(names.get(same, same), LABEL)}"
        ax_curve.plot(fractions, row, label=label, ls=_DASHES[k % len(_DASHES)], lw=2 if k == 0 else 1.4)
    random = trust.get("deletion_random")
    if random is not None:
        ax_curve.plot(fractions, np.asarray(random), color="#888", ls="--", lw=1, label="random order (reference)")
    ax_curve.set_xlabel("features removed, most important first", fontsize=8)
    ax_curve.set_ylabel("probability" if float(np.nanmax(scores)) <= 1.0 else "score", fontsize=8)
    ax_curve.set_title("deletion curve: faster drop = more faithful", fontsize=9)
    ax_curve.tick_params(labelsize=7)
    ax_curve.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax_curve.xaxis.set_major_locator(MaxNLocator(3))
    ax_curve.yaxis.set_major_locator(MaxNLocator(4))
    # below the axes, never over the curves
    ax_curve.legend(fontsize=7, loc="upper left", bbox_to_anchor=(0.0, -0.32), frameon=False, borderaxespad=0.0)
    ax_text.set_axis_off()
    ax_text.text(0.0, 1.0, _summary(trust, width), va="top", fontsize=8, transform=ax_text.transAxes)
