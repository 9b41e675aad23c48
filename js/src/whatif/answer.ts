// Taking Python's answer, the same in both What-if editors: skip an answer
// overtaken by one already drawn, show Python's error and the problems found
// reading the traits, draw a state that could be read.

import { showProblems } from "../lib/errors";
import { finiteOr } from "../lib/numbers";
import type { RequestScheduler } from "./scheduler";
import type { WhatIfModel } from "./traits";

export interface Read<S> {
  state: S | null;
  problems: string[];
}

/**
 * Draw the model's answer through `draw` (told whether Python reported an
 * error, so that an error answer does not undo the user's edits). Returns
 * false for a stale answer, which changes nothing.
 */
export function takeAnswer<S>(
  t: WhatIfModel, ui: { root: HTMLElement; error: HTMLElement }, scheduler: RequestScheduler,
  read: () => Read<S>, draw: (s: S, hasError: boolean) => void,
): boolean {
  const seq = finiteOr(t.get("_seq"), 0);
  if (!scheduler.accept(seq)) return false;
  ui.root.dataset.seq = String(seq);
  const pyError = t.string("error");
  const { state, problems } = read();
  // Our own problems keep the last good drawing; Python's error alone does
  // not stop a valid state from being drawn.
  showProblems(ui.error, pyError, problems);
  if (state) draw(state, pyError !== "");
  return true;
}
