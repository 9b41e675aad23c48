import { describe, expect, it } from "vitest";
import { nearestDot } from "../src/importance/draw";
import { featureOrder } from "../src/importance/order";
import { gridRanges } from "../src/importance/grid";
import { readState } from "../src/importance/state";
import { median, scaleX, swarmOffsets, zeroRange } from "../src/importance/swarm";
import type { ImportanceTraits } from "../src/importance/traits";
import { traits } from "../src/lib/traits";
import { encode, fakeModel } from "./helpers";

describe("importance order", () => {
  it("sorts descending by the chosen key, ties to the lower index, NaN last", () => {
    const meanAbs = [1, 3, 3, 0.5];
    const perm = [0.5, NaN, 0.2, 0.7];
    expect(featureOrder(meanAbs, perm, "attribution", 3)).toEqual([1, 2, 0]);
    expect(featureOrder(meanAbs, perm, "permutation", 4)).toEqual([3, 0, 2, 1]);
    expect(featureOrder(meanAbs, perm, "given", 2)).toEqual([0, 1]);
    expect(featureOrder(meanAbs, perm, "attribution", 0)).toEqual([1]); // at least one
    expect(featureOrder(meanAbs, perm, "attribution", 99)).toHaveLength(4);
  });
});

describe("importance beeswarm", () => {
  it("places dots as nnwidgets/figures/importance.py's swarm_offsets does", () => {
    // Python: swarm_offsets(np.array([0.1, 0.1, 0.1, 0.5, -0.3, 0.1, 0.12, 2.0, 0.1]))
    const got = Array.from(swarmOffsets([0.1, 0.1, 0.1, 0.5, -0.3, 0.1, 0.12, 2.0, 0.1]));
    const want = [0, 0.06, -0.06, 0, 0, 0.12, 0.18, 0, -0.12];
    got.forEach((g, i) => expect(g).toBeCloseTo(want[i]!, 12));
    expect(Math.max(...Array.from(swarmOffsets(new Float32Array(100))).map(Math.abs))).toBeCloseTo(0.42, 12);
  });

  it("has numpy's median and scales that hold zero", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(zeroRange([0.2, 0.5])).toEqual([0, 0.5]);
    expect(zeroRange([-0.2, 0.5, NaN])).toEqual([-0.2, 0.5]);
    expect(zeroRange([0, 0])).toEqual([0, 1]);
    const s = { lo: -1, hi: 3, x0: 6, x1: 206 };
    expect(scaleX(s, 0)).toBe(56);
    expect(scaleX(s, -1)).toBe(6);
    expect(scaleX(s, 3)).toBe(206);
  });

  it("hovers the nearest dot within its radius", () => {
    const dots = { x: Float32Array.from([10, 20, 30, 40]), y: Float32Array.from([5, 5, 25, 25]) };
    expect(nearestDot(dots, 2, 21, 6)).toEqual([0, 1]);
    expect(nearestDot(dots, 2, 39, 24)).toEqual([1, 1]);
    expect(nearestDot(dots, 2, 100, 100)).toBeNull();
  });
});

describe("importance state and heat-map scales", () => {
  const f32 = (v: number[], shape: number[]) => encode(Float32Array.from(v), "float32", shape, 4);
  const base = (): Record<string, unknown> => ({
    _permutation: f32([0.3, 0.1, 0, 0.2, 0.05, -0.01, 0.4, 0.15, 0.01, 0, 0, 0], [3, 4]),
    _attributions: f32([1, 2, 3, 4, 5, 6, 7, 8], [2, 4]), _values: f32([0, 1, 2, 3, 4, 5, 6, 7], [2, 4]),
    _ids: encode(Int32Array.from([7, 9]), "int32", [2]), _value_range: f32(Array(8).fill(0), [4, 2]),
    _mean_abs: f32([3, 4, 5, 6], [4]), _lut: encode(new Uint8Array(1024), "uint8", [256, 4]),
    _grid_lut: encode(new Uint8Array(2048), "uint8", [2, 256, 4]), feature_names: ["a", "b"], grid: [2, 2],
  });

  it("reads Python's arrays, rows as the permutation's mean, low, high", () => {
    const s = readState(traits<ImportanceTraits>(fakeModel(base()).model));
    expect([s.f, s.m]).toEqual([4, 2]);
    expect(Array.from(s.perm.low)).toEqual([Math.fround(0.05), Math.fround(-0.01), Math.fround(0.4), Math.fround(0.15)]);
    expect(s.names).toEqual(["a", "b", "x2", "x3"]);
    expect(Array.from(s.ids)).toEqual([7, 9]);
    expect(s.grid).toEqual([2, 2]);
  });

  it("names a grid that does not hold the features", () => {
    const bad = { ...base(), grid: [3, 2] };
    expect(() => readState(traits<ImportanceTraits>(fakeModel(bad).model))).toThrow(/grid must be \[rows, cols\] of the 4/);
  });

  it("scales mean |attribution| from 0 and the drops symmetric about 0", () => {
    expect(gridRanges([0, 2, 1], [0.1, -0.3, 0.2])).toEqual([[0, 2], [-0.3, 0.3]]);
    expect(gridRanges([0, 0], [0, 0])).toEqual([[0, 1], [-1, 1]]);
  });
});
