// The patch heat maps: mean |attribution| and the permutation drop of every
// patch, drawn on the image's grid (one canvas pixel per patch, scaled up by
// CSS), and their scales: the twin of figures/importance.py's grid_ranges.

import { clear, h } from "../lib/dom";
import { formatValue } from "../lib/hover";
import { lutIndex } from "../lib/colormap";

export const GRID_PX = 168; // CSS size of the longer side of each heat map

/** [0, max] for mean |attribution|; symmetric about 0 for the permutation drops. */
export function gridRanges(meanAbs: ArrayLike<number>, perm: ArrayLike<number>): [[number, number], [number, number]] {
  let top = 0, m = 0;
  for (let j = 0; j < meanAbs.length; j++) if (meanAbs[j]! > top) top = meanAbs[j]!;
  for (let j = 0; j < perm.length; j++) if (Math.abs(perm[j]!) > m) m = Math.abs(perm[j]!);
  return [[0, top > 0 ? top : 1], [m > 0 ? -m : -1, m > 0 ? m : 1]];
}

export interface GridMap {
  box: HTMLDivElement;
  canvas: HTMLCanvasElement;
  title: HTMLDivElement;
  scale: HTMLDivElement;
}

export function buildGridMap(): GridMap {
  const box = h("div", "nnw-gridmap");
  const title = h("div", "nnw-head");
  const canvas = h("canvas", "nnw-heat");
  const scale = h("div", "nnw-gridscale");
  box.append(title, canvas, scale);
  return { box, canvas, title, scale };
}

/** Paint `values` (rows × cols, row-major) through `lut` (256 × 4 RGBA, at `offset`) on [lo, hi]. */
export function drawGridMap(g: GridMap, values: ArrayLike<number>, rows: number, cols: number, lut: Uint8Array,
  offset: number, lo: number, hi: number, title: string): void {
  const c = g.canvas;
  c.width = cols;
  c.height = rows;
  const cell = GRID_PX / Math.max(rows, cols);
  c.style.width = `${cols * cell}px`;
  c.style.height = `${rows * cell}px`;
  const ctx = c.getContext("2d");
  if (ctx) {
    const img = ctx.createImageData(cols, rows);
    for (let p = 0; p < rows * cols; p++) {
      const k = offset + lutIndex(values[p]!, lo, hi) * 4;
      img.data.set([lut[k]!, lut[k + 1]!, lut[k + 2]!, 255], 4 * p);
    }
    ctx.putImageData(img, 0, 0);
  }
  Object.assign(c.dataset, { rows: String(rows), cols: String(cols), lo: String(lo), hi: String(hi), rendered: "1" });
  g.title.textContent = title;
  clear(g.scale);
  g.scale.append(h("span", "", {}, formatValue(lo)), h("span", "nnw-gridbar"), h("span", "", {}, formatValue(hi)));
  const bar = g.scale.querySelector<HTMLSpanElement>(".nnw-gridbar");
  if (bar) {
    const stops = [0, 64, 128, 192, 255].map((i) => `rgb(${lut[offset + 4 * i]}, ${lut[offset + 4 * i + 1]}, ${lut[offset + 4 * i + 2]})`);
    bar.style.background = `linear-gradient(to right, ${stops.join(", ")})`;
  }
}
