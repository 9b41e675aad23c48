// DOM skeleton of the What-if view and its feature rows. Class names and
// data attributes are the contract the browser tests select on; keep them
// stable. Names and labels from the user are only ever set as text.

import { h } from "../lib/dom";
import { formatValue } from "../lib/hover";
import { choices, f32String, fraction, markLeft, nearestIndex, stepAttr } from "./scale";

export interface Ui {
  root: HTMLDivElement;
  reset: HTMLButtonElement;
  sort: HTMLInputElement;
  status: HTMLDivElement;
  error: HTMLDivElement;
  attrHead: HTMLSpanElement;
  methodLine: HTMLDivElement;
  features: HTMLDivElement;
  bars: HTMLDivElement;
  counterfactual: HTMLButtonElement;
  taylor: HTMLDivElement;
  iceTitle: HTMLDivElement;
  ice: HTMLCanvasElement;
  iceReadout: HTMLDivElement;
}

export function buildDom(): Ui {
  const root = h("div", "nnw-whatif");
  const reset = h("button", "nnw-reset", { type: "button", title: "back to the original input" }, "Reset");
  const sort = h("input", "nnw-sort", { type: "checkbox" });
  const sortLabel = h("label", "nnw-sort-label", { title: "order the rows by |attribution|" });
  sortLabel.append(sort, document.createTextNode("sort by |attribution|"));
  const status = h("div", "nnw-status", { "aria-live": "polite" });
  const toolbar = h("div", "nnw-toolbar");
  toolbar.append(reset, sortLabel, status);
  const error = h("div", "nnw-error", { role: "alert", hidden: true });

  const attrHead = h("span", "nnw-head-attr", {}, "attribution");
  const head = h("div", "nnw-features-head", { "aria-hidden": "true" });
  head.append(
    h("span", "", { title: "click a name to see its ICE curve" }, "feature"), h("span", "", {}, ""),
    h("span", "nnw-head-value", {}, "value"), attrHead,
  );
  const features = h("div", "nnw-features", { role: "group", "aria-label": "input features" });
  // which method answered, and whether it is the fast preview of the release answer
  const methodLine = h("div", "nnw-method-line", { "aria-live": "polite" });
  const left = h("div", "nnw-left");
  left.append(methodLine, head, features);

  const bars = h("div", "nnw-bars", { role: "group", "aria-label": "predictions; click to explain a class" });
  const counterfactual = h("button", "nnw-counterfactual", { type: "button", hidden: true });
  const taylor = h("div", "nnw-taylor");
  const iceTitle = h("div", "nnw-section-title", {}, "ICE: click a feature name");
  const ice = h("canvas", "nnw-ice", { width: 0, height: 0, "data-feature": -1 });
  const iceReadout = h("div", "nnw-ice-readout", { "aria-live": "polite" });
  const right = h("div", "nnw-right");
  right.append(
    h("div", "nnw-section-title nnw-bars-title", {}, "prediction · click a class to explain it"), bars, counterfactual,
    h("div", "nnw-section-title", {}, "Taylor check"), taylor,
    iceTitle, ice, iceReadout,
  );

  const body = h("div", "nnw-body");
  body.append(left, right);
  root.append(toolbar, error, body);
  return { root, reset, sort, status, error, attrHead, methodLine, features, bars, counterfactual, taylor, iceTitle, ice, iceReadout };
}

export interface Row {
  row: HTMLDivElement;
  name: HTMLSpanElement;
  input: HTMLInputElement | HTMLSelectElement;
  /** Category values of a select (empty for a range slider). */
  options: number[];
  value: HTMLSpanElement;
  original: HTMLSpanElement;
  mean: HTMLSpanElement;
  attr: HTMLDivElement;
  attrFill: HTMLDivElement;
  attrNum: HTMLSpanElement;
}

export interface RowSpec {
  index: number;
  name: string;
  low: number;
  high: number;
  step: number;
  categorical: boolean;
  /** A categorical column's categories: option k (code k) shows choiceNames[k], as text. */
  choiceNames?: string[];
}

export function buildRow(spec: RowSpec): Row {
  const i = spec.index;
  const row = h("div", "nnw-feature", { "data-feature": i });
  const name = h("span", "nnw-feature-name", {
    role: "button", tabindex: 0, title: `${spec.name}: show its ICE curve`, "data-feature": i,
  }, spec.name);
  const wrap = h("div", spec.categorical ? "nnw-slider-wrap nnw-cat" : "nnw-slider-wrap");
  let input: HTMLInputElement | HTMLSelectElement;
  let options: number[] = [];
  if (spec.categorical) {
    options = choices(spec.low, spec.high, spec.step);
    input = h("select", "nnw-select", { "data-feature": i, "aria-label": spec.name });
    options.forEach((v, k) => input.append(h("option", "", { value: k }, spec.choiceNames?.[v] ?? formatValue(v))));
  } else {
    input = h("input", "nnw-slider", {
      type: "range", "data-feature": i, "aria-label": spec.name,
      min: f32String(spec.low), max: f32String(spec.high), step: stepAttr(spec.step),
    });
  }
  const original = h("span", "nnw-original-mark", { "data-feature": i });
  const mean = h("span", "nnw-mean-mark", { "aria-hidden": "true", hidden: true });
  // Marks first: the slider is stacked above them, so they never take its pointer.
  if (spec.categorical) wrap.append(input, original, mean);
  else wrap.append(mean, original, input);
  const value = h("span", "nnw-value", { "data-feature": i });
  const attr = h("div", "nnw-attr", { "data-feature": i, "data-value": "0" });
  const attrFill = h("div", "nnw-attr-fill");
  const attrNum = h("span", "nnw-attr-num");
  const track = h("div", "nnw-track", { "aria-hidden": "true" });
  track.append(h("div", "nnw-attr-axis"), attrFill);
  attr.append(track, attrNum);
  row.append(name, wrap, value, attr);
  return { row, name, input, options, value, original, mean, attr, attrFill, attrNum };
}

/** Show value v on a row's control (a slider snaps to its step by itself). */
export function setControl(r: Row, v: number): void {
  if (r.input instanceof HTMLSelectElement) {
    const k = nearestIndex(r.options, v);
    if (k >= 0 && r.input.value !== String(k)) r.input.value = String(k);
  } else if (Number.isFinite(v)) {
    const text = f32String(v);
    if (r.input.value !== text) r.input.value = text;
  }
}

/** The value the user picked on a row's control. */
export function readControl(r: Row): number {
  if (r.input instanceof HTMLSelectElement) return r.options[Number(r.input.value)] ?? NaN;
  return Number(r.input.value);
}

/**
 * Place the original-value and mean marks. On a slider they are ticks over
 * the track; on a select the original value is written out instead.
 */
export function placeMarks(r: Row, spec: RowSpec, original: number, mean: number | null): void {
  const text = `original: ${formatValue(original)}`;
  r.original.title = text;
  r.original.dataset.value = String(original);
  if (r.input instanceof HTMLSelectElement) {
    r.original.textContent = `orig ${formatValue(original)}`;
    r.mean.hidden = true;
    return;
  }
  const t = fraction(original, spec.low, spec.high);
  r.original.hidden = t === null;
  if (t !== null) r.original.style.left = markLeft(t);
  const m = mean === null ? null : fraction(mean, spec.low, spec.high);
  r.mean.hidden = m === null;
  if (m !== null) {
    r.mean.style.left = markLeft(m);
    r.mean.title = `reference mean: ${formatValue(mean!)}`;
  }
}
