// Brush math of the image What-if view, DOM-free so that it is unit-tested.
// Images are float32 [C, H, W] row-major, as Python sends them. Painting and
// erasing both copy pixels into the edited copy: painting from the fill image,
// erasing from the original.

import type { Cell } from "../../lib/hover";

export interface ImageShape {
  channels: number;
  height: number;
  width: number;
}

/** A rectangle of image pixels: top-left corner and size, all whole pixels. */
export interface Rect {
  row: number;
  col: number;
  height: number;
  width: number;
}

export type Fill = "zero" | "mean" | "blur";

export const FILLS: readonly Fill[] = ["zero", "mean", "blur"];

export function isFill(v: string): v is Fill {
  return (FILLS as readonly string[]).includes(v);
}

/** Largest brush: half the shorter side, at least one pixel. */
export function brushMax(height: number, width: number): number {
  return Math.max(1, Math.floor(Math.min(height, width) / 2));
}

/** A brush of about a tenth of the shorter side to start with. */
export function defaultBrush(height: number, width: number): number {
  return Math.min(brushMax(height, width), Math.max(1, Math.round(Math.min(height, width) / 10)));
}

/** The part of `r` inside an H×W image, or null when nothing is left. */
export function clipRect(r: Rect, height: number, width: number): Rect | null {
  const top = Math.max(0, r.row);
  const left = Math.max(0, r.col);
  const bottom = Math.min(height, r.row + r.height);
  const right = Math.min(width, r.col + r.width);
  if (!(bottom > top && right > left)) return null;
  return { row: top, col: left, height: bottom - top, width: right - left };
}

/**
 * The square brush of side `size` centred on `cell`, clipped to the image.
 * An even side has one more pixel above and left of the cell than below and
 * right (size 2 covers the cell and its upper-left neighbours).
 */
export function brushRect(cell: Cell, size: number, height: number, width: number): Rect | null {
  const s = Math.max(1, Math.floor(Number.isFinite(size) ? size : 1));
  const half = Math.floor(s / 2);
  return clipRect({ row: cell.row - half, col: cell.col - half, height: s, width: s }, height, width);
}

/**
 * Copy the pixels of `rect` (every channel) from `src` into `dst`; returns
 * how many values changed, so a stroke that changed nothing need not be sent.
 */
export function copyRect(dst: Float32Array, src: ArrayLike<number>, shape: ImageShape, rect: Rect): number {
  const plane = shape.height * shape.width;
  let changed = 0;
  for (let c = 0; c < shape.channels; c++) {
    for (let r = rect.row; r < rect.row + rect.height; r++) {
      const start = c * plane + r * shape.width + rect.col;
      for (let i = start; i < start + rect.width; i++) {
        const before = dst[i]!;
        dst[i] = src[i]!;
        if (!Object.is(before, dst[i])) changed++;
      }
    }
  }
  return changed;
}

/** Mean of each channel of the image, summed in double precision. */
export function channelMeans(image: ArrayLike<number>, shape: ImageShape): number[] {
  const plane = shape.height * shape.width;
  const means: number[] = [];
  for (let c = 0; c < shape.channels; c++) {
    let sum = 0;
    for (let i = c * plane; i < (c + 1) * plane; i++) sum += image[i]!;
    means.push(plane > 0 ? sum / plane : 0);
  }
  return means;
}

/**
 * 3×3 box blur per channel: the mean of a pixel and its eight neighbours,
 * a neighbour outside the image replaced by the nearest edge pixel (so every
 * pixel averages nine values).
 */
export function boxBlur3(image: ArrayLike<number>, shape: ImageShape): Float32Array {
  const { channels, height, width } = shape;
  const plane = height * width;
  const out = new Float32Array(channels * plane);
  const clampTo = (v: number, n: number): number => (v < 0 ? 0 : v >= n ? n - 1 : v);
  for (let c = 0; c < channels; c++) {
    const base = c * plane;
    for (let r = 0; r < height; r++) {
      for (let q = 0; q < width; q++) {
        let sum = 0;
        for (let dr = -1; dr <= 1; dr++) {
          const row = base + clampTo(r + dr, height) * width;
          for (let dq = -1; dq <= 1; dq++) sum += image[row + clampTo(q + dq, width)]!;
        }
        out[base + r * width + q] = sum / 9;
      }
    }
  }
  return out;
}

/** The image a paint stroke copies from: zeros, channel means or the blurred original. */
export function fillImage(original: ArrayLike<number>, shape: ImageShape, fill: Fill): Float32Array {
  const plane = shape.height * shape.width;
  if (fill === "blur") return boxBlur3(original, shape);
  const out = new Float32Array(shape.channels * plane);
  if (fill === "mean") {
    channelMeans(original, shape).forEach((m, c) => out.fill(m, c * plane, (c + 1) * plane));
  }
  return out;
}

/** The cells on the straight line from a to b, both ends included (Bresenham). */
export function lineCells(a: Cell, b: Cell): Cell[] {
  const cells: Cell[] = [];
  let { row, col } = a;
  const dRow = Math.abs(b.row - row);
  const dCol = Math.abs(b.col - col);
  const sRow = row < b.row ? 1 : -1;
  const sCol = col < b.col ? 1 : -1;
  let err = dCol - dRow;
  for (;;) {
    cells.push({ row, col });
    if (row === b.row && col === b.col) return cells;
    const e2 = 2 * err;
    if (e2 > -dRow) {
      err -= dRow;
      col += sCol;
    }
    if (e2 < dCol) {
      err += dCol;
      row += sRow;
    }
  }
}

/**
 * One pointer move of a stroke: stamp the brush on every cell from `from`
 * (the previous cell, null at the start) to `to`, so a fast move leaves no
 * gaps. Returns how many values changed.
 */
export function strokeTo(
  dst: Float32Array,
  src: ArrayLike<number>,
  shape: ImageShape,
  from: Cell | null,
  to: Cell,
  size: number,
): number {
  let changed = 0;
  for (const cell of from ? lineCells(from, to) : [to]) {
    const rect = brushRect(cell, size, shape.height, shape.width);
    if (rect) changed += copyRect(dst, src, shape, rect);
  }
  return changed;
}
