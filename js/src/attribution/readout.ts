// The value readout under the maps: what is under the pointer, read from the
// arrays already in the browser (never a kernel round trip). An image gives
// its pixel's input values, a table its feature, a text its token; each with
// the value of every map shown. data-* carry full precision for the tests.

import { setText } from "../lib/dom";
import { formatValue, type Cell } from "../lib/hover";
import { inputAt } from "../lib/readout";
import { titleOf, type DrawState } from "./state";

/** Where the pointer is: a pixel of an image panel, or a feature / token of another panel. */
export type Hover = { panel: number; cell: Cell } | { panel: number; index: number } | null;

const KEYS = ["row", "col", "input", "attribution", "feature", "token", "method", "values", "padding"] as const;

function hint(s: DrawState | null): string {
  if (s?.kind === "tabular") return "hover a feature to read values";
  if (s?.kind === "text") return "hover a token to read values";
  return "hover the image to read values";
}

export function showReadout(r: HTMLElement, s: DrawState | null, hover: Hover): void {
  for (const k of KEYS) delete r.dataset[k];
  const values = (cellIndex: number): number[] => s!.maps.map((m) => m[cellIndex]!);
  const list = (vals: number[]): string =>
    vals.map((v, i) => `${titleOf(s!, s!.shown[i]!)} ${formatValue(v)}`).join(" · ");
  if (s && s.kind === "image" && hover && "cell" in hover && hover.cell.row < s.height && hover.cell.col < s.width) {
    const { row, col } = hover.cell;
    const input = inputAt(s, hover.cell);
    const vals = values(row * s.width + col);
    setText(r, `row ${row}, col ${col} · input ${input.map(formatValue).join(", ")} · ${list(vals)}`);
    Object.assign(r.dataset, {
      row: String(row), col: String(col), input: input.map(String).join(","),
      attribution: String(vals[hover.panel]), method: s.shown[hover.panel], values: vals.map(String).join(","),
    });
    r.classList.remove("nnw-hint");
  } else if (s && s.kind !== "image" && hover && "index" in hover && hover.index < s.width) {
    const f = hover.index;
    if (s.kind === "text" && s.padding && s.padding[f]) {
      // No input of the model: no attribution to read, and saying 0 would be a claim.
      setText(r, `padding (#${f}), not an input`);
      Object.assign(r.dataset, { token: String(f), padding: "1" });
      r.classList.remove("nnw-hint");
      return;
    }
    const vals = values(f);
    const name = s.kind === "tabular" ? (s.features[f] ?? `feature ${f}`) : (s.tokens[f] ?? `token ${f}`);
    const what = s.kind === "tabular" ? `${name} = ${formatValue(s.input[f]!)}` : `token “${name}” (#${f})`;
    setText(r, `${what} · ${list(vals)}`);
    Object.assign(r.dataset, {
      [s.kind === "tabular" ? "feature" : "token"]: String(f), input: String(s.input[f]),
      attribution: String(vals[hover.panel]), method: s.shown[hover.panel], values: vals.map(String).join(","),
    });
    r.classList.remove("nnw-hint");
  } else {
    setText(r, hint(s));
    r.classList.add("nnw-hint");
  }
}

/**
 * For a table or a text, the readout also shows as a tip right under the
 * hovered row or token (the readout under the figure can be hundreds of
 * pixels away from it); `item` null hides it. Visual only: the readout keeps
 * the data for assistive tech and the tests.
 */
export function placeTip(tip: HTMLElement, readout: HTMLElement, item: HTMLElement | null): void {
  const host = tip.parentElement;
  if (!item || !host || readout.classList.contains("nnw-hint")) {
    tip.hidden = true;
    return;
  }
  const box = item.getBoundingClientRect();
  const at = host.getBoundingClientRect();
  setText(tip, readout.textContent ?? "");
  tip.hidden = false;
  tip.style.top = `${box.bottom - at.top + 2}px`;
  tip.style.left = `${Math.max(0, box.left - at.left)}px`;
}
