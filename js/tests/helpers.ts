// Build transport objects the way ipywidgets delivers them: a DataView that
// may start part-way into a larger ArrayBuffer.
import type { Encoded } from "../src/lib/codec";

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
