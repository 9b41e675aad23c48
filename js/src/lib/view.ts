// Plumbing every view repeats: the error box, the redraw coalesced per model
// message, and the host a RequestScheduler sends `_request` through.

import { setText } from "./dom";
import type { AnyModel } from "./model";

function finiteOr(v: unknown, fallback: number): number {
  return typeof v === "number" && Number.isFinite(v) ? v : fallback;
}

/** Show the non-empty `texts`, one per line, in `box`; hide it when there are none. */
export function showErrors(box: HTMLElement, texts: string[]): void {
  const msg = texts.filter((t) => t.trim() !== "").join("\n");
  setText(box, msg);
  box.hidden = msg === "";
}

/** The error-box line for an exception thrown while drawing. */
export function widgetError(err: unknown): string {
  return `widget error: ${(err as Error).message ?? err}`;
}

export interface Coalesced {
  /** Run once in a microtask, however many times this is called before it. */
  schedule(): void;
  /** No run after this, including one already scheduled. */
  dispose(): void;
}

/**
 * Coalesce `run` to one call per microtask. Python sends all of one answer's
 * trait changes in one message, so this gives one redraw per message. What
 * `run` throws goes to `onError`.
 */
export function coalesced(run: () => void, onError: (err: unknown) => void): Coalesced {
  let scheduled = false;
  let disposed = false;
  return {
    schedule(): void {
      if (scheduled || disposed) return;
      scheduled = true;
      queueMicrotask(() => {
        scheduled = false;
        if (disposed) return;
        try {
          run();
        } catch (err) {
          onError(err);
        }
      });
    },
    dispose(): void {
      disposed = true;
    },
  };
}

/** The part of the What-if scheduler's host that talks to the model and the browser. */
export interface RequestHost {
  knownSeq(): number;
  send(request: unknown): void;
  frame(cb: () => void): number;
  cancelFrame(handle: number): void;
}

/**
 * The model side of a RequestScheduler: the newest seq the model knows of,
 * sending a request as `_request` (then `onSent`), and animation frames.
 */
export function requestHost(model: AnyModel, onSent: () => void): RequestHost {
  return {
    knownSeq: () => {
      const prev = model.get("_request") as { seq?: unknown } | null | undefined;
      return Math.max(finiteOr(model.get("_seq"), 0), finiteOr(prev?.seq, 0));
    },
    send: (request) => {
      model.set("_request", request);
      model.save_changes();
      onSent();
    },
    frame: (cb) => requestAnimationFrame(cb),
    cancelFrame: (handle) => cancelAnimationFrame(handle),
  };
}
