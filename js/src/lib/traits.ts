// Typed access to a widget's traits. Each widget declares its traits once, as
// an interface of what Python sends; every name read, written or listened to
// is then checked by the compiler against it. Values still arrive unchecked
// off the wire, so the typed readers below go through lib/model's defensive
// ones (a bad value becomes a TraitError naming the trait, not a throw deep
// inside drawing).

import type { Decoded } from "./codec";
import {
  readArray, readInt, readNumber, readString, readStrings, readTitles, type AnyModel, type Callback,
} from "./model";

/** The trait names of a widget's trait interface. */
export type TraitName<T> = Extract<keyof T, string>;

/** The names of T's traits whose declared type is (or may be) a V. */
export type TraitsOf<T, V> = { [K in TraitName<T>]: V extends T[K] ? K : T[K] extends V ? K : never }[TraitName<T>];

export class Traits<T> {
  constructor(readonly model: AnyModel) {}

  /** The value as sent, typed as declared but not checked: null or missing when Python has not set it. */
  get<K extends TraitName<T>>(name: K): T[K] | null | undefined {
    return this.model.get(name) as T[K] | null | undefined;
  }

  /** Set a trait and send it to the kernel. */
  send<K extends TraitName<T>>(name: K, value: T[K]): void {
    this.model.set(name, value);
    this.model.save_changes();
  }

  number(name: TraitsOf<T, number>, fallback?: number): number {
    return readNumber(this.model, name, fallback);
  }

  int(name: TraitsOf<T, number>, fallback?: number): number {
    return readInt(this.model, name, fallback);
  }

  string(name: TraitsOf<T, string>, fallback = ""): string {
    return readString(this.model, name, fallback);
  }

  strings(name: TraitsOf<T, string[]>): string[] {
    return readStrings(this.model, name);
  }

  titles(name: TraitsOf<T, Record<string, string>>): Record<string, string> {
    return readTitles(this.model, name);
  }

  array(name: TraitName<T>, rank: number): Decoded {
    return readArray(this.model, name, rank);
  }

  /** `true` only when the trait is exactly true (a missing flag is off). */
  flag(name: TraitsOf<T, boolean>): boolean {
    return this.model.get(name) === true;
  }

  /** Call `cb` on every change of any of `names`; returns the function that stops it. */
  onChange(names: readonly TraitName<T>[], cb: () => void): () => void {
    const events = names.map((n) => `change:${n}`);
    const handler: Callback = () => cb();
    for (const e of events) this.model.on(e, handler);
    return () => {
      for (const e of events) this.model.off(e, handler);
    };
  }
}

/** Typed traits of `model`, for a widget whose trait interface is T. */
export function traits<T>(model: AnyModel): Traits<T> {
  return new Traits<T>(model);
}
