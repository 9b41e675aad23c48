import { describe, expect, it } from "vitest";
import {
  hoverIndex, iceScales, interpolate, plotBox, pxToX, pxToY, xToPx, yToPx,
} from "../src/whatif/ice";

const box = { left: 34, top: 8, width: 256, height: 132 };
const values = [0, 2, 4, 6, 8];
const outputs = [0.1, 0.2, 0.5, 0.7, 0.9];

describe("ICE scales", () => {
  it("leaves room for the axis labels inside the canvas", () => {
    expect(plotBox(300, 170)).toEqual(box);
  });

  it("spans the grid along x and probabilities [0, 1] along y", () => {
    const s = iceScales(values, outputs, [], box);
    expect([s.x0, s.x1, s.y0, s.y1]).toEqual([0, 8, 0, 1]);
    expect(xToPx(s, 0)).toBe(34);
    expect(xToPx(s, 8)).toBe(290);
    expect(xToPx(s, 2)).toBe(34 + 64);
    expect(yToPx(s, 0)).toBe(140); // bottom edge
    expect(yToPx(s, 1)).toBe(8); // top edge
    expect(yToPx(s, 0.25)).toBe(8 + 0.75 * 132);
  });

  it("maps value → pixel → value back exactly (within rounding)", () => {
    const s = iceScales(values, outputs, [0.3, 0.3, 0.4, 0.5, 0.6], box);
    for (const v of [0, 1.3, 4, 7.99, 8]) expect(pxToX(s, xToPx(s, v))).toBeCloseTo(v, 10);
    for (const p of [0, 0.123, 0.5, 1]) expect(pxToY(s, yToPx(s, p))).toBeCloseTo(p, 10);
  });

  it("widens x to the slider range so the current and original marks fit", () => {
    const s = iceScales(values, outputs, [], box, [-2, 10]);
    expect([s.x0, s.x1]).toEqual([-2, 10]);
    expect(iceScales(values, outputs, [], box, [NaN, NaN]).x1).toBe(8);
  });

  it("uses the outputs' padded extent when they leave [0, 1] (e.g. regression)", () => {
    const s = iceScales(values, [10, 20, 30, 40, 50], [], box);
    expect(s.y0).toBeCloseTo(8, 10);
    expect(s.y1).toBeCloseTo(52, 10);
    const withPdp = iceScales(values, [0.2, 0.4, 0.4, 0.4, 0.4], [-1, 0, 0, 0, 0], box);
    expect(withPdp.y0).toBeLessThan(-1);
  });

  it("never divides by zero for a single point or no finite values", () => {
    const one = iceScales([3], [0.4], [], box);
    expect(one.x1).toBeGreaterThan(one.x0);
    expect(Number.isFinite(xToPx(one, 3))).toBe(true);
    expect(xToPx(one, 3)).toBeCloseTo(box.left + box.width / 2, 10);
    const none = iceScales([NaN], [NaN], [], box);
    expect([none.x0, none.x1, none.y0, none.y1]).toEqual([0, 1, 0, 1]);
  });
});

describe("ICE hover", () => {
  const s = iceScales(values, outputs, [], box);

  it("finds the grid point nearest to the pointer", () => {
    expect(hoverIndex(s, values, xToPx(s, 4))).toBe(2);
    expect(hoverIndex(s, values, xToPx(s, 4.9))).toBe(2);
    expect(hoverIndex(s, values, xToPx(s, 5.1))).toBe(3);
    expect(hoverIndex(s, values, box.left)).toBe(0);
    expect(hoverIndex(s, values, box.left + box.width)).toBe(4);
  });

  it("is null outside the plot area and for an empty grid", () => {
    expect(hoverIndex(s, values, box.left - 3)).toBeNull();
    expect(hoverIndex(s, values, box.left + box.width + 3)).toBeNull();
    expect(hoverIndex(s, values, NaN)).toBeNull();
    expect(hoverIndex(s, [], 100)).toBeNull();
  });

  it("reads a point at every grid pixel column (no gaps between points)", () => {
    const seen = new Set<number>();
    for (let px = box.left; px <= box.left + box.width; px++) seen.add(hoverIndex(s, values, px)!);
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4]);
  });

  it("interpolates the output at a value between grid points", () => {
    expect(interpolate(values, outputs, 3)).toBeCloseTo(0.35, 10);
    expect(interpolate(values, outputs, 4)).toBeCloseTo(0.5, 10);
    expect(interpolate(values, outputs, -1)).toBeCloseTo(0.1, 7);
    expect(interpolate(values, outputs, 9)).toBeCloseTo(0.9, 7);
    expect(interpolate([], [], 1)).toBeNaN();
  });
});
