import { describe, expect, it } from "vitest";
import { fit, pan, toData, toScreen, zoomAt } from "../src/embedding/camera";
import { pointColors } from "../src/embedding/colors";
import { PointGrid } from "../src/embedding/grid";

function brute(xy: Float32Array, x: number, y: number, r: number): number {
  let best = -1;
  let bestD = r * r;
  for (let i = 0; i < xy.length / 2; i++) {
    const d = (xy[2 * i]! - x) ** 2 + (xy[2 * i + 1]! - y) ** 2;
    if (d < bestD || (d === bestD && (best < 0 || i < best))) [best, bestD] = [i, d];
  }
  return best;
}

describe("embedding grid", () => {
  const n = 5000;
  const xy = new Float32Array(2 * n);
  let s = 1;
  const rand = (): number => ((s = (s * 16807) % 2147483647) / 2147483647);
  for (let i = 0; i < 2 * n; i++) xy[i] = rand() * 10 - 5;
  const grid = new PointGrid(xy);

  it("finds the nearest point as a full scan does", () => {
    for (let q = 0; q < 200; q++) {
      const x = rand() * 12 - 6, y = rand() * 12 - 6, r = rand() * 0.5;
      expect(grid.nearest(x, y, r)).toBe(brute(xy, x, y, r));
    }
  });

  it("selects exactly the points in a box, ascending", () => {
    const got = Array.from(grid.inBox(1, -2, -0.5, 3));
    const want: number[] = [];
    for (let i = 0; i < n; i++) {
      const x = xy[2 * i]!, y = xy[2 * i + 1]!;
      if (x >= -0.5 && x <= 1 && y >= -2 && y <= 3) want.push(i);
    }
    expect(got).toEqual(want);
  });
});

describe("embedding camera", () => {
  it("fits, pans and zooms around the pointer", () => {
    const xy = new Float32Array([0, 0, 10, 5]);
    const c = fit(xy, 100, 100, 10);
    const [sx, sy] = toScreen(c, 10, 5);
    expect(sx).toBeCloseTo(90);
    expect(toData(c, sx, sy)[1]).toBeCloseTo(5);
    const z = zoomAt(c, 30, 40, 2);
    expect(toData(z, 30, 40)[0]).toBeCloseTo(toData(c, 30, 40)[0]);
    const p = pan(c, 8, 0);
    expect(toScreen(p, 10, 5)[0]).toBeCloseTo(98);
  });
});

describe("embedding colours", () => {
  const sources = {
    labels: new Int32Array([0, 1, -1]), predicted: new Int32Array([0, 0, 1]),
    confidence: new Float32Array([0.5, 1, 0.75]), neuron: new Float32Array([0, 0, 0]),
    palette: new Uint8Array([10, 20, 30, 40, 50, 60]), correct: new Uint8Array([0, 255, 0, 255, 0, 0]),
    lut: new Uint8Array(256 * 3).map((_, i) => Math.floor(i / 3)),
  };
  it("colours classes, mistakes and a continuous scale as the figure does", () => {
    expect(Array.from(pointColors("label", sources).rgb)).toEqual([10, 20, 30, 40, 50, 60, 160, 160, 160]);
    expect(Array.from(pointColors("correct", sources).rgb.slice(0, 6))).toEqual([0, 255, 0, 255, 0, 0]);
    const c = pointColors("confidence", sources);
    expect(c.range).toEqual([0.5, 1]);
    expect([c.rgb[0], c.rgb[3], c.rgb[6]]).toEqual([0, 255, 128]); // 127.5 rounds half to even: 128
  });
});
