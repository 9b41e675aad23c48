// What the view draws for a map, computed in the browser so that the
// threshold, top-percent and absolute controls never ask the kernel.
// Mirrors nnwidgets/figures/attribution.py `mask_map` (the static figure).

import type { NumericArray } from "../lib/codec";

export interface MaskSettings {
  /** hide |v| below threshold × scale (0..1) */
  threshold: number;
  /** keep only the top p % of cells by |v| (0..100; 100 keeps all) */
  topPercent: number;
  /** draw |v| on the unsigned scale */
  absolute: boolean;
}

/** |v| of the k-th largest magnitude (k ≥ 1), found by sorting a copy. */
export function magnitudeCutoff(map: ArrayLike<number>, k: number): number {
  const mags = new Float64Array(map.length);
  for (let i = 0; i < map.length; i++) mags[i] = Math.abs(map[i]!);
  mags.sort();
  return mags[mags.length - Math.min(k, mags.length)]!;
}

/** `map` without the cells `skip` flags (padding): they are no input, so no cell of the map. */
export function keptCells(map: ArrayLike<number>, skip: ArrayLike<number> | null): ArrayLike<number> {
  if (!skip) return map;
  const kept: number[] = [];
  for (let i = 0; i < map.length; i++) if (!skip[i]) kept.push(map[i]!);
  return kept;
}

/**
 * The values to colour: masked cells become 0 (transparent in every LUT),
 * and with `absolute` every value is |v|. Returns a new array. Cells `skip`
 * flags (text padding) are 0 and do not count in the top-percent share.
 */
export function maskMap(
  map: ArrayLike<number>, scale: number, s: MaskSettings, skip: ArrayLike<number> | null = null,
): Float32Array {
  const n = map.length;
  const out = new Float32Array(n);
  const floor = Math.max(0, s.threshold) * scale;
  let cutoff = -Infinity;
  let hideAll = false;
  if (s.topPercent < 100) {
    const kept = keptCells(map, skip);
    const keep = Math.ceil((Math.max(0, s.topPercent) / 100) * kept.length);
    if (keep <= 0) hideAll = true;
    else cutoff = magnitudeCutoff(kept, keep);
  }
  for (let i = 0; i < n; i++) {
    const v = map[i]!;
    const mag = Math.abs(v);
    if (hideAll || mag < floor || mag < cutoff || (skip && skip[i])) out[i] = 0;
    else out[i] = s.absolute ? mag : v;
  }
  return out;
}

/** The colour range: symmetric around 0, or [0, scale] for |values|. */
export function rangeOf(scale: number, absolute: boolean): [number, number] {
  return absolute ? [0, scale] : [-scale, scale];
}

/** Rows of a vector map in display order: by |value| of `primary`, descending; ties by index. */
export function orderByMagnitude(primary: NumericArray | ArrayLike<number>): number[] {
  const idx = Array.from({ length: primary.length }, (_, i) => i);
  const mag = (i: number): number => {
    const v = Math.abs(primary[i]!);
    return Number.isNaN(v) ? -Infinity : v;
  };
  return idx.sort((a, b) => mag(b) - mag(a) || a - b);
}

/** Tables list this many features before folding the rest into one row. */
export const FEATURE_ROWS = 30;

export interface Rows {
  /** features shown, in display order */
  shown: number[];
  /** features folded into the "rest" row */
  rest: number[];
}

/**
 * Split the display order into the rows shown and the rest (as SHAP's bar plot
 * sums its tail): all rows when there are at most `limit` + 1 or `all` is set.
 */
export function visibleRows(order: readonly number[], limit: number, all: boolean): Rows {
  if (all || order.length <= limit + 1) return { shown: [...order], rest: [] };
  return { shown: order.slice(0, limit), rest: order.slice(limit) };
}

/** Sum of a map's values over some features (the folded row's value). */
export function sumOver(values: ArrayLike<number>, features: readonly number[]): number {
  let total = 0;
  for (const f of features) total += values[f]!;
  return total;
}
