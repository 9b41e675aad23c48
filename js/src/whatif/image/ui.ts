// DOM skeleton of the image What-if view. Class names and data attributes
// are the contract the browser tests select on; keep them stable. Labels
// from the user are only ever set as text.

import { h } from "../../lib/dom";
import { FILLS, type Fill } from "./brush";
import type { Mode } from "./editor";

export interface ImageUi {
  root: HTMLDivElement;
  reset: HTMLButtonElement;
  opacity: HTMLInputElement;
  status: HTMLDivElement;
  error: HTMLDivElement;
  paint: HTMLButtonElement;
  erase: HTMLButtonElement;
  brush: HTMLInputElement;
  brushValue: HTMLSpanElement;
  fill: HTMLSelectElement;
  patch: HTMLSelectElement;
  occlusion: HTMLInputElement;
  occlusionValue: HTMLSpanElement;
  canvas: HTMLCanvasElement;
  colorbar: HTMLCanvasElement;
  cbarLo: HTMLSpanElement;
  cbarHi: HTMLSpanElement;
  readout: HTMLDivElement;
  attrHead: HTMLDivElement;
  bars: HTMLDivElement;
}

const FILL_TITLES: Record<Fill, string> = {
  zero: "zero",
  mean: "image mean",
  blur: "blurred original",
};

function labelled(text: string, control: HTMLElement, ...rest: HTMLElement[]): HTMLLabelElement {
  const label = h("label", "nnw-control", {}, text);
  label.append(control, ...rest);
  return label;
}

export function buildImageDom(): ImageUi {
  const root = h("div", "nnw-whatif nnw-whatif-image");
  const reset = h("button", "nnw-reset", { type: "button", title: "back to the original image" }, "Reset");
  const opacity = h("input", "nnw-opacity", {
    type: "range", min: 0, max: 1, step: 0.05, "aria-label": "overlay opacity",
  });
  const status = h("div", "nnw-status", { "aria-live": "polite" });
  const toolbar = h("div", "nnw-toolbar");
  toolbar.append(reset, labelled("overlay", opacity), status);
  const error = h("div", "nnw-error", { role: "alert", hidden: true });

  const paint = h("button", "nnw-mode-paint nnw-active", {
    type: "button", "aria-pressed": "true", title: "paint the fill over the image",
  }, "Paint");
  const erase = h("button", "nnw-mode-erase", {
    type: "button", "aria-pressed": "false", title: "erase back to the original image",
  }, "Erase");
  const modes = h("div", "nnw-modes", { role: "group", "aria-label": "brush mode" });
  modes.append(paint, erase);
  const brush = h("input", "nnw-brush", { type: "range", min: 1, max: 1, step: 1, value: 1, "aria-label": "brush size" });
  const brushValue = h("span", "nnw-brush-value");
  const fill = h("select", "nnw-fill", { "aria-label": "fill value" });
  for (const f of FILLS) fill.append(h("option", "", { value: f }, FILL_TITLES[f]));
  const tools = h("div", "nnw-tools");
  tools.append(modes, labelled("brush", brush, brushValue), labelled("fill", fill));

  const patch = h("select", "nnw-patch", { "aria-label": "occlusion patch size" });
  const occlusion = h("input", "nnw-occlusion", {
    type: "range", min: -1, max: -1, step: 1, value: -1, "aria-label": "occlusion patch position",
  });
  const occlusionValue = h("span", "nnw-occlusion-value");
  const occlusionRow = h("div", "nnw-tools nnw-occlusion-row");
  occlusionRow.append(labelled("occlusion patch", patch), labelled("position", occlusion, occlusionValue));

  const canvas = h("canvas", "nnw-canvas", { width: 0, height: 0, "aria-label": "image; drag to paint" });
  const colorbar = h("canvas", "nnw-colorbar", { "aria-hidden": "true" });
  const cbarLo = h("span", "nnw-cbar-lo");
  const cbarHi = h("span", "nnw-cbar-hi");
  const cbar = h("div", "nnw-cbar");
  cbar.append(cbarLo, colorbar, cbarHi);
  const readout = h("div", "nnw-readout", { "aria-live": "polite" });
  const attrHead = h("div", "nnw-section-title nnw-attr-head", {}, "attribution");
  const figure = h("div", "nnw-figure");
  figure.append(attrHead, canvas, cbar, readout);

  const bars = h("div", "nnw-bars", { role: "group", "aria-label": "predictions; click to explain a class" });
  const right = h("div", "nnw-right");
  right.append(h("div", "nnw-section-title nnw-bars-title", {}, "prediction · click a class to explain it"), bars,
    h("div", "nnw-note", {}, "dashed outline: the original image's probability"));

  const body = h("div", "nnw-body");
  body.append(figure, right);
  root.append(toolbar, error, tools, occlusionRow, body);
  return {
    root, reset, opacity, status, error, paint, erase, brush, brushValue, fill, patch, occlusion, occlusionValue,
    canvas, colorbar, cbarLo, cbarHi, readout, attrHead, bars,
  };
}

/** Show which brush mode is on. */
export function showMode(ui: ImageUi, mode: Mode): void {
  for (const [button, m] of [[ui.paint, "paint"], [ui.erase, "erase"]] as const) {
    button.classList.toggle("nnw-active", m === mode);
    button.setAttribute("aria-pressed", m === mode ? "true" : "false");
  }
  ui.root.dataset.mode = mode;
}

/** Offer the patch sizes of this image, keeping `chosen` selected. */
export function setPatchSizes(select: HTMLSelectElement, sizes: readonly number[], chosen: number): void {
  const key = sizes.join(",");
  if (select.dataset.sizes !== key) {
    select.replaceChildren(...sizes.map((s) => h("option", "", { value: s }, `${s}×${s}`)));
    select.dataset.sizes = key;
  }
  select.value = String(chosen);
}
