import { describe, expect, it } from "vitest";
import type { AnyModel } from "../src/lib/model";
import { oneSided } from "../src/attribution/draw";
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
    _maps: encode(new Float32Array(18).fill(0.1), "float32", [2, 3, 3]),
    _luts: { "red-blue": { signed: encode(lut(), "uint8", [256, 4], 1), unsigned: encode(lut(), "uint8", [256, 4], 1) } },
    _scale: 2,
    shown: ["gradient", "saliency"],
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
    expect(state!.scale).toBe(2);
    expect(state!.maps.length).toBe(2);
    expect(state!.kind).toBe("image");
    expect(state!.target).toBe(1);
    expect(state!.topK).toBe(2);
    expect(state!.maps[1]![4]).toBeCloseTo(0.1, 6);
    expect([state!.unsigned, state!.complete]).toEqual([[], []]); // unsaid: signed, no completeness
  });

  it("reads which methods are never negative and which sum to f(x) − base", () => {
    const t = { ...goodTraits(), unsigned_methods: ["saliency"], complete_methods: ["integrated_gradients"] };
    const state = readState(fakeModel(t)).state!;
    expect(state.unsigned).toEqual(["saliency"]);
    expect(state.complete).toEqual(["integrated_gradients"]);
    expect(oneSided({ shown: ["saliency"], unsigned: state.unsigned })).toBe(true);
    // a signed map beside it keeps the shared scale signed
    expect(oneSided({ shown: ["saliency", "gradient"], unsigned: state.unsigned })).toBe(false);
    expect(oneSided({ shown: [], unsigned: state.unsigned })).toBe(false);
  });

  it("reads tabular and text states with names", () => {
    const t = goodTraits();
    Object.assign(t, {
      kind: "tabular",
      _input: encode(new Float32Array([1, 2, 3]), "float32", [3]),
      _maps: encode(new Float32Array([1, -2, 3]), "float32", [1, 3]),
      shown: ["gradient"],
      feature_names: ["a", "b", "<img src=x>"],
    });
    const { state, problems } = readState(fakeModel(t));
    expect(problems).toEqual([]);
    expect(state!.width).toBe(3);
    expect(Array.from(state!.maps[0]!)).toEqual([1, -2, 3]);
    t.feature_names = ["a"];
    expect(readState(fakeModel(t)).problems).toEqual(["feature_names has 1 names for 3 features"]);
    Object.assign(t, { kind: "text", tokens: ["[CLS]", "hi", "[SEP]"], _input: encode(new Int32Array([1, 2, 3]), "int32", [3]) });
    expect(readState(fakeModel(t)).problems).toEqual([]);
  });

  it("reads a text's padding flags, and says when they do not fit the tokens", () => {
    const t = goodTraits();
    Object.assign(t, {
      kind: "text", tokens: ["[CLS]", "hi", "[SEP]", "[PAD]"], shown: ["gradient"],
      _input: encode(new Int32Array([101, 7632, 102, 0]), "int32", [4]),
      _maps: encode(new Float32Array([0.1, -0.2, 0.3, 0]), "float32", [1, 4]),
      _padding_flags: encode(new Uint8Array([0, 0, 0, 1]), "uint8", [4]),
    });
    const { state, problems } = readState(fakeModel(t));
    expect(problems).toEqual([]);
    expect(Array.from(state!.padding!)).toEqual([0, 0, 0, 1]);
    t._padding_flags = {};
    expect(readState(fakeModel(t)).state!.padding).toBeNull();
    t._padding_flags = encode(new Uint8Array([0, 1]), "uint8", [2]);
    expect(readState(fakeModel(t)).problems).toEqual(["_padding_flags has 2 flags for 4 token ids"]);
  });

  it("reads the trust panel when Python sent one", () => {
    const t = goodTraits();
    t._trust = {
      methods: ["gradient", "saliency"], ig_delta: 0.01, ig_gap: 2, ig_relative: 0.005,
      rank: encode(new Float32Array([1, 0.5, 0.5, 1]), "float32", [2, 2]),
      randomization: { gradient: 0.3 }, randomized_layers: ["fc"],
      deletion_fractions: encode(new Float32Array([0, 0.5, 1]), "float32", [3]),
      deletion_scores: encode(new Float32Array([1, 0.5, 0.1, 1, 0.7, 0.2]), "float32", [2, 3]),
      deletion_area: { gradient: 0.5 }, summary: { ig: "fine" },
    };
    const trust = readState(fakeModel(t)).state!.trust!;
    expect(trust.igRelative).toBe(0.005);
    expect(Array.from(trust.rank!)).toEqual([1, 0.5, 0.5, 1]);
    expect(trust.deletion!.length).toBe(6);
    expect(trust.summary).toEqual({ ig: "fine" });
  });

  it("reports missing traits instead of throwing", () => {
    const { state, problems } = readState(fakeModel({}));
    expect(state).toBeNull();
    expect(problems.join("\n")).toMatch(/_input is not set/);
    expect(problems.join("\n")).toMatch(/_maps is not set/);
    expect(problems.join("\n")).toMatch(/_scale must be a finite number/);
  });

  it("reports a map that does not match the input size", () => {
    const t = goodTraits();
    t._maps = encode(new Float32Array(8), "float32", [2, 2, 2]);
    const { state, problems } = readState(fakeModel(t));
    expect(state).toBeNull();
    expect(problems).toEqual(["_maps has shape [2, 2, 2] but the input needs [M, 3, 3]"]);
  });

  it("reports bad buffers, LUTs, scales and targets by trait name", () => {
    const t = goodTraits();
    t._probs = { dtype: "float32", shape: [4], buffer: new DataView(new ArrayBuffer(12)) };
    t._luts = { x: { signed: encode(new Uint8Array(512), "uint8", [128, 4]), unsigned: encode(lut(), "uint8", [256, 4], 1) } };
    t._scale = 0;
    t._display_range = null;
    const problems = readState(fakeModel(t)).problems.join("\n");
    expect(problems).toMatch(/_probs: .*needs 16 bytes, got 12/);
    expect(problems).toMatch(/_luts.x.signed must be uint8 of shape \[256, 4\]/);
    expect(problems).toMatch(/_scale must be > 0/);
    expect(problems).toMatch(/_display_range must be \[lo, hi\]/);
  });

  it("rejects a target outside the classes", () => {
    const t = goodTraits();
    t.target = 3;
    expect(readState(fakeModel(t)).problems).toEqual(["target 3 is outside the 3 outputs"]);
  });

  it("decodes an unchanged array object only once", () => {
    const t = goodTraits();
    const model = fakeModel(t);
    const a = readState(model).state!;
    const b = readState(model).state!;
    expect(b.input).toBe(a.input);
    t._maps = encode(new Float32Array(18).fill(0.2), "float32", [2, 3, 3]);
    expect(readState(model).state!.maps[0]).not.toBe(a.maps[0]);
  });
});
