import { describe, expect, it } from "vitest";
import { barGeometry, scaleNote } from "../src/attribution/parts";

describe("barGeometry", () => {
  it("starts every bar at the zero line in the middle of the track", () => {
    expect(barGeometry(0.5, 1)).toEqual({ left: 50, width: 25 });
    expect(barGeometry(-0.5, 1)).toEqual({ left: 25, width: 25 });
    expect(barGeometry(1, 1)).toEqual({ left: 50, width: 50 });
  });
  it("clamps past the scale and draws nothing for a zero scale or NaN", () => {
    expect(barGeometry(-3, 1)).toEqual({ left: 0, width: 50 });
    expect(barGeometry(0.2, 0)).toEqual({ left: 50, width: 0 });
    expect(barGeometry(NaN, 1)).toEqual({ left: 50, width: 0 });
  });
});

describe("scaleNote", () => {
  it("names the panel's own scale, its sum and its share", () => {
    expect(scaleNote({ scale: 0.25, total: -0.5, share: 0.624 })).toBe("own scale ±0.25 · Σ -0.5 · 62% of |attribution|");
  });
});
