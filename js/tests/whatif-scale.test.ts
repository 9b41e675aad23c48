import { describe, expect, it } from "vitest";
import {
  choices, f32String, fraction, markLeft, MAX_CHOICES, nearestIndex, rowOrder, short, signed, signedBar, stepAttr,
  symmetricScale,
} from "../src/whatif/scale";

describe("attribution bar scale", () => {
  it("uses the largest |value| over all arrays as one symmetric scale", () => {
    expect(symmetricScale([0.1, -0.4, 0.3])).toBeCloseTo(0.4, 7);
    expect(symmetricScale([0.1], [-2, 1])).toBe(2);
    expect(symmetricScale([NaN, Infinity, -0.5])).toBe(0.5);
    expect(symmetricScale([])).toBe(0);
  });

  it("grows positive bars right and negative bars left from the middle", () => {
    expect(signedBar(0.4, 0.4)).toEqual({ left: 50, width: 50 });
    expect(signedBar(-0.4, 0.4)).toEqual({ left: 0, width: 50 });
    expect(signedBar(0.1, 0.4)).toEqual({ left: 50, width: 12.5 });
    expect(signedBar(-0.1, 0.4)).toEqual({ left: 37.5, width: 12.5 });
  });

  it("keeps bars of equal |value| equally long on both sides", () => {
    const scale = symmetricScale([0.3, -0.2, 0.05]);
    const pos = signedBar(0.2, scale);
    const neg = signedBar(-0.2, scale);
    expect(pos.width).toBeCloseTo(neg.width, 12);
    expect(neg.left + neg.width).toBeCloseTo(50, 12);
  });

  it("draws nothing for zero, NaN or a zero scale and clips beyond the scale", () => {
    expect(signedBar(0, 1)).toEqual({ left: 50, width: 0 });
    expect(signedBar(NaN, 1)).toEqual({ left: 50, width: 0 });
    expect(signedBar(0.3, 0)).toEqual({ left: 50, width: 0 });
    expect(signedBar(5, 1)).toEqual({ left: 50, width: 50 });
    expect(signedBar(-Infinity, 1)).toEqual({ left: 0, width: 50 });
  });

  it("formats signed numbers with a true minus", () => {
    expect(signed(0.1234)).toBe("+0.1234");
    expect(signed(-0.05)).toBe("\u22120.05");
    expect(signed(0)).toBe("0");
  });
});

describe("slider marks and choices", () => {
  it("places a value on its range, clamped", () => {
    expect(fraction(5, 0, 10)).toBe(0.5);
    expect(fraction(-1, 0, 10)).toBe(0);
    expect(fraction(11, 0, 10)).toBe(1);
    expect(fraction(3, 3, 3)).toBe(0.5);
    expect(fraction(NaN, 0, 1)).toBeNull();
  });

  it("offsets marks by half a thumb so they meet the thumb's centre", () => {
    expect(markLeft(0)).toBe("calc(6px + 0.000% - 0.000px)");
    expect(markLeft(1)).toBe("calc(6px + 100.000% - 12.000px)");
    expect(markLeft(0.5)).toBe("calc(6px + 50.000% - 6.000px)");
  });

  it("lists categorical values low, low+step, …, high", () => {
    expect(choices(0, 3, 1)).toEqual([0, 1, 2, 3]);
    expect(choices(0, 1, 0.25)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    const tenths = choices(0, 1, 0.1);
    expect(tenths).toHaveLength(11);
    expect(tenths[10]).toBeCloseTo(1, 12);
    expect(choices(0, 2.5, 1)).toEqual([0, 1, 2, 2.5]); // high is always offered
    expect(choices(2, 2, 1)).toEqual([2]);
    expect(choices(0, 1, 0)).toEqual([0, 1]);
    expect(choices(0, 1e9, 1)).toHaveLength(MAX_CHOICES);
  });

  it("finds the nearest value", () => {
    expect(nearestIndex([0, 1, 2, 3], 1.4)).toBe(1);
    expect(nearestIndex([0, 1, 2, 3], 1.6)).toBe(2);
    expect(nearestIndex([0, 1, 2, 3], 1.5)).toBe(1); // first of ties
    expect(nearestIndex([0, 1, 2, 3], -5)).toBe(0);
    expect(nearestIndex([0, 1, 2, 3], 99)).toBe(3);
    expect(nearestIndex([], 1)).toBe(-1);
    expect(nearestIndex([1, 2], NaN)).toBe(-1);
  });

  it("gives the range input a usable step", () => {
    expect(stepAttr(0.5)).toBe("0.5");
    expect(stepAttr(0)).toBe("any");
    expect(stepAttr(NaN)).toBe("any");
  });
});

describe("row order", () => {
  it("sorts by |attribution| descending when asked, stable on ties", () => {
    const a = [0.1, -0.5, 0.3, 0.5, NaN];
    expect(rowOrder(a, false)).toEqual([0, 1, 2, 3, 4]);
    expect(rowOrder(a, true)).toEqual([1, 3, 2, 0, 4]);
  });
});

describe("f32String", () => {
  it("writes the shortest decimal that reads back as the same float32", () => {
    expect(f32String(Math.fround(0.1))).toBe("0.1");
    expect(f32String(Math.fround(9.5))).toBe("9.5");
    expect(f32String(Math.fround(13.54))).toBe("13.54");
    expect(f32String(Math.fround(1e-7))).toBe("1e-7");
    expect(f32String(Math.fround(16777217))).toBe("16777216");
    expect(stepAttr(Math.fround(0.1))).toBe("0.1");
    for (const v of [Math.PI, -2.7182817, 123456.79, 3.4e38]) {
      expect(Math.fround(Number(f32String(v)))).toBe(Math.fround(v));
    }
  });
});

describe("short", () => {
  it("keeps 3 significant digits and switches to exponents for tiny and huge values", () => {
    expect(short(0.002263)).toBe("0.00226");
    expect(short(0.0002263)).toBe("2.26e-4");
    expect(short(0.01524)).toBe("0.0152");
    expect(short(0.3)).toBe("0.3");
    expect(short(-0.7198)).toBe("-0.72");
    expect(short(123.456)).toBe("123");
    expect(short(120)).toBe("120");
    expect(short(1000)).toBe("1000");
    expect(short(12345)).toBe("1.23e4");
    expect(short(0.0001)).toBe("1e-4");
    expect(short(0)).toBe("0");
    expect(short(NaN)).toBe("NaN");
    expect(signed(-0.0002263, short)).toBe("\u22122.26e-4");
  });
});
