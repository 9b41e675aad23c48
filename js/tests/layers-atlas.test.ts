import { describe, expect, it } from "vitest";
import { GAP, hitAt, layerStats, layoutFor, paintAtlas, pixelOf, symmetricRange, zoomFor } from "../src/layers/atlas";

const LUT = Uint8Array.from({ length: 1024 }, (_, i) => (i % 4 === 3 ? 255 : Math.floor(i / 4)));

describe("layoutFor", () => {
  it("puts feature maps in a near-square grid, 1 px apart", () => {
    const l = layoutFor([256, 56, 56]);
    expect([l.cols, l.rows]).toEqual([16, 16]);
    expect([l.width, l.height]).toEqual([16 * 56 + 15 * GAP, 16 * 56 + 15 * GAP]);
    const odd = layoutFor([10, 3, 5]);
    expect([odd.cols, odd.rows, odd.width, odd.height]).toEqual([4, 3, 4 * 5 + 3, 3 * 3 + 2]);
  });

  it("wraps units at 64 per row and keeps sequences as one heatmap", () => {
    expect(layoutFor([10])).toMatchObject({ tiles: 1, th: 1, tw: 10, width: 10, height: 1 });
    expect(layoutFor([130])).toMatchObject({ th: 3, tw: 64, width: 64, height: 3 });
    expect(layoutFor([7, 16])).toMatchObject({ th: 7, tw: 16, width: 16, height: 7 });
  });

  it("lays conv filters out as one row per output channel", () => {
    expect(layoutFor([32, 16, 3, 3])).toMatchObject({ tiles: 512, cols: 16, rows: 32, width: 16 * 4 - 1 });
  });
});

describe("hitAt and pixelOf", () => {
  it("find the neuron under a pixel and back, for every value", () => {
    for (const shape of [[5, 3, 4], [130], [7, 16], [3, 2, 2, 3]]) {
      const l = layoutFor(shape);
      const n = shape.reduce((a, b) => a * b, 1);
      for (let flat = 0; flat < n; flat++) {
        const [x, y] = pixelOf(l, flat);
        const hit = hitAt(l, x + 0.5, y + 0.5);
        expect(hit?.flat).toBe(flat);
        // the index's row-major position is the flat index
        let f = 0;
        hit!.index.forEach((i, d) => { f = f * shape[d]! + i; });
        expect(f).toBe(flat);
      }
    }
  });

  it("gives null over gaps, empty tiles, the strip's tail and outside", () => {
    const l = layoutFor([5, 3, 4]); // 3 columns: tiles 0-2, then 3-4 and an empty one
    expect(hitAt(l, 4.5, 1)).toBeNull(); // the gap after tile 0
    expect(hitAt(l, 1, 3.5)).toBeNull(); // the gap below tile 0
    expect(hitAt(l, 11, 5)).toBeNull(); // tile 5 does not exist
    expect(hitAt(l, -0.1, 0)).toBeNull();
    expect(hitAt(l, l.width, 0)).toBeNull();
    expect(hitAt(layoutFor([130]), 10, 2.5)).toBeNull(); // 128 + 10 ≥ 130
    expect(hitAt(layoutFor([130]), 1, 2.5)).toEqual({ index: [129], flat: 129 });
    expect(hitAt(l, 6.2, 5.9)).toEqual({ index: [4, 1, 1], flat: 4 * 12 + 1 * 4 + 1 });
  });
});

describe("paintAtlas", () => {
  it("colours each value at its pixel and leaves gaps transparent", () => {
    const l = layoutFor([2, 1, 2]); // two 1×2 tiles side by side: width 5
    const out = new Uint8ClampedArray(l.width * l.height * 4);
    paintAtlas([0, 1, 0.5, 1], l, LUT, 0, 1, out);
    const red = (x: number): number => out[x * 4]!;
    expect([red(0), red(1), red(3), red(4)]).toEqual([0, 255, 128, 255]);
    expect(out[2 * 4 + 3]).toBe(0); // the gap
  });

  it("paints 256 maps of 56×56 quickly", () => {
    const l = layoutFor([256, 56, 56]);
    const values = Float32Array.from({ length: 256 * 56 * 56 }, (_, i) => Math.sin(i));
    const out = new Uint8ClampedArray(l.width * l.height * 4);
    const t0 = performance.now();
    paintAtlas(values, l, LUT, -1, 1, out);
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});

describe("layerStats, symmetricRange, zoomFor", () => {
  it("computes mean, max and the fraction of zeros", () => {
    expect(layerStats([0, 2, 0, 6])).toEqual({ mean: 2, max: 6, min: 0, zeros: 0.5 });
    expect(layerStats([]).mean).toBeNaN();
  });

  it("ranges and zooms", () => {
    expect(symmetricRange([-3, 1])).toEqual([-3, 3]);
    expect(symmetricRange([0, 0])).toEqual([-1, 1]);
    expect(zoomFor(layoutFor([16, 8, 8]))).toBe(16);
    expect(zoomFor(layoutFor([256, 56, 56]))).toBe(1);
  });
});

describe("weights of a first conv", () => {
  it("wrap their filters into a square, and hover still names (out, in, y, x)", () => {
    const l = layoutFor([32, 1, 3, 3]);
    expect([l.cols, l.rows]).toEqual([6, 6]);
    expect(l.width).toBeLessThan(4 * l.height);
    // filter 7 sits in row 1, column 1; its pixel (2, 1) is value (7, 0, 1, 2)
    const hit = hitAt(l, 1 * 4 + 2, 1 * 4 + 1)!;
    expect(hit.index).toEqual([7, 0, 1, 2]);
    expect(hit.flat).toBe(7 * 9 + 1 * 3 + 2);
    expect(pixelOf(l, hit.flat)).toEqual([6, 5]);
  });
});
