// Prediction bars: the top-k classes plus, always, the class being explained.

import { h } from "../lib/dom";

/**
 * Class indices to show: the `k` most probable in descending order (ties by
 * lower index, so the order is stable across redraws), then the target if it
 * did not make the cut.
 */
export function chooseBars(probs: ArrayLike<number>, k: number, target: number): number[] {
  const order = Array.from({ length: probs.length }, (_, i) => i);
  const p = (i: number): number => (Number.isNaN(probs[i]!) ? -Infinity : probs[i]!);
  order.sort((a, b) => p(b) - p(a) || a - b);
  const count = Math.max(0, Math.min(probs.length, Number.isFinite(k) ? Math.floor(k) : probs.length));
  const shown = order.slice(0, count);
  if (Number.isInteger(target) && target >= 0 && target < probs.length && !shown.includes(target)) {
    shown.push(target);
  }
  return shown;
}

export function percent(p: number): string {
  if (!Number.isFinite(p)) return "–";
  return `${(p * 100).toFixed(1)}%`;
}

export function labelOf(labels: readonly string[], i: number): string {
  return labels[i] ?? `class ${i}`;
}

export interface BarsInput {
  probs: ArrayLike<number>;
  labels: readonly string[];
  topK: number;
  target: number;
  predicted: number;
  /** false for attributions given from outside (from_tensor): the bars only show, they explain nothing */
  interactive?: boolean;
}

/** Rebuild the bar buttons; keyboard focus stays on the same class. */
export function renderBars(container: HTMLElement, input: BarsInput, format: (p: number) => string = percent): void {
  const focused = container.contains(document.activeElement)
    ? (document.activeElement as HTMLElement).dataset.class
    : undefined;
  const buttons = chooseBars(input.probs, input.topK, input.target).map((i) => {
    const p = input.probs[i]!;
    const label = labelOf(input.labels, i);
    const classes = ["nnw-bar"];
    if (i === input.target) classes.push("nnw-target");
    if (i === input.predicted) classes.push("nnw-predicted");
    const button = h("button", classes.join(" "), {
      type: "button",
      "data-class": i,
      "aria-pressed": i === input.target ? "true" : "false",
      title: input.interactive === false
        ? `class ${label}${i === input.target ? ": the class the given attributions explain" : ""}`
        : `explain class ${label}`,
    });
    if (input.interactive === false) button.disabled = true;
    const fill = h("div", "nnw-bar-fill", { "aria-hidden": "true" });
    // A raw score has no [0, 1] scale: its bar stays empty, the number says it.
    const share = format === percent && Number.isFinite(p) ? p : 0;
    fill.style.width = `${Math.min(1, Math.max(0, share)) * 100}%`;
    button.append(fill, h("span", "nnw-bar-label", {}, label), h("span", "nnw-bar-value", {}, format(p)));
    return button;
  });
  container.replaceChildren(...buttons);
  if (focused !== undefined && /^\d+$/.test(focused)) {
    container.querySelector<HTMLElement>(`button[data-class="${focused}"]`)?.focus();
  }
}

/** Show a pending request on the bars without waiting for the kernel. */
export function markPending(container: HTMLElement, target: number): void {
  for (const b of container.querySelectorAll<HTMLElement>("button.nnw-bar")) {
    b.classList.toggle("nnw-pending", b.dataset.class === String(target));
  }
}
