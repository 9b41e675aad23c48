// A progress row (bar + label) for views whose slow work streams from the worker:
// {seq, done, total} from Python; total 0 means not known (an indeterminate bar).
// The label is set with textContent.

import { h, setText } from "./dom";

export interface ProgressRow {
  box: HTMLDivElement;
  bar: HTMLProgressElement;
  label: HTMLSpanElement;
}

export function progressRow(...extra: HTMLElement[]): ProgressRow {
  const box = h("div", "nnw-progress", { hidden: true, "aria-live": "polite" });
  const bar = h("progress", "nnw-progress-bar", { max: 1, value: 0 });
  const label = h("span", "nnw-progress-label");
  box.append(bar, label, ...extra);
  return { box, bar, label };
}

/** Show `p` (hidden when it carries no `seq`); returns whether it is shown. */
export function showProgress(row: ProgressRow, p: { seq?: number; done?: number; total?: number } | null | undefined,
  what: string): boolean {
  const running = !!p && typeof p.seq === "number";
  row.box.hidden = !running;
  if (!running) return false;
  const done = Number(p.done ?? 0), total = Number(p.total ?? 0);
  if (total > 0) row.bar.value = Math.max(0, Math.min(1, done / total));
  else row.bar.removeAttribute("value"); // indeterminate
  row.box.dataset.done = String(done);
  row.box.dataset.total = String(total);
  setText(row.label, total > 0 ? `${what}: ${done}/${total}` : `${what}: ${done}`);
  return true;
}
