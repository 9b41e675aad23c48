// Painting the Layers view from the typed pieces of state.ts: the toolbar,
// each layer's health in the table, the selected layer's atlas (with the
// clicked neuron outlined) and the weights.

import type { Decoded } from "../lib/codec";
import { drawColorbar } from "../lib/colormap";
import { h, setText } from "../lib/dom";
import { formatValue } from "../lib/hover";
import { layerStats, layoutFor, paintAtlas, pixelOf, symmetricRange, zoomFor, type Layout, type Stats } from "./atlas";
import type { AtlasState, HealthState, ToolbarState, WeightsState } from "./state";
import { shapeText, type LayersUi } from "./ui";

export const pct = (v: number): string => (Number.isFinite(v) ? `${Math.round(v * 1000) / 10}%` : "–");

export function drawToolbar(ui: LayersUi, s: ToolbarState): void {
  ui.exampleInput.max = String(s.examples - 1);
  if (document.activeElement !== ui.exampleInput) ui.exampleInput.value = String(s.example);
  if (ui.targetSelect.options.length !== s.labels.length) {
    ui.targetSelect.replaceChildren(...s.labels.map((l, i) => h("option", "", { value: i }, l)));
  }
  ui.targetSelect.value = String(s.target);
  const p = s.predicted;
  setText(ui.predicted, `predicted: ${s.labels[p] ?? p}${s.probs && s.probs.length > 1 ? ` (${pct(s.probs[p]!)})` : ""}`);
  setText(ui.note, s.note);
  ui.note.hidden = s.note === "";
}

export function drawHealth(ui: LayersUi, rowEls: ReadonlyMap<string, HTMLTableRowElement>, s: HealthState): void {
  let lo = Infinity;
  let hi = -Infinity;
  s.names.forEach((_, i) => {
    const v = s.norms?.[i] ?? 0;
    if (v > 0) { lo = Math.min(lo, Math.log10(v)); hi = Math.max(hi, Math.log10(v)); }
  });
  s.names.forEach((name, i) => {
    const tr = rowEls.get(name);
    if (!tr) return;
    const d = s.dead?.[i] ?? NaN;
    const sat = s.saturated?.[i] ?? NaN;
    const g = s.norms?.[i] ?? NaN;
    const dc = tr.querySelector(".nnw-dead") as HTMLElement;
    setText(dc, pct(d));
    dc.dataset.value = String(d);
    dc.classList.toggle("nnw-bad", d > 0.25);
    // "–" with the reason: a signed output never above 0 is not a dead unit.
    dc.title = Number.isFinite(d) ? `${pct(d)} of units never above 0` : s.deadWhy[i] || "not applicable";
    const sc = tr.querySelector(".nnw-satc") as HTMLElement;
    setText(sc, pct(sat));
    sc.title = Number.isFinite(sat) ? `${pct(sat)} of values near the limits` : s.saturatedWhy[i] || "not applicable";
    sc.classList.toggle("nnw-sat", sat > 0.1);
    const gc = tr.querySelector(".nnw-gnorm") as HTMLElement;
    gc.dataset.value = String(g);
    const cell = h("span", "nnw-gcell");
    const bar = h("span", "nnw-gbar");
    // log scale across the layers: vanishing and exploding stand out
    const t = g > 0 && hi > lo ? (Math.log10(g) - lo) / (hi - lo) : g > 0 ? 1 : 0;
    bar.style.setProperty("--nnw-t", t.toFixed(3));
    if (g > 0 && g < 1e-4) bar.classList.add("nnw-low");
    if (g > 1e3) bar.classList.add("nnw-high");
    cell.append(bar, h("span", "", {}, formatValue(g)));
    gc.replaceChildren(cell);
  });
  for (const [name, tr] of rowEls) tr.classList.toggle("nnw-selected", name === s.layer);
  setText(ui.sourceText, `dead / saturated over the ${s.statsSource}`);
  ui.sweepButton.hidden = !s.hasData || s.sweepState === "done";
  ui.sweepButton.disabled = s.sweepState === "running";
  ui.progress.hidden = s.sweepState !== "running";
  // below 0: the data's length is unknown, so the bar is indeterminate
  if (s.sweepProgress < 0) ui.progress.removeAttribute("value");
  else ui.progress.value = s.sweepProgress;
}

/** Paint `values` through `lut` on [lo, hi] onto `canvas` at one pixel per value. */
function paintLayout(canvas: HTMLCanvasElement, values: ArrayLike<number>, layout: Layout, lut: ArrayLike<number>, lo: number, hi: number): void {
  canvas.width = layout.width;
  canvas.height = layout.height;
  const ctx = canvas.getContext("2d");
  if (!ctx) return;
  const img = ctx.createImageData(layout.width, layout.height);
  paintAtlas(values, layout, lut, lo, hi, img.data);
  ctx.putImageData(img, 0, 0);
}

/** What the atlas shows, for hover. */
export interface AtlasDrawn {
  layout: Layout;
  act: Decoded;
  grad: Decoded | null;
  stats: Stats;
}

const statsCache = new WeakMap<object, Stats>();

/**
 * Draw the layer's activations as one atlas; `t0` is when reading began, so
 * the draw time counts the decode of both stacks (float16 for big layers) too.
 */
export function drawAtlas(ui: LayersUi, s: AtlasState, t0: number, seq: number): AtlasDrawn | null {
  const act = s.act;
  if (!act) return null;
  const layout = layoutFor(act.shape);
  const [lo, hi] = s.range;
  paintLayout(ui.atlas, act.data, layout, s.lut, lo, hi);
  const ms = performance.now() - t0;
  const zoom = zoomFor(layout);
  ui.atlas.style.width = `${layout.width * zoom}px`;
  // a strip of a few rows gets some height to hover on
  ui.atlas.style.height = layout.height * zoom < 24 ? "24px" : "";
  ui.atlas.dataset.drawMs = ms.toFixed(2);
  ui.atlas.dataset.rendered = `${s.layer}|${seq}`;
  placeMarker(ui.marker, layout, s.neuron);
  let stats = statsCache.get(act.data);
  if (!stats) { stats = layerStats(act.data); statsCache.set(act.data, stats); }
  drawColorbar(ui.cbar, s.lut);
  setText(ui.cbLo, formatValue(lo));
  setText(ui.cbHi, formatValue(hi));
  setText(ui.stats, `layer: mean ${formatValue(stats.mean)} · max ${formatValue(stats.max)} · zeros ${pct(stats.zeros)}`);
  ui.stats.dataset.mean = String(stats.mean);
  ui.stats.dataset.max = String(stats.max);
  ui.stats.dataset.zeros = String(stats.zeros);
  const row = s.rows.find((r) => r.name === s.layer);
  setText(ui.head, `${s.layer} · ${row?.type ?? ""} · ${shapeText(act.shape)}`);
  return { layout, act, grad: s.grad, stats };
}

/** Outline the clicked neuron; percentages follow the canvas's CSS size. */
function placeMarker(marker: HTMLElement, layout: Layout, neuron: number[] | null): void {
  marker.hidden = true;
  if (!neuron || neuron.length !== Math.max(1, layout.shape.length)) return;
  let flat = 0;
  for (let d = 0; d < neuron.length; d++) flat = flat * (layout.shape[d] ?? 1) + neuron[d]!;
  const [x, y] = pixelOf(layout, flat);
  marker.style.left = `${(100 * x) / layout.width}%`;
  marker.style.top = `${(100 * y) / layout.height}%`;
  marker.style.width = `${100 / layout.width}%`;
  marker.style.height = `${100 / layout.height}%`;
  marker.hidden = false;
}

/** How the weights picture is laid out, in words (shape and tiling). */
export function weightsLayout(shape: readonly number[]): string {
  const dims = shape.join(" × ");
  if (shape.length === 4) {
    return shape[1]! > 1
      ? `${dims} (out × in × kh × kw): one row per output channel, one ${shape[2]}×${shape[3]} tile per input channel`
      : `${dims} (out × in × kh × kw): one ${shape[2]}×${shape[3]} filter per output channel, left to right`;
  }
  if (shape.length === 2) return `${dims} (out × in): one row per output unit`;
  return dims;
}

/** What the weights canvas shows, for hover. */
export interface WeightsDrawn {
  layout: Layout | null;
  weights: Decoded | null;
  wxg: Decoded | null;
}

export function drawWeights(ui: LayersUi, s: WeightsState): WeightsDrawn {
  ui.tabAct.classList.toggle("nnw-on", !s.shown);
  ui.tabW.classList.toggle("nnw-on", s.shown);
  const { weights, wxg } = s;
  ui.weightsBox.hidden = !s.shown || !weights || weights.data.length === 0;
  if (ui.weightsBox.hidden || !weights) return { layout: null, weights, wxg };
  const arr = ui.wMode.value === "g" && wxg ? wxg : weights;
  const layout = layoutFor(arr.shape);
  const [lo, hi] = symmetricRange(arr.data);
  paintLayout(ui.wCanvas, arr.data, layout, s.lut(), lo, hi);
  ui.wCanvas.style.width = `${layout.width * zoomFor(layout, 560, 12)}px`;
  const what = ui.wMode.value === "g" && wxg ? "gradient × weight" : "weights";
  setText(ui.wCaption, `${what} of ${s.layer}, ${weightsLayout(arr.shape)}`);
  drawColorbar(ui.wBar, s.lut());
  setText(ui.wLo, formatValue(lo));
  setText(ui.wHi, formatValue(hi));
  ui.wCanvas.dataset.rendered = `${s.layer}|${ui.wMode.value}`;
  return { layout, weights, wxg };
}
