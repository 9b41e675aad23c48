// One canvas for a whole layer: feature maps (C, H, W) side by side in a grid,
// 1 pixel apart; a sequence (T, D) as one heatmap; units (D,) as a heat strip
// wrapped at 64 per row; conv filters (O, I, kh, kw) as O rows of I tiles.
// nnwidgets/figures/layers.py (atlas_layout, atlas_image) mirrors this layout.
// Pure functions: the pointer → neuron mapping is unit-tested.

import { lutIndex } from "../lib/colormap";

export const GAP = 1;
export const STRIP = 64;

export interface Layout {
  /** Shape of the array drawn. */
  shape: number[];
  tiles: number;
  th: number;
  tw: number;
  cols: number;
  rows: number;
  /** Canvas size in pixels (one pixel per value). */
  width: number;
  height: number;
}

export function layoutFor(shape: readonly number[]): Layout {
  let tiles = 1;
  let th = 1;
  let tw = 1;
  let cols = 1;
  if (shape.length === 4) {
    const [o, i, kh, kw] = shape as [number, number, number, number];
    tiles = o * i;
    th = kh;
    tw = kw;
    // one row of input channels per output channel; a single input channel
    // (a first conv) would be one tall column: wrap its filters into a square
    cols = i > 1 ? i : Math.max(1, Math.ceil(Math.sqrt(o)));
  } else if (shape.length === 3) {
    const [c, h, w] = shape as [number, number, number];
    tiles = c;
    th = h;
    tw = w;
    cols = Math.max(1, Math.ceil(Math.sqrt(c)));
  } else if (shape.length === 2) {
    th = shape[0]!;
    tw = shape[1]!;
  } else {
    const d = shape[0] ?? 0;
    tw = d > 0 ? Math.min(d, STRIP) : 1;
    th = d > 0 ? Math.ceil(d / tw) : 1;
  }
  const rows = Math.max(1, Math.ceil(tiles / cols));
  return {
    shape: [...shape], tiles, th, tw, cols, rows,
    width: cols * tw + (cols - 1) * GAP,
    height: rows * th + (rows - 1) * GAP,
  };
}

export interface Hit {
  /** Index into the array drawn, one coordinate per axis. */
  index: number[];
  /** Row-major flat index of `index`. */
  flat: number;
}

/** The value under atlas pixel (px, py) (fractions allowed), or null over a gap or outside. */
export function hitAt(layout: Layout, px: number, py: number): Hit | null {
  if (!(px >= 0 && py >= 0 && px < layout.width && py < layout.height)) return null;
  const x = Math.floor(px);
  const y = Math.floor(py);
  const col = Math.floor(x / (layout.tw + GAP));
  const row = Math.floor(y / (layout.th + GAP));
  const xin = x - col * (layout.tw + GAP);
  const yin = y - row * (layout.th + GAP);
  if (xin >= layout.tw || yin >= layout.th) return null;
  const tile = row * layout.cols + col;
  if (tile >= layout.tiles) return null;
  const within = yin * layout.tw + xin;
  const s = layout.shape;
  if (s.length <= 1) {
    if (within >= (s[0] ?? 0)) return null;
    return { index: [within], flat: within };
  }
  const flat = tile * layout.th * layout.tw + within;
  if (s.length === 2) return { index: [yin, xin], flat };
  if (s.length === 3) return { index: [tile, yin, xin], flat };
  const inputs = Math.max(1, s[1]!);
  return { index: [Math.floor(tile / inputs), tile % inputs, yin, xin], flat };
}

/** The atlas pixel (x, y) of the value at row-major `flat`. */
export function pixelOf(layout: Layout, flat: number): [number, number] {
  if (layout.shape.length <= 1) return [flat % layout.tw, Math.floor(flat / layout.tw)];
  const per = layout.th * layout.tw;
  const tile = Math.floor(flat / per);
  const within = flat - tile * per;
  const col = tile % layout.cols;
  const row = Math.floor(tile / layout.cols);
  return [col * (layout.tw + GAP) + (within % layout.tw), row * (layout.th + GAP) + Math.floor(within / layout.tw)];
}

/** Colour every value through `lut` on [lo, hi] into `out` (RGBA, layout.width × layout.height); gaps stay transparent. */
export function paintAtlas(
  values: ArrayLike<number>,
  layout: Layout,
  lut: ArrayLike<number>,
  lo: number,
  hi: number,
  out: Uint8ClampedArray,
): void {
  out.fill(0);
  const n = values.length;
  const per = layout.th * layout.tw;
  const stride = layout.width * 4;
  // Index math hoisted per tile row; lutIndex is the same rounding the Python figure uses.
  for (let flat = 0, tile = 0; flat < n; tile++) {
    const col = tile % layout.cols;
    const row = Math.floor(tile / layout.cols);
    const x0 = col * (layout.tw + GAP);
    const y0 = row * (layout.th + GAP);
    const end = Math.min(n, flat + per);
    for (let y = 0; y < layout.th && flat < end; y++) {
      let o = (y0 + y) * stride + x0 * 4;
      for (let x = 0; x < layout.tw && flat < end; x++, flat++, o += 4) {
        const r = lutIndex(values[flat]!, lo, hi) * 4;
        out[o] = lut[r]!;
        out[o + 1] = lut[r + 1]!;
        out[o + 2] = lut[r + 2]!;
        out[o + 3] = lut[r + 3]!;
      }
    }
  }
}

export interface Stats {
  mean: number;
  max: number;
  min: number;
  zeros: number;
}

/** Mean, max, min and fraction of exact zeros of a layer's values. */
export function layerStats(values: ArrayLike<number>): Stats {
  const n = values.length;
  if (n === 0) return { mean: NaN, max: NaN, min: NaN, zeros: NaN };
  let sum = 0;
  let max = -Infinity;
  let min = Infinity;
  let zeros = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    sum += v;
    if (v > max) max = v;
    if (v < min) min = v;
    if (v === 0) zeros++;
  }
  return { mean: sum / n, max, min, zeros: zeros / n };
}

/** Integer CSS zoom so small atlases are big enough to hover, large ones fit `room` pixels. */
export function zoomFor(layout: Layout, room = 560, most = 24): number {
  const side = Math.max(layout.width, layout.height / 2);
  return Math.max(1, Math.min(most, Math.floor(room / Math.max(side, 1))));
}

/** Symmetric range ±max|v| (or [0, 1] when all are zero). */
export function symmetricRange(values: ArrayLike<number>): [number, number] {
  let m = 0;
  for (let i = 0; i < values.length; i++) {
    const a = Math.abs(values[i]!);
    if (a > m) m = a;
  }
  return m > 0 ? [-m, m] : [-1, 1];
}
