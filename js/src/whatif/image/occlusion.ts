// Occlusion slider math: a square patch moved across the image in row-major
// order with stride = patch size. Positions cover the whole image; the last
// row and column of patches are clipped when the size does not divide H or W.

import { copyRect, type ImageShape, type Rect } from "./brush";

export interface PatchGrid {
  size: number;
  rows: number;
  cols: number;
  /** Number of patch positions: slider values 0 … count − 1 (−1 is "off"). */
  count: number;
}

/**
 * Patch sizes offered for an H×W image: three powers of two b, 2b, 4b with
 * b about an eighth of the shorter side (1, 2, 4 for 8×8; 2, 4, 8 for 28×28;
 * 8, 16, 32 for 64×64; 16, 32, 64 for 224×224), none larger than that side.
 */
export function patchSizes(height: number, width: number): number[] {
  const side = Math.max(1, Math.min(height, width));
  const base = Math.max(1, 2 ** Math.floor(Math.log2(side / 8)));
  return [base, base * 2, base * 4].filter((s) => s <= side);
}

/** The middle size offered (or the only one). */
export function defaultPatch(sizes: readonly number[]): number {
  return sizes[Math.floor((sizes.length - 1) / 2)] ?? 1;
}

export function patchGrid(height: number, width: number, size: number): PatchGrid {
  const s = Math.max(1, Math.floor(Number.isFinite(size) ? size : 1));
  const rows = Math.ceil(Math.max(0, height) / s);
  const cols = Math.ceil(Math.max(0, width) / s);
  return { size: s, rows, cols, count: rows * cols };
}

/** The pixels covered at slider position `index`; null for −1 or any position off the grid. */
export function patchRect(grid: PatchGrid, index: number, height: number, width: number): Rect | null {
  if (!Number.isInteger(index) || index < 0 || index >= grid.count) return null;
  const row = Math.floor(index / grid.cols) * grid.size;
  const col = (index % grid.cols) * grid.size;
  return { row, col, height: Math.min(grid.size, height - row), width: Math.min(grid.size, width - col) };
}

/** Index of the patch holding pixel (row, col), e.g. to keep the place when the size changes. */
export function patchAt(grid: PatchGrid, row: number, col: number): number {
  if (grid.count === 0) return -1;
  const r = Math.min(grid.rows - 1, Math.max(0, Math.floor(row / grid.size)));
  const c = Math.min(grid.cols - 1, Math.max(0, Math.floor(col / grid.size)));
  return r * grid.cols + c;
}

/** A new image: the original with `rect` taken from the fill image. */
export function occlude(
  original: ArrayLike<number>,
  fill: ArrayLike<number>,
  shape: ImageShape,
  rect: Rect | null,
): Float32Array {
  const out = Float32Array.from(original);
  if (rect) copyRect(out, fill, shape, rect);
  return out;
}

/**
 * Where to stroke a 1-pixel outline of `rect` on a canvas that shows each
 * image pixel as scale×scale canvas pixels: half-pixel offsets keep the line
 * crisp and inside the patch.
 */
export function outlineBox(rect: Rect, scale: number): { x: number; y: number; w: number; h: number } {
  return {
    x: rect.col * scale + 0.5,
    y: rect.row * scale + 0.5,
    w: Math.max(0, rect.width * scale - 1),
    h: Math.max(0, rect.height * scale - 1),
  };
}
