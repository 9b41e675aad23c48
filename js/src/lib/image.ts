// Image painting every view shares: the input as the viewer sees it (the base
// image), a map coloured through a LUT and blended over it, and the scaled-up
// canvas drawing. One implementation, so a pixel is the same in every widget
// and equals what Python's static figures show. The pixel math is DOM-free
// and unit-tested.

import { lutIndex } from "./colormap";

/** Longest side the image is scaled up to, in CSS pixels. */
export const DISPLAY_SIZE = 288;
/** Longest side of each map when several are shown side by side. */
export const COMPARE_SIZE = 200;

/** Integer upscale factor: whole pixels per cell keep the cells crisp and equal. */
export function displayScale(height: number, width: number, size: number = DISPLAY_SIZE): number {
  return Math.max(1, Math.floor(size / Math.max(height, width, 1)));
}

/**
 * RGBA bytes of the input [C, H, W] as the viewer should see it: gray for one
 * channel, RGB for three, the channel mean otherwise (no colour meaning).
 * Values map to 0..255 with the same rounding as the LUT so a pixel equals
 * what Python's static figure shows.
 */
export function baseImage(
  data: ArrayLike<number>,
  shape: readonly number[],
  lo: number,
  hi: number,
): Uint8ClampedArray {
  const [c = 0, height = 0, width = 0] = shape;
  const n = height * width;
  const out = new Uint8ClampedArray(n * 4);
  for (let i = 0; i < n; i++) {
    let r: number;
    let g: number;
    let b: number;
    if (c === 3) {
      r = lutIndex(data[i]!, lo, hi);
      g = lutIndex(data[n + i]!, lo, hi);
      b = lutIndex(data[2 * n + i]!, lo, hi);
    } else {
      let sum = 0;
      for (let k = 0; k < c; k++) sum += data[k * n + i]!;
      r = g = b = lutIndex(c === 1 ? sum : sum / c, lo, hi);
    }
    const o = i * 4;
    out[o] = r;
    out[o + 1] = g;
    out[o + 2] = b;
    out[o + 3] = 255;
  }
  return out;
}

/**
 * out = (1 - a) * base + a * lutRGB with a = opacity * lutAlpha / 255, per
 * pixel; the result is opaque. Colormaps with transparent rows (e.g. zero
 * attribution) let the input show through there.
 */
export function blend(
  base: Uint8ClampedArray,
  map: ArrayLike<number>,
  lut: ArrayLike<number>,
  lo: number,
  hi: number,
  opacity: number,
  out: Uint8ClampedArray = new Uint8ClampedArray(base.length),
): Uint8ClampedArray {
  const op = Math.min(1, Math.max(0, Number.isFinite(opacity) ? opacity : 0));
  for (let i = 0; i < map.length; i++) {
    const row = lutIndex(map[i]!, lo, hi) * 4;
    const a = (op * lut[row + 3]!) / 255;
    const o = i * 4;
    out[o] = (1 - a) * base[o]! + a * lut[row]!;
    out[o + 1] = (1 - a) * base[o + 1]! + a * lut[row + 1]!;
    out[o + 2] = (1 - a) * base[o + 2]! + a * lut[row + 2]!;
    out[o + 3] = 255;
  }
  return out;
}

/** Colour range of the map: symmetric around 0 for signed methods. */
export function mapRange(scale: number, signed: boolean): [number, number] {
  return signed ? [-scale, scale] : [0, scale];
}

/** Put RGBA `pixels` (w × hgt × 4) onto `canvas` at one canvas pixel per image pixel. */
export function putPixels(canvas: HTMLCanvasElement, pixels: Uint8ClampedArray, w: number, hgt: number): void {
  canvas.width = w;
  canvas.height = hgt;
  const ctx = canvas.getContext("2d");
  if (!ctx) return;
  const img = ctx.createImageData(w, hgt);
  img.data.set(pixels);
  ctx.putImageData(img, 0, 0);
}

/**
 * Paint a width × height image, whose RGBA bytes `fill` writes, onto `canvas`
 * scaled up k times with crisp pixels, through `offscreen` (a scratch canvas
 * the caller keeps). Returns the canvas context, e.g. to draw on top.
 */
export function paintScaled(
  canvas: HTMLCanvasElement, offscreen: HTMLCanvasElement, width: number, height: number, k: number,
  fill: (rgba: Uint8ClampedArray) => void,
): CanvasRenderingContext2D {
  if (offscreen.width !== width) offscreen.width = width;
  if (offscreen.height !== height) offscreen.height = height;
  const octx = offscreen.getContext("2d");
  const ctx = canvas.getContext("2d");
  if (!octx || !ctx) throw new Error("this browser gave no 2D canvas context");
  const img = octx.createImageData(width, height);
  fill(img.data);
  octx.putImageData(img, 0, 0);
  // Resizing clears the canvas and resets its context: only when the size changes.
  if (canvas.width !== width * k) canvas.width = width * k;
  if (canvas.height !== height * k) canvas.height = height * k;
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(offscreen, 0, 0, width * k, height * k);
  return ctx;
}

/**
 * Outline the hovered pixel (row, col) of a width × height image drawn on
 * `canvas`, or hide the outline (null). The outline is a sibling of the canvas
 * in its parent, which it makes the positioning box; black inside white so it
 * shows on any pixel and either theme.
 */
export function markCell(canvas: HTMLCanvasElement, cell: { row: number; col: number } | null, width: number, height: number): void {
  const host = canvas.parentElement;
  if (!host) return;
  let mark = host.querySelector<HTMLDivElement>(":scope > .nnw-cell-mark");
  if (!cell || !(width > 0 && height > 0)) {
    if (mark) mark.hidden = true;
    return;
  }
  if (!mark) {
    mark = document.createElement("div");
    mark.className = "nnw-cell-mark";
    mark.setAttribute("aria-hidden", "true");
    Object.assign(mark.style, {
      position: "absolute", pointerEvents: "none", boxSizing: "border-box",
      border: "1px solid #000", outline: "1px solid #fff",
    });
    if (getComputedStyle(host).position === "static") host.style.position = "relative";
    host.append(mark);
  }
  const w = canvas.clientWidth / width;
  const h = canvas.clientHeight / height;
  Object.assign(mark.style, {
    left: `${canvas.offsetLeft + cell.col * w}px`, top: `${canvas.offsetTop + cell.row * h}px`,
    width: `${Math.max(2, w)}px`, height: `${Math.max(2, h)}px`,
  });
  mark.hidden = false;
  mark.dataset.row = String(cell.row);
  mark.dataset.col = String(cell.col);
}
