import { describe, expect, it } from "vitest";
import { chooseBars, labelOf, percent } from "../src/attribution/bars";

describe("chooseBars", () => {
  const probs = new Float32Array([0.05, 0.4, 0.1, 0.3, 0.15]);

  it("returns the top-k classes by probability, descending", () => {
    expect(chooseBars(probs, 3, 1)).toEqual([1, 3, 4]);
    expect(chooseBars(probs, 5, 1)).toEqual([1, 3, 4, 2, 0]);
  });

  it("appends the target when it is not in the top-k", () => {
    expect(chooseBars(probs, 2, 0)).toEqual([1, 3, 0]);
    expect(chooseBars(probs, 2, 3)).toEqual([1, 3]);
    expect(chooseBars(probs, 0, 2)).toEqual([2]);
  });

  it("clamps k and breaks ties by class index", () => {
    expect(chooseBars([0.5, 0.25, 0.25], 10, 0)).toEqual([0, 1, 2]);
    expect(chooseBars([0.25, 0.5, 0.25], 2, 1)).toEqual([1, 0]);
    expect(chooseBars([0.25, 0.5, 0.25], -1, 2)).toEqual([2]);
  });

  it("sorts NaN last and ignores an out-of-range target", () => {
    expect(chooseBars([NaN, 0.1, 0.2], 3, 9)).toEqual([2, 1, 0]);
  });
});

describe("labels and percentages", () => {
  it("formats probabilities as percent with one decimal", () => {
    expect(percent(0.1234)).toBe("12.3%");
    expect(percent(1)).toBe("100.0%");
    expect(percent(0)).toBe("0.0%");
    expect(percent(NaN)).toBe("–");
  });

  it("falls back to a class number when a label is missing", () => {
    expect(labelOf(["cat", "dog"], 1)).toBe("dog");
    expect(labelOf(["cat"], 3)).toBe("class 3");
  });
});
