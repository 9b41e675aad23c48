import { describe, expect, it } from "vitest";
import { decode, encode, type NumericArray } from "../src/lib/codec";

describe("encode", () => {
  const cases: Array<[string, NumericArray]> = [
    ["float32", new Float32Array([1.5, -2.25, 3e-8, Math.fround(Math.PI), 0, -0])],
    ["float64", new Float64Array([Math.PI, -1e300, 5e-324, 7, 8, 9])],
    ["uint8", new Uint8Array([0, 1, 127, 128, 254, 255])],
    ["int8", new Int8Array([-128, -1, 0, 1, 126, 127])],
    ["uint16", new Uint16Array([0, 1, 65535, 300, 4, 5])],
    ["int16", new Int16Array([-32768, -1, 0, 32767, 4, 5])],
    ["uint32", new Uint32Array([0, 4294967295, 2, 3, 4, 5])],
    ["int32", new Int32Array([-2147483648, 2147483647, 0, -1, 4, 5])],
  ];

  it.each(cases)("round-trips %s through decode", (dtype, data) => {
    const enc = encode(data, [2, 3]);
    expect(enc.dtype).toBe(dtype);
    expect(enc.shape).toEqual([2, 3]);
    expect(enc.buffer).toBeInstanceOf(DataView);
    expect(enc.buffer.byteLength).toBe(data.byteLength);
    const out = decode(enc);
    expect(out.dtype).toBe(dtype);
    expect(out.shape).toEqual([2, 3]);
    expect(out.data.constructor).toBe(data.constructor);
    expect(Array.from(out.data)).toEqual(Array.from(data));
  });

  it("defaults to a 1-D shape and keeps NaN, infinities and the sign of zero", () => {
    const data = new Float32Array([NaN, Infinity, -Infinity, -0]);
    const enc = encode(data);
    expect(enc.shape).toEqual([4]);
    const out = decode(enc).data;
    expect(out[0]).toBeNaN();
    expect(out[1]).toBe(Infinity);
    expect(out[2]).toBe(-Infinity);
    expect(Object.is(out[3], -0)).toBe(true);
  });

  it("writes little-endian bytes, as Python's unpack reads them", () => {
    const enc = encode(new Float32Array([1]));
    expect(enc.buffer.getFloat32(0, true)).toBe(1);
    expect(Array.from(new Uint8Array(enc.buffer.buffer))).toEqual([0, 0, 0x80, 0x3f]);
  });

  it("encodes only the viewed part of a subarray, as a copy", () => {
    const big = new Float32Array([9, 1, 2, 3, 9]);
    const sub = big.subarray(1, 4);
    const enc = encode(sub);
    big[2] = 100; // later changes must not leak into the message
    expect(enc.buffer.byteOffset).toBe(0);
    expect(enc.buffer.byteLength).toBe(12);
    expect(Array.from(decode(enc).data)).toEqual([1, 2, 3]);
  });

  it("encodes empty arrays", () => {
    const enc = encode(new Float32Array(0), [0, 4]);
    expect(decode(enc).shape).toEqual([0, 4]);
    expect(decode(enc).data.length).toBe(0);
  });

  it("rejects a shape that does not match the data", () => {
    expect(() => encode(new Float32Array(5), [2, 3])).toThrow(/needs 6 values, got 5/);
    expect(() => encode(new Float32Array(2), [-2])).toThrow(/non-negative integers/);
    expect(() => encode(new Float32Array(2), [1.5, 2])).toThrow(/non-negative integers/);
  });
});
