// Pointer → grid cell mapping and number formatting for the value readout.
// Both are pure so the edge cases (borders, rounding) are unit-tested.

export interface Cell {
  row: number;
  col: number;
}

/**
 * The cell under offset (x, y) of an element of CSS size width×height showing
 * a rows×cols grid. The far edges (x == width, y == height) are outside, as
 * they belong to whatever is next to the element.
 */
export function cellAt(
  x: number,
  y: number,
  width: number,
  height: number,
  cols: number,
  rows: number,
): Cell | null {
  if (!(width > 0 && height > 0 && cols >= 1 && rows >= 1)) return null;
  if (!(x >= 0 && y >= 0 && x < width && y < height)) return null; // also rejects NaN
  // min() guards against x/width*cols rounding up to cols just below the edge.
  const col = Math.min(cols - 1, Math.floor((x / width) * cols));
  const row = Math.min(rows - 1, Math.floor((y / height) * rows));
  return { row, col };
}

const SIGNIFICANT = 4;

// "1.500e+4" → "1.5e+4"; "2.000" → "2": trailing zeros carry no information.
function trimMantissa(s: string): string {
  return s.includes(".") ? s.replace(/\.?0+$/, "") : s;
}

function exponential(v: number): string {
  const [mantissa, exp] = v.toExponential(SIGNIFICANT - 1).split("e") as [string, string];
  return `${trimMantissa(mantissa)}e${exp}`;
}

/**
 * A value at 4 significant digits; exponent notation below 1e-3 and from 1e4
 * up, where fixed notation would need many zeros.
 */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "Infinity";
  if (v === -Infinity) return "-Infinity";
  if (v === 0) return "0"; // includes -0
  const a = Math.abs(v);
  if (a < 1e-3 || a >= 1e4) return exponential(v);
  const fixed = v.toPrecision(SIGNIFICANT);
  // Rounding can carry into a new digit (9999.7 → "1.000e+4"): keep one style.
  return fixed.includes("e") ? exponential(v) : trimMantissa(fixed);
}

/** The part of a DOMRect that cellFromClient needs. */
export interface BoxLike {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * The cell under a pointer at viewport position (clientX, clientY) over an
 * element whose bounding box is `box` (getBoundingClientRect) showing a
 * rows×cols grid; null outside it. Hover and painting share this mapping.
 */
export function cellFromClient(
  clientX: number,
  clientY: number,
  box: BoxLike,
  cols: number,
  rows: number,
): Cell | null {
  return cellAt(clientX - box.left, clientY - box.top, box.width, box.height, cols, rows);
}
