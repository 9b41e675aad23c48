// One panel per shown method: a canvas for images, signed bars for tabular
// features, coloured tokens for text. Every panel of a view shares one colour
// scale, so maps can be compared honestly. Names and tokens are user text:
// they go through textContent only.

import { lutIndex } from "../lib/colormap";
import { clear, h } from "../lib/dom";
import { formatValue } from "../lib/hover";
import { blend, COMPARE_SIZE, DISPLAY_SIZE, displayScale, paintScaled } from "../lib/image";
import { sumOver, type Rows } from "./mask";
import type { DrawState } from "./state";
import { titleOf } from "./state";

export interface Panel {
  method: string;
  root: HTMLDivElement;
  canvas: HTMLCanvasElement | null;
  body: HTMLDivElement;
}

/** Make sure there is one panel per shown method, in order; rebuild only when the set changes. */
export function syncPanels(container: HTMLElement, s: DrawState, panels: Panel[]): Panel[] {
  const key = JSON.stringify([s.kind, s.shown, s.shown.map((m) => titleOf(s, m))]);
  if (container.dataset.key === key && panels.length === s.shown.length) return panels;
  clear(container);
  const out = s.shown.map((method, i) => {
    const root = h("div", `nnw-panel${i === 0 ? " nnw-main" : ""}`, { "data-method": method });
    root.append(h("div", "nnw-panel-title", {}, titleOf(s, method)));
    const body = h("div", "nnw-panel-body");
    let canvas: HTMLCanvasElement | null = null;
    if (s.kind === "image") {
      canvas = h("canvas", "nnw-canvas", { width: 0, height: 0, "data-method": method });
      body.append(canvas);
    }
    root.append(body);
    container.append(root);
    return { method, root, canvas, body };
  });
  container.dataset.key = key;
  return out;
}

const offscreen = typeof document !== "undefined" ? document.createElement("canvas") : null;

/** Draw one image map blended over the input, at the zoom chosen. */
export function paintImage(
  canvas: HTMLCanvasElement, base: Uint8ClampedArray, values: Float32Array, s: DrawState,
  lut: ArrayLike<number>, lo: number, hi: number, opacity: number, zoom: number,
): void {
  if (!offscreen) return;
  const k = displayScale(s.height, s.width, s.maps.length > 1 ? COMPARE_SIZE : DISPLAY_SIZE);
  paintScaled(canvas, offscreen, s.width, s.height, k, (rgba) => blend(base, values, lut, lo, hi, opacity, rgba));
  canvas.style.width = `${Math.round(s.width * k * zoom)}px`;
  canvas.style.height = `${Math.round(s.height * k * zoom)}px`;
  canvas.style.maxWidth = zoom > 1 ? "none" : "100%";
}

/** CSS colour of a value through a LUT; `alpha` multiplies the LUT's own alpha. */
export function lutColour(lut: ArrayLike<number>, v: number, lo: number, hi: number, alpha = 1, solid = false): string {
  const row = lutIndex(v, lo, hi) * 4;
  const a = solid ? alpha : (alpha * lut[row + 3]!) / 255;
  return `rgba(${lut[row]}, ${lut[row + 1]}, ${lut[row + 2]}, ${Math.round(a * 1000) / 1000})`;
}

/**
 * A bar's colour: the palette's colour far out on the value's side (so it
 * never fades to the palette's white or black middle, which on a dark theme
 * made the least important bars the brightest), more opaque the larger |v|:
 * contrast against the background grows with importance in either theme.
 */
export function barColour(lut: ArrayLike<number>, v: number, lo: number, hi: number): string {
  const span = Math.max(Math.abs(lo), Math.abs(hi)) || 1;
  // three quarters of the way out: saturated, yet not the darkest end, which sinks into a dark background
  const end = 0.75 * (v < 0 ? lo : hi);
  const share = Math.min(1, Math.abs(v) / span);
  return lutColour(lut, end, lo, hi, 0.3 + 0.7 * share, true);
}

/** The column headers of a feature table (user text stays in the rows). */
function headerRow(withValues: boolean, lo: number, hi: number): HTMLDivElement {
  const row = h("div", "nnw-fhead", { "aria-hidden": "true" });
  row.append(h("span", "nnw-fname", {}, "feature"));
  if (withValues) row.append(h("span", "nnw-fvalue", { title: "the input's value of the feature" }, "value"));
  const axis = h("span", "nnw-ftrack nnw-faxis");
  axis.append(h("span", "nnw-flo", {}, formatValue(lo)), h("span", "nnw-fmid", {}, lo < 0 ? "0" : ""),
    h("span", "nnw-fhi", {}, formatValue(hi)));
  row.append(axis, h("span", "nnw-fnum", {}, "attribution"));
  return row;
}

/**
 * Signed bars, one row per feature in `order` (the main map's magnitude
 * order, shared by every panel so rows line up). Zero sits mid-panel for a
 * signed scale, on the left for |values|. Every panel names its features (a
 * compared panel that wraps below the first keeps its names); the first also
 * shows the input's values.
 */
export function renderTabular(
  panel: Panel, s: DrawState, mapIndex: number, values: Float32Array, rowsToShow: Rows,
  lut: ArrayLike<number>, lo: number, hi: number, withValues: boolean, magnitudes = false,
): void {
  const raw = s.maps[mapIndex]!;
  const rows = rowsToShow.shown.map((f) => {
    const v = values[f]!;
    const row = h("div", "nnw-frow", { "data-feature": f, "data-value": String(raw[f]) });
    row.append(h("span", "nnw-fname", { title: s.features[f] ?? "" }, s.features[f] ?? `feature ${f}`));
    if (withValues) row.append(h("span", "nnw-fvalue", {}, formatValue(s.input[f]!)));
    const track = h("span", "nnw-ftrack");
    const bar = h("span", "nnw-fbar");
    const span = hi - lo || 1;
    const zero = (0 - lo) / span;
    const at = (Math.min(hi, Math.max(lo, v)) - lo) / span;
    bar.style.left = `${Math.min(zero, at) * 100}%`;
    bar.style.width = `${Math.abs(at - zero) * 100}%`;
    bar.style.background = v === 0 ? "transparent" : barColour(lut, v, lo, hi);
    if (lo < 0) track.append(h("span", "nnw-fzero", { "aria-hidden": "true" }));
    track.append(bar);
    row.append(track, h("span", "nnw-fnum", {}, formatValue(raw[f]!)));
    if (v === 0 && raw[f] !== 0) row.classList.add("nnw-masked");
    return row;
  });
  if (rowsToShow.rest.length) {
    // The tail in one row: its summed attribution, and a button to list it.
    const rest = h("div", "nnw-frow nnw-rest", { "data-value": String(sumOver(raw, rowsToShow.rest)) });
    const more = h("button", "nnw-more-features", { type: "button" }, `${rowsToShow.rest.length} more features`);
    rest.append(more);
    if (withValues) rest.append(h("span", "nnw-fvalue", {}, "sum"));
    rest.append(h("span", "nnw-ftrack"), h("span", "nnw-fnum", {}, formatValue(sumOver(raw, rowsToShow.rest))));
    rows.push(rest);
  }
  let total = 0;
  for (let i = 0; i < raw.length; i++) total += raw[i]!;
  const sum = h("div", "nnw-fsum", { "data-value": String(total) });
  panel.body.className = `nnw-panel-body nnw-table nnw-named${withValues ? " nnw-values" : ""}`;
  if (magnitudes) {
    // |∂y/∂x| are sensitivities, not shares of the output: their sum is no Σ to set against f(x) − base
    sum.classList.add("nnw-magnitudes");
    sum.append(document.createTextNode("magnitudes (≥ 0): sensitivities, not contributions that add up to f(x) − base"));
    panel.body.replaceChildren(headerRow(withValues, lo, hi), ...rows, sum);
    return;
  }
  const t = s.trust;
  if (t && (t.seq === null || t.seq === s.seq) && t.fX !== null && t.fBaseline !== null && !t.error) {
    // SHAP's waterfall ends: the baseline's output, the input's, and what the bars add up to
    sum.append(h("span", "nnw-fbase", { "data-value": String(t.fBaseline) }, `base f(baseline) = ${formatValue(t.fBaseline)}`),
      document.createTextNode(" → "),
      h("span", "nnw-ffx", { "data-value": String(t.fX) }, `f(x) = ${formatValue(t.fX)}`),
      document.createTextNode(` (Δ = ${formatValue(t.fX - t.fBaseline)}; output of the explained class) · `));
  }
  sum.append(document.createTextNode(`Σ attributions = ${formatValue(total)}`));
  panel.body.replaceChildren(headerRow(withValues, lo, hi), ...rows, sum);
}

/** Tokens with a background from the LUT; WordPiece continuations ("##x") join the word before.
 * Padding (attention_mask 0) is no input: a hatched "pad" mark, no colour, no value. */
export function renderText(
  panel: Panel, s: DrawState, mapIndex: number, values: Float32Array, lut: ArrayLike<number>,
  lo: number, hi: number, opacity: number,
): void {
  const raw = s.maps[mapIndex]!;
  const spans = s.tokens.map((tok, i) => {
    if (s.padding && s.padding[i]) {
      return h("span", "nnw-token nnw-pad", { "data-token": i, "data-pad": "1", title: "padding, not an input" }, "pad");
    }
    const cont = tok.startsWith("##");
    const span = h("span", `nnw-token${cont ? " nnw-cont" : ""}`, {
      "data-token": i, "data-value": String(raw[i]), title: `${tok}: ${formatValue(raw[i]!)}`,
    }, cont ? tok.slice(2) : tok);
    const masked = values[i] === 0;
    span.style.background = masked ? "transparent" : lutColour(lut, values[i]!, lo, hi, Math.max(opacity, 0.05));
    if (masked && raw[i] !== 0) span.classList.add("nnw-masked");
    return span;
  });
  panel.body.replaceChildren(...spans);
  panel.body.className = "nnw-panel-body nnw-tokens";
}
