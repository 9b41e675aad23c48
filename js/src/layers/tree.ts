// The structure table as a tree: rows come in pre-order with their depth (the model
// itself at depth 0); a block folds its descendants away and shows its own output
// shape and the parameters of its whole subtree; a search shows the rows whose name
// matches and the blocks on their path. Pure functions over arrays: 500 modules are
// one linear pass per fold or keystroke.
import type { Row } from "./state";

export interface Tree {
  parent: Int32Array; // index of each row's parent, -1 for the top
  kids: Uint8Array; // 1 when the row has children
  total: Float64Array; // parameters of the row's subtree (its own included)
}

export function treeOf(rows: readonly Row[]): Tree {
  const n = rows.length;
  const parent = new Int32Array(n).fill(-1);
  const kids = new Uint8Array(n);
  const total = new Float64Array(n);
  const stack: number[] = [];
  for (let i = 0; i < n; i++) {
    const d = rows[i]!.depth;
    while (stack.length && rows[stack[stack.length - 1]!]!.depth >= d) stack.pop();
    if (stack.length) {
      parent[i] = stack[stack.length - 1]!;
      kids[parent[i]!] = 1;
    }
    stack.push(i);
    total[i] = rows[i]!.params;
  }
  for (let i = n - 1; i >= 0; i--) {
    const p = parent[i]!;
    if (p >= 0) total[p] = total[p]! + total[i]!;
  }
  return { parent, kids, total };
}

/** Models up to this many modules open fully: folding would only hide a short list. */
export const FOLD_ABOVE = 40;

/** The rows folded at first: on a big model every block below the top level (the
 * model's own children stay open); on a small one none. */
export function initialFolds(rows: readonly Row[], tree: Tree, above = FOLD_ABOVE): Set<string> {
  const folded = new Set<string>();
  if (rows.length <= above) return folded;
  rows.forEach((r, i) => {
    if (tree.kids[i] && r.depth >= 1) folded.add(r.name);
  });
  return folded;
}

/** Unfold the blocks on the path to ``name`` (so the selected layer is on screen). */
export function reveal(rows: readonly Row[], tree: Tree, folded: Set<string>, name: string): void {
  let i = rows.findIndex((r) => r.name === name);
  if (i < 0) return;
  for (i = tree.parent[i]!; i >= 0; i = tree.parent[i]!) folded.delete(rows[i]!.name);
}

/** Which rows show: under no folded block, or (with a search) matching or on a match's path. */
export function visible(rows: readonly Row[], tree: Tree, folded: ReadonlySet<string>, query: string): Uint8Array {
  const n = rows.length;
  const show = new Uint8Array(n);
  const q = query.trim().toLowerCase();
  if (q) {
    for (let i = 0; i < n; i++) {
      const r = rows[i]!;
      if (!(r.name.toLowerCase().includes(q) || r.type.toLowerCase().includes(q))) continue;
      for (let j = i; j >= 0 && !show[j]; j = tree.parent[j]!) show[j] = 1;
    }
    return show;
  }
  for (let i = 0; i < n; i++) {
    const p = tree.parent[i]!;
    show[i] = p < 0 || (show[p]! === 1 && !folded.has(rows[p]!.name)) ? 1 : 0;
  }
  return show;
}
