import { describe, expect, it } from "vitest";
import { applyLut, drawColorbar, lutIndex, roundHalfEven, type CanvasLike } from "../src/lib/colormap";

/** A LUT whose row i is (i, 255 - i, i % 7, 200 + (i % 50)): every row distinct. */
function testLut(): Uint8Array {
  const lut = new Uint8Array(1024);
  for (let i = 0; i < 256; i++) lut.set([i, 255 - i, i % 7, 200 + (i % 50)], i * 4);
  return lut;
}

describe("roundHalfEven", () => {
  it("rounds ties to the even neighbour like np.round", () => {
    expect([0.5, 1.5, 2.5, 3.5, 127.5, 128.5, 254.5].map(roundHalfEven)).toEqual([0, 2, 2, 4, 128, 128, 254]);
    expect(roundHalfEven(-0.5) === 0).toBe(true); // -0 or 0, both row 0
    expect(roundHalfEven(-1.5)).toBe(-2);
    expect(roundHalfEven(-2.5)).toBe(-2);
  });

  it("rounds non-ties to nearest", () => {
    expect(roundHalfEven(2.4999999)).toBe(2);
    expect(roundHalfEven(2.5000001)).toBe(3);
    expect(roundHalfEven(0.49999999999999994)).toBe(0); // Math.round's old trap
    expect(roundHalfEven(-3.7)).toBe(-4);
    expect(roundHalfEven(4503599627370495.5)).toBe(4503599627370496);
  });
});

describe("lutIndex", () => {
  it("uses half-to-even on exact ties where Math.round would round up", () => {
    // With lo=0, hi=255 the index is the value itself, so .5 values are exact ties.
    expect(lutIndex(0.5, 0, 255)).toBe(0);
    expect(lutIndex(2.5, 0, 255)).toBe(2);
    expect(lutIndex(3.5, 0, 255)).toBe(4);
    expect(lutIndex(253.5, 0, 255)).toBe(254);
    expect(lutIndex(254.5, 0, 255)).toBe(254);
    expect(Math.round(2.5)).toBe(3); // the reason roundHalfEven exists
  });

  it("matches numpy on a signed range (expected values from numpy 2)", () => {
    const lo = -0.37;
    const hi = 1.9;
    const values = [
      1.1197965557679268, 0.12842412716244989, -0.4893714853722743, -0.5553753840729714,
      1.5958296458407357, 1.8644400586498486, 1.037916594571386, 1.369640714656796,
      0.8677874769566419, 1.9246955442269744, 1.602804596128137, -0.5926060495406001,
      -0.37, 1.9, 0.7649999999999999, Infinity, -Infinity,
    ];
    const numpy = [167, 56, 0, 0, 221, 251, 158, 195, 139, 255, 222, 0, 0, 255, 127, 255, 0];
    expect(values.map((v) => lutIndex(v, lo, hi))).toEqual(numpy);
  });

  it("clamps to 0..255 and maps NaN to 0", () => {
    expect(lutIndex(-5, 0, 1)).toBe(0);
    expect(lutIndex(5, 0, 1)).toBe(255);
    expect(lutIndex(-0.5, 0, 255)).toBe(0);
    expect(lutIndex(255.5, 0, 255)).toBe(255);
    expect(lutIndex(NaN, 0, 1)).toBe(0);
    expect(lutIndex(0, -1, 1)).toBe(128); // 127.5 → 128 (even)
    expect(lutIndex(1, -1, 1)).toBe(255);
    expect(lutIndex(-1, -1, 1)).toBe(0);
  });

  it("maps everything to row 0 for an empty, inverted or NaN range (like lut_index in Python)", () => {
    expect(lutIndex(3, 3, 3)).toBe(0);
    expect(lutIndex(4, 3, 3)).toBe(0);
    expect(lutIndex(2, 3, 3)).toBe(0);
    expect(lutIndex(0.5, 1, 0)).toBe(0);
    expect(lutIndex(1, NaN, 3)).toBe(0);
    expect(lutIndex(1, 0, Infinity)).toBe(0);
    expect(lutIndex(Infinity, 0, Infinity)).toBe(0);
  });

  it("always returns an integer row", () => {
    for (let v = -1.2; v < 1.2; v += 0.0137) {
      const i = lutIndex(v, -1, 1);
      expect(Number.isInteger(i) && i >= 0 && i <= 255).toBe(true);
    }
  });
});

describe("applyLut", () => {
  it("writes the RGBA row of each value (ties to even, clamped, NaN → row 0)", () => {
    const lut = testLut();
    const values = new Float32Array([0, 255, 127.5, -3, NaN, 2.5, 300, 3.5]);
    const out = new Uint8ClampedArray(values.length * 4);
    expect(applyLut(values, lut, 0, 255, out)).toBe(out);
    // rows by hand: 0, 255, 127.5→128, -3→0, NaN→0, 2.5→2, 300→255, 3.5→4
    const expected = [
      0, 255, 0, 200,
      255, 0, 3, 205,
      128, 127, 2, 228,
      0, 255, 0, 200,
      0, 255, 0, 200,
      2, 253, 2, 202,
      255, 0, 3, 205,
      4, 251, 4, 204,
    ];
    expect(Array.from(out)).toEqual(expected);
  });

  it("scales by (v - lo) / (hi - lo) on a signed range", () => {
    const lut = testLut();
    const out = new Uint8ClampedArray(12);
    applyLut([-2, 0, 1], lut, -2, 2, out); // → 0, 127.5→128, 191.25→191
    expect([out[0], out[4], out[8]]).toEqual([0, 128, 191]);
  });

  it("rejects a LUT of the wrong size and a short output", () => {
    expect(() => applyLut([0], new Uint8Array(1020), 0, 1, new Uint8ClampedArray(4))).toThrow(/\[256, 4\]/);
    expect(() => applyLut([0, 1], testLut(), 0, 1, new Uint8ClampedArray(4))).toThrow(/needs 8/);
  });
});

describe("drawColorbar", () => {
  it("paints LUT row x into pixel column x on every line", () => {
    let put: ImageData | null = null;
    const ctx = {
      createImageData: (w: number, h: number) => ({ width: w, height: h, data: new Uint8ClampedArray(w * h * 4) }),
      putImageData: (img: ImageData) => { put = img; },
    };
    const canvas = { width: 0, height: 0, getContext: () => ctx } as unknown as CanvasLike;
    const lut = testLut();
    drawColorbar(canvas, lut, 3);
    expect(canvas.width).toBe(256);
    expect(canvas.height).toBe(3);
    const img = put as unknown as ImageData;
    expect(img.width).toBe(256);
    for (const [x, y] of [[0, 0], [17, 1], [255, 2]] as const) {
      const o = (y * 256 + x) * 4;
      expect(Array.from(img.data.slice(o, o + 4))).toEqual(Array.from(lut.slice(x * 4, x * 4 + 4)));
    }
  });
});
