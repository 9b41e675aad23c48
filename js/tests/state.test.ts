import { describe, expect, it } from "vitest";
import type { AnyModel } from "../src/attribution/model";
import { readState } from "../src/attribution/state";
import { encode } from "./helpers";

function fakeModel(traits: Record<string, unknown>): AnyModel {
  return {
    get: (name) => traits[name],
    set: (name, value) => { traits[name] = value; },
    save_changes: () => {},
    on: () => {},
    off: () => {},
  };
}

function lut(): Uint8Array {
  const out = new Uint8Array(1024);
  for (let i = 0; i < 256; i++) out.set([i, i, i, 255], i * 4);
  return out;
}

function goodTraits(): Record<string, unknown> {
  return {
    _seq: 3,
    _input: encode(new Float32Array(2 * 3 * 3).fill(0.5), "float32", [2, 3, 3], 8),
    _display_range: [0, 1],
    _map: encode(new Float32Array(9).fill(0.1), "float32", [3, 3]),
    _lut: encode(lut(), "uint8", [256, 4], 1),
    _scale: 2,
    _signed: true,
    _probs: encode(new Float32Array([0.7, 0.2, 0.1]), "float32", [3]),
    labels: ["a", "b", "c"],
    predicted: 0,
    target: 1,
    method: "gradient",
    methods: ["gradient", "saliency"],
    method_titles: { gradient: "Gradient" },
    top_k: 2,
    error: "",
  };
}

describe("readState", () => {
  it("reads a complete state", () => {
    const { state, problems } = readState(fakeModel(goodTraits()));
    expect(problems).toEqual([]);
    expect(state).not.toBeNull();
    expect(state!.seq).toBe(3);
    expect([state!.channels, state!.height, state!.width]).toEqual([2, 3, 3]);
    expect(state!.range).toEqual([-2, 2]);
    expect(state!.target).toBe(1);
    expect(state!.topK).toBe(2);
    expect(state!.map[4]).toBeCloseTo(0.1, 6);
  });

  it("uses [0, scale] for unsigned maps", () => {
    const t = goodTraits();
    t._signed = false;
    expect(readState(fakeModel(t)).state!.range).toEqual([0, 2]);
  });

  it("reports missing traits instead of throwing", () => {
    const { state, problems } = readState(fakeModel({}));
    expect(state).toBeNull();
    expect(problems.join("\n")).toMatch(/_input is not set/);
    expect(problems.join("\n")).toMatch(/_map is not set/);
    expect(problems.join("\n")).toMatch(/_scale must be a finite number/);
  });

  it("reports a map that does not match the input size", () => {
    const t = goodTraits();
    t._map = encode(new Float32Array(4), "float32", [2, 2]);
    const { state, problems } = readState(fakeModel(t));
    expect(state).toBeNull();
    expect(problems).toEqual(["_map has shape [2, 2] but the input is 3×3"]);
  });

  it("reports bad buffers, LUTs, scales and targets by trait name", () => {
    const t = goodTraits();
    t._probs = { dtype: "float32", shape: [4], buffer: new DataView(new ArrayBuffer(12)) };
    t._lut = encode(new Uint8Array(512), "uint8", [128, 4]);
    t._scale = 0;
    t._display_range = null;
    const problems = readState(fakeModel(t)).problems.join("\n");
    expect(problems).toMatch(/_probs: .*needs 16 bytes, got 12/);
    expect(problems).toMatch(/_lut must be uint8 of shape \[256, 4\]/);
    expect(problems).toMatch(/_scale must be > 0/);
    expect(problems).toMatch(/_display_range must be \[lo, hi\]/);
  });

  it("rejects a target outside the classes", () => {
    const t = goodTraits();
    t.target = 3;
    expect(readState(fakeModel(t)).problems).toEqual(["target 3 is outside the 3 classes"]);
  });

  it("decodes an unchanged array object only once", () => {
    const t = goodTraits();
    const model = fakeModel(t);
    const a = readState(model).state!;
    const b = readState(model).state!;
    expect(b.input).toBe(a.input);
    t._map = encode(new Float32Array(9).fill(0.2), "float32", [3, 3]);
    expect(readState(model).state!.map).not.toBe(a.map);
  });
});
