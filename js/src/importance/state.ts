// The Importance widget's traits read into typed state, DOM-free.

import type { Decoded } from "../lib/codec";
import { readLut } from "../lib/model";
import type { ImportanceModel } from "./traits";

export interface ImportanceState {
  names: string[];
  f: number; // features
  m: number; // shown examples
  perm: { mean: Float32Array; low: Float32Array; high: Float32Array };
  attributions: Float32Array; // (M, F)
  values: Float32Array; // (M, F)
  ids: Int32Array; // (M,)
  ranges: Float32Array; // (F, 2)
  meanAbs: Float32Array; // (F,)
  lut: Uint8Array; // (256, 4) RGBA
  grid: [number, number] | null; // patches: rows, cols
  gridLut: Uint8Array; // (2, 256, 4) RGBA: mean |attribution|, permutation
}

function floats(d: Decoded): Float32Array {
  return d.data instanceof Float32Array ? d.data : Float32Array.from(d.data);
}

export function readState(t: ImportanceModel): ImportanceState {
  const perm = t.array("_permutation", 2);
  const f = perm.shape[1]!;
  if (perm.shape[0] !== 3) throw new Error(`_permutation must be (3, F); got (${perm.shape.join(", ")})`);
  const p = floats(perm);
  const att = t.array("_attributions", 2);
  const vals = t.array("_values", 2);
  const m = att.shape[0]!;
  const same = (d: Decoded, name: string, shape: number[]): void => {
    if (d.shape.join() !== shape.join()) throw new Error(`${name} must be (${shape.join(", ")}); got (${d.shape.join(", ")})`);
  };
  same(att, "_attributions", [m, f]);
  same(vals, "_values", [m, f]);
  const ids = t.array("_ids", 1);
  same(ids, "_ids", [m]);
  const ranges = t.array("_value_range", 2);
  same(ranges, "_value_range", [f, 2]);
  const meanAbs = t.array("_mean_abs", 1);
  same(meanAbs, "_mean_abs", [f]);
  const lut = readLut(t.model, "_lut");
  const names = t.strings("feature_names");
  const g = t.get("grid");
  const grid = Array.isArray(g) && g.length === 2 && g[0]! * g[1]! === f ? [g[0]!, g[1]!] as [number, number] : null;
  if (Array.isArray(g) && g.length && !grid) throw new Error(`grid must be [rows, cols] of the ${f} patches; got ${JSON.stringify(g)}`);
  const gridLut = grid ? t.array("_grid_lut", 3) : null;
  if (gridLut) same(gridLut, "_grid_lut", [2, 256, 4]);
  return {
    names: Array.from({ length: f }, (_, j) => names[j] ?? `x${j}`), f, m,
    perm: { mean: p.subarray(0, f), low: p.subarray(f, 2 * f), high: p.subarray(2 * f, 3 * f) },
    attributions: floats(att), values: floats(vals),
    ids: ids.data instanceof Int32Array ? ids.data : Int32Array.from(ids.data),
    ranges: floats(ranges), meanAbs: floats(meanAbs), lut: lut.data as Uint8Array,
    grid, gridLut: gridLut ? (gridLut.data as Uint8Array) : new Uint8Array(0),
  };
}

/** Example `i`'s attribution and value of feature `j`. */
export function cell(s: ImportanceState, i: number, j: number): { attribution: number; value: number } {
  return { attribution: s.attributions[i * s.f + j]!, value: s.values[i * s.f + j]! };
}
