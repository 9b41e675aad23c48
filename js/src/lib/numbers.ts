// Number guards for values that come off the wire: a trait may be missing,
// null or NaN while Python is still being developed, and that must not turn
// into NaN in the DOM or in a request.

/** `v` when it is a finite number, else `fallback`. */
export function finiteOr(v: unknown, fallback: number): number {
  return typeof v === "number" && Number.isFinite(v) ? v : fallback;
}

/** `v` limited to [lo, hi]. */
export function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

/** `v` limited to [0, 1] (opacities, fractions). */
export function clamp01(v: number): number {
  return clamp(v, 0, 1);
}
