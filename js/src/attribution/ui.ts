// Static DOM skeleton of the attribution view. Class names are the contract
// the browser tests select on; keep them stable.

import { clear, h } from "../lib/dom";
import type { AnyModel } from "./model";
import { readString, readStrings, readTitles } from "./model";

export interface Ui {
  root: HTMLDivElement;
  method: HTMLSelectElement;
  opacity: HTMLInputElement;
  canvas: HTMLCanvasElement;
  colorbar: HTMLCanvasElement;
  cbarLo: HTMLSpanElement;
  cbarHi: HTMLSpanElement;
  bars: HTMLDivElement;
  readout: HTMLDivElement;
  error: HTMLDivElement;
  status: HTMLDivElement;
}

export function buildDom(): Ui {
  const root = h("div", "nnw-attribution");
  const method = h("select", "nnw-method", { "aria-label": "attribution method" });
  const opacity = h("input", "nnw-opacity", {
    type: "range", min: 0, max: 1, step: 0.05, "aria-label": "overlay opacity",
  });
  const toolbar = h("div", "nnw-toolbar");
  const methodLabel = h("label", "", {}, "method");
  methodLabel.append(method);
  const opacityLabel = h("label", "", {}, "overlay");
  opacityLabel.append(opacity);
  toolbar.append(methodLabel, opacityLabel);

  const error = h("div", "nnw-error", { role: "alert", hidden: true });

  const canvas = h("canvas", "nnw-canvas", { width: 0, height: 0 });
  const colorbar = h("canvas", "nnw-colorbar", { "aria-hidden": "true" });
  const cbarLo = h("span", "nnw-cbar-lo");
  const cbarHi = h("span", "nnw-cbar-hi");
  const cbar = h("div", "nnw-cbar");
  cbar.append(cbarLo, colorbar, cbarHi);
  const readout = h("div", "nnw-readout", { "aria-live": "polite" });
  const figure = h("div", "nnw-figure");
  figure.append(canvas, cbar, readout);

  const bars = h("div", "nnw-bars", { role: "group", "aria-label": "predictions; click to explain a class" });
  const side = h("div", "nnw-side");
  side.append(h("div", "nnw-side-title", {}, "predictions · click to explain"), bars);

  const body = h("div", "nnw-body");
  body.append(figure, side);
  const status = h("div", "nnw-status", { "aria-live": "polite" });
  root.append(toolbar, error, body, status);
  return { root, method, opacity, canvas, colorbar, cbarLo, cbarHi, bars, readout, error, status };
}

/**
 * Rebuild the method options only when the choices or titles changed, so an
 * open dropdown is not reset by unrelated redraws; then select the model's
 * current method (added as an option if Python picked one outside the list).
 */
export function syncMethods(select: HTMLSelectElement, model: AnyModel): void {
  const methods = readStrings(model, "methods");
  const titles = readTitles(model, "method_titles");
  const current = readString(model, "method");
  if (current && !methods.includes(current)) methods.push(current);
  const key = JSON.stringify([methods, methods.map((m) => titles[m] ?? m)]);
  if (select.dataset.options !== key) {
    clear(select);
    for (const m of methods) {
      const option = h("option", "", { value: m }, titles[m] ?? m);
      select.append(option);
    }
    select.dataset.options = key;
  }
  if (select.value !== current) select.value = current;
  select.disabled = methods.length < 2;
}
