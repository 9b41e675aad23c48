// Build transport objects the way ipywidgets delivers them: a DataView that
// may start part-way into a larger ArrayBuffer.
import type { Encoded } from "../src/lib/codec";
import type { AnyModel, Callback } from "../src/lib/model";

export function encodeBytes(bytes: Uint8Array, dtype: string, shape: number[], offset = 0, tail = 0): Encoded {
  const big = new ArrayBuffer(offset + bytes.byteLength + tail);
  const all = new Uint8Array(big);
  all.fill(0xee); // garbage around the payload must never leak into the result
  all.set(bytes, offset);
  return { dtype, shape, buffer: new DataView(big, offset, bytes.byteLength) };
}

export function encode(
  arr: ArrayBufferView,
  dtype: string,
  shape: number[],
  offset = 0,
  tail = 0,
): Encoded {
  const bytes = new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength);
  return encodeBytes(bytes, dtype, shape, offset, tail);
}

export function halfBytes(bits: number[]): Uint8Array {
  const view = new DataView(new ArrayBuffer(bits.length * 2));
  bits.forEach((b, i) => view.setUint16(i * 2, b, true));
  return new Uint8Array(view.buffer);
}

/** A stand-in for the anywidget model: traits in a map, saves recorded, change events emitted by hand. */
export function fakeModel(traits: Record<string, unknown> = {}) {
  const values = new Map(Object.entries(traits));
  const saves: unknown[] = [];
  const handlers = new Map<string, Set<Callback>>();
  const model: AnyModel = {
    get: (name) => values.get(name),
    set: (name, value) => void values.set(name, value),
    save_changes: () => void saves.push(values.get("_request")),
    on: (event, cb) => void (handlers.get(event) ?? handlers.set(event, new Set()).get(event)!).add(cb),
    off: (event, cb) => {
      if (event && cb) handlers.get(event)?.delete(cb);
    },
  };
  const emit = (event: string): void => {
    for (const cb of handlers.get(event) ?? []) cb();
  };
  const listeners = (): number => [...handlers.values()].reduce((n, s) => n + s.size, 0);
  return { model, saves, values, emit, listeners };
}
