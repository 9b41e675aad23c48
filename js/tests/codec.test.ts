import { describe, expect, it } from "vitest";
import { decode, halfToFloat, index, itemSize } from "../src/lib/codec";
import { encode, encodeBytes, halfBytes } from "./helpers";

describe("decode", () => {
  it("views float32 data at offset 0 without copying", () => {
    const src = new Float32Array([1.5, -2, 3.25, 0]);
    const enc = encode(src, "float32", [2, 2]);
    const out = decode(enc);
    expect(out.dtype).toBe("float32");
    expect(out.shape).toEqual([2, 2]);
    expect(out.data).toBeInstanceOf(Float32Array);
    expect(Array.from(out.data)).toEqual([1.5, -2, 3.25, 0]);
    expect(out.data.buffer).toBe((enc.buffer as DataView).buffer);
  });

  it("honours a non-zero, aligned byteOffset into a larger buffer", () => {
    const src = new Float32Array([0.1, 0.2, 0.3]);
    const enc = encode(src, "float32", [3], 16, 12);
    const out = decode(enc);
    expect(out.data.length).toBe(3);
    expect(Array.from(out.data)).toEqual(Array.from(src));
    expect(out.data.byteOffset).toBe(16);
  });

  it("copies when the byteOffset is not aligned to the element size", () => {
    const src = new Int32Array([7, -8, 2147483647]);
    const enc = encode(src, "int32", [3], 5, 3);
    const out = decode(enc);
    expect(out.data).toBeInstanceOf(Int32Array);
    expect(Array.from(out.data)).toEqual([7, -8, 2147483647]);
    expect(out.data.buffer).not.toBe((enc.buffer as DataView).buffer);
  });

  it("decodes float64 at an offset aligned to 4 but not 8", () => {
    const src = new Float64Array([Math.PI, -1e300]);
    const out = decode(encode(src, "float64", [2], 4));
    expect(Array.from(out.data)).toEqual([Math.PI, -1e300]);
  });

  it("accepts ArrayBuffer and Uint8Array buffers", () => {
    const src = new Uint8Array([0, 128, 255, 3]);
    expect(Array.from(decode({ dtype: "uint8", shape: [4], buffer: src.slice().buffer }).data)).toEqual([0, 128, 255, 3]);
    const big = new Uint8Array([9, 9, 0, 128, 255, 3, 9]);
    const sub = big.subarray(2, 6);
    const out = decode({ dtype: "uint8", shape: [2, 2], buffer: sub });
    expect(Array.from(out.data)).toEqual([0, 128, 255, 3]);
  });

  it("accepts numpy dtype strings like <f4", () => {
    const out = decode(encode(new Float32Array([2]), "<f4", [1]));
    expect(out.dtype).toBe("float32");
    expect(out.data[0]).toBe(2);
  });

  it("throws naming expected and actual byte counts on a shape mismatch", () => {
    const enc = encode(new Float32Array(5), "float32", [2, 3]);
    expect(() => decode(enc)).toThrow(/shape \[2, 3\] needs 24 bytes, got 20/);
  });

  it("rejects bad objects with clear messages", () => {
    expect(() => decode(null)).toThrow(/expected an array object/);
    expect(() => decode({ dtype: "complex64", shape: [1], buffer: new ArrayBuffer(8) })).toThrow(/unsupported array dtype/);
    expect(() => decode({ dtype: "constructor", shape: [1], buffer: new ArrayBuffer(8) })).toThrow(/unsupported/);
    expect(() => decode({ dtype: ">f4", shape: [1], buffer: new ArrayBuffer(4) })).toThrow(/big-endian/);
    expect(() => decode({ dtype: "float32", shape: [1.5], buffer: new ArrayBuffer(4) })).toThrow(/non-negative integers/);
    expect(() => decode({ dtype: "float32", shape: [1], buffer: [1, 2, 3, 4] })).toThrow(/DataView/);
  });

  it("handles empty arrays", () => {
    const out = decode({ dtype: "float32", shape: [0, 3], buffer: new DataView(new ArrayBuffer(8), 8, 0) });
    expect(out.data.length).toBe(0);
    expect(out.shape).toEqual([0, 3]);
  });
});

describe("float16", () => {
  const cases: Array<[number, number]> = [
    [0x0000, 0],
    [0x3c00, 1],
    [0xc000, -2],
    [0x7bff, 65504],
    [0x0001, 2 ** -24], // smallest subnormal
    [0x03ff, 1023 * 2 ** -24], // largest subnormal
    [0x0400, 2 ** -14], // smallest normal
    [0x3555, 0.333251953125],
    [0x7c00, Infinity],
    [0xfc00, -Infinity],
  ];

  it.each(cases)("bits %s decode to %s", (bits, value) => {
    expect(halfToFloat(bits)).toBe(value);
  });

  it("keeps the sign of negative zero and decodes NaN", () => {
    expect(Object.is(halfToFloat(0x8000), -0)).toBe(true);
    expect(halfToFloat(0x7e00)).toBeNaN();
    expect(halfToFloat(0xfc01)).toBeNaN();
  });

  it("decodes a float16 array to Float32Array from an odd offset", () => {
    const bits = [...cases.map(([b]) => b), 0x7e00];
    const out = decode(encodeBytes(halfBytes(bits), "float16", [bits.length], 3, 1));
    expect(out.data).toBeInstanceOf(Float32Array);
    expect(out.dtype).toBe("float16");
    cases.forEach(([, v], i) => expect(out.data[i]).toBe(Math.fround(v)));
    expect(out.data[bits.length - 1]).toBeNaN();
  });

  it("validates float16 byte length with itemsize 2", () => {
    expect(itemSize("float16")).toBe(2);
    expect(() => decode(encodeBytes(halfBytes([1, 2, 3]), "float16", [2, 2]))).toThrow(/needs 8 bytes, got 6/);
  });
});

describe("index", () => {
  it("computes row-major flat indices", () => {
    expect(index([3, 4, 5], 0, 0, 0)).toBe(0);
    expect(index([3, 4, 5], 1, 2, 3)).toBe(1 * 20 + 2 * 5 + 3);
    expect(index([3, 4, 5], 2, 3, 4)).toBe(59);
    expect(index([7], 6)).toBe(6);
    expect(index([])).toBe(0);
  });

  it("rejects wrong arity and out-of-range coordinates", () => {
    expect(() => index([3, 4], 1)).toThrow(RangeError);
    expect(() => index([3, 4], 3, 0)).toThrow(/out of range for axis 0/);
    expect(() => index([3, 4], 0, -1)).toThrow(/axis 1/);
  });
});
