// Requests from the What-if sliders to the kernel, and which answers to draw.
// DOM-free (the animation frame and the send are injected) so that the timing
// rules are unit-tested:
// - while dragging, at most one request per animation frame, built when the
//   frame fires from the values the sliders hold then (latest wins, nothing
//   queued);
// - a release always sends at once (a pending frame is dropped: the release
//   carries the same, newest values), except an exact repeat of the release
//   just sent (pointerup and the `change` that follows it);
// - answers older than the newest drawn are ignored, and an answer moves a
//   slider only when the user is not holding it and no newer request is out.

import { encode, type EncodedArray } from "../lib/codec";
import { nextSeq } from "../lib/requests";

export type Phase = "drag" | "release";

export interface WhatIfRequest {
  seq: number;
  x: EncodedArray;
  phase: Phase;
  feature: number;
  target: number;
}

export interface SchedulerHost {
  /** The input as the sliders hold it now; copied when a request is built. */
  values(): ArrayLike<number>;
  /** Shape the values are sent with (default: one axis, [n]); e.g. [C, H, W] for an image. */
  shape?(): number[];
  /** The class a drag request explains. */
  target(): number;
  /** The newest seq the model knows of (its `_seq`, the last `_request.seq`). */
  knownSeq(): number;
  send(request: WhatIfRequest): void;
  /** requestAnimationFrame and cancelAnimationFrame, or stand-ins in tests. */
  frame(cb: () => void): number;
  cancelFrame(handle: number): void;
}

export interface ReleaseOptions {
  /** Class to explain instead of the host's current target. */
  target?: number;
  /** Send even when it repeats the release just sent (reset, clicks). */
  force?: boolean;
}

/**
 * A short key telling two inputs apart, to skip a repeated release: the
 * values themselves for a few features, a 32-bit FNV-1a hash of their bits
 * (with the length) for many, e.g. an image, where joining them as text
 * would cost milliseconds on every release.
 */
export function valuesKey(values: Float32Array): string {
  if (values.length <= 64) return Array.from(values).join(",");
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  let hash = 0x811c9dc5;
  for (let i = 0; i < bits.length; i++) {
    const v = bits[i]!;
    hash = Math.imul(hash ^ (v & 0xffff), 0x01000193);
    hash = Math.imul(hash ^ (v >>> 16), 0x01000193);
  }
  return `${values.length}#${(hash >>> 0).toString(16)}`;
}

export class RequestScheduler {
  private sentSeq = -Infinity;
  private drawnSeq = -Infinity;
  private frameHandle: number | null = null;
  private dragFeature = -1;
  /** Features the user holds (pointer down or mid-keyboard change). */
  private readonly held = new Set<number>();
  /** Features moved since they were grabbed, so letting go means a release. */
  private readonly moved = new Set<number>();
  private lastRelease: string | null = null;

  constructor(private readonly host: SchedulerHost) {}

  /** The pointer went down on a slider: it is held, nothing is sent yet. */
  grab(feature: number): void {
    this.held.add(feature);
  }

  /** A slider moved: ask for a request on the next animation frame. */
  drag(feature: number): void {
    this.held.add(feature);
    this.moved.add(feature);
    this.dragFeature = feature;
    if (this.frameHandle === null) this.frameHandle = this.host.frame(() => this.onFrame());
  }

  /** The pointer let go (pointerup / pointercancel): a release if it moved. */
  letGo(feature: number): void {
    if (this.moved.has(feature)) this.release(feature);
    else this.held.delete(feature);
  }

  /** Final value of a gesture, a reset or a click: send now. */
  release(feature: number, options: ReleaseOptions = {}): WhatIfRequest | null {
    this.held.delete(feature);
    this.moved.delete(feature);
    this.cancelFrame();
    const target = options.target ?? this.host.target();
    const values = Float32Array.from(this.host.values());
    const key = `${feature}|${target}|${valuesKey(values)}`;
    if (!options.force && key === this.lastRelease) return null;
    this.lastRelease = key;
    return this.send(values, "release", feature, target);
  }

  /** Drop a scheduled drag request (the view is going away). */
  dispose(): void {
    this.cancelFrame();
  }

  /**
   * Python answered with `seq`: true when it should be drawn, false when an
   * answer at least as new was drawn already.
   */
  accept(seq: number): boolean {
    if (!Number.isFinite(seq) || seq < this.drawnSeq) return false;
    this.drawnSeq = seq;
    return true;
  }

  /** A request is out whose answer has not been drawn. */
  get pending(): boolean {
    return this.sentSeq > this.drawnSeq;
  }

  get lastSent(): number {
    return this.sentSeq;
  }

  get lastDrawn(): number {
    return this.drawnSeq;
  }

  isHeld(feature: number): boolean {
    return this.held.has(feature);
  }

  /** Features held now, e.g. to let go of all when the pointer goes up anywhere. */
  heldFeatures(): number[] {
    return Array.from(this.held);
  }

  get dragging(): boolean {
    return this.held.size > 0;
  }

  /**
   * May the answer `seq` set slider `feature` to the value it answers for?
   * Only when the user is not holding that slider and nothing newer was sent;
   * otherwise the slider would jump back to a value the user has left.
   */
  mayMove(feature: number, seq: number): boolean {
    return !this.held.has(feature) && seq >= this.sentSeq;
  }

  private onFrame(): void {
    this.frameHandle = null;
    this.lastRelease = null;
    this.send(Float32Array.from(this.host.values()), "drag", this.dragFeature, this.host.target());
  }

  private cancelFrame(): void {
    if (this.frameHandle !== null) this.host.cancelFrame(this.frameHandle);
    this.frameHandle = null;
  }

  private send(values: Float32Array, phase: Phase, feature: number, target: number): WhatIfRequest {
    const seq = nextSeq(this.host.knownSeq(), this.sentSeq, this.drawnSeq);
    this.sentSeq = seq;
    const shape = this.host.shape?.() ?? [values.length];
    const request: WhatIfRequest = { seq, x: encode(values, shape), phase, feature, target };
    this.host.send(request);
    return request;
  }
}
