// Request numbering, the one rule every view follows: each `_request` gets a
// `seq` one past every request this view or the model knows of (so two views
// of one widget never reuse a number), and an answer older than the one on
// screen is stale. Python answers request `seq` by setting `_seq` to it.

import type { AnyModel } from "./model";
import { finiteOr } from "./numbers";

/** One past the largest finite number in `known` (and at least 1). */
export function nextSeq(...known: number[]): number {
  let top = 0;
  for (const k of known) if (Number.isFinite(k) && k > top) top = k;
  return top + 1;
}

/** The newest seq the model knows of: its `_seq`, or the last `_request.seq` sent by any view. */
export function knownSeq(model: AnyModel): number {
  const prev = model.get("_request") as { seq?: unknown } | null | undefined;
  return Math.max(finiteOr(model.get("_seq"), 0), finiteOr(prev?.seq, 0));
}

/** An answer numbered `seq` is stale once an answer numbered `drawn` is on screen. */
export function isStale(seq: number, drawn: number): boolean {
  return seq < drawn;
}

/** The numbers of one view: the last request it sent and the last answer it drew. */
export class RequestCounter {
  private sent = -Infinity;
  private drawn = -Infinity;

  constructor(private readonly model: AnyModel) {}

  /** Number a new request (and remember it as sent). */
  next(): number {
    this.sent = nextSeq(knownSeq(this.model), this.sent, this.drawn);
    return this.sent;
  }

  /** Is answer `seq` overtaken by one already drawn? */
  isStale(seq: number): boolean {
    return isStale(seq, this.drawn);
  }

  /** Answer `seq` is on screen now. */
  drew(seq: number): void {
    this.drawn = seq;
  }

  /** A request is out whose answer has not been drawn. */
  get pending(): boolean {
    return this.sent > this.drawn;
  }

  get lastSent(): number {
    return this.sent;
  }

  get lastDrawn(): number {
    return this.drawn;
  }
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
    knownSeq: () => knownSeq(model),
    send: (request) => {
      model.set("_request", request);
      model.save_changes();
      onSent();
    },
    frame: (cb) => requestAnimationFrame(cb),
    cancelFrame: (handle) => cancelAnimationFrame(handle),
  };
}
