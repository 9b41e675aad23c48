import { describe, expect, it } from "vitest";
import { cellFromClient } from "../src/lib/hover";
import { ImageEditor } from "../src/whatif/image/editor";

// An 8×8 gray image: pixel (r, c) = r * 8 + c + 1, so nothing is 0 to begin with.
const SHAPE = { channels: 1, height: 8, width: 8 };
const original = (): Float32Array => Float32Array.from({ length: 64 }, (_, i) => i + 1);
const at = (img: ArrayLike<number>, r: number, c: number): number => img[r * 8 + c]!;

function editor(): ImageEditor {
  const e = new ImageEditor();
  e.load(original(), original(), SHAPE);
  return e;
}

describe("cellFromClient (the hover mapping, reused for painting)", () => {
  it("maps viewport coordinates through the canvas's box", () => {
    const box = { left: 100, top: 50, width: 288, height: 288 };
    expect(cellFromClient(100, 50, box, 8, 8)).toEqual({ row: 0, col: 0 });
    expect(cellFromClient(100 + 36 * 3 + 1, 50 + 36 * 5 + 1, box, 8, 8)).toEqual({ row: 5, col: 3 });
    expect(cellFromClient(99, 60, box, 8, 8)).toBeNull();
    expect(cellFromClient(388, 60, box, 8, 8)).toBeNull(); // the right edge is outside
  });

  it("follows a canvas scaled down by CSS", () => {
    const box = { left: 0, top: 0, width: 144, height: 144 }; // 288 px canvas at half size
    expect(cellFromClient(143, 143, box, 8, 8)).toEqual({ row: 7, col: 7 });
    expect(cellFromClient(18, 17.9, box, 8, 8)).toEqual({ row: 0, col: 1 });
  });
});

describe("ImageEditor", () => {
  it("starts with the brush, patch sizes and slider fitted to the image", () => {
    const e = editor();
    expect(e.brush).toBe(1);
    expect(e.brushMax).toBe(4);
    expect(e.sizes).toEqual([1, 2, 4]);
    expect(e.grid).toEqual({ size: 2, rows: 4, cols: 4, count: 16 });
    expect(e.patch).toBe(-1);
    expect(e.shown()).toBe(e.edited);
  });

  it("paints a stroke with the fill and reports the change at the end", () => {
    const e = editor();
    e.setBrush(3);
    e.beginStroke();
    expect(e.strokeAt({ row: 0, col: 0 })).toBe(true); // clipped 2×2 corner
    expect(e.strokeAt(null)).toBe(false); // off the canvas: the line breaks here
    expect(e.strokeAt({ row: 7, col: 7 })).toBe(true); // no line drawn across the image
    expect(e.endStroke()).toBe(true);
    expect(at(e.edited, 0, 0)).toBe(0);
    expect(at(e.edited, 1, 1)).toBe(0);
    expect(at(e.edited, 2, 2)).toBe(19);
    expect(at(e.edited, 4, 4)).toBe(37);
    expect(at(e.edited, 6, 6)).toBe(0);
    expect(e.edited.filter((v) => v === 0)).toHaveLength(8);
  });

  it("paints with the mean or the blur of the original", () => {
    const e = editor();
    e.setFill("mean");
    e.beginStroke();
    e.strokeAt({ row: 3, col: 3 });
    e.endStroke();
    e.setFill("blur");
    e.beginStroke();
    e.strokeAt({ row: 4, col: 4 });
    e.endStroke();
    expect(at(e.edited, 3, 3)).toBe(32.5);
    // blur at (4,4): the mean of rows 3..5, cols 3..5 = the centre value, 37
    expect(at(e.edited, 4, 4)).toBeCloseTo(37, 5);
  });

  it("erase restores the original; a stroke that changes nothing is not sent", () => {
    const e = editor();
    e.beginStroke();
    e.strokeAt({ row: 2, col: 2 });
    e.endStroke();
    e.mode = "erase";
    e.beginStroke();
    e.strokeAt({ row: 2, col: 2 });
    expect(e.endStroke()).toBe(true);
    expect(Array.from(e.edited)).toEqual(Array.from(original()));
    e.beginStroke();
    e.strokeAt({ row: 5, col: 5 });
    expect(e.endStroke()).toBe(false);
  });

  it("the occlusion slider shows the original with the patch, whatever was painted", () => {
    const e = editor();
    e.beginStroke();
    e.strokeAt({ row: 7, col: 0 });
    e.endStroke();
    e.setFill("mean");
    e.setPatch(1); // 2×2 patch at row 0, col 2
    expect(e.patchRect()).toEqual({ row: 0, col: 2, height: 2, width: 2 });
    const shown = e.shown();
    expect(at(shown, 0, 2)).toBe(32.5);
    expect(at(shown, 1, 3)).toBe(32.5);
    expect(at(shown, 0, 1)).toBe(2);
    expect(at(shown, 7, 0)).toBe(57); // the painted pixel is not in the occluded image
    expect(at(e.edited, 7, 0)).toBe(0);
    expect(e.setFill("zero")).toBe(true); // the patch is refilled: send it
    expect(at(e.shown(), 0, 2)).toBe(0);
    e.setPatch(99);
    expect(e.patch).toBe(15);
    e.setPatch(-1);
    expect(e.shown()).toBe(e.edited);
    expect(e.setFill("mean")).toBe(false);
  });

  it("another patch size keeps the patch where it was", () => {
    const e = editor();
    e.setPatch(5); // size 2: row 2, col 2
    expect(e.setPatchSize(4)).toBe(true);
    expect(e.patchRect()).toEqual({ row: 0, col: 0, height: 4, width: 4 });
    e.setPatch(-1);
    expect(e.setPatchSize(1)).toBe(false);
    expect(e.grid.count).toBe(64);
  });

  it("a stroke turns the occlusion slider off; reset goes back to the original", () => {
    const e = editor();
    e.setPatch(0);
    e.beginStroke();
    expect(e.patch).toBe(-1);
    e.strokeAt({ row: 4, col: 4 });
    e.endStroke();
    e.setPatch(3);
    e.reset();
    expect(e.patch).toBe(-1);
    expect(Array.from(e.shown())).toEqual(Array.from(original()));
  });

  it("adopts the kernel's image only when it fits", () => {
    const e = editor();
    e.adopt(new Float32Array(64).fill(7));
    expect(e.edited[10]).toBe(7);
    e.adopt(new Float32Array(3));
    expect(e.edited[10]).toBe(7);
  });

  it("knows the image it holds, by shape and values", () => {
    const e = editor();
    expect(e.holds(e.original, SHAPE)).toBe(true);
    expect(e.holds(original(), SHAPE)).toBe(true); // a re-sent copy
    const other = original();
    other[63] = 0;
    expect(e.holds(other, SHAPE)).toBe(false);
    expect(e.holds(original(), { channels: 1, height: 4, width: 16 })).toBe(false);
    expect(new ImageEditor().holds(new Float32Array(0), { channels: 0, height: 0, width: 0 })).toBe(true);
  });

  it("clamps the brush to 1 … half the shorter side", () => {
    const e = editor();
    e.setBrush(99);
    expect(e.brush).toBe(4);
    e.setBrush(0);
    expect(e.brush).toBe(1);
  });
});
