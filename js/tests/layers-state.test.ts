import { describe, expect, it } from "vitest";
import { traits } from "../src/lib/traits";
import { readHealth, readNeuron, readPair, readRows, readToolbar, readWeights } from "../src/layers/state";
import type { LayersTraits } from "../src/layers/traits";
import { encode, fakeModel } from "./helpers";

const model = (values: Record<string, unknown>) => traits<LayersTraits>(fakeModel(values).model);

describe("Layers state", () => {
  it("reads the structure table defensively", () => {
    const t = model({ layer_table: [{ name: "fc1", type: "Linear", depth: 1, shape: [10], params: 110, selectable: true }, {}] });
    expect(readRows(t)).toEqual([
      { name: "fc1", type: "Linear", depth: 1, shape: [10], params: 110, selectable: true },
      { name: "", type: "", depth: 0, shape: null, params: 0, selectable: false },
    ]);
    expect(readRows(model({ layer_table: "nope" }))).toEqual([]);
  });

  it("reads a range as [lo, hi], else [0, 1]", () => {
    expect(readPair(model({ _act_range: [-2, 3] }), "_act_range")).toEqual([-2, 3]);
    expect(readPair(model({ _act_range: [1, "x"] }), "_act_range")).toEqual([0, 1]);
    expect(readPair(model({}), "_display_range")).toEqual([0, 1]);
  });

  it("reads the clicked neuron, or null for none", () => {
    expect(readNeuron(model({ neuron: [1, 2] }))).toEqual([1, 2]);
    expect(readNeuron(model({ neuron: [] }))).toBeNull();
    expect(readNeuron(model({ neuron: null }))).toBeNull();
  });

  it("reads the toolbar and health with their fallbacks, arrays of any rank", () => {
    const probs = encode(new Float32Array([0.25, 0.75]), "float32", [2]);
    expect(readToolbar(model({ labels: ["a", "b"], _probs: probs, predicted: 1 }))).toMatchObject({
      examples: 1, example: 0, labels: ["a", "b"], target: 0, predicted: 1, note: "",
    });
    expect(Array.from(readToolbar(model({ _probs: probs })).probs!)).toEqual([0.25, 0.75]);
    const h = readHealth(model({ health_layers: ["fc1"], has_data: true, sweep_progress: -1 }));
    expect(h).toMatchObject({ names: ["fc1"], hasData: true, sweepProgress: -1, norms: undefined });
  });

  it("reads the weights' colour table only when asked, so a hidden panel needs none", () => {
    const w = readWeights(model({ panel: "activations" }));
    expect(w.shown).toBe(false);
    expect(w.weights).toBeNull();
    expect(() => w.lut()).toThrow(/_weights_lut is not set/);
  });
});
