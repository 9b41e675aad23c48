// Layers view: the structure table with each layer's health, the selected
// layer's activations as one atlas canvas (hover a neuron: value, gradient,
// layer statistics, all read here from typed arrays), the input with the
// clicked neuron's attribution, its top inputs, and the weights. The only
// thing sent to the kernel is `_request` {seq, layer?, example?, target?,
// neuron?, panel?, sweep?}; Python answers each with one message.

import type { Decoded } from "../lib/codec";
import { drawColorbar } from "../lib/colormap";
import { h, injectStyle, setText } from "../lib/dom";
import { formatValue } from "../lib/hover";
import { attempt, readArray, readInt, readNumber, readString, readStrings, type AnyModel, type Callback } from "../lib/model";
import { coalesced, showErrors, widgetError } from "../lib/view";
import { hitAt, layerStats, layoutFor, paintAtlas, pixelOf, symmetricRange, zoomFor, type Hit, type Layout, type Stats } from "./atlas";
import { readLayerArray } from "./half";
import { blendInPlace, featureBars, imagePixels, putPixels } from "./input";
import { CSS, STYLE_ID } from "./style";

const TRAITS = [
  "_seq", "error", "note", "layer_table", "health_layers", "layer", "example", "n_examples", "labels",
  "feature_names", "tokens", "target", "predicted", "input_kind", "neuron", "neuron_value", "panel", "has_data",
  "sweep_state", "sweep_progress", "stats_source", "top_source", "_input", "_display_range", "_probs", "_act",
  "_grad", "_act_range", "_act_lut", "_grad_norms", "_dead", "_saturated", "_dead_why", "_saturated_why", "_neuron_map", "_map_scale",
  "_map_lut", "_top_indices", "_top_values", "_top_inputs", "_weights", "_wxg", "_weights_lut",
];

interface Row {
  name: string;
  type: string;
  depth: number;
  shape: number[] | null;
  params: number;
  selectable: boolean;
}

function readRows(model: AnyModel): Row[] {
  const v = model.get("layer_table");
  if (!Array.isArray(v)) return [];
  return v.map((r: Record<string, unknown>) => ({
    name: String(r.name ?? ""),
    type: String(r.type ?? ""),
    depth: Number(r.depth ?? 0),
    shape: Array.isArray(r.shape) ? (r.shape as unknown[]).map(Number) : null,
    params: Number(r.params ?? 0),
    selectable: r.selectable === true,
  }));
}

function readPair(model: AnyModel, name: string): [number, number] {
  const v = model.get(name);
  if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === "number")) return [v[0] as number, v[1] as number];
  return [0, 1];
}

function readAny(model: AnyModel, name: string): Decoded | null {
  const raw = model.get(name);
  if (!raw) return null;
  const shape = (raw as { shape?: unknown }).shape;
  return readLayerArray(model, name, Array.isArray(shape) ? shape.length : 1);
}

const pct = (v: number): string => (Number.isFinite(v) ? `${Math.round(v * 1000) / 10}%` : "–");
const shapeText = (s: readonly number[] | null): string => (s ? s.join("×") || "scalar" : "–");

export function renderLayers({ model, el }: { model: AnyModel; el: HTMLElement }): () => void {
  injectStyle(STYLE_ID, CSS, el);
  const root = h("div", "nnw-layers");
  const toolbar = h("div", "nnw-toolbar");
  const exampleInput = h("input", "nnw-example", { type: "number", min: 0, step: 1, value: 0 });
  const targetSelect = h("select", "nnw-target");
  const predicted = h("span", "nnw-predicted");
  const tabAct = h("button", "nnw-tab nnw-tab-activations", { type: "button" }, "activations");
  const tabW = h("button", "nnw-tab nnw-tab-weights", { type: "button" }, "weights");
  const status = h("span", "nnw-status");
  const exLabel = h("label", "", {}, "example ");
  exLabel.appendChild(exampleInput);
  const tLabel = h("label", "", {}, "target ");
  tLabel.appendChild(targetSelect);
  toolbar.append(exLabel, tLabel, predicted, tabAct, tabW, status);
  const error = h("div", "nnw-error");
  error.hidden = true;
  const note = h("div", "nnw-note");

  const body = h("div", "nnw-body");
  const left = h("div", "nnw-left");
  const tableBox = h("div", "nnw-tablebox");
  const table = h("table", "nnw-table");
  const thead = h("thead");
  const headRow = h("tr");
  for (const [t, tip] of [["layer", ""], ["type", ""], ["output", "per example"], ["params", ""],
    ["dead", "units never above 0 (ReLU-like layers only: output ≥ 0 over the data)"],
    ["sat.", "saturated values (sigmoid/tanh)"], ["‖∂y/∂a‖", "gradient norm for the target"]]) {
    headRow.appendChild(h("th", "", tip ? { title: tip } : {}, t));
  }
  thead.appendChild(headRow);
  const tbody = h("tbody");
  table.append(thead, tbody);
  tableBox.appendChild(table);
  const source = h("div", "nnw-source");
  const sourceText = h("span", "nnw-source-text");
  const sweepButton = h("button", "nnw-sweep", { type: "button" }, "scan data set");
  const progress = h("progress", "nnw-progress", { max: 1, value: 0 });
  source.append(sourceText, sweepButton, progress);
  left.append(tableBox, source);

  const main = h("div", "nnw-main");
  const head = h("div", "nnw-head");
  const atlas = h("canvas", "nnw-atlas");
  const cbarRow = h("div", "nnw-source");
  const cbLo = h("span");
  const cbar = h("canvas", "nnw-colorbar");
  cbar.style.width = "160px";
  cbar.style.height = "10px";
  const cbHi = h("span");
  cbarRow.append(cbLo, cbar, cbHi);
  const readout = h("div", "nnw-readout nnw-hint", {}, "hover a neuron; click it for its attribution");
  const stats = h("div", "nnw-stats");
  const weightsBox = h("div", "nnw-weightsbox");
  const wMode = h("select", "nnw-wmode");
  wMode.append(h("option", "", { value: "w" }, "weights"), h("option", "", { value: "g" }, "gradient × weight"));
  const wCanvas = h("canvas", "nnw-wcanvas");
  const wReadout = h("div", "nnw-readout nnw-hint", {}, "hover a weight");
  weightsBox.append(wMode, wCanvas, wReadout);
  const atlasBox = h("div", "nnw-atlasbox");
  const marker = h("div", "nnw-marker");
  marker.hidden = true;
  atlasBox.append(atlas, marker);
  main.append(head, atlasBox, cbarRow, readout, stats, weightsBox);

  const side = h("div", "nnw-side");
  const inputTitle = h("div", "nnw-head", {}, "input");
  const inputCanvas = h("canvas", "nnw-input");
  const featBox = h("div", "nnw-features");
  const tokBox = h("div", "nnw-tokens", { hidden: true });
  const neuronText = h("div", "nnw-neuron");
  const topTitle = h("div", "nnw-head nnw-top-title");
  const tops = h("div", "nnw-tops");
  side.append(inputTitle, inputCanvas, featBox, tokBox, neuronText, topTitle, tops);
  body.append(left, main, side);
  root.append(toolbar, error, note, body);
  el.appendChild(root);

  // -- state -------------------------------------------------------------------
  let lastSent = -Infinity;
  let drawnSeq = -Infinity;
  let layout: Layout | null = null;
  let act: Decoded | null = null;
  let grad: Decoded | null = null;
  let stat: Stats | null = null;
  let wLayout: Layout | null = null;
  let weights: Decoded | null = null;
  let wxg: Decoded | null = null;
  let rowsKey = "";
  let rowEls = new Map<string, HTMLTableRowElement>();
  const statsCache = new WeakMap<object, Stats>();

  function busy(): void {
    root.classList.toggle("nnw-busy", lastSent > drawnSeq);
  }

  function send(fields: Record<string, unknown>): void {
    const known = Math.max(readNumber(model, "_seq", 0), lastSent, drawnSeq, 0);
    lastSent = known + 1;
    model.set("_request", { seq: lastSent, ...fields });
    model.save_changes();
    busy();
  }

  // No target: Python keeps the one shown, or follows each example's prediction
  // until the user picks a class in the menu.
  const current = (): Record<string, unknown> => ({
    layer: readString(model, "layer"), example: readInt(model, "example", 0),
    panel: readString(model, "panel", "activations"),
  });
  const currentNeuron = (): number[] | null => {
    const n = model.get("neuron");
    return Array.isArray(n) && n.length ? n.map(Number) : null;
  };

  // -- drawing -------------------------------------------------------------------
  function buildRows(rows: Row[]): void {
    const key = JSON.stringify(rows.map((r) => [r.name, r.type, r.shape, r.params, r.selectable]));
    if (key === rowsKey) return;
    rowsKey = key;
    rowEls = new Map();
    tbody.replaceChildren(...rows.map((r) => {
      const tr = h("tr", r.selectable ? "nnw-row" : "nnw-row nnw-fixed", { "data-layer": r.name });
      const name = h("td", "nnw-lname", {}, r.name || "(model)");
      name.style.paddingLeft = `${6 + 12 * Math.max(0, r.depth - 1)}px`;
      tr.append(name, h("td", "", {}, r.type), h("td", "", {}, shapeText(r.shape)),
        h("td", "nnw-num", {}, r.params.toLocaleString("en-US")),
        h("td", "nnw-num nnw-dead"), h("td", "nnw-num nnw-satc"), h("td", "nnw-gnorm"));
      if (r.selectable) rowEls.set(r.name, tr);
      return tr;
    }));
  }

  function drawHealth(): void {
    const names = readStrings(model, "health_layers");
    const norms = readAny(model, "_grad_norms")?.data;
    const dead = readAny(model, "_dead")?.data;
    const sat = readAny(model, "_saturated")?.data;
    const deadWhy = readStrings(model, "_dead_why");
    const satWhy = readStrings(model, "_saturated_why");
    let lo = Infinity;
    let hi = -Infinity;
    names.forEach((_, i) => {
      const v = norms?.[i] ?? 0;
      if (v > 0) { lo = Math.min(lo, Math.log10(v)); hi = Math.max(hi, Math.log10(v)); }
    });
    names.forEach((name, i) => {
      const tr = rowEls.get(name);
      if (!tr) return;
      const d = dead?.[i] ?? NaN;
      const s = sat?.[i] ?? NaN;
      const g = norms?.[i] ?? NaN;
      const dc = tr.querySelector(".nnw-dead") as HTMLElement;
      setText(dc, pct(d));
      dc.dataset.value = String(d);
      dc.classList.toggle("nnw-bad", d > 0.25);
      // "–" with the reason: a signed output never above 0 is not a dead unit.
      dc.title = Number.isFinite(d) ? `${pct(d)} of units never above 0` : deadWhy[i] || "not applicable";
      const sc = tr.querySelector(".nnw-satc") as HTMLElement;
      setText(sc, pct(s));
      sc.title = Number.isFinite(s) ? `${pct(s)} of values near the limits` : satWhy[i] || "not applicable";
      sc.classList.toggle("nnw-sat", s > 0.1);
      const gc = tr.querySelector(".nnw-gnorm") as HTMLElement;
      gc.dataset.value = String(g);
      const cell = h("span", "nnw-gcell");
      const bar = h("span", "nnw-gbar");
      // log scale across the layers: vanishing and exploding stand out
      const t = g > 0 && hi > lo ? (Math.log10(g) - lo) / (hi - lo) : g > 0 ? 1 : 0;
      bar.style.width = `${Math.round(4 + 56 * t)}px`;
      if (g > 0 && g < 1e-4) bar.classList.add("nnw-low");
      if (g > 1e3) bar.classList.add("nnw-high");
      cell.append(bar, h("span", "", {}, formatValue(g)));
      gc.replaceChildren(cell);
    });
    const layer = readString(model, "layer");
    for (const [name, tr] of rowEls) tr.classList.toggle("nnw-selected", name === layer);
    const hasData = model.get("has_data") === true;
    const state = readString(model, "sweep_state");
    setText(sourceText, `dead / saturated over the ${readString(model, "stats_source")}`);
    sweepButton.hidden = !hasData || state === "done";
    sweepButton.disabled = state === "running";
    progress.hidden = state !== "running";
    const done = readNumber(model, "sweep_progress", 0);
    // below 0: the data's length is unknown, so the bar is indeterminate
    if (done < 0) progress.removeAttribute("value");
    else progress.value = done;
  }

  function drawAtlas(): void {
    // the draw time counts the decode of both stacks (float16 for big layers) too
    const t0 = performance.now();
    act = readAny(model, "_act");
    grad = readAny(model, "_grad");
    const lut = readArray(model, "_act_lut", 2).data;
    const [lo, hi] = readPair(model, "_act_range");
    if (!act) return;
    layout = layoutFor(act.shape);
    const ctx = atlas.getContext("2d");
    atlas.width = layout.width;
    atlas.height = layout.height;
    if (ctx) {
      const img = ctx.createImageData(layout.width, layout.height);
      paintAtlas(act.data, layout, lut, lo, hi, img.data);
      ctx.putImageData(img, 0, 0);
    }
    const ms = performance.now() - t0;
    const zoom = zoomFor(layout);
    atlas.style.width = `${layout.width * zoom}px`;
    // a strip of a few rows gets some height to hover on
    atlas.style.height = layout.height * zoom < 24 ? "24px" : "";
    atlas.dataset.drawMs = ms.toFixed(2);
    atlas.dataset.rendered = `${readString(model, "layer")}|${drawnSeq}`;
    placeMarker();
    let s = statsCache.get(act.data);
    if (!s) { s = layerStats(act.data); statsCache.set(act.data, s); }
    stat = s;
    drawColorbar(cbar, lut);
    setText(cbLo, formatValue(lo));
    setText(cbHi, formatValue(hi));
    setText(stats, `layer: mean ${formatValue(s.mean)} · max ${formatValue(s.max)} · zeros ${pct(s.zeros)}`);
    stats.dataset.mean = String(s.mean);
    stats.dataset.max = String(s.max);
    stats.dataset.zeros = String(s.zeros);
    const row = readRows(model).find((r) => r.name === readString(model, "layer"));
    setText(head, `${readString(model, "layer")} · ${row?.type ?? ""} · ${shapeText(act.shape)}`);
  }

  /** Outline the clicked neuron; percentages follow the canvas's CSS size. */
  function placeMarker(): void {
    const neuron = currentNeuron();
    marker.hidden = true;
    if (!neuron || !layout || neuron.length !== Math.max(1, layout.shape.length)) return;
    let flat = 0;
    for (let d = 0; d < neuron.length; d++) flat = flat * (layout.shape[d] ?? 1) + neuron[d]!;
    const [x, y] = pixelOf(layout, flat);
    marker.style.left = `${(100 * x) / layout.width}%`;
    marker.style.top = `${(100 * y) / layout.height}%`;
    marker.style.width = `${100 / layout.width}%`;
    marker.style.height = `${100 / layout.height}%`;
    marker.hidden = false;
  }

  function drawWeights(): void {
    const show = readString(model, "panel") === "weights";
    tabAct.classList.toggle("nnw-on", !show);
    tabW.classList.toggle("nnw-on", show);
    weights = readAny(model, "_weights");
    wxg = readAny(model, "_wxg");
    weightsBox.hidden = !show || !weights || weights.data.length === 0;
    if (weightsBox.hidden || !weights) return;
    const arr = wMode.value === "g" && wxg ? wxg : weights;
    wLayout = layoutFor(arr.shape);
    const [lo, hi] = symmetricRange(arr.data);
    const lut = readArray(model, "_weights_lut", 2).data;
    wCanvas.width = wLayout.width;
    wCanvas.height = wLayout.height;
    const ctx = wCanvas.getContext("2d");
    if (ctx) {
      const img = ctx.createImageData(wLayout.width, wLayout.height);
      paintAtlas(arr.data, wLayout, lut, lo, hi, img.data);
      ctx.putImageData(img, 0, 0);
    }
    wCanvas.style.width = `${wLayout.width * zoomFor(wLayout, 560, 12)}px`;
    wCanvas.dataset.rendered = `${readString(model, "layer")}|${wMode.value}`;
  }

  function drawInput(): void {
    const kind = readString(model, "input_kind");
    const input = readAny(model, "_input");
    const map = readAny(model, "_neuron_map");
    const hasMap = !!map && map.data.length > 0;
    inputCanvas.hidden = kind !== "image";
    featBox.hidden = kind !== "features";
    if (kind === "features" && !hasMap) {
      featBox.replaceChildren(h("div", "nnw-hint", {}, "click a neuron to see its attribution to each feature"));
    }
    // Token ids: the tokens as text (user strings: textContent only), or the ids.
    const tokens = readStrings(model, "tokens");
    tokBox.hidden = kind !== "tokens" || !input;
    if (kind === "tokens" && input) {
      const words = tokens.length === input.data.length ? tokens : Array.from(input.data, (v) => String(v));
      tokBox.replaceChildren(...words.map((w, i) => h("span", "nnw-token", { "data-token": i }, w)));
    }
    const neuron = currentNeuron();
    if (kind === "image" && input && input.shape.length === 3) {
      const [lo, hi] = readPair(model, "_display_range");
      const px = imagePixels(input.data, input.shape, lo, hi);
      if (hasMap && map) {
        const s = readNumber(model, "_map_scale", 1);
        blendInPlace(px, map.data, readArray(model, "_map_lut", 2).data, -s, s);
      }
      putPixels(inputCanvas, px, input.shape[2]!, input.shape[1]!);
      inputCanvas.style.width = `${Math.max(1, Math.floor(220 / input.shape[2]!)) * input.shape[2]!}px`;
      inputCanvas.dataset.rendered = hasMap ? `neuron ${neuron?.join(",")}|${drawnSeq}` : `input|${drawnSeq}`;
    }
    if (kind === "features" && hasMap && map) featureBars(featBox, map.data, readStrings(model, "feature_names"));
    if (neuron) {
      const method = readString(model, "neuron_method").replace(/_/g, " ");
      setText(inputTitle, `input · ${method} of neuron [${neuron.join(", ")}]`);
      setText(neuronText, `neuron [${neuron.join(", ")}] = ${formatValue(readNumber(model, "neuron_value", 0))}`);
      neuronText.dataset.value = String(readNumber(model, "neuron_value", 0));
    } else {
      setText(inputTitle, "input");
      setText(neuronText, "");
    }
    drawTops(kind);
  }

  function drawTops(kind: string): void {
    const idx = readAny(model, "_top_indices");
    const vals = readAny(model, "_top_values");
    const ins = readAny(model, "_top_inputs");
    if (!idx || idx.data.length === 0 || !vals) {
      setText(topTitle, "");
      tops.replaceChildren();
      return;
    }
    const src = readString(model, "top_source");
    setText(topTitle, `inputs that excite this unit most (${src})`);
    const [lo, hi] = readPair(model, "_display_range");
    const items: HTMLElement[] = [];
    for (let i = 0; i < idx.data.length; i++) {
      const item = h("div", "nnw-top", { "data-index": idx.data[i]!, "data-value": String(vals.data[i]) });
      if (kind === "image" && ins && ins.shape.length === 4) {
        const [, c, hh, w] = ins.shape as [number, number, number, number];
        const per = c * hh * w;
        const c1 = h("canvas", "nnw-thumb");
        putPixels(c1, imagePixels(ins.data.subarray(i * per, (i + 1) * per), [c, hh, w], lo, hi), w, hh);
        c1.style.width = `${Math.max(1, Math.floor(56 / w)) * w}px`;
        item.appendChild(c1);
      }
      item.appendChild(h("span", "", {}, `#${idx.data[i]} · ${formatValue(vals.data[i]!)}`));
      items.push(item);
    }
    tops.replaceChildren(...items);
  }

  function drawToolbar(): void {
    const n = readInt(model, "n_examples", 1);
    exampleInput.max = String(n - 1);
    if (document.activeElement !== exampleInput) exampleInput.value = String(readInt(model, "example", 0));
    const labels = readStrings(model, "labels");
    if (targetSelect.options.length !== labels.length) {
      targetSelect.replaceChildren(...labels.map((l, i) => h("option", "", { value: i }, l)));
    }
    const target = readInt(model, "target", 0);
    targetSelect.value = String(target);
    const probs = readAny(model, "_probs")?.data;
    const p = readInt(model, "predicted", 0);
    setText(predicted, `predicted: ${labels[p] ?? p}${probs && probs.length > 1 ? ` (${pct(probs[p]!)})` : ""}`);
    setText(note, readString(model, "note"));
    note.hidden = readString(model, "note") === "";
  }

  function refresh(): void {
    const seq = readNumber(model, "_seq", 0);
    if (seq < drawnSeq) return; // an answer overtaken by one already drawn
    drawnSeq = seq;
    root.dataset.seq = String(seq);
    const problems: string[] = [];
    attempt(problems, () => buildRows(readRows(model)));
    attempt(problems, drawToolbar);
    attempt(problems, drawHealth);
    attempt(problems, drawAtlas);
    attempt(problems, drawWeights);
    attempt(problems, drawInput);
    showErrors(error, [readString(model, "error"), ...problems.map((p) => `cannot draw: ${p}`)]);
    busy();
  }

  const redraws = coalesced(refresh, (err) => showErrors(error, [readString(model, "error"), widgetError(err)]));
  const handlers: Array<[string, Callback]> = [];
  for (const name of TRAITS) {
    const cb = (): void => redraws.schedule();
    model.on(`change:${name}`, cb);
    handlers.push([`change:${name}`, cb]);
  }

  // -- hover and clicks --------------------------------------------------------------
  function hit(canvas: HTMLCanvasElement, lay: Layout | null, e: PointerEvent | MouseEvent): Hit | null {
    if (!lay) return null;
    const box = canvas.getBoundingClientRect();
    if (!(box.width > 0 && box.height > 0)) return null;
    return hitAt(lay, ((e.clientX - box.left) / box.width) * lay.width, ((e.clientY - box.top) / box.height) * lay.height);
  }

  const abort = new AbortController();
  const on = { signal: abort.signal };
  atlas.addEventListener("pointermove", (e) => {
    const found = hit(atlas, layout, e);
    if (!found || !act) {
      readout.classList.add("nnw-hint");
      setText(readout, "hover a neuron; click it for its attribution");
      return;
    }
    const v = act.data[found.flat]!;
    const g = grad ? grad.data[found.flat]! : NaN;
    const labels = readStrings(model, "labels");
    const target = labels[readInt(model, "target", 0)] ?? "";
    readout.classList.remove("nnw-hint");
    readout.dataset.neuron = found.index.join(",");
    readout.dataset.value = String(v);
    readout.dataset.grad = String(g);
    const s = stat;
    // A sequence layer (T, D): name the token of the hovered row when tokens are known.
    const toks = readStrings(model, "tokens");
    const tok = found.index.length === 2 && toks.length === layout?.shape[0] ? toks[found.index[0]!] : undefined;
    if (tok !== undefined) readout.dataset.token = tok;
    else delete readout.dataset.token;
    setText(readout, `[${found.index.join(", ")}]${tok !== undefined ? ` token “${tok}”` : ""}` +
      ` activation ${formatValue(v)} · ∂${target}/∂a ${formatValue(g)}` +
      (s ? ` · layer mean ${formatValue(s.mean)}, max ${formatValue(s.max)}, zeros ${pct(s.zeros)}` : ""));
  }, on);
  atlas.addEventListener("pointerleave", () => {
    readout.classList.add("nnw-hint");
    setText(readout, "hover a neuron; click it for its attribution");
  }, on);
  atlas.addEventListener("click", (e) => {
    const found = hit(atlas, layout, e);
    if (found) send({ ...current(), neuron: found.index });
  }, on);
  wCanvas.addEventListener("pointermove", (e) => {
    const found = hit(wCanvas, wLayout, e);
    if (!found || !weights) return;
    wReadout.classList.remove("nnw-hint");
    const g = wxg ? wxg.data[found.flat]! : NaN;
    wReadout.dataset.value = String(weights.data[found.flat]);
    setText(wReadout, `w[${found.index.join(", ")}] = ${formatValue(weights.data[found.flat]!)} · gradient × weight ${formatValue(g)}`);
  }, on);
  wMode.addEventListener("change", () => attempt([], drawWeights), on);
  tbody.addEventListener("click", (e) => {
    const tr = (e.target as HTMLElement).closest("tr.nnw-row:not(.nnw-fixed)") as HTMLElement | null;
    const name = tr?.dataset.layer;
    if (name !== undefined) send({ ...current(), layer: name, neuron: null });
  }, on);
  // `input` (not only `change`, which needs Enter or blur: JupyterLab's notebook
  // shortcuts may take the Enter key) so arrows and typing pick the example at once.
  let pickTimer: ReturnType<typeof setTimeout> | undefined;
  let askedExample = -1;
  const pickExample = (): void => {
    clearTimeout(pickTimer);
    if (exampleInput.value.trim() === "") return;
    const n = readInt(model, "n_examples", 1);
    const v = Math.min(n - 1, Math.max(0, Math.round(Number(exampleInput.value) || 0)));
    const shown = lastSent > drawnSeq ? askedExample : readInt(model, "example", 0);
    if (v === shown) return; // input and change events of one edit: one request
    askedExample = v;
    send({ ...current(), example: v, neuron: currentNeuron() });
  };
  exampleInput.addEventListener("input", () => {
    clearTimeout(pickTimer);
    pickTimer = setTimeout(pickExample, 120);
  }, on);
  exampleInput.addEventListener("change", pickExample, on);
  exampleInput.addEventListener("keydown", (e) => e.stopPropagation(), on);
  targetSelect.addEventListener("change", () => send({ ...current(), target: Number(targetSelect.value), neuron: currentNeuron() }), on);
  tabAct.addEventListener("click", () => send({ ...current(), panel: "activations", neuron: currentNeuron() }), on);
  tabW.addEventListener("click", () => send({ ...current(), panel: "weights", neuron: currentNeuron() }), on);
  sweepButton.addEventListener("click", () => send({ ...current(), neuron: currentNeuron(), sweep: true }), on);

  refresh();
  return () => {
    redraws.dispose();
    abort.abort();
    clearTimeout(pickTimer);
    for (const [event, cb] of handlers) model.off(event, cb);
  };
}
