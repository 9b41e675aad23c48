import { describe, expect, it } from "vitest";
import type { Row } from "../src/layers/state";
import { initialFolds, reveal, treeOf, visible } from "../src/layers/tree";

const row = (name: string, depth: number, params = 0): Row =>
  ({ name, type: name.endsWith("conv") ? "Conv2d" : "Block", depth, shape: null, params, selectable: true });

// A ResNet-like pre-order: the model, a stem, a stage of two blocks with convs, a head.
const ROWS = [
  row("", 0), row("conv1", 1, 10), row("layer1", 1), row("layer1.0", 2), row("layer1.0.conv", 3, 5),
  row("layer1.1", 2), row("layer1.1.conv", 3, 7), row("fc", 1, 3),
];

describe("layer tree", () => {
  it("finds parents and sums each block's parameters over its subtree", () => {
    const t = treeOf(ROWS);
    expect(Array.from(t.parent)).toEqual([-1, 0, 0, 2, 3, 2, 5, 0]);
    expect(Array.from(t.total)).toEqual([25, 10, 12, 5, 5, 7, 7, 3]);
    expect(Array.from(t.kids)).toEqual([1, 0, 1, 1, 0, 1, 0, 0]);
  });

  it("folds blocks below the top level, reveals the selected layer, and searches through folds", () => {
    const t = treeOf(ROWS);
    expect(initialFolds(ROWS, t).size).toBe(0); // a short list stays open
    const folded = initialFolds(ROWS, t, 0);
    expect([...folded].sort()).toEqual(["layer1", "layer1.0", "layer1.1"]);
    expect(Array.from(visible(ROWS, t, folded, ""))).toEqual([1, 1, 1, 0, 0, 0, 0, 1]);
    reveal(ROWS, t, folded, "layer1.1.conv");
    expect(Array.from(visible(ROWS, t, folded, ""))).toEqual([1, 1, 1, 1, 0, 1, 1, 1]);
    expect(Array.from(visible(ROWS, t, initialFolds(ROWS, t, 0), "0.CONV"))).toEqual([1, 0, 1, 1, 1, 0, 0, 0]);
  });

  it("stays linear on 500 modules", () => {
    const many = [row("", 0)];
    for (let b = 0; b < 100; b++) {
      many.push(row(`b${b}`, 1));
      for (let c = 0; c < 4; c++) many.push(row(`b${b}.c${c}`, 2, 1));
    }
    const t = treeOf(many);
    const start = performance.now();
    for (let k = 0; k < 50; k++) visible(many, t, initialFolds(many, t), k % 2 ? "" : "c3");
    expect(performance.now() - start).toBeLessThan(500);
    expect(t.total[0]).toBe(400);
  });
});
