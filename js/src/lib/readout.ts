// The hover readout under an image: the cell's input values and attribution.
// Values come straight from the typed arrays already in the browser, so
// hovering never costs a kernel round trip.

import type { NumericArray } from "./codec";
import { setText } from "./dom";
import { formatValue, type Cell } from "./hover";

export const HINT = "hover the image to read values";

const KEYS = ["row", "col", "input", "attribution"] as const;

export function showHint(el: HTMLElement): void {
  setText(el, HINT);
  for (const key of KEYS) delete el.dataset[key];
  el.classList.add("nnw-hint");
}

/** One image's input [C, H, W] and its (H, W) map. */
export interface Values {
  input: NumericArray;
  map: NumericArray;
  channels: number;
  height: number;
  width: number;
}

/** The input values of the pixel at a cell, one per channel. */
export function inputAt(s: Omit<Values, "map">, cell: Cell): number[] {
  const plane = s.height * s.width;
  const i = cell.row * s.width + cell.col;
  const input: number[] = [];
  for (let c = 0; c < s.channels; c++) input.push(s.input[c * plane + i]!);
  return input;
}

/** Input values (one per channel) and attribution at a cell. */
export function valuesAt(s: Values, cell: Cell): { input: number[]; attribution: number } {
  return { input: inputAt(s, cell), attribution: s.map[cell.row * s.width + cell.col]! };
}

export function showCell(el: HTMLElement, s: Values, cell: Cell): void {
  const { input, attribution } = valuesAt(s, cell);
  setText(
    el,
    `row ${cell.row}, col ${cell.col} · input ${input.map(formatValue).join(", ")}` +
      ` · attribution ${formatValue(attribution)}`,
  );
  el.dataset.row = String(cell.row);
  el.dataset.col = String(cell.col);
  // Full precision so tests can compare against the kernel's float32 values.
  el.dataset.input = input.map(String).join(",");
  el.dataset.attribution = String(attribution);
  el.classList.remove("nnw-hint");
}
