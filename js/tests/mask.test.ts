import { describe, expect, it } from "vitest";
import { keptCells, magnitudeCutoff, maskMap, orderByMagnitude, rangeOf, sumOver, visibleRows } from "../src/attribution/mask";

const none = { threshold: 0, topPercent: 100, absolute: false };

describe("maskMap", () => {
  it("keeps every value with no mask", () => {
    expect(Array.from(maskMap([1, -2, 0.5], 2, none))).toEqual([1, -2, 0.5]);
  });

  it("hides magnitudes below threshold × scale, keeping the sign of the rest", () => {
    expect(Array.from(maskMap([1, -2, 0.5, -0.9], 2, { ...none, threshold: 0.5 }))).toEqual([1, -2, 0, 0]);
  });

  it("keeps the top p % by magnitude, rounding the count up", () => {
    // 4 cells, 50 % → 2 kept: |−3| and |2|
    expect(Array.from(maskMap([1, -3, 2, 0.5], 3, { ...none, topPercent: 50 }))).toEqual([0, -3, 2, 0]);
    // 30 % of 4 = 1.2 → 2 kept
    expect(Array.from(maskMap([1, -3, 2, 0.5], 3, { ...none, topPercent: 30 }))).toEqual([0, -3, 2, 0]);
    expect(Array.from(maskMap([1, -3, 2, 0.5], 3, { ...none, topPercent: 0 }))).toEqual([0, 0, 0, 0]);
  });

  it("keeps ties at the cutoff", () => {
    expect(Array.from(maskMap([2, -2, 1], 2, { ...none, topPercent: 34 }))).toEqual([2, -2, 0]);
  });

  it("draws magnitudes in absolute mode", () => {
    expect(Array.from(maskMap([1, -3], 3, { ...none, absolute: true }))).toEqual([1, 3]);
  });

  it("combines threshold and top p %", () => {
    expect(Array.from(maskMap([4, -3, 2, 1], 4, { threshold: 0.6, topPercent: 75, absolute: false }))).toEqual([4, -3, 0, 0]);
  });
});

describe("padding", () => {
  it("draws padding as no cell: 0, and outside the top-percent count", () => {
    // 4 real cells and 4 padded ones: 50 % keeps 2 of the 4 real cells, not 4 of 8
    const map = [1, -3, 2, 0.5, 0, 0, 0, 0];
    const pad = [0, 0, 0, 0, 1, 1, 1, 1];
    expect(Array.from(maskMap(map, 3, { ...none, topPercent: 50 }, pad))).toEqual([0, -3, 2, 0, 0, 0, 0, 0]);
    expect(Array.from(maskMap(map, 3, { ...none, topPercent: 50 }))).toEqual([1, -3, 2, 0.5, 0, 0, 0, 0]);
  });

  it("leaves padded values out of a panel's own range", () => {
    expect(Array.from(keptCells([0.1, -0.2, 5], [0, 0, 1]))).toEqual([0.1, -0.2]);
    expect(keptCells([1, 2], null)).toEqual([1, 2]);
  });
});

describe("helpers", () => {
  it("finds the k-th largest magnitude", () => {
    expect(magnitudeCutoff([1, -5, 3], 1)).toBe(5);
    expect(magnitudeCutoff([1, -5, 3], 2)).toBe(3);
    expect(magnitudeCutoff([1, -5, 3], 9)).toBe(1);
  });
  it("orders rows by magnitude with stable ties", () => {
    expect(orderByMagnitude([0.1, -2, 2, 0.5])).toEqual([1, 2, 3, 0]);
  });
  it("gives symmetric or unsigned ranges", () => {
    expect(rangeOf(2, false)).toEqual([-2, 2]);
    expect(rangeOf(2, true)).toEqual([0, 2]);
  });
});

describe("visibleRows", () => {
  const order = Array.from({ length: 40 }, (_, i) => 39 - i);
  it("folds the tail of a long table into one row", () => {
    const rows = visibleRows(order, 30, false);
    expect(rows.shown).toEqual(order.slice(0, 30));
    expect(rows.rest).toEqual(order.slice(30));
  });
  it("lists everything when asked, or when folding would hide a single row", () => {
    expect(visibleRows(order, 30, true).rest).toEqual([]);
    expect(visibleRows(order.slice(0, 31), 30, false).shown.length).toBe(31);
  });
  it("sums the folded features' values", () => {
    expect(sumOver([1, -2, 4, 8], [1, 3])).toBe(6);
  });
});
