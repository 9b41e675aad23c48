import { describe, expect, it } from "vitest";
import { cellAt, formatValue } from "../src/lib/hover";

describe("cellAt", () => {
  it("maps the corners of an 8×8 grid shown at 288 px", () => {
    expect(cellAt(0, 0, 288, 288, 8, 8)).toEqual({ row: 0, col: 0 });
    expect(cellAt(35.99, 35.99, 288, 288, 8, 8)).toEqual({ row: 0, col: 0 });
    expect(cellAt(36, 0, 288, 288, 8, 8)).toEqual({ row: 0, col: 1 });
    expect(cellAt(0, 36, 288, 288, 8, 8)).toEqual({ row: 1, col: 0 });
    expect(cellAt(287.999, 287.999, 288, 288, 8, 8)).toEqual({ row: 7, col: 7 });
  });

  it("treats the right and bottom edges and negatives as outside", () => {
    expect(cellAt(288, 10, 288, 288, 8, 8)).toBeNull();
    expect(cellAt(10, 288, 288, 288, 8, 8)).toBeNull();
    expect(cellAt(-0.01, 10, 288, 288, 8, 8)).toBeNull();
    expect(cellAt(10, -1, 288, 288, 8, 8)).toBeNull();
    expect(cellAt(NaN, 10, 288, 288, 8, 8)).toBeNull();
  });

  it("handles non-square grids and sizes (rows and cols not swapped)", () => {
    // 3 rows × 5 cols shown at 250 × 150: 50 px cells.
    expect(cellAt(249, 10, 250, 150, 5, 3)).toEqual({ row: 0, col: 4 });
    expect(cellAt(10, 149, 250, 150, 5, 3)).toEqual({ row: 2, col: 0 });
    expect(cellAt(120, 75, 250, 150, 5, 3)).toEqual({ row: 1, col: 2 });
    // A scaled-down canvas (CSS max-width) with fractional cell size.
    expect(cellAt(99.9, 33.3, 100, 60, 28, 28)).toEqual({ row: 15, col: 27 });
  });

  it("never returns a cell past the last one just below the edge", () => {
    const w = 0.3; // widths whose ratios round badly in binary
    const x = w - Number.EPSILON / 8;
    expect(cellAt(x, 0, w, 1, 7, 1)?.col).toBe(6);
  });

  it("returns null for empty element or grid", () => {
    expect(cellAt(0, 0, 0, 10, 2, 2)).toBeNull();
    expect(cellAt(0, 0, 10, 10, 0, 2)).toBeNull();
  });
});

describe("formatValue", () => {
  it.each([
    [0, "0"],
    [-0, "0"],
    [1, "1"],
    [0.5, "0.5"],
    [-0.5, "-0.5"],
    [3.14159265, "3.142"],
    [-123.456, "-123.5"],
    [1234.5, "1235"],
    [0.001, "0.001"],
    [0.00123456, "0.001235"],
    [9999.4, "9999"],
    [9999.7, "1e+4"],
    [12345, "1.235e+4"],
    [-12345, "-1.235e+4"],
    [1e4, "1e+4"],
    [0.00099999, "1e-3"],
    [0.000123456, "1.235e-4"],
    [-2.5e-7, "-2.5e-7"],
    [1e300, "1e+300"],
    [NaN, "NaN"],
    [Infinity, "Infinity"],
    [-Infinity, "-Infinity"],
  ])("%s → %s", (v, s) => {
    expect(formatValue(v)).toBe(s);
  });
});
