// Value readout under the canvas. Values come straight from the typed arrays
// already in the browser, so hovering never costs a kernel round trip.

import { setText } from "../lib/dom";
import type { Cell } from "../lib/hover";
import { formatValue } from "../lib/hover";
import type { NumericArray } from "../lib/codec";

export const HINT = "hover the image to read values";

const KEYS = ["row", "col", "input", "attribution"] as const;

export function showHint(el: HTMLElement): void {
  setText(el, HINT);
  for (const key of KEYS) delete el.dataset[key];
  el.classList.add("nnw-hint");
}

/** One image's input and (H, W) map: what the What-if image view hovers over. */
export interface Values {
  input: NumericArray;
  map: NumericArray;
  channels: number;
  height: number;
  width: number;
}

/** Input values (one per channel) and attribution at a cell. */
export function valuesAt(s: Values, cell: Cell): { input: number[]; attribution: number } {
  const plane = s.height * s.width;
  const i = cell.row * s.width + cell.col;
  const input: number[] = [];
  for (let c = 0; c < s.channels; c++) input.push(s.input[c * plane + i]!);
  return { input, attribution: s.map[i]! };
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
