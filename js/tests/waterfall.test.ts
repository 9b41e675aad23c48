import { describe, expect, it } from "vitest";
import { outputAxis, shareOf, stepName, waterfallLayout } from "../src/attribution/waterfall";

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

describe("waterfallLayout", () => {
  const values = [0.5, -2, 0.1, 3, -0.25, 0.05, 0.2, -0.3, 0.4, 0.6, -0.7, 0.15, 0.01];
  const base = -1;
  const fx = base + sum(values);

  it("steps from the base to f(x), largest |attribution| on top, the tail in one step", () => {
    const w = waterfallLayout(values, base, fx, 4);
    expect(w.steps.map((s) => s.kind)).toEqual(["feature", "feature", "feature", "feature", "rest"]);
    expect(w.steps.slice(0, 4).map((s) => s.feature)).toEqual([3, 1, 10, 9]);
    expect(w.steps[4]!.count).toBe(9);
    expect(w.steps[4]!.start).toBe(base); // the bottom step starts at the base
    expect(w.steps[0]!.end).toBe(fx); // the top one ends at f(x)
    for (let i = 0; i + 1 < w.steps.length; i++) expect(w.steps[i]!.start).toBeCloseTo(w.steps[i + 1]!.end, 12);
    expect(sum(w.steps.map((s) => s.value))).toBeCloseTo(fx - base, 12);
    for (const s of w.steps) expect(s.end - s.start).toBeCloseTo(s.value, 12);
    expect(w.gap).toBeCloseTo(0, 12);
  });

  it("shows what the attributions leave of f(x) − base as its own step, never inside a feature", () => {
    const w = waterfallLayout(values, base, fx + 1.5, 4);
    const gap = w.steps[w.steps.length - 1]!;
    expect(gap.kind).toBe("gap");
    expect(gap.value).toBeCloseTo(1.5, 12);
    expect(gap.start).toBe(base);
    expect(sum(w.steps.map((s) => s.value))).toBeCloseTo(fx + 1.5 - base, 12);
    expect(w.steps.filter((s) => s.kind === "feature").map((s) => s.value)).toEqual([3, -2, -0.7, 0.6]);
  });

  it("draws a one-feature tail as the feature itself", () => {
    const w = waterfallLayout([1, 2, 3], 0, 6, 2);
    expect(w.steps.map((s) => s.kind)).toEqual(["feature", "feature", "feature"]);
  });

  it("takes its range from every running total, the base and f(x), padded", () => {
    const w = waterfallLayout([4, -6], 1, -1, 10);
    // whatever the order, the axis holds every running total
    const ends = w.steps.flatMap((s) => [s.start, s.end]);
    expect(w.lo).toBeLessThan(Math.min(...ends, 1, -1));
    expect(w.hi).toBeGreaterThan(Math.max(...ends, 1, -1));
    expect(shareOf(w.lo, w.lo, w.hi)).toBe(0);
    expect(shareOf(w.hi, w.lo, w.hi)).toBe(1);
  });
});

describe("labels", () => {
  it("name the raw output the attributions explain", () => {
    expect(outputAxis("softmax probabilities", "probability", "benign")).toContain("logit of benign");
    expect(outputAxis("raw scores", "score", "price")).toContain("score");
    expect(outputAxis("probabilities", "probability", "cat")).toContain("probability of cat");
  });

  it("say whether a gap is an approximation error or a method without completeness", () => {
    const gap = { kind: "gap" as const, feature: -1, count: 0, value: 1, start: 0, end: 1 };
    expect(stepName(gap, [], true)).toContain("approximation");
    expect(stepName(gap, [], false)).toContain("no completeness");
    expect(stepName(gap, [], false, true)).toBe("not attributed");
    expect(stepName({ ...gap, kind: "rest", count: 7 }, [], true)).toBe("7 other features");
    expect(stepName({ ...gap, kind: "feature", feature: 1 }, ["a", "b"], true)).toBe("b");
  });
});
