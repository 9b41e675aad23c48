// Fast float16 → float32 for the Layers view's big stacks (a 256×56×56
// activation and its gradient are 1.6 M halves). The shared decoder in
// lib/codec converts each value arithmetically through a DataView; here every
// one of the 65536 bit patterns is converted once into a table, and decoding
// is one Uint16Array read and one table load per value. Same numbers exactly
// (tests/layers-half.test.ts checks all 65536 against lib's halfToFloat).

import type { Decoded } from "../lib/codec";
import { readArray, type AnyModel } from "../lib/model";

const HALF = new Set(["float16", "f2", "<f2", "=f2", "|f2", "half"]);

// Uint16Array reads in the platform's byte order; the wire is little-endian.
const LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

let table: Float32Array | null = null;

/** float32 value of every binary16 bit pattern, built on first use (256 KiB). */
export function halfTable(): Float32Array {
  if (table) return table;
  const bits = new Uint32Array(65536);
  const out = new Float32Array(bits.buffer);
  for (let h = 0; h < 65536; h++) {
    const sign = (h & 0x8000) << 16;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    if (exp === 0x1f) bits[h] = sign | 0x7f800000 | (frac << 13); // inf, NaN
    else if (exp !== 0) bits[h] = sign | ((exp + 112) << 23) | (frac << 13); // normal: rebias 15 → 127
    else out[h] = (sign ? -frac : frac) * 2 ** -24; // zero and subnormals: exact in float32
  }
  table = out;
  return out;
}

/** float16 bytes (little-endian, any byte offset) as a Float32Array. */
export function decodeHalf(buffer: ArrayBuffer, offset: number, count: number): Float32Array {
  const t = halfTable();
  const src = offset % 2 === 0
    ? new Uint16Array(buffer, offset, count)
    : new Uint16Array(new Uint8Array(buffer, offset, count * 2).slice().buffer);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = t[src[i]!]!;
  return out;
}

const cache = new WeakMap<object, Decoded>();

function fast(raw: Record<string, unknown>): Decoded | null {
  const { shape, buffer } = raw;
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === "number" && Number.isInteger(d) && d >= 0)) return null;
  if (!(buffer instanceof ArrayBuffer) && !ArrayBuffer.isView(buffer)) return null;
  const count = (shape as number[]).reduce((a, b) => a * b, 1);
  const bytes = buffer instanceof ArrayBuffer ? buffer.byteLength : buffer.byteLength;
  if (bytes !== count * 2) return null;
  const data = buffer instanceof ArrayBuffer
    ? decodeHalf(buffer, 0, count)
    : decodeHalf(buffer.buffer as ArrayBuffer, buffer.byteOffset, count);
  return { data, shape: [...(shape as number[])], dtype: "float16" };
}

/**
 * lib/model's readArray, with float16 arrays decoded through the table (and
 * cached per trait value, as readArray does). Anything unusual (another
 * dtype, a malformed array, a wrong rank) goes to readArray, whose errors name
 * the trait.
 */
export function readLayerArray(model: AnyModel, name: string, rank: number): Decoded {
  const raw = model.get(name);
  if (LITTLE && raw !== null && typeof raw === "object" && HALF.has(String((raw as { dtype?: unknown }).dtype).toLowerCase())) {
    let arr = cache.get(raw);
    if (!arr) {
      arr = fast(raw as Record<string, unknown>) ?? undefined;
      if (arr) cache.set(raw, arr);
    }
    if (arr && arr.shape.length === rank) return arr;
  }
  return readArray(model, name, rank);
}
