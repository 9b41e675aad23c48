import { describe, expect, it } from "vitest";
import {
  defaultPatch, occlude, outlineBox, patchAt, patchGrid, patchRect, patchSizes,
} from "../src/whatif/image/occlusion";

describe("patchSizes", () => {
  it("offers three powers of two scaled to the image", () => {
    expect(patchSizes(8, 8)).toEqual([1, 2, 4]);
    expect(patchSizes(28, 28)).toEqual([2, 4, 8]);
    expect(patchSizes(32, 32)).toEqual([4, 8, 16]);
    expect(patchSizes(64, 64)).toEqual([8, 16, 32]);
    expect(patchSizes(224, 224)).toEqual([16, 32, 64]);
    expect(patchSizes(224, 16)).toEqual([2, 4, 8]); // the shorter side decides
  });

  it("never offers a patch larger than the image", () => {
    expect(patchSizes(4, 4)).toEqual([1, 2, 4]);
    expect(patchSizes(3, 5)).toEqual([1, 2]);
    expect(patchSizes(1, 1)).toEqual([1]);
  });

  it("starts in the middle", () => {
    expect(defaultPatch([1, 2, 4])).toBe(2);
    expect(defaultPatch([1, 2])).toBe(1);
    expect(defaultPatch([1])).toBe(1);
  });
});

describe("patch positions", () => {
  it("cover the image with stride = size", () => {
    expect(patchGrid(8, 8, 4)).toEqual({ size: 4, rows: 2, cols: 2, count: 4 });
    expect(patchGrid(28, 28, 8)).toEqual({ size: 8, rows: 4, cols: 4, count: 16 });
    expect(patchGrid(6, 10, 4)).toEqual({ size: 4, rows: 2, cols: 3, count: 6 });
  });

  it("go row-major", () => {
    const g = patchGrid(8, 8, 4);
    expect(patchRect(g, 0, 8, 8)).toEqual({ row: 0, col: 0, height: 4, width: 4 });
    expect(patchRect(g, 1, 8, 8)).toEqual({ row: 0, col: 4, height: 4, width: 4 });
    expect(patchRect(g, 2, 8, 8)).toEqual({ row: 4, col: 0, height: 4, width: 4 });
    expect(patchRect(g, 3, 8, 8)).toEqual({ row: 4, col: 4, height: 4, width: 4 });
  });

  it("clip the last row and column", () => {
    const g = patchGrid(6, 10, 4);
    expect(patchRect(g, 2, 6, 10)).toEqual({ row: 0, col: 8, height: 4, width: 2 });
    expect(patchRect(g, 5, 6, 10)).toEqual({ row: 4, col: 8, height: 2, width: 2 });
  });

  it("−1 and positions off the grid are no patch", () => {
    const g = patchGrid(8, 8, 4);
    expect(patchRect(g, -1, 8, 8)).toBeNull();
    expect(patchRect(g, 4, 8, 8)).toBeNull();
    expect(patchRect(g, 1.5, 8, 8)).toBeNull();
  });

  it("patchAt finds the patch holding a pixel", () => {
    const g = patchGrid(6, 10, 4);
    expect(patchAt(g, 0, 0)).toBe(0);
    expect(patchAt(g, 5, 9)).toBe(5);
    expect(patchAt(g, 3.5, 4)).toBe(1);
    expect(patchAt(g, 99, -3)).toBe(3); // clamped to the grid
  });
});

describe("occlude", () => {
  it("fills the patch of a copy of the original, every channel", () => {
    const original = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]); // [2, 2, 2]
    const fill = new Float32Array(8).fill(-1);
    const shape = { channels: 2, height: 2, width: 2 };
    const out = occlude(original, fill, shape, { row: 1, col: 0, height: 1, width: 2 });
    expect(Array.from(out)).toEqual([1, 2, -1, -1, 5, 6, -1, -1]);
    expect(original[2]).toBe(3);
    expect(Array.from(occlude(original, fill, shape, null))).toEqual(Array.from(original));
  });
});

describe("outlineBox", () => {
  it("strokes inside the patch on half pixels", () => {
    expect(outlineBox({ row: 1, col: 2, height: 2, width: 3 }, 10)).toEqual({ x: 20.5, y: 10.5, w: 29, h: 19 });
    expect(outlineBox({ row: 0, col: 0, height: 1, width: 1 }, 1)).toEqual({ x: 0.5, y: 0.5, w: 0, h: 0 });
  });
});
