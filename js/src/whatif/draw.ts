// Painting the tabular What-if editor's answer: each row's attribution bar
// on one symmetric scale, the Taylor check and the counterfactual button.
// Text from the user is set as text.

import { h, setText } from "../lib/dom";
import { formatValue } from "../lib/hover";
import { short, signed, signedBar, symmetricScale } from "./scale";
import { labelOf, type WhatIfState } from "./state";
import type { Row } from "./ui";

function placeBar(fill: HTMLElement, v: number, scale: number): void {
  const box = signedBar(v, scale);
  fill.style.left = `${box.left}%`;
  fill.style.width = `${box.width}%`;
  fill.classList.toggle("nnw-neg", v < 0);
}

/** Attribution bars of all rows on one symmetric scale. */
export function renderAttribution(rows: Row[], attribution: ArrayLike<number>): number {
  const scale = symmetricScale(attribution);
  rows.forEach((r, i) => {
    const a = attribution[i]!;
    r.attr.dataset.value = String(a);
    r.attr.title = `attribution ${String(a)}`;
    placeBar(r.attrFill, a, scale);
    setText(r.attrNum, signed(a, short));
  });
  return scale;
}

export const TAYLOR_NOTE =
  "first-order estimate from the original input's gradient vs the model's actual change; " +
  "where they part, the local linear explanation no longer holds";

function taylorRow(name: string, v: number, scale: number, cls: string): HTMLElement {
  const track = h("div", "nnw-track");
  const fill = h("div", `nnw-attr-fill ${cls}`);
  track.append(h("div", "nnw-attr-axis"), fill);
  placeBar(fill, v, scale);
  const row = h("div", "nnw-taylor-row");
  row.append(h("span", "nnw-taylor-name", {}, name), track, h("span", "nnw-taylor-num", { title: String(v) }, signed(v, short)));
  return row;
}

/** Estimate and actual change of the target's probability, on one scale. */
export function renderTaylor(el: HTMLElement, s: WhatIfState): void {
  const est = s.taylorEstimate ? s.taylorEstimate[s.target]! : NaN;
  const act = s.taylorActual ? s.taylorActual[s.target]! : NaN;
  el.dataset.estimate = String(est);
  el.dataset.actual = String(act);
  if (!s.taylorEstimate || !s.taylorActual) {
    el.replaceChildren(h("div", "nnw-note", {}, "no Taylor check for this state"));
    return;
  }
  const scale = symmetricScale([est, act]);
  const diff = act - est;
  const label = labelOf(s.labels, s.target);
  const head = h("div", "nnw-taylor-head", {}, `Δ p(${label}) from the original input`);
  const gap = h("div", "nnw-taylor-diff", {}, `difference (actual − estimate): ${signed(diff)}`);
  gap.title = `estimate ${formatValue(est)}, actual ${formatValue(act)}`;
  el.replaceChildren(
    head,
    taylorRow("estimate", est, scale, "nnw-estimate"),
    taylorRow("actual", act, scale, "nnw-actual"),
    gap,
    h("div", "nnw-note", {}, TAYLOR_NOTE),
  );
}

/** Whether the input already carries the counterfactual change (offering it again would do nothing). */
export function counterfactualApplied(s: WhatIfState): boolean {
  const cf = s.counterfactual;
  if (!cf) return false;
  const now = s.current[cf.feature];
  return now !== undefined && Math.abs(now - cf.value) <= 1e-6 * Math.max(1, Math.abs(cf.value));
}

export function counterfactualText(s: WhatIfState): string {
  const cf = s.counterfactual;
  if (!cf) return "";
  const change = `${s.names[cf.feature] ?? `feature ${cf.feature}`} to ${formatValue(cf.value)} → ` +
    labelOf(s.labels, cf.newClass);
  return counterfactualApplied(s) ? `Applied: ${change} (Reset to undo)` : `Set ${change}`;
}

export function renderCounterfactual(button: HTMLButtonElement, s: WhatIfState): void {
  const cf = s.counterfactual;
  button.hidden = !cf;
  button.disabled = counterfactualApplied(s);
  setText(button, counterfactualText(s));
  if (cf) {
    button.dataset.feature = String(cf.feature);
    button.dataset.value = String(cf.value);
    button.title = "the smallest single-feature change within its range that flips the predicted class" +
      (Number.isFinite(cf.relativeChange) ? ` (${formatValue(cf.relativeChange * 100)}% of the range)` : "");
  }
}
