import { describe, expect, it } from "vitest";
import { clamp, clamp01, finiteOr } from "../src/lib/numbers";

describe("finiteOr", () => {
  it("keeps a finite number, including 0 and negatives", () => {
    expect(finiteOr(3.5, 1)).toBe(3.5);
    expect(finiteOr(0, 1)).toBe(0);
    expect(finiteOr(-2, 1)).toBe(-2);
  });

  it("falls back for NaN, infinities, missing values and other types", () => {
    for (const v of [NaN, Infinity, -Infinity, null, undefined, "4", true, {}, [1]]) {
      expect(finiteOr(v, 7)).toBe(7);
    }
  });
});

describe("clamp", () => {
  it("limits to [lo, hi]", () => {
    expect(clamp(5, 0, 1)).toBe(1);
    expect(clamp(-5, 0, 1)).toBe(0);
    expect(clamp(0.25, 0, 1)).toBe(0.25);
    expect(clamp01(1.5)).toBe(1);
    expect(clamp01(-0.5)).toBe(0);
  });
});
