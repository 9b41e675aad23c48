import { describe, expect, it } from "vitest";
import { sameAs, tickLabel, yRange } from "../src/attribution/deletion";

describe("deletion chart", () => {
  it("finds curves drawn on top of each other", () => {
    const curves = new Float32Array([1, 0.5, 0, 1, 0.5, 0, 1, 0.9, 0.2, 1, 0.5, 0]);
    expect(sameAs(curves, 4, 3)).toEqual([-1, 0, -1, 0]);
    expect(sameAs(new Float32Array([1, 0, 1, 0.1]), 2, 2)).toEqual([-1, -1]);
  });
  it("pads a flat range and ignores NaN", () => {
    expect(yRange([[0.3, 0.3, NaN]])).toEqual([-0.2, 0.8]);
    expect(yRange([[0.1, 0.9], [0, 0.5]])).toEqual([0, 0.9]);
    expect(yRange([[]])).toEqual([0, 1]);
  });
  it("labels probability ticks in percent", () => {
    expect(tickLabel(0.5, true)).toBe("50%");
    expect(tickLabel(0.004, true)).toBe("0.4%");
    expect(tickLabel(12.5, false)).toBe("13");
  });
});
