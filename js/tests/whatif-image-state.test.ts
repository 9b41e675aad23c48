import { describe, expect, it } from "vitest";
import type { AnyModel } from "../src/lib/model";
import { readImageState } from "../src/whatif/image/state";
import { encode } from "./helpers";

function fakeModel(traits: Record<string, unknown>): AnyModel {
  return { get: (n) => traits[n], set: (n, v) => { traits[n] = v; }, save_changes: () => {}, on: () => {}, off: () => {} };
}

const f32 = (v: number[], shape = [v.length]) => encode(new Float32Array(v), "float32", shape, 4);
const lut = () => encode(new Uint8Array(1024).fill(9), "uint8", [256, 4]);

function goodTraits(): Record<string, unknown> {
  return {
    kind: "image",
    _seq: 3,
    labels: ["zero", "<i>one</i>"],
    _original: f32([0, 1, 2, 3, 4, 5], [1, 2, 3]),
    _current: f32([0, 0, 2, 3, 4, 5], [1, 2, 3]),
    _display_range: [0, 5],
    _map: f32([0.1, -0.2, 0, 0, 0, 0.3], [2, 3]),
    _lut: lut(),
    _scale: 0.3,
    _signed: true,
    _probs: f32([0.25, 0.75]),
    _probs_original: f32([0.5, 0.5]),
    predicted: 1,
    target: 0,
    attribution_method: "gradient",
    method_titles: { gradient: "Gradient" },
    error: "",
  };
}

describe("readImageState", () => {
  it("reads a complete state", () => {
    const { state, problems } = readImageState(fakeModel(goodTraits()));
    expect(problems).toEqual([]);
    const s = state!;
    expect([s.channels, s.height, s.width]).toEqual([1, 2, 3]);
    expect(s.seq).toBe(3);
    expect(Array.from(s.current)).toEqual([0, 0, 2, 3, 4, 5]);
    expect(s.range).toEqual([-0.3, 0.3]);
    expect(s.display).toEqual([0, 5]);
    expect(s.probsOriginal![0]).toBe(0.5);
    expect(s.labels[1]).toBe("<i>one</i>");
    expect(s.method).toBe("gradient");
    expect(s.titles.gradient).toBe("Gradient");
  });

  it("uses [0, s] for unsigned maps", () => {
    const t = goodTraits();
    t._signed = false;
    expect(readImageState(fakeModel(t)).state!.range).toEqual([0, 0.3]);
  });

  it("draws without the ghost when _probs_original is missing or wrong", () => {
    const t = goodTraits();
    delete t._probs_original;
    expect(readImageState(fakeModel(t)).state!.probsOriginal).toBeNull();
    t._probs_original = f32([1, 0, 0]);
    const { state, problems } = readImageState(fakeModel(t));
    expect(state!.probsOriginal).toBeNull();
    expect(problems[0]).toMatch(/_probs_original has 3 values/);
  });

  it("refuses shapes that do not match, naming the trait", () => {
    const t = goodTraits();
    t._map = f32([0, 0, 0, 0], [2, 2]);
    t._current = f32([0, 0, 0], [1, 1, 3]);
    const { state, problems } = readImageState(fakeModel(t));
    expect(state).toBeNull();
    expect(problems.join("\n")).toMatch(/_current has shape \[1, 1, 3\]/);
    expect(problems.join("\n")).toMatch(/_map has shape \[2, 2\]/);
  });

  it("reports missing traits and a bad target", () => {
    const t = goodTraits();
    delete t._lut;
    t._display_range = [0];
    t.target = 5;
    t._scale = 0;
    const { state, problems } = readImageState(fakeModel(t));
    expect(state).toBeNull();
    const all = problems.join("\n");
    expect(all).toMatch(/_lut is not set/);
    expect(all).toMatch(/_display_range must be/);
    expect(all).toMatch(/target 5 is outside the 2 classes/);
    expect(all).toMatch(/_scale must be > 0/);
  });

  it("refuses an empty image", () => {
    const t = goodTraits();
    t._original = f32([], [1, 0, 3]);
    expect(readImageState(fakeModel(t)).problems.join()).toMatch(/_original is empty/);
  });
});
