// The deletion curves of the trust panel as a small chart that reads on its
// own: axes with ticks and titles, one dash pattern per method so curves that
// coincide stay visible (the legend says which are the same), and the random
// orders' curve as the grey reference.

import { h } from "../lib/dom";
import type { NumericArray } from "../lib/codec";

export const COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"];
const DASHES: number[][] = [[], [6, 3], [2, 2], [8, 2, 2, 2], [4, 4], [1, 3]];
export const REFERENCE = "rgba(128,128,128,0.9)";

/** For each curve, the index of the first earlier curve it coincides with (or -1). */
export function sameAs(curves: NumericArray, count: number, steps: number, tol = 1e-6): number[] {
  const out: number[] = [];
  for (let m = 0; m < count; m++) {
    let found = -1;
    for (let k = 0; k < m && found < 0; k++) {
      let same = true;
      for (let i = 0; i < steps && same; i++) same = Math.abs(curves[m * steps + i]! - curves[k * steps + i]!) <= tol;
      if (same) found = out[k]! >= 0 ? out[k]! : k;
    }
    out.push(found);
  }
  return out;
}

/** The y range of every curve and the reference, padded when flat. */
export function yRange(values: ArrayLike<number>[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const a of values) for (let i = 0; i < a.length; i++) {
    const v = a[i]!;
    if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  }
  if (!Number.isFinite(lo)) return [0, 1];
  if (!(hi > lo)) { lo -= 0.5; hi += 0.5; }
  return [lo, hi];
}

export function tickLabel(v: number, probability: boolean): string {
  if (probability) return `${(v * 100).toFixed(Math.abs(v) < 0.1 && v !== 0 ? 1 : 0)}%`;
  return Math.abs(v) >= 100 || (Math.abs(v) < 0.01 && v !== 0) ? v.toExponential(1) : v.toPrecision(2);
}

export interface Curves {
  fractions: NumericArray;
  scores: NumericArray; // (M, S + 1)
  random: NumericArray | null;
  names: string[];
  probability: boolean;
}

const W = 300;
const H = 150;
const LEFT = 44;
const BOTTOM = 30;
const TOP = 8;
const RIGHT = 8;

/** Draw the chart on `canvas` (CSS size W × H, sharp on high-DPI screens). */
export function drawCurves(canvas: HTMLCanvasElement, c: Curves): void {
  const ctx = canvas.getContext("2d");
  if (!ctx) return;
  const dpr = (typeof window !== "undefined" && window.devicePixelRatio) || 1;
  canvas.width = Math.round(W * dpr);
  canvas.height = Math.round(H * dpr);
  canvas.style.width = `${W}px`;
  canvas.style.height = `${H}px`;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, W, H);
  const steps = c.fractions.length;
  const rows = c.names.map((_, m) => Array.from({ length: steps }, (_, i) => c.scores[m * steps + i]!));
  const [lo, hi] = yRange(c.random ? [...rows, Array.from(c.random)] : rows);
  const x = (f: number): number => LEFT + f * (W - LEFT - RIGHT);
  const y = (v: number): number => H - BOTTOM - ((v - lo) / (hi - lo)) * (H - BOTTOM - TOP);
  const fg = getComputedStyle(canvas).color || "#666";
  ctx.strokeStyle = fg;
  ctx.fillStyle = fg;
  ctx.lineWidth = 1;
  ctx.globalAlpha = 0.7;
  ctx.beginPath();
  ctx.moveTo(LEFT, TOP);
  ctx.lineTo(LEFT, H - BOTTOM);
  ctx.lineTo(W - RIGHT, H - BOTTOM);
  ctx.stroke();
  ctx.globalAlpha = 1;
  ctx.font = "10px sans-serif";
  ctx.textAlign = "right";
  ctx.textBaseline = "middle";
  for (const v of [lo, (lo + hi) / 2, hi]) {
    ctx.fillText(tickLabel(v, c.probability), LEFT - 5, y(v));
    ctx.fillRect(LEFT - 3, Math.round(y(v)), 3, 1);
  }
  ctx.textAlign = "center";
  ctx.textBaseline = "top";
  for (const f of [0, 0.5, 1]) {
    ctx.fillText(`${f * 100}%`, x(f), H - BOTTOM + 4);
    ctx.fillRect(Math.round(x(f)), H - BOTTOM, 1, 3);
  }
  ctx.fillText("features removed, most important first", (LEFT + W - RIGHT) / 2, H - 12);
  const line = (values: ArrayLike<number>, colour: string, dash: number[], width: number): void => {
    ctx.beginPath();
    ctx.setLineDash(dash);
    ctx.strokeStyle = colour;
    ctx.lineWidth = width;
    for (let i = 0; i < steps; i++) {
      if (i === 0) ctx.moveTo(x(c.fractions[i]!), y(values[i]!));
      else ctx.lineTo(x(c.fractions[i]!), y(values[i]!));
    }
    ctx.stroke();
  };
  if (c.random) line(c.random, REFERENCE, [3, 3], 1);
  rows.forEach((r, m) => line(r, COLOURS[m % COLOURS.length]!, DASHES[m % DASHES.length]!, m === 0 ? 2 : 1.5));
  ctx.setLineDash([]);
  canvas.dataset.rendered = "1";
  canvas.dataset.range = `${lo},${hi}`;
}

/** The legend under the chart: a swatch per method (its dash), "= X" where curves coincide, the reference. */
export function curveLegend(c: Curves, titles: string[]): HTMLElement {
  const same = sameAs(c.scores, c.names.length, c.fractions.length);
  const box = h("div", "nnw-legend");
  c.names.forEach((m, i) => {
    const item = h("span", "nnw-legend-item", { "data-method": m, "data-same-as": same[i]! >= 0 ? c.names[same[i]!]! : "" });
    const sw = h("span", `nnw-legend-line nnw-dash-${i % DASHES.length}`);
    sw.style.borderTopColor = COLOURS[i % COLOURS.length]!;
    item.append(sw, document.createTextNode(titles[i]! + (same[i]! >= 0 ? ` (same curve as ${titles[same[i]!]})` : "")));
    box.append(item);
  });
  if (c.random) {
    const item = h("span", "nnw-legend-item nnw-reference");
    const sw = h("span", "nnw-legend-line nnw-dash-ref");
    sw.style.borderTopColor = REFERENCE;
    item.append(sw, document.createTextNode("random order (reference)"));
    box.append(item);
  }
  return box;
}
