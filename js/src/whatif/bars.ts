// The prediction bars both What-if editors show: one button per class (click
// to explain it), with the original input's probability as a dashed ghost.
// Labels from the user are set as text.

import { h, setText } from "../lib/dom";
import { labelOf, type WhatIfState } from "./state";

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
export type BarsState = Pick<WhatIfState, "probs" | "probsOriginal" | "target" | "predicted" | "labels" | "outputLabel">;

function score(v: number): string {
  return Number.isFinite(v) ? v.toPrecision(4) : "–";
}

/** Update the prediction bars in place (rebuilt only when the classes shown change). */
export function renderBars(container: HTMLElement, s: BarsState): void {
  // Raw scores (a regressor) have no [0, 1] scale: empty bars, the number says it.
  const raw = s.outputLabel === "raw scores";
  const format = raw ? score : percent;
  const title = container.parentElement?.querySelector(".nnw-bars-title");
  if (title && s.outputLabel) setText(title as HTMLElement, `${s.outputLabel} · click to explain`);
  container.dataset.output = s.outputLabel;
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
      ? `${label}: ${format(p)} (original input: ${format(p0)}); click to explain`
      : `${label}: ${format(p)}; click to explain`;
    (b.querySelector(".nnw-bar-fill") as HTMLElement).style.width = raw ? "0%" : width01(p);
    const ghost = b.querySelector(".nnw-bar-ghost") as HTMLElement;
    ghost.hidden = !s.probsOriginal || raw;
    ghost.style.width = width01(p0);
    setText(b.querySelector(".nnw-bar-value")!, format(p));
  }
}

/** Show a class click at once, before the kernel answers. */
export function markPending(container: HTMLElement, target: number): void {
  for (const b of container.querySelectorAll<HTMLElement>("button.nnw-bar")) {
    b.classList.toggle("nnw-pending", b.dataset.class === String(target));
  }
}

/** The class of the bar a click landed on, or null for a click beside the bars. */
export function clickedClass(e: Event): number | null {
  const button = (e.target as Element).closest<HTMLElement>("button.nnw-bar");
  const cls = Number(button?.dataset.class);
  return button && Number.isInteger(cls) ? cls : null;
}
