// Number-to-geometry math of the What-if view (signed bars, slider marks,
// categorical choices), pure so it is unit-tested.

import { formatValue } from "../lib/hover";

/** Largest finite |v| over all arrays: one symmetric scale [-s, s] for all bars. */
export function symmetricScale(...arrays: ArrayLike<number>[]): number {
  let s = 0;
  for (const arr of arrays) {
    for (let i = 0; i < arr.length; i++) {
      const a = Math.abs(arr[i]!);
      if (a > s && Number.isFinite(a)) s = a;
    }
  }
  return s;
}

export interface BarBox {
  /** Left edge, percent of the track. */
  left: number;
  /** Width, percent of the track. */
  width: number;
}

/**
 * A signed bar on a track centred at 0: positive values grow right from the
 * middle, negative values left; |v| = scale fills half the track. Values
 * beyond the scale are clipped, and NaN or a zero scale give an empty bar.
 */
export function signedBar(v: number, scale: number): BarBox {
  if (!(scale > 0) || Number.isNaN(v) || v === 0) return { left: 50, width: 0 };
  const half = Math.min(1, Math.abs(v) / scale) * 50;
  return v > 0 ? { left: 50, width: half } : { left: 50 - half, width: half };
}

/** Where v sits on [lo, hi] as 0..1 (clamped), or null when it cannot be placed. */
export function fraction(v: number, lo: number, hi: number): number | null {
  if (!Number.isFinite(v) || !Number.isFinite(lo) || !Number.isFinite(hi)) return null;
  if (!(hi > lo)) return 0.5;
  return Math.min(1, Math.max(0, (v - lo) / (hi - lo)));
}

/** Thumb diameter of the styled range input, in CSS pixels (see style.ts). */
export const THUMB_PX = 12;

/**
 * CSS `left` of a mark drawn over a range input so that it lines up with the
 * thumb's centre at that value: the centre travels from THUMB_PX/2 to
 * 100% - THUMB_PX/2.
 */
export function markLeft(t: number): string {
  const half = THUMB_PX / 2;
  return `calc(${half}px + ${(t * 100).toFixed(3)}% - ${(t * THUMB_PX).toFixed(3)}px)`;
}

/** Most options a categorical select offers; more means the step is wrong. */
export const MAX_CHOICES = 500;

/** The values low, low+step, …, high of a categorical feature. */
export function choices(lo: number, hi: number, step: number): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || hi < lo) return Number.isFinite(lo) ? [lo] : [];
  if (!(step > 0) || !Number.isFinite(step)) return hi > lo ? [lo, hi] : [lo];
  const n = Math.min(MAX_CHOICES, Math.floor((hi - lo) / step + 1e-6) + 1);
  // lo + i * step, not repeated addition, so float error does not build up.
  const out = Array.from({ length: n }, (_, i) => lo + i * step);
  if (hi - out[n - 1]! > step * 1e-6 && n < MAX_CHOICES) out.push(hi);
  return out;
}

/** Index of the value closest to v (first of ties), or -1 for none / NaN. */
export function nearestIndex(values: ArrayLike<number>, v: number): number {
  if (Number.isNaN(v)) return -1;
  let best = -1;
  let bestDist = Infinity;
  for (let i = 0; i < values.length; i++) {
    const d = Math.abs(values[i]! - v);
    if (d < bestDist) {
      best = i;
      bestDist = d;
    }
  }
  return best;
}

/**
 * The shortest decimal that reads back as the same float32: the kernel's 0.1
 * arrives as 0.10000000149011612, and a slider given that as its step would
 * offer 9.50000014156103 instead of 9.5.
 */
export function f32String(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const f = Math.fround(v);
  for (let p = 1; p <= 9; p++) {
    const s = String(Number(f.toPrecision(p)));
    if (Math.fround(Number(s)) === f) return s;
  }
  return String(f);
}

/** Range-input `step`: "any" when the kernel gave no usable step. */
export function stepAttr(step: number): string {
  return step > 0 && Number.isFinite(step) ? f32String(step) : "any";
}

/**
 * A short label for a narrow column: 3 significant digits, exponent notation
 * below 1e-3 and from 1e4 up ("0.00226" → "2.26e-3"). Full precision stays
 * in data attributes and titles.
 */
export function short(v: number): string {
  if (!Number.isFinite(v) || v === 0) return formatValue(v);
  const a = Math.abs(v);
  if (a >= 100 && a < 1e4) return v.toFixed(0); // toPrecision(3) of 1000 is "1.00e+3"
  const text = a < 1e-3 || a >= 1e4 ? v.toExponential(2) : v.toPrecision(3);
  const [mantissa = "", exp] = text.split("e");
  const trimmed = mantissa.includes(".") ? mantissa.replace(/\.?0+$/, "") : mantissa;
  return exp === undefined ? trimmed : `${trimmed}e${exp.replace("+", "")}`;
}

/** A value with an explicit sign: "+0.12", "−0.034" (true minus), "0". */
export function signed(v: number, format: (v: number) => string = formatValue): string {
  if (v > 0) return `+${format(v)}`;
  if (v < 0) return `\u2212${format(-v)}`;
  return format(v);
}

/**
 * Order of rows: by |attribution| descending (ties and NaN keep feature
 * order) when `sorted`, else feature order. Returns feature indices.
 */
export function rowOrder(attribution: ArrayLike<number>, sorted: boolean): number[] {
  const order = Array.from({ length: attribution.length }, (_, i) => i);
  if (!sorted) return order;
  const mag = (i: number): number => {
    const a = Math.abs(attribution[i]!);
    return Number.isNaN(a) ? -1 : a;
  };
  return order.sort((a, b) => mag(b) - mag(a) || a - b);
}
