// Beeswarm layout and scales, DOM-free: the twin of
// nnwidgets/figures/importance.py's swarm_offsets (same bins, same order of
// placement), so dots sit where the static figure puts them.

/** numpy's median (mean of the two middle values for an even count). */
export function median(values: ArrayLike<number>): number {
  const s = Float64Array.from(values).sort();
  const n = s.length;
  if (n === 0) return NaN;
  return n % 2 ? s[(n - 1) >> 1]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
}

/**
 * Vertical offsets (in rows) that spread dots with close values apart:
 * within each of `bins` bins of the value range, dots nearest the median
 * first, alternating down and up, capped at ± `limit`.
 */
export function swarmOffsets(values: ArrayLike<number>, bins = 60, step = 0.06, limit = 0.42): Float64Array {
  const n = values.length;
  const out = new Float64Array(n);
  if (n === 0) return out;
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < n; i++) {
    lo = Math.min(lo, values[i]!);
    hi = Math.max(hi, values[i]!);
  }
  const span = hi > lo ? hi - lo : 1;
  const med = median(values);
  const order = Array.from({ length: n }, (_, i) => i);
  const dist = order.map((i) => Math.abs(values[i]! - med));
  order.sort((a, b) => dist[a]! - dist[b]! || a - b); // stable, as numpy's kind="stable"
  const seen = new Int32Array(bins);
  for (const i of order) {
    const b = Math.min(bins - 1, Math.max(0, Math.trunc(((values[i]! - lo) / span) * bins)));
    const k = seen[b]!++;
    const off = Math.floor((k + 1) / 2) * step * (k % 2 ? 1 : -1);
    out[i] = Math.max(-limit, Math.min(limit, off));
  }
  return out;
}

/** A linear scale from [lo, hi] onto [x0, x1] pixels; an empty range becomes [lo, lo + 1]. */
export interface Scale {
  lo: number;
  hi: number;
  x0: number;
  x1: number;
}

/** The range shown for `values` (and the extra `also`), always including 0. */
export function zeroRange(values: Iterable<number>): [number, number] {
  let lo = 0, hi = 0;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return hi > lo ? [lo, hi] : [0, 1];
}

export function scaleX(s: Scale, v: number): number {
  return s.x0 + ((v - s.lo) / (s.hi - s.lo)) * (s.x1 - s.x0);
}
