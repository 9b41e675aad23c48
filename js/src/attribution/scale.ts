// Shared or per-panel colour scale. One shared symmetric scale is the honest
// way to compare maps, but a method whose values are a small fraction of it
// (Grad-CAM at 0.12 against ±5) draws as an empty grey panel: such a panel
// says so, and one button scales every panel to its own range.

import { h, setText } from "../lib/dom";
import { formatValue } from "../lib/hover";

/** A panel whose largest |value| is below this share of the shared scale is flagged. */
export const SMALL_SHARE = 0.25;

export function maxAbs(values: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) {
    const v = Math.abs(values[i]!);
    if (v > m) m = v;
  }
  return m;
}

export interface PanelScale {
  /** the scale this panel is drawn on */
  scale: number;
  /** its own largest |value| */
  own: number;
  /** own / shared scale */
  share: number;
  small: boolean;
}

/** Each panel's scale: the shared one, or with `perPanel` its own largest |value| (the shared one when all zero). */
export function panelScales(maps: ArrayLike<number>[], shared: number, perPanel: boolean): PanelScale[] {
  return maps.map((m) => {
    const own = maxAbs(m);
    const share = shared > 0 ? own / shared : 1;
    return { scale: perPanel && own > 0 ? own : shared, own, share, small: share < SMALL_SHARE };
  });
}

/** The note under a panel's title: its range against the shared scale, and the button that switches scaling. */
export function renderScaleNote(
  root: HTMLElement, p: PanelScale, shared: number, perPanel: boolean, many: boolean, toggle: () => void,
): void {
  let note = root.querySelector<HTMLDivElement>(":scope > .nnw-scale-note");
  const show = perPanel || (p.small && many);
  if (!show) {
    note?.remove();
    return;
  }
  if (!note) {
    note = h("div", "nnw-scale-note");
    root.querySelector(".nnw-panel-title")?.after(note);
  }
  const text = perPanel
    ? `own scale ±${formatValue(p.scale)}`
    : `range ±${formatValue(p.own)}: ${(p.share * 100).toPrecision(2)} % of the shared ±${formatValue(shared)}`;
  const span = h("span", "nnw-scale-text");
  setText(span, text);
  const button = h("button", "nnw-scale-toggle", { type: "button" }, perPanel ? "shared scale" : "scale each panel alone");
  button.addEventListener("click", toggle);
  note.replaceChildren(span, button);
  note.dataset.share = String(p.share);
  note.dataset.perPanel = String(perPanel);
}
