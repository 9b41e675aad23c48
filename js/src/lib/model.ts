// The slice of the anywidget model API the views use, plus defensive trait
// readers: a trait can be missing, null or of the wrong type while Python is
// still being developed, and that must end up in the error box, not a throw.

import { decode, type Decoded } from "./codec";
import { checkLut } from "./colormap";

export type Callback = (...args: unknown[]) => void;

export interface AnyModel {
  get(name: string): unknown;
  set(name: string, value: unknown): void;
  save_changes(): void;
  on(event: string, cb: Callback): void;
  off(event?: string | null, cb?: Callback | null): void;
  /** A custom message to the kernel (absent on the read-only models of objectModel). */
  send?(content: unknown): void;
}

/** A read-only model over a plain object, so the values nested in one trait go through the same readers. */
export function objectModel(o: Record<string, unknown> | null | undefined): AnyModel {
  return { get: (name) => o?.[name], set() {}, save_changes() {}, on() {}, off() {} };
}

/** Raised for a trait that cannot be used; the message names the trait. */
export class TraitError extends Error {}

// Keyed by the trait value itself: model.get returns the same object until
// Python sends a new one, so an unchanged array is decoded only once.
const decoded = new WeakMap<object, Decoded>();

export function readArray(model: AnyModel, name: string, rank: number): Decoded {
  const raw = model.get(name);
  if (raw === null || raw === undefined) throw new TraitError(`${name} is not set`);
  let arr = typeof raw === "object" ? decoded.get(raw) : undefined;
  if (!arr) {
    try {
      arr = decode(raw);
    } catch (err) {
      throw new TraitError(`${name}: ${(err as Error).message}`);
    }
    decoded.set(raw as object, arr);
  }
  if (arr.shape.length !== rank) {
    throw new TraitError(`${name} must have ${rank} dimensions, got shape [${arr.shape.join(", ")}]`);
  }
  return arr;
}

export function readNumber(model: AnyModel, name: string, fallback?: number): number {
  const v = model.get(name);
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (fallback !== undefined && (v === null || v === undefined)) return fallback;
  throw new TraitError(`${name} must be a finite number, got ${JSON.stringify(v) ?? String(v)}`);
}

export function readInt(model: AnyModel, name: string, fallback?: number): number {
  const v = readNumber(model, name, fallback);
  if (!Number.isInteger(v)) throw new TraitError(`${name} must be an integer, got ${v}`);
  return v;
}

export function readString(model: AnyModel, name: string, fallback = ""): string {
  const v = model.get(name);
  return v === null || v === undefined ? fallback : String(v);
}

export function readStrings(model: AnyModel, name: string): string[] {
  const v = model.get(name);
  return Array.isArray(v) ? v.map((x) => String(x)) : [];
}

export function readTitles(model: AnyModel, name: string): Record<string, string> {
  const v = model.get(name);
  const out: Record<string, string> = {};
  if (v && typeof v === "object" && !Array.isArray(v)) {
    for (const [k, t] of Object.entries(v)) if (t !== null && t !== undefined) out[k] = String(t);
  }
  return out;
}

/**
 * Run one trait reader; a TraitError becomes a line in `problems` and the
 * result undefined, so one bad trait does not hide the others' problems.
 */
export function attempt<T>(problems: string[], read: () => T): T | undefined {
  try {
    return read();
  } catch (err) {
    if (!(err instanceof TraitError)) throw err;
    problems.push(err.message);
    return undefined;
  }
}

/** `_display_range`: the [lo, hi] input values shown as black and white. */
export function readDisplayRange(model: AnyModel, name = "_display_range"): [number, number] {
  const v = model.get(name);
  if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === "number" && Number.isFinite(x))) {
    return [v[0] as number, v[1] as number];
  }
  throw new TraitError(`${name} must be [lo, hi] numbers, got ${JSON.stringify(v) ?? String(v)}`);
}

/** `_lut`: the colormap, uint8 of shape [256, 4]. */
export function readLut(model: AnyModel, name = "_lut"): Decoded {
  const arr = readArray(model, name, 2);
  if (arr.shape[0] !== 256 || arr.shape[1] !== 4 || arr.dtype !== "uint8") {
    throw new TraitError(`${name} must be uint8 of shape [256, 4], got ${arr.dtype} [${arr.shape.join(", ")}]`);
  }
  checkLut(arr.data);
  return arr;
}

/** `_scale`: the map's colour scale, a number > 0. */
export function readScale(model: AnyModel, name = "_scale"): number {
  const s = readNumber(model, name);
  if (!(s > 0)) throw new TraitError(`${name} must be > 0, got ${s}`);
  return s;
}
