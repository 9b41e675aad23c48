// The waterfall panel of a tabular view, drawn from the maps and the trust
// numbers already in the browser (f(x) and f(baseline) come with the trust
// evidence). Rows are DOM boxes on one shared track geometry, so the browser
// tests read each step's start, end and sign from their positions. Names are
// user text: textContent only.

import { h, setText } from "../lib/dom";
import { formatValue } from "../lib/hover";
import { labelOf } from "./bars";
import { barColour } from "./panels";
import { titleOf, type DrawState } from "./state";
import { outputAxis, shareOf, stepName, waterfallLayout, type Step, type WaterfallLayout } from "./waterfall";

const pct = (share: number): string => `${share * 100}%`;

function signed(v: number): string {
  return v > 0 ? `+${formatValue(v)}` : formatValue(v);
}

/** The lines every track carries at the same x: the base, f(x), and zero when it is in range. */
function trackWith(w: WaterfallLayout): HTMLSpanElement {
  const track = h("span", "nnw-wtrack");
  const line = (cls: string, v: number): HTMLSpanElement => {
    const l = h("span", cls, { "aria-hidden": "true" });
    l.style.left = pct(shareOf(v, w.lo, w.hi));
    return l;
  };
  if (w.lo < 0 && w.hi > 0) track.append(line("nnw-wzero", 0));
  track.append(line("nnw-wbase", w.base), line("nnw-wfx", w.fx));
  return track;
}

function endRow(w: WaterfallLayout, kind: "fx" | "base", text: string): HTMLDivElement {
  const v = kind === "fx" ? w.fx : w.base;
  const row = h("div", `nnw-wrow nnw-wend nnw-w${kind}-row`, { "data-kind": kind, "data-value": String(v) });
  const track = trackWith(w);
  const dot = h("span", "nnw-wdot", { "aria-hidden": "true" });
  dot.style.left = pct(shareOf(v, w.lo, w.hi));
  track.append(dot);
  row.append(h("span", "nnw-wname", {}, text), track, h("span", "nnw-wnum", {}, formatValue(v)));
  return row;
}

/** What the hover readout says of one step. */
export function stepText(step: Step, s: DrawState, complete: boolean): string {
  const name = stepName(step, s.features, complete);
  const what = step.kind === "feature" ? `${name} = ${formatValue(s.input[step.feature]!)}` : name;
  return `${what} · ${signed(step.value)} (${formatValue(step.start)} → ${formatValue(step.end)})`;
}

/**
 * Draw the waterfall of the main method into `box`, or say why there is none.
 * `lut` is the signed palette: the steps keep their signs under |abs|.
 */
export function renderWaterfall(box: HTMLElement, s: DrawState, lut: ArrayLike<number>, complete: boolean): Step[] {
  box.hidden = s.kind !== "tabular";
  if (box.hidden) return [];
  const t = s.trust;
  const main = s.shown[0] ?? s.method;
  const title = `waterfall · ${titleOf(s, main)}: base f(baseline) → f(x)`;
  if (s.unsigned.includes(main)) {
    // magnitudes have no direction: stacked, they would only pretend to reach f(x)
    box.replaceChildren(h("div", "nnw-wtitle", {}, title), h("div", "nnw-wnote", {},
      `${titleOf(s, main)} gives magnitudes (≥ 0), not signed contributions: no waterfall; pick a signed method`));
    box.dataset.state = "unsigned";
    return [];
  }
  if (!t || (t.seq !== null && t.seq !== s.seq) || t.fX === null || t.fBaseline === null || t.error) {
    const why = !t || t.error || t.fBaseline === null
      ? "needs f(x) and f(baseline), which come with the trust evidence (trust=True)"
      : "waiting for f(x) and f(baseline)…";
    box.replaceChildren(h("div", "nnw-wtitle", {}, title), h("div", "nnw-wnote", {}, why));
    box.dataset.state = "missing";
    return [];
  }
  const w = waterfallLayout(s.maps[0]!, t.fBaseline, t.fX);
  const span = Math.max(...w.steps.map((x) => Math.abs(x.value)), Number.MIN_VALUE);
  const rows = w.steps.map((step, i) => {
    const row = h("div", `nnw-wrow nnw-w${step.kind}`, {
      "data-kind": step.kind, "data-index": i, "data-feature": step.feature, "data-value": String(step.value),
      "data-start": String(step.start), "data-end": String(step.end),
    });
    const name = stepName(step, s.features, complete);
    const label = step.kind === "feature" ? `${name} = ${formatValue(s.input[step.feature]!)}` : name;
    const shown = step.kind === "gap" ? stepName(step, s.features, complete, true) : label;
    const track = trackWith(w);
    const bar = h("span", "nnw-wbar");
    const a = shareOf(Math.min(step.start, step.end), w.lo, w.hi);
    const b = shareOf(Math.max(step.start, step.end), w.lo, w.hi);
    bar.style.left = pct(a);
    bar.style.width = pct(b - a);
    if (step.kind !== "gap") bar.style.background = barColour(lut, step.value, -span, span);
    bar.classList.toggle("nnw-neg", step.value < 0);
    track.append(bar);
    row.append(h("span", "nnw-wname", { title: label }, shown), track, h("span", "nnw-wnum", {}, signed(step.value)));
    return row;
  });
  const head = h("div", "nnw-whead", { "aria-hidden": "true" });
  const axis = h("span", "nnw-wtrack nnw-waxis");
  axis.append(h("span", "", {}, formatValue(w.lo)), h("span", "", {}, formatValue(w.hi)));
  const zeroAt = shareOf(0, w.lo, w.hi);
  if (w.lo < 0 && w.hi > 0 && zeroAt > 0.15 && zeroAt < 0.85) {  // the zero line, named (clear of the end labels)
    const zero = h("span", "nnw-wzero-label", {}, "0");
    zero.style.left = pct(zeroAt);
    axis.append(zero);
  }
  head.append(h("span", "nnw-wname", {}, "feature = value"), axis, h("span", "nnw-wnum", {}, "step"));
  const foot = h("div", "nnw-wfoot");
  let sentence = `the steps add up to f(x) − base = ${formatValue(w.fx - w.base)}; Σ attributions = ${formatValue(w.sum)}`;
  if (w.steps.some((x) => x.kind === "gap")) {
    sentence += complete
      ? `; the ${formatValue(w.gap)} they leave (the method's approximation error) is its own step`
      : `; this method's attributions need not sum to f(x) − base: the ${formatValue(w.gap)} they leave is its own step`;
  }
  setText(foot, sentence);
  const axisLabel = h("div", "nnw-waxis-label", {}, outputAxis(s.outputLabel, s.output, labelOf(s.labels, s.target)));
  box.replaceChildren(h("div", "nnw-wtitle", {}, title), head, endRow(w, "fx", "f(x)"), ...rows,
    endRow(w, "base", "base f(baseline)"), axisLabel, foot);
  Object.assign(box.dataset, {
    state: "drawn", lo: String(w.lo), hi: String(w.hi), base: String(w.base), fx: String(w.fx),
    sum: String(w.sum), gap: String(w.gap), method: s.shown[0] ?? s.method, rendered: String(s.seq),
  });
  return w.steps;
}
