import { describe, expect, it } from "vitest";
import {
  boxBlur3, brushMax, brushRect, channelMeans, clipRect, copyRect, defaultBrush, fillImage, isFill, lineCells,
  strokeTo, type ImageShape,
} from "../src/whatif/image/brush";

// A 1-channel 3×3 image 1..9 and a 2-channel 2×2 one, small enough to check by hand.
const GRAY: ImageShape = { channels: 1, height: 3, width: 3 };
const gray = (): Float32Array => Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);
const TWO: ImageShape = { channels: 2, height: 2, width: 2 };
const two = (): Float32Array => Float32Array.from([0, 2, 4, 6, 10, 10, 30, 30]);

describe("brush size", () => {
  it("goes from 1 to half the shorter side", () => {
    expect(brushMax(8, 8)).toBe(4);
    expect(brushMax(28, 20)).toBe(10);
    expect(brushMax(1, 5)).toBe(1);
    expect(brushMax(3, 3)).toBe(1);
  });

  it("starts at about a tenth of the shorter side, within range", () => {
    expect(defaultBrush(8, 8)).toBe(1);
    expect(defaultBrush(28, 28)).toBe(3);
    expect(defaultBrush(224, 224)).toBe(22);
    expect(defaultBrush(2, 2)).toBe(1);
  });
});

describe("brushRect", () => {
  it("centres an odd square on the cell", () => {
    expect(brushRect({ row: 4, col: 5 }, 3, 10, 10)).toEqual({ row: 3, col: 4, height: 3, width: 3 });
    expect(brushRect({ row: 4, col: 5 }, 1, 10, 10)).toEqual({ row: 4, col: 5, height: 1, width: 1 });
  });

  it("puts the extra pixel of an even square above and left", () => {
    expect(brushRect({ row: 4, col: 5 }, 2, 10, 10)).toEqual({ row: 3, col: 4, height: 2, width: 2 });
    expect(brushRect({ row: 4, col: 5 }, 4, 10, 10)).toEqual({ row: 2, col: 3, height: 4, width: 4 });
  });

  it("clips at the edges", () => {
    expect(brushRect({ row: 0, col: 0 }, 3, 10, 10)).toEqual({ row: 0, col: 0, height: 2, width: 2 });
    expect(brushRect({ row: 9, col: 9 }, 5, 10, 10)).toEqual({ row: 7, col: 7, height: 3, width: 3 });
    expect(brushRect({ row: 0, col: 9 }, 4, 10, 10)).toEqual({ row: 0, col: 7, height: 2, width: 3 });
  });

  it("treats odd sizes as at least one pixel", () => {
    expect(brushRect({ row: 1, col: 1 }, 0, 3, 3)).toEqual({ row: 1, col: 1, height: 1, width: 1 });
    expect(brushRect({ row: 1, col: 1 }, NaN, 3, 3)).toEqual({ row: 1, col: 1, height: 1, width: 1 });
    expect(brushRect({ row: 1, col: 1 }, 2.7, 3, 3)).toEqual({ row: 0, col: 0, height: 2, width: 2 });
  });

  it("clipRect gives null for a rectangle off the image", () => {
    expect(clipRect({ row: -5, col: 0, height: 3, width: 3 }, 4, 4)).toBeNull();
    expect(clipRect({ row: 0, col: 4, height: 1, width: 1 }, 4, 4)).toBeNull();
  });
});

describe("fills", () => {
  it("zero is all zeros", () => {
    expect(Array.from(fillImage(gray(), GRAY, "zero"))).toEqual(new Array(9).fill(0));
  });

  it("mean is the mean of each channel of the original", () => {
    expect(channelMeans(two(), TWO)).toEqual([3, 20]);
    expect(Array.from(fillImage(two(), TWO, "mean"))).toEqual([3, 3, 3, 3, 20, 20, 20, 20]);
    expect(Array.from(fillImage(gray(), GRAY, "mean"))).toEqual(new Array(9).fill(5));
  });

  it("blur is a 3×3 box mean with edges clamped", () => {
    const b = boxBlur3(gray(), GRAY);
    // corner (0,0): rows {0,0,1} × cols {0,0,1} → (1+1+2 + 1+1+2 + 4+4+5) / 9 = 21/9
    expect(b[0]).toBeCloseTo(21 / 9, 6);
    // centre: the mean of all nine = 5
    expect(b[4]).toBeCloseTo(5, 6);
    // edge (0,1): rows {0,0,1} × cols {0,1,2} → (6 + 6 + 15) / 9 = 3
    expect(b[1]).toBeCloseTo(3, 6);
    // corner (2,2): rows {1,2,2} × cols {1,2,2} → (5+6+6 + 8+9+9 + 8+9+9) / 9 = 69/9
    expect(b[8]).toBeCloseTo(69 / 9, 6);
  });

  it("blurs each channel on its own", () => {
    const b = boxBlur3(two(), TWO);
    // channel 0, pixel (0,0) of [[0,2],[4,6]]: rows {0,0,1} cols {0,0,1} →
    // (0+0+2)*2 + (4+4+6) = 18 → 2
    expect(b[0]).toBeCloseTo(2, 6);
    // channel 1 is [[10,10],[30,30]]: pixel (1,1) → rows {0,1,1}: 10*3 + 30*6 = 210 → 210/9
    expect(b[7]).toBe(Math.fround(210 / 9)); // float32, as Python would hold it
  });

  it("knows its fill names", () => {
    expect(isFill("blur")).toBe(true);
    expect(isFill("noise")).toBe(false);
  });
});

describe("paint and erase", () => {
  it("paint copies the fill into the brushed square only, counting changes", () => {
    const img = gray();
    const fill = fillImage(img, GRAY, "zero");
    const rect = brushRect({ row: 0, col: 0 }, 2, 3, 3)!; // clipped to the single pixel (0, 0)
    expect(rect).toEqual({ row: 0, col: 0, height: 1, width: 1 });
    expect(copyRect(img, fill, GRAY, brushRect({ row: 2, col: 2 }, 2, 3, 3)!)).toBe(4);
    expect(Array.from(img)).toEqual([1, 2, 3, 4, 0, 0, 7, 0, 0]);
  });

  it("erase restores the original's pixels", () => {
    const original = gray();
    const img = fillImage(original, GRAY, "mean"); // everything painted to 5
    const changed = copyRect(img, original, GRAY, brushRect({ row: 1, col: 1 }, 3, 3, 3)!);
    expect(changed).toBe(8); // the centre was 5 already
    expect(Array.from(img)).toEqual(Array.from(original));
  });

  it("paints every channel of an RGB-like image", () => {
    const img = two();
    copyRect(img, fillImage(two(), TWO, "mean"), TWO, { row: 0, col: 1, height: 2, width: 1 });
    expect(Array.from(img)).toEqual([0, 3, 4, 3, 10, 20, 30, 20]);
  });

  it("a stroke stamps every cell on the way, so fast moves leave no gap", () => {
    const shape = { channels: 1, height: 1, width: 6 };
    const img = new Float32Array([1, 1, 1, 1, 1, 1]);
    const zero = new Float32Array(6);
    expect(strokeTo(img, zero, shape, null, { row: 0, col: 0 }, 1)).toBe(1);
    expect(strokeTo(img, zero, shape, { row: 0, col: 0 }, { row: 0, col: 4 }, 1)).toBe(4);
    expect(Array.from(img)).toEqual([0, 0, 0, 0, 0, 1]);
    expect(strokeTo(img, zero, shape, { row: 0, col: 4 }, { row: 0, col: 2 }, 1)).toBe(0);
  });
});

describe("lineCells", () => {
  it("includes both ends and steps one cell at a time", () => {
    expect(lineCells({ row: 0, col: 0 }, { row: 0, col: 0 })).toEqual([{ row: 0, col: 0 }]);
    expect(lineCells({ row: 2, col: 0 }, { row: 0, col: 0 })).toEqual([
      { row: 2, col: 0 }, { row: 1, col: 0 }, { row: 0, col: 0 },
    ]);
    const diag = lineCells({ row: 0, col: 0 }, { row: 3, col: 6 });
    expect(diag[0]).toEqual({ row: 0, col: 0 });
    expect(diag[diag.length - 1]).toEqual({ row: 3, col: 6 });
    expect(diag).toHaveLength(7);
    for (let i = 1; i < diag.length; i++) {
      expect(Math.abs(diag[i]!.row - diag[i - 1]!.row)).toBeLessThanOrEqual(1);
      expect(Math.abs(diag[i]!.col - diag[i - 1]!.col)).toBe(1);
    }
  });
});
