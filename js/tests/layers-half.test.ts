import { describe, expect, it } from "vitest";
import { decode, halfToFloat } from "../src/lib/codec";
import { TraitError, type AnyModel } from "../src/lib/model";
import { decodeHalf, halfTable, readLayerArray } from "../src/layers/half";
import { encode, encodeBytes, halfBytes } from "./helpers";

const fakeModel = (traits: Record<string, unknown>): AnyModel => ({
  get: (n) => traits[n], set: () => {}, save_changes: () => {}, on: () => {}, off: () => {},
});

const ALL = Array.from({ length: 65536 }, (_, i) => i);

describe("halfTable", () => {
  it("holds exactly what the shared decoder gives for all 65536 bit patterns", () => {
    const t = halfTable();
    expect(t.length).toBe(65536);
    for (const bits of ALL) {
      const want = halfToFloat(bits);
      if (Number.isNaN(want)) expect(Number.isNaN(t[bits]!)).toBe(true);
      else expect(Object.is(t[bits], Math.fround(want)) && t[bits] === want).toBe(true);  // -0 stays -0
    }
    expect(halfTable()).toBe(t);  // built once
  });
});

describe("decodeHalf and readLayerArray", () => {
  it("equal lib's decode at any byte offset, including odd ones", () => {
    const bytes = halfBytes(ALL);
    for (const offset of [0, 1, 2, 7]) {
      const enc = encodeBytes(bytes, "float16", [256, 256], offset, 3);
      const ref = decode(enc);
      const got = readLayerArray(fakeModel({ a: enc }), "a", 2);
      expect(got.shape).toEqual([256, 256]);
      expect(got.dtype).toBe("float16");
      expect(got.data).toBeInstanceOf(Float32Array);
      expect(Array.from(got.data)).toEqual(Array.from(ref.data));  // NaN equals NaN here
      const view = enc.buffer as DataView;
      expect(Array.from(decodeHalf(view.buffer as ArrayBuffer, view.byteOffset, 65536))).toEqual(Array.from(ref.data));
    }
  });

  it("decodes an unchanged trait value once, and hands other dtypes and bad arrays to readArray", () => {
    const enc = encodeBytes(halfBytes([0x3c00, 0xc000, 0x7bff]), "<f2", [3]);
    const model = fakeModel({ a: enc, f: encode(new Float32Array([1.5, -2]), "float32", [2]), bad: { ...enc, shape: [4] } });
    const first = readLayerArray(model, "a", 1);
    expect(Array.from(first.data)).toEqual([1, -2, 65504]);
    expect(readLayerArray(model, "a", 1)).toBe(first);
    expect(Array.from(readLayerArray(model, "f", 1).data)).toEqual([1.5, -2]);
    expect(() => readLayerArray(model, "bad", 1)).toThrow(TraitError);
    expect(() => readLayerArray(model, "bad", 1)).toThrow(/bad: .*needs 8 bytes, got 6/);
    expect(() => readLayerArray(model, "a", 2)).toThrow(/a must have 2 dimensions/);
  });
});
