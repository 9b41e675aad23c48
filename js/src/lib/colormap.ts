// Colour lookup shared with the Python static figure. Python builds the LUT
// from a matplotlib colormap and indexes it with
//   np.clip(np.round((v - lo) / (hi - lo) * 255), 0, 255)
// so the index math here mirrors that expression term by term (same order of
// operations, float64, round half to even) to pick the very same row.

export const LUT_SIZE = 256;

/** Round to nearest, ties to even (numpy's np.round), unlike Math.round. */
export function roundHalfEven(x: number): number {
  if (!Number.isFinite(x)) return x;
  const f = Math.floor(x);
  const diff = x - f; // exact for doubles: x and floor(x) share the binade
  if (diff < 0.5) return f;
  if (diff > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
}

/** LUT row for `value` on the range [lo, hi]; NaN maps to row 0. */
export function lutIndex(value: number, lo: number, hi: number): number {
  if (Number.isNaN(value)) return 0;
  // An empty or inverted range has no scale: everything maps to row 0, as
  // nnwidgets/figures/colormap.py's lut_index does, rather than dividing by 0.
  if (!(hi - lo > 0)) return 0;
  const t = roundHalfEven(((value - lo) / (hi - lo)) * 255);
  if (!(t > 0)) return 0; // also NaN, e.g. inf / inf for an infinite range
  return t > LUT_SIZE - 1 ? LUT_SIZE - 1 : t;
}

/** Throw unless `lut` holds 256 RGBA rows. */
export function checkLut(lut: ArrayLike<number>): void {
  if (lut.length !== LUT_SIZE * 4) {
    throw new Error(`colormap LUT must have shape [256, 4] (1024 values), got ${lut.length} values`);
  }
}

/** Write the LUT colour (RGBA) of each value into `out` (4 bytes per value). */
export function applyLut(
  values: ArrayLike<number>,
  lut: ArrayLike<number>,
  lo: number,
  hi: number,
  out: Uint8ClampedArray,
): Uint8ClampedArray {
  checkLut(lut);
  if (out.length < values.length * 4) {
    throw new Error(`output holds ${out.length} bytes, needs ${values.length * 4}`);
  }
  for (let i = 0; i < values.length; i++) {
    const row = lutIndex(values[i]!, lo, hi) * 4;
    const o = i * 4;
    out[o] = lut[row]!;
    out[o + 1] = lut[row + 1]!;
    out[o + 2] = lut[row + 2]!;
    out[o + 3] = lut[row + 3]!;
  }
  return out;
}

/** What drawColorbar needs of a canvas, so tests can pass a stand-in. */
export interface CanvasLike {
  width: number;
  height: number;
  getContext(kind: "2d"): Pick<CanvasRenderingContext2D, "createImageData" | "putImageData"> | null;
}

/**
 * Paint the LUT left (row 0) to right (row 255), one pixel column per row, at
 * the canvas's own height; CSS stretches it to the layout width.
 */
export function drawColorbar(canvas: CanvasLike, lut: ArrayLike<number>, height = 10): void {
  checkLut(lut);
  canvas.width = LUT_SIZE;
  canvas.height = height;
  const ctx = canvas.getContext("2d");
  if (!ctx) return;
  const img = ctx.createImageData(LUT_SIZE, height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < LUT_SIZE; x++) {
      const o = (y * LUT_SIZE + x) * 4;
      img.data[o] = lut[x * 4]!;
      img.data[o + 1] = lut[x * 4 + 1]!;
      img.data[o + 2] = lut[x * 4 + 2]!;
      img.data[o + 3] = lut[x * 4 + 3]!;
    }
  }
  ctx.putImageData(img, 0, 0);
}
