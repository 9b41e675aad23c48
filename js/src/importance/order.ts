// Which features are shown, in which order, DOM-free: the twin of
// nnwidgets/figures/importance.py's feature_order, so the view and the static
// figure list the same features.

export const SORTS = ["attribution", "permutation", "given"] as const;
export type Sort = (typeof SORTS)[number];

/**
 * The `top` features, first = the top row: by mean |attribution| or by
 * permutation importance, descending (ties and NaN: the lower index first,
 * NaN last), or as given.
 */
export function featureOrder(meanAbs: ArrayLike<number>, perm: ArrayLike<number>, sort: string, top: number): number[] {
  const f = meanAbs.length;
  const idx = Array.from({ length: f }, (_, j) => j);
  if (sort !== "given") {
    const key = sort === "permutation" ? perm : meanAbs;
    const k = (j: number): number => (Number.isNaN(key[j]!) ? -Infinity : key[j]!);
    idx.sort((a, b) => k(b) - k(a) || a - b);
  }
  const n = Math.max(1, Math.min(Math.floor(top) || 1, f));
  return idx.slice(0, n);
}
