import { describe, expect, it } from "vitest";
import { baseImage, blend, displayScale, mapRange } from "../src/lib/image";

const pixel = (img: Uint8ClampedArray, i: number): number[] => Array.from(img.slice(i * 4, i * 4 + 4));

describe("displayScale", () => {
  it("scales the longest side up to at most 288 px in whole pixels", () => {
    expect(displayScale(8, 8)).toBe(36);
    expect(displayScale(28, 28)).toBe(10);
    expect(displayScale(32, 16)).toBe(9);
    expect(displayScale(224, 224)).toBe(1);
    expect(displayScale(500, 300)).toBe(1);
    expect(displayScale(0, 0)).toBe(288);
  });
});

describe("baseImage", () => {
  it("maps a grayscale [1, H, W] input through the display range", () => {
    const img = baseImage(new Float32Array([0, 16, 8, -1]), [1, 2, 2], 0, 16);
    // 8/16*255 = 127.5 → 128 (half to even), -1 clamps to 0
    expect(pixel(img, 0)).toEqual([0, 0, 0, 255]);
    expect(pixel(img, 1)).toEqual([255, 255, 255, 255]);
    expect(pixel(img, 2)).toEqual([128, 128, 128, 255]);
    expect(pixel(img, 3)).toEqual([0, 0, 0, 255]);
  });

  it("reads RGB planes for C=3", () => {
    // [3, 1, 2]: R plane, G plane, B plane
    const img = baseImage(new Float32Array([1, 0, 0, 1, 0.5, 0.25]), [3, 1, 2], 0, 1);
    expect(pixel(img, 0)).toEqual([255, 0, 128, 255]);
    expect(pixel(img, 1)).toEqual([0, 255, 64, 255]);
  });

  it("shows the channel mean for other channel counts", () => {
    const img = baseImage(new Float32Array([0, 1, 1, 1]), [2, 1, 2], 0, 1);
    expect(pixel(img, 0)).toEqual([128, 128, 128, 255]); // mean 0.5 → 127.5 → 128
    expect(pixel(img, 1)).toEqual([255, 255, 255, 255]);
  });
});

describe("blend", () => {
  const lut = new Uint8Array(1024);
  for (let i = 0; i < 256; i++) lut.set([255, 0, 0, i], i * 4); // red, alpha = row

  it("computes (1 - a) * base + a * lut with a = opacity * alpha / 255", () => {
    const base = new Uint8ClampedArray([100, 100, 100, 255, 0, 200, 0, 255]);
    const out = blend(base, new Float32Array([1, 0.5]), lut, 0, 1, 0.5);
    // pixel 0: row 255, a = 0.5 → 0.5*100 + 0.5*255 = 177.5 → 178 (clamped-array rounding), g = b = 50
    expect(pixel(out, 0)).toEqual([178, 50, 50, 255]);
    // pixel 1: row 128 (127.5 → 128), a = 0.5 * 128/255
    const a = (0.5 * 128) / 255;
    expect(pixel(out, 1)).toEqual([Math.round(a * 255), Math.round((1 - a) * 200), 0, 255]);
  });

  it("leaves the base untouched at opacity 0 and where the LUT is transparent", () => {
    const base = new Uint8ClampedArray([10, 20, 30, 255]);
    expect(pixel(blend(base, [1], lut, 0, 1, 0), 0)).toEqual([10, 20, 30, 255]);
    expect(pixel(blend(base, [0], lut, 0, 1, 1), 0)).toEqual([10, 20, 30, 255]);
    expect(pixel(blend(base, [1], lut, 0, 1, 1), 0)).toEqual([255, 0, 0, 255]);
  });

  it("writes into a given output buffer", () => {
    const out = new Uint8ClampedArray(4);
    expect(blend(new Uint8ClampedArray(4), [0], lut, 0, 1, 1, out)).toBe(out);
  });
});

describe("mapRange", () => {
  it("is symmetric for signed maps and starts at 0 otherwise", () => {
    expect(mapRange(2, true)).toEqual([-2, 2]);
    expect(mapRange(2, false)).toEqual([0, 2]);
  });
});
