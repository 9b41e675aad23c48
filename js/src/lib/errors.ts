// The error box every view has: Python's `error` trait, the problems found
// reading the traits, and exceptions thrown while drawing, one per line.

import { setText } from "./dom";

/** Show the non-empty `texts`, one per line, in `box`; hide it when there are none. */
export function showErrors(box: HTMLElement, texts: string[]): void {
  const msg = texts.filter((t) => t.trim() !== "").join("\n");
  setText(box, msg);
  box.hidden = msg === "";
}

/** Python's error, then each problem found reading the traits. */
export function showProblems(box: HTMLElement, pyError: string, problems: readonly string[]): void {
  showErrors(box, [pyError, ...problems.map((p) => `cannot draw: ${p}`)]);
}

/** The error-box line for an exception thrown while drawing. */
export function widgetError(err: unknown): string {
  return `widget error: ${(err as Error).message ?? err}`;
}
