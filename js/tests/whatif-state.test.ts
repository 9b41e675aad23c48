import { describe, expect, it } from "vitest";
import type { AnyModel } from "../src/lib/model";
import { barClasses, MAX_BARS } from "../src/whatif/bars";
import { counterfactualApplied, counterfactualText } from "../src/whatif/draw";
import { attributionHeading, readCounterfactual, readState } from "../src/whatif/state";
import { encode } from "./helpers";

function fakeModel(traits: Record<string, unknown>): AnyModel {
  return { get: (n) => traits[n], set: (n, v) => { traits[n] = v; }, save_changes: () => {}, on: () => {}, off: () => {} };
}

const f32 = (v: number[]) => encode(new Float32Array(v), "float32", [v.length], 4);

function goodTraits(): Record<string, unknown> {
  return {
    _seq: 7,
    feature_names: ["age", "<b>bmi</b>"],
    labels: ["no", "yes"],
    _original: f32([30, 22]),
    _current: f32([40, 22]),
    _lows: f32([18, 15]),
    _highs: f32([90, 45]),
    _steps: f32([1, 0.5]),
    _categorical: encode(new Uint8Array([0, 1]), "uint8", [2]),
    _means: f32([]),
    _probs: f32([0.3, 0.7]),
    _probs_original: f32([0.6, 0.4]),
    predicted: 1,
    target: 1,
    _attribution: f32([0.25, -0.05]),
    attribution_method: "input_x_gradient",
    method_titles: { input_x_gradient: "Input × Gradient" },
    _taylor_estimate: f32([-0.2, 0.2]),
    _taylor_actual: f32([-0.3, 0.3]),
    _ice_feature: 0,
    _ice_values: f32([18, 54, 90]),
    _ice_outputs: f32([0.2, 0.6, 0.9]),
    _pdp: f32([]),
    _counterfactual: {},
    error: "",
  };
}

describe("readState", () => {
  it("reads a complete state; empty means and PDP mean 'none'", () => {
    const { state, problems } = readState(fakeModel(goodTraits()));
    expect(problems).toEqual([]);
    const s = state!;
    expect(s.seq).toBe(7);
    expect(s.names).toEqual(["age", "<b>bmi</b>"]);
    expect(Array.from(s.current)).toEqual([40, 22]);
    expect(s.categorical![1]).toBe(1);
    expect(s.means).toBeNull();
    expect(s.pdp).toBeNull();
    expect(s.iceFeature).toBe(0);
    expect(s.taylorActual![1]).toBeCloseTo(0.3, 6);
    expect(s.counterfactual).toBeNull();
  });

  it("names unnamed features and has no ICE before one is chosen", () => {
    const t = goodTraits();
    t.feature_names = ["age"];
    t._ice_feature = -1;
    t._ice_values = f32([]);
    t._ice_outputs = f32([]);
    const s = readState(fakeModel(t)).state!;
    expect(s.names).toEqual(["age", "feature 1"]);
    expect(s.iceFeature).toBe(-1);
    expect(s.iceValues.length).toBe(0);
  });

  it("refuses to draw without the arrays every row needs, naming them", () => {
    const t = goodTraits();
    t._current = f32([1, 2, 3]);
    delete t._attribution;
    const { state, problems } = readState(fakeModel(t));
    expect(state).toBeNull();
    expect(problems).toContain("_current has 3 values, expected 2");
    expect(problems).toContain("_attribution is not set");
  });

  it("reports broken optional parts but still draws the rest", () => {
    const t = goodTraits();
    t._means = f32([1, 2, 3]);
    t._ice_outputs = f32([0.1]);
    t._counterfactual = { feature: 5, value: 1, new_class: 0 };
    const { state, problems } = readState(fakeModel(t));
    expect(state).not.toBeNull();
    expect(state!.iceFeature).toBe(-1);
    expect(problems.join("\n")).toMatch(/_means has 3 values, expected 2 or 0/);
    expect(problems.join("\n")).toMatch(/_ice_outputs has 1 values, expected 3/);
    expect(problems.join("\n")).toMatch(/_counterfactual must name a feature/);
  });

  it("rejects a target outside the classes", () => {
    const t = goodTraits();
    t.target = 2;
    expect(readState(fakeModel(t)).problems).toEqual(["target 2 is outside the 2 classes"]);
    expect(readState(fakeModel(t)).state).toBeNull();
  });
});

describe("counterfactual", () => {
  it("reads the hint and writes the button text from names and labels", () => {
    const cf = readCounterfactual({ feature: 1, value: 27.5, new_class: 0, relative_change: 0.18 }, 2, 2);
    expect(cf).toEqual({ feature: 1, value: 27.5, newClass: 0, relativeChange: 0.18 });
    const s = readState(fakeModel(goodTraits())).state!;
    expect(counterfactualText({ ...s, counterfactual: cf })).toBe("Set <b>bmi</b> to 27.5 → no");
    expect(counterfactualText(s)).toBe("");
    // once the change is applied the button no longer offers it
    const applied = { ...s, counterfactual: cf, current: new Float32Array([40, 27.5]) };
    expect(counterfactualApplied(applied)).toBe(true);
    expect(counterfactualText(applied)).toBe("Applied: <b>bmi</b> to 27.5 → no (Reset to undo)");
    expect(counterfactualApplied({ ...s, counterfactual: cf })).toBe(false);
    expect(readCounterfactual({}, 2, 2)).toBeNull();
    expect(readCounterfactual(null, 2, 2)).toBeNull();
    expect(() => readCounterfactual({ feature: 0, value: 1, new_class: 3 }, 2, 2)).toThrow(/new_class/);
  });
});

describe("prediction bars", () => {
  it("shows every class in class order when there are few", () => {
    expect(barClasses([0.1, 0.7, 0.2], 0, 1)).toEqual([0, 1, 2]);
  });

  it("shows the most probable plus target and prediction when there are many", () => {
    const probs = Array.from({ length: 20 }, (_, i) => i / 100);
    const shown = barClasses(probs, 0, 19);
    expect(shown.length).toBe(MAX_BARS - 1);
    expect(shown[0]).toBe(0); // the target, though improbable
    expect(shown).toContain(19);
    expect(shown).toEqual([...shown].sort((a, b) => a - b));
    expect(shown).not.toContain(5);
  });
});

describe("the attribution heading", () => {
  const base = { titles: { integrated_gradients: "Integrated gradients", input_x_gradient: "Gradient × input" }, labels: ["no", "yes"], target: 1 };
  it("names one method when drag and release answer alike", () => {
    const h = attributionHeading({ ...base, method: "integrated_gradients", releaseMethod: "integrated_gradients" });
    expect(h).toEqual({ text: "attribution: Integrated gradients · yes", preview: false });
  });
  it("labels a drag answer of another method as the fast preview, naming the release method", () => {
    const h = attributionHeading({ ...base, method: "input_x_gradient", releaseMethod: "integrated_gradients" });
    expect(h.preview).toBe(true);
    expect(h.text).toBe("fast preview: Gradient × input · Integrated gradients on release · yes");
  });
});
