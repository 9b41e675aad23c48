// The Embedding view's DOM skeleton. Every user string (class and feature
// names, texts, errors) is set with textContent, never as HTML.

import { h } from "../lib/dom";
import { progressRow, type ProgressRow } from "../lib/progress";
import { COLOR_MODES } from "./colors";

export const WIDTH = 560;
export const HEIGHT = 420;

export interface EmbeddingUi {
  root: HTMLDivElement;
  colorBy: HTMLSelectElement;
  neuron: HTMLInputElement;
  projection: HTMLSelectElement;
  reset: HTMLButtonElement;
  stage: HTMLDivElement;
  canvas: HTMLCanvasElement;
  box: HTMLDivElement;
  tip: HTMLDivElement;
  legend: HTMLDivElement;
  status: HTMLDivElement;
  error: HTMLDivElement;
  progress: ProgressRow;
  cancel: HTMLButtonElement;
}

const MODE_TITLES: Record<string, string> = {
  label: "true class", predicted: "predicted class", correct: "correct / wrong", confidence: "confidence",
  neuron: "unit activation",
};

export function buildDom(): EmbeddingUi {
  const root = h("div", "nnw-embedding");
  const bar = h("div", "nnw-toolbar");
  const colorBy = h("select", "nnw-color-by");
  for (const mode of COLOR_MODES) colorBy.appendChild(h("option", "", { value: mode }, MODE_TITLES[mode]));
  const neuron = h("input", "nnw-neuron", { type: "number", min: 0, step: 1, value: 0 });
  const projection = h("select", "nnw-projection");
  const methods: Array<[string, string]> = [["pca", "PCA"], ["tsne", "t-SNE"], ["umap", "UMAP"]];
  for (const [value, title] of methods) {
    projection.appendChild(h("option", "", { value }, title));
  }
  const reset = h("button", "nnw-reset", { type: "button" }, "fit");
  const label = (text: string, input: HTMLElement): HTMLLabelElement => {
    const l = h("label", "", {}, text);
    l.appendChild(input);
    return l;
  };
  bar.append(label("colour", colorBy), label("unit", neuron), label("projection", projection), reset);
  const stage = h("div", "nnw-stage");
  const canvas = h("canvas", "nnw-scatter", { width: WIDTH, height: HEIGHT });
  canvas.style.width = `${WIDTH}px`;
  canvas.style.height = `${HEIGHT}px`;
  const box = h("div", "nnw-box", { hidden: true });
  const tip = h("div", "nnw-tip", { hidden: true });
  stage.append(canvas, box, tip);
  const legend = h("div", "nnw-legend");
  const status = h("div", "nnw-status");
  const error = h("div", "nnw-error", { hidden: true });
  const hint = h("div", "nnw-status", {}, "drag: pan · wheel: zoom · shift+drag: select · click: show in linked views");
  const cancel = h("button", "nnw-cancel", { type: "button", title: "stop this computation" }, "cancel");
  const progress = progressRow(cancel);
  root.append(bar, progress.box, stage, legend, status, hint, error);
  return { root, colorBy, neuron, projection, reset, stage, canvas, box, tip, legend, status, error, progress, cancel };
}
