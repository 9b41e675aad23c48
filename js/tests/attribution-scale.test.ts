import { describe, expect, it } from "vitest";
import { maxAbs, panelScales, SMALL_SHARE } from "../src/attribution/scale";

describe("panel scales", () => {
  const big = new Float32Array([5, -4, 1]);
  const small = new Float32Array([0.12, 0, 0.05]);
  it("flags a panel whose range is a small share of the shared scale", () => {
    const [a, b] = panelScales([big, small], 5, false);
    expect(a).toMatchObject({ scale: 5, own: 5, small: false });
    expect(b!.scale).toBe(5);
    expect(b!.share).toBeCloseTo(0.024, 5);
    expect(b!.small).toBe(b!.share < SMALL_SHARE);
    expect(b!.small).toBe(true);
  });
  it("scales each panel to its own largest |value| on request, the shared scale for an all-zero map", () => {
    const [a, b, c] = panelScales([big, small, new Float32Array(3)], 5, true);
    expect([a!.scale, b!.scale, c!.scale]).toEqual([5, Math.fround(0.12), 5]);
    expect(maxAbs([-3, 2])).toBe(3);
  });
});
