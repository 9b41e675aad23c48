// The right-hand panels and the attribution bars of the What-if view:
// prediction bars with the original input's probabilities as a ghost, the
// Taylor check, the counterfactual button. Text from the user is set as text.

import { h, setText } from "../lib/dom";
import { formatValue } from "../lib/hover";
import { short, signed, signedBar, symmetricScale } from "./scale";
import { labelOf, type WhatIfState } from "./state";
import type { Row } from "./ui";

export function percent(p: number): string {
  return Number.isFinite(p) ? `${(p * 100).toFixed(1)}%` : "–";
}

function width01(p: number): string {
  return `${Math.min(1, Math.max(0, Number.isFinite(p) ? p : 0)) * 100}%`;
}

/** Most classes shown as bars; beyond, the most probable plus target and prediction. */
export const MAX_BARS = 12;

/** Classes to show, in class order so bars do not swap places while dragging. */
export function barClasses(probs: ArrayLike<number>, target: number, predicted: number): number[] {
  const all = Array.from({ length: probs.length }, (_, i) => i);
  if (probs.length <= MAX_BARS) return all;
  const p = (i: number): number => (Number.isNaN(probs[i]!) ? -Infinity : probs[i]!);
  const top = all.sort((a, b) => p(b) - p(a) || a - b).slice(0, MAX_BARS - 2);
  for (const k of [target, predicted]) if (k >= 0 && k < probs.length && !top.includes(k)) top.push(k);
  return top.sort((a, b) => a - b);
}

/** What the prediction bars need: the image view's state has it too. */
export type BarsState = Pick<WhatIfState, "probs" | "probsOriginal" | "target" | "predicted" | "labels">;

/** Update the prediction bars in place (rebuilt only when the classes shown change). */
export function renderBars(container: HTMLElement, s: BarsState): void {
  const shown = barClasses(s.probs, s.target, s.predicted);
  const key = JSON.stringify([shown, shown.map((k) => labelOf(s.labels, k))]);
  if (container.dataset.key !== key) {
    const buttons = shown.map((k) => {
      const b = h("button", "nnw-bar", { type: "button", "data-class": k });
      b.append(
        h("div", "nnw-bar-ghost", { "aria-hidden": "true" }),
        h("div", "nnw-bar-fill", { "aria-hidden": "true" }),
        h("span", "nnw-bar-label", {}, labelOf(s.labels, k)),
        h("span", "nnw-bar-value"),
      );
      return b;
    });
    container.replaceChildren(...buttons);
    container.dataset.key = key;
  }
  for (const b of container.querySelectorAll<HTMLButtonElement>("button.nnw-bar")) {
    const k = Number(b.dataset.class);
    const p = s.probs[k]!;
    const p0 = s.probsOriginal ? s.probsOriginal[k]! : NaN;
    b.dataset.value = String(p);
    b.classList.toggle("nnw-target", k === s.target);
    b.classList.toggle("nnw-predicted", k === s.predicted);
    b.classList.remove("nnw-pending");
    b.setAttribute("aria-pressed", k === s.target ? "true" : "false");
    const label = labelOf(s.labels, k);
    b.title = s.probsOriginal
      ? `${label}: ${percent(p)} (original input: ${percent(p0)}); click to explain`
      : `${label}: ${percent(p)}; click to explain`;
    (b.querySelector(".nnw-bar-fill") as HTMLElement).style.width = width01(p);
    const ghost = b.querySelector(".nnw-bar-ghost") as HTMLElement;
    ghost.hidden = !s.probsOriginal;
    ghost.style.width = width01(p0);
    setText(b.querySelector(".nnw-bar-value")!, percent(p));
  }
}

/** Show a class click at once, before the kernel answers. */
export function markPending(container: HTMLElement, target: number): void {
  for (const b of container.querySelectorAll<HTMLElement>("button.nnw-bar")) {
    b.classList.toggle("nnw-pending", b.dataset.class === String(target));
  }
}

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

export function counterfactualText(s: WhatIfState): string {
  const cf = s.counterfactual;
  if (!cf) return "";
  return `Set ${s.names[cf.feature] ?? `feature ${cf.feature}`} to ${formatValue(cf.value)} → ` +
    labelOf(s.labels, cf.newClass);
}

export function renderCounterfactual(button: HTMLButtonElement, s: WhatIfState): void {
  const cf = s.counterfactual;
  button.hidden = !cf;
  setText(button, counterfactualText(s));
  if (cf) {
    button.dataset.feature = String(cf.feature);
    button.dataset.value = String(cf.value);
    button.title = "the smallest single-feature change within its range that flips the predicted class" +
      (Number.isFinite(cf.relativeChange) ? ` (${formatValue(cf.relativeChange * 100)}% of the range)` : "");
  }
}
