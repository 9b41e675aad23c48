// Scales of the ICE / partial-dependence chart and its hover lookup. Pure:
// value ↔ pixel both ways, so hover and drawing agree and are unit-tested.

import { nearestIndex } from "./scale";

/** The plot area inside the canvas, in CSS pixels. */
export interface PlotBox {
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface IceScales {
  box: PlotBox;
  /** Feature-value domain along x. */
  x0: number;
  x1: number;
  /** Output domain along y (bottom, top). */
  y0: number;
  y1: number;
}

/** The plot area of a canvas of CSS size width×height, leaving room for axis labels. */
export function plotBox(width: number, height: number): PlotBox {
  const left = 34;
  const right = 10;
  const top = 8;
  const bottom = 30;
  return { left, top, width: Math.max(1, width - left - right), height: Math.max(1, height - top - bottom) };
}

function extent(arrays: ArrayLike<number>[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const arr of arrays) {
    for (let i = 0; i < arr.length; i++) {
      const v = arr[i]!;
      if (!Number.isFinite(v)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  return [lo, hi];
}

/** Widen an empty or degenerate domain so that it can be divided by. */
function widen(lo: number, hi: number, fallback: [number, number]): [number, number] {
  if (!(lo <= hi)) return fallback; // no finite value at all
  if (hi > lo) return [lo, hi];
  const pad = Math.abs(lo) > 0 ? Math.abs(lo) * 0.05 : 0.5;
  return [lo - pad, hi + pad];
}

/**
 * x spans the feature's grid (or [lo, hi] when given, so the current and
 * original marks fit); y is the probability range [0, 1] whenever every
 * output lies in it (a stable frame while dragging), else the outputs'
 * extent padded by 5%.
 */
export function iceScales(
  values: ArrayLike<number>,
  outputs: ArrayLike<number>,
  pdp: ArrayLike<number>,
  box: PlotBox,
  range?: [number, number],
): IceScales {
  const [vx0, vx1] = extent([values]);
  const [x0, x1] = widen(
    Math.min(vx0, range && Number.isFinite(range[0]) ? range[0] : Infinity),
    Math.max(vx1, range && Number.isFinite(range[1]) ? range[1] : -Infinity),
    [0, 1],
  );
  let [y0, y1] = extent([outputs, pdp]);
  if (!(y0 <= y1) || (y0 >= 0 && y1 <= 1)) {
    [y0, y1] = [0, 1];
  } else {
    const pad = (y1 - y0) * 0.05;
    [y0, y1] = widen(y0 - pad, y1 + pad, [0, 1]);
  }
  return { box, x0, x1, y0, y1 };
}

export function xToPx(s: IceScales, v: number): number {
  return s.box.left + ((v - s.x0) / (s.x1 - s.x0)) * s.box.width;
}

export function pxToX(s: IceScales, px: number): number {
  return s.x0 + ((px - s.box.left) / s.box.width) * (s.x1 - s.x0);
}

/** y grows downwards on a canvas: y0 sits on the bottom edge of the box. */
export function yToPx(s: IceScales, v: number): number {
  return s.box.top + (1 - (v - s.y0) / (s.y1 - s.y0)) * s.box.height;
}

export function pxToY(s: IceScales, px: number): number {
  return s.y0 + (1 - (px - s.box.top) / s.box.height) * (s.y1 - s.y0);
}

/**
 * The grid point under the pointer at horizontal offset `px`: the one whose
 * value is nearest to the value there. null outside the plot box (with half
 * a pixel of slack) or without points.
 */
export function hoverIndex(s: IceScales, values: ArrayLike<number>, px: number): number | null {
  const { left, width } = s.box;
  if (!(px >= left - 0.5 && px <= left + width + 0.5)) return null;
  const i = nearestIndex(values, pxToX(s, px));
  return i < 0 ? null : i;
}

/**
 * The output at feature value v by linear interpolation along the grid
 * (values ascending); clamped to the end points outside it.
 */
export function interpolate(values: ArrayLike<number>, outputs: ArrayLike<number>, v: number): number {
  const n = Math.min(values.length, outputs.length);
  if (n === 0 || Number.isNaN(v)) return NaN;
  if (v <= values[0]!) return outputs[0]!;
  if (v >= values[n - 1]!) return outputs[n - 1]!;
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (values[mid]! <= v) lo = mid;
    else hi = mid;
  }
  const span = values[hi]! - values[lo]!;
  const t = span > 0 ? (v - values[lo]!) / span : 0;
  return outputs[lo]! + t * (outputs[hi]! - outputs[lo]!);
}
