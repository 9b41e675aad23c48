// Static DOM skeleton of the attribution view. Class names are the contract
// the browser tests select on; keep them stable.

import { clear, h } from "../lib/dom";
import { nearestZoom, ZOOMS, type Display } from "./display";
import type { AttributionModel } from "./traits";

export interface Ui {
  root: HTMLDivElement;
  method: HTMLSelectElement;
  compare: HTMLDivElement;
  options: HTMLDetailsElement;
  optionsForm: HTMLFormElement;
  palette: HTMLSelectElement;
  opacity: HTMLInputElement;
  threshold: HTMLInputElement;
  top: HTMLInputElement;
  absolute: HTMLInputElement;
  zoom: HTMLSelectElement;
  strip: HTMLDivElement;
  maps: HTMLDivElement;
  colorbar: HTMLCanvasElement;
  cbarLo: HTMLSpanElement;
  cbarHi: HTMLSpanElement;
  bars: HTMLDivElement;
  barsTitle: HTMLDivElement;
  side: HTMLDivElement;
  readout: HTMLDivElement;
  /** the readout again, beside the hovered row or token */
  tip: HTMLDivElement;
  /** a tabular view's waterfall base → f(x) of the main method */
  waterfall: HTMLDivElement;
  trust: HTMLDivElement;
  error: HTMLDivElement;
  notes: HTMLUListElement;
  status: HTMLDivElement;
  progress: HTMLDivElement;
  progressBar: HTMLProgressElement;
  progressLabel: HTMLSpanElement;
  /** a slow method's timed estimate and how to shorten it (Python's sentence) */
  progressNote: HTMLSpanElement;
  cancel: HTMLButtonElement;
}

function labelled(text: string, control: HTMLElement, title?: string): HTMLLabelElement {
  const label = h("label", "", title ? { title } : {}, text);
  label.append(control);
  // a slider says its value (the readout of a range input is otherwise only its knob)
  if (control instanceof HTMLInputElement && control.type === "range") {
    label.append(h("output", "nnw-range-value", { "aria-hidden": "true" }));
  }
  return label;
}

/** The text beside a slider: its value as the user reads it. */
export function rangeText(kind: "opacity" | "threshold" | "top", v: number): string {
  if (kind === "top") return `${Math.round(v)}%`;
  if (kind === "threshold") return `${Math.round(v * 100)}% of scale`;
  return `${Math.round(v * 100)}%`;
}

function showRange(input: HTMLInputElement, text: string): void {
  const out = input.parentElement?.querySelector<HTMLOutputElement>("output.nnw-range-value");
  if (out) out.textContent = text;
}

export function buildDom(): Ui {
  const root = h("div", "nnw-attribution");
  const method = h("select", "nnw-method", { "aria-label": "attribution method" });
  const compare = h("div", "nnw-compare", { role: "group", "aria-label": "compare with" });
  const options = h("details", "nnw-options");
  const optionsForm = h("form", "nnw-options-form");
  options.append(h("summary", "", {}, "options"), optionsForm);
  const toolbar = h("div", "nnw-toolbar");
  toolbar.append(labelled("method", method), compare, options);

  const palette = h("select", "nnw-palette", { "aria-label": "colour palette" });
  const opacity = h("input", "nnw-opacity", { type: "range", min: 0, max: 1, step: 0.05, "aria-label": "overlay opacity" });
  const threshold = h("input", "nnw-threshold", {
    type: "range", min: 0, max: 1, step: 0.01, "aria-label": "hide attributions below this share of the scale",
  });
  const top = h("input", "nnw-top", { type: "range", min: 1, max: 100, step: 1, "aria-label": "show only the top percent" });
  const absolute = h("input", "nnw-absolute", { type: "checkbox", "aria-label": "absolute values" });
  const zoom = h("select", "nnw-zoom", { "aria-label": "zoom" });
  for (const z of ZOOMS) zoom.append(h("option", "", { value: z }, `${z * 100}%`));
  const display = h("div", "nnw-toolbar nnw-display");
  display.append(
    labelled("colours", palette),
    labelled("overlay", opacity),
    labelled("threshold", threshold, "hide |attribution| below this share of the colour scale"),
    labelled("top %", top, "show only the largest attributions"),
    labelled("|abs|", absolute, "show magnitudes on an unsigned scale"),
    labelled("zoom", zoom),
  );

  const error = h("div", "nnw-error", { role: "alert", hidden: true });
  // Why the maps may look as they do (an all-zero map, an under-determined fit): text only.
  const notes = h("ul", "nnw-notes", { role: "status", hidden: true });
  const strip = h("div", "nnw-strip", { role: "group", "aria-label": "examples; click to explain one" });

  const maps = h("div", "nnw-maps");
  const colorbar = h("canvas", "nnw-colorbar", { "aria-hidden": "true" });
  const cbarLo = h("span", "nnw-cbar-lo");
  const cbarHi = h("span", "nnw-cbar-hi");
  const cbar = h("div", "nnw-cbar", { title: "one colour scale shared by every map" });
  cbar.append(cbarLo, colorbar, cbarHi);
  const readout = h("div", "nnw-readout", { "aria-live": "polite" });
  const tip = h("div", "nnw-tip", { "aria-hidden": "true", hidden: true });
  const waterfall = h("div", "nnw-waterfall", { hidden: true });
  const figure = h("div", "nnw-figure");
  figure.append(maps, cbar, readout, waterfall, tip);

  const bars = h("div", "nnw-bars", { role: "group", "aria-label": "predictions; click to explain a class" });
  const barsTitle = h("div", "nnw-side-title", {}, "predictions · click to explain");
  const side = h("div", "nnw-side");
  side.append(barsTitle, bars);

  const body = h("div", "nnw-body");
  body.append(figure, side);
  const trust = h("div", "nnw-trust", { hidden: true });
  const status = h("div", "nnw-status", { "aria-live": "polite" });
  const progress = h("div", "nnw-progress", { hidden: true });
  const progressBar = h("progress", "nnw-progress-bar", { max: 1, value: 0 });
  const progressLabel = h("span", "nnw-progress-label");
  const progressNote = h("span", "nnw-progress-note", { hidden: true });
  const cancel = h("button", "nnw-cancel", { type: "button", title: "stop this computation; the maps shown stay" }, "cancel");
  progress.append(progressBar, progressLabel, progressNote, cancel);
  root.append(toolbar, display, error, notes, progress, strip, body, trust, status);
  return {
    root, method, compare, options, optionsForm, palette, opacity, threshold, top, absolute, zoom, strip, maps,
    colorbar, cbarLo, cbarHi, bars, barsTitle, side, readout, tip, waterfall, trust, error, notes, status, progress, progressBar,
    progressLabel, progressNote, cancel,
  };
}

/**
 * Rebuild the method options only when the choices or titles changed, so an
 * open dropdown is not reset by unrelated redraws; then select the model's
 * current method (added as an option if Python picked one outside the list).
 */
export function syncMethods(select: HTMLSelectElement, t: AttributionModel): void {
  const methods = t.strings("methods");
  const titles = t.titles("method_titles");
  const current = t.string("method");
  if (current && !methods.includes(current)) methods.push(current);
  const slow = new Set(t.strings("slow_methods"));
  const key = JSON.stringify([methods, methods.map((m) => titles[m] ?? m), [...slow]]);
  if (select.dataset.options !== key) {
    clear(select);
    for (const m of methods) {
      select.append(h("option", "", { value: m }, (titles[m] ?? m) + (slow.has(m) ? " (slower)" : "")));
    }
    select.dataset.options = key;
  }
  if (select.value !== current) select.value = current;
  select.disabled = methods.length < 2 || t.get("interactive") === false;
}

/** One checkbox per other method: ticked ones are drawn beside the main map. */
export function syncCompare(box: HTMLDivElement, t: AttributionModel): void {
  const methods = t.strings("methods");
  const titles = t.titles("method_titles");
  const current = t.string("method");
  const shown = new Set(t.strings("shown"));
  const interactive = t.get("interactive") !== false;
  const others = methods.filter((m) => m !== current);
  const key = JSON.stringify([others, others.map((m) => titles[m] ?? m), interactive]);
  if (box.dataset.options !== key) {
    clear(box);
    if (others.length && interactive) box.append(h("span", "nnw-compare-title", {}, "compare:"));
    for (const m of interactive ? others : []) {
      const input = h("input", "nnw-compare-box", { type: "checkbox", "data-method": m });
      const label = h("label", "nnw-compare-item");
      label.append(input, document.createTextNode(titles[m] ?? m));
      box.append(label);
    }
    box.dataset.options = key;
  }
  for (const input of box.querySelectorAll<HTMLInputElement>("input.nnw-compare-box")) {
    input.checked = shown.has(input.dataset.method ?? "");
  }
}

export function syncPalettes(select: HTMLSelectElement, names: string[], current: string): void {
  const key = JSON.stringify(names);
  if (select.dataset.options !== key) {
    clear(select);
    for (const n of names) select.append(h("option", "", { value: n }, n));
    select.dataset.options = key;
  }
  if (names.includes(current) && select.value !== current) select.value = current;
}

/** Show the display settings on their controls (after Python set them). */
export function syncDisplay(ui: Ui, d: Display, palettes: string[]): void {
  syncPalettes(ui.palette, palettes, d.palette);
  ui.opacity.value = String(d.opacity);
  ui.threshold.value = String(d.threshold);
  ui.top.value = String(d.topPercent);
  ui.absolute.checked = d.absolute;
  ui.zoom.value = String(nearestZoom(d.zoom));
  showRanges(ui, d);
}

export function showRanges(ui: Ui, d: Display): void {
  showRange(ui.opacity, rangeText("opacity", d.opacity));
  showRange(ui.threshold, rangeText("threshold", d.threshold));
  showRange(ui.top, rangeText("top", d.topPercent));
}

/** The answer's notes as list items (user-facing text, set as text). */
export function drawNotes(list: HTMLUListElement, notes: readonly string[]): void {
  list.replaceChildren(...notes.map((n) => h("li", "", {}, n)));
  list.hidden = notes.length === 0;
}
