// Painting the three panels: the permutation bars with their 95% whiskers and
// the mean |attribution| bars as DOM boxes (their geometry is what tests read),
// the beeswarm dots on one canvas, axes with their zero, and the colour bar.

import { clear, h } from "../lib/dom";
import { formatValue } from "../lib/hover";
import { lutIndex } from "../lib/colormap";
import type { ImportanceState } from "./state";
import { scaleX, swarmOffsets, zeroRange, type Scale } from "./swarm";
import { MEAN_W, PAD, PERM_W, ROW, SWARM_W, type ImportanceUi } from "./ui";

export interface Scales {
  perm: Scale;
  mean: Scale;
  swarm: Scale;
}

/** The three panels' scales over the shown features; each range includes 0. */
export function scalesFor(s: ImportanceState, order: number[]): Scales {
  const perm = zeroRange(order.flatMap((j) => [s.perm.low[j]!, s.perm.high[j]!, s.perm.mean[j]!]));
  const mean = zeroRange(order.map((j) => s.meanAbs[j]!));
  const att: number[] = [];
  for (const j of order) for (let i = 0; i < s.m; i++) att.push(s.attributions[i * s.f + j]!);
  const sw = zeroRange(att);
  return {
    perm: { lo: perm[0], hi: perm[1], x0: PAD, x1: PERM_W - PAD },
    mean: { lo: mean[0], hi: mean[1], x0: PAD, x1: MEAN_W - PAD },
    swarm: { lo: sw[0], hi: sw[1], x0: PAD, x1: SWARM_W - PAD },
  };
}

function box(el: HTMLElement, left: number, width: number): HTMLElement {
  el.style.left = `${left}px`;
  el.style.width = `${Math.max(0, width)}px`;
  return el;
}

/** One row of a bar panel: its track, zero line and bar from zero to `value`. */
function barRow(cls: string, j: number, value: number, scale: Scale): HTMLDivElement {
  const row = h("div", `nnw-track ${cls}`, { "data-feature": j, "data-value": String(value) });
  const z = scaleX(scale, 0), x = scaleX(scale, value);
  row.append(box(h("div", "nnw-zero"), z, 1), box(h("div", "nnw-bar"), Math.min(z, x), Math.abs(x - z)));
  return row;
}

/** Rebuild the rows (names, permutation bars with whiskers, mean |attribution| bars) of `order`. */
export function drawRows(ui: ImportanceUi, s: ImportanceState, order: number[], sc: Scales): void {
  for (const el of Array.from(ui.table.querySelectorAll(".nnw-row-cell, .nnw-axis"))) el.remove();
  ui.table.style.gridTemplateRows = `auto repeat(${order.length}, ${ROW}px) auto`;
  ui.swarm.style.gridRow = `2 / span ${order.length}`;
  ui.swarm.style.gridColumn = "4";
  order.forEach((j, r) => {
    const name = h("div", "nnw-name nnw-row-cell", { "data-feature": j, title: s.names[j]! }, s.names[j]!);
    const perm = barRow("nnw-prow nnw-row-cell", j, s.perm.mean[j]!, sc.perm);
    const lo = scaleX(sc.perm, s.perm.low[j]!), hi = scaleX(sc.perm, s.perm.high[j]!);
    perm.appendChild(box(h("div", "nnw-whisker"), Math.min(lo, hi), Math.abs(hi - lo)));
    const mean = barRow("nnw-mrow nnw-row-cell", j, s.meanAbs[j]!, sc.mean);
    for (const [c, el] of [name, perm, mean].entries()) {
      el.style.gridRow = String(r + 2);
      el.style.gridColumn = String(c + 1);
    }
    ui.table.append(name, perm, mean);
  });
  const axisRow = String(order.length + 2);
  const blank = h("div", "nnw-axis nnw-row-cell");
  blank.style.gridRow = axisRow;
  blank.style.gridColumn = "1";
  ui.table.append(blank);
  const axes: Array<[HTMLDivElement, Scale, string]> = [[ui.axes.perm, sc.perm, "2"], [ui.axes.mean, sc.mean, "3"],
    [ui.axes.swarm, sc.swarm, "4"]];
  for (const [el, scale, col] of axes) {
    drawAxis(el, scale);
    el.style.gridRow = axisRow;
    el.style.gridColumn = col;
    ui.table.appendChild(el);
  }
}

/** Tick labels at both ends of a scale and at its zero. */
function drawAxis(el: HTMLDivElement, sc: Scale): void {
  clear(el);
  const tick = (v: number, align: "left" | "center" | "right"): void => {
    const x = scaleX(sc, v);
    const span = h("span", "", { "data-tick": String(v) }, formatValue(v));
    span.style.left = `${x}px`;
    span.style.transform = align === "left" ? "none" : align === "right" ? "translateX(-100%)" : "translateX(-50%)";
    el.appendChild(span);
  };
  tick(sc.lo, "left");
  if (sc.lo < 0 && sc.hi > 0 && scaleX(sc, 0) - sc.x0 > 30 && sc.x1 - scaleX(sc, 0) > 30) tick(0, "center");
  tick(sc.hi, "right");
}

export interface Dots {
  x: Float32Array; // CSS px, per (row r, example i): index r * m + i
  y: Float32Array;
}

/** The beeswarm: one dot per shown example and feature, coloured by its value; returns where each dot is. */
export function drawSwarm(ui: ImportanceUi, s: ImportanceState, order: number[], sc: Scale, ratio: number): Dots {
  const height = order.length * ROW;
  const c = ui.canvas;
  c.width = Math.round(SWARM_W * ratio);
  c.height = Math.round(height * ratio);
  c.style.width = `${SWARM_W}px`;
  c.style.height = `${height}px`;
  box(ui.swarmZero, scaleX(sc, 0), 1);
  const dots: Dots = { x: new Float32Array(order.length * s.m), y: new Float32Array(order.length * s.m) };
  const ctx = c.getContext("2d");
  if (ctx) {
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, SWARM_W, height);
  }
  const column = new Float32Array(s.m);
  order.forEach((j, r) => {
    for (let i = 0; i < s.m; i++) column[i] = s.attributions[i * s.f + j]!;
    const off = swarmOffsets(column);
    const [lo, hi] = [s.ranges[2 * j]!, s.ranges[2 * j + 1]!];
    for (let i = 0; i < s.m; i++) {
      const x = scaleX(sc, column[i]!), y = r * ROW + ROW / 2 - off[i]! * ROW;
      dots.x[r * s.m + i] = x;
      dots.y[r * s.m + i] = y;
      if (!ctx) continue;
      const k = lutIndex(s.values[i * s.f + j]!, lo, hi) * 4;
      ctx.fillStyle = `rgb(${s.lut[k]!}, ${s.lut[k + 1]!}, ${s.lut[k + 2]!})`;
      ctx.fillRect(x - 1.5, y - 1.5, 3, 3);
    }
  });
  const d = c.dataset;
  d.lo = String(sc.lo);
  d.hi = String(sc.hi);
  d.x0 = String(sc.x0);
  d.x1 = String(sc.x1);
  d.order = order.join(",");
  return dots;
}

/** The dot nearest (x, y) within `radius` CSS px: [row, example] or null; ties: the earlier dot. */
export function nearestDot(dots: Dots, m: number, x: number, y: number, radius = 5): [number, number] | null {
  let best = -1, bestD = radius * radius;
  for (let k = 0; k < dots.x.length; k++) {
    const d = (dots.x[k]! - x) ** 2 + (dots.y[k]! - y) ** 2;
    if (d < bestD) [best, bestD] = [k, d];
  }
  return best < 0 ? null : [Math.floor(best / m), best % m];
}
