// The several-input Attribution view's render(): one panel per input of the
// model, an image part as its map over the image, any other part as one bar per
// scalar, each on its own symmetric scale (the parts count different elements
// in different units), with that scale and the part's share of the total
// |attribution| written beside it. Hover reads the numbers already here; a
// method or class change is the only thing sent (`_request`).

import { decode, type Decoded, type Encoded } from "../lib/codec";
import { lutIndex } from "../lib/colormap";
import { h, setText } from "../lib/dom";
import { showErrors, widgetError } from "../lib/errors";
import { cellFromClient, formatValue } from "../lib/hover";
import { baseImage, blend, displayScale, mapRange, markCell, paintScaled } from "../lib/image";
import type { RenderProps } from "../lib/mount";
import { mount } from "../lib/mount";
import { RequestCounter } from "../lib/requests";
import { traits } from "../lib/traits";
import { labelOf, renderBars } from "./bars";
import { PARTS_CSS, PARTS_STYLE_ID } from "./parts_style";

/** One input's answer, as Python's transport/attribution_parts.py sends it. */
export interface PartPayload {
  kind: string;
  map: Encoded;
  input: Encoded;
  range: [number, number];
  scale: number;
  total: number;
  share: number;
}

export interface PartsTraits {
  _seq: number;
  _request: unknown;
  _parts: PartPayload[];
  _probs: Encoded;
  _luts: Record<string, { signed: Encoded; unsigned: Encoded }>;
  kind: string;
  part_names: string[];
  feature_names: string[][];
  labels: string[];
  method: string;
  methods: string[];
  method_titles: Record<string, string>;
  target: number;
  predicted: number;
  index: number;
  output_label: string;
  delta: number | null;
  top_k: number;
  error: string;
}

const ANSWER = [
  "_seq", "_parts", "_probs", "_luts", "part_names", "feature_names", "labels", "method", "methods", "method_titles",
  "target", "predicted", "index", "output_label", "delta", "top_k", "error",
] as const satisfies readonly (keyof PartsTraits)[];

/** Where a bar of `value` lies on a track whose ends are ±scale, zero in the middle (percent of the track). */
export function barGeometry(value: number, scale: number): { left: number; width: number } {
  if (!(scale > 0) || !Number.isFinite(value)) return { left: 50, width: 0 };
  const half = Math.min(1, Math.abs(value) / scale) * 50;
  return value >= 0 ? { left: 50, width: half } : { left: 50 - half, width: half };
}

/** The note under a panel: its own scale, its sum, and its share of all |attribution|. */
export function scaleNote(p: Pick<PartPayload, "scale" | "total" | "share">): string {
  return `own scale ±${formatValue(p.scale)} · Σ ${formatValue(p.total)} · ${(100 * p.share).toFixed(0)}% of |attribution|`;
}

interface Drawn {
  kind: string;
  map: Decoded;
  input: Decoded;
  scale: number;
}

export function render({ model, el }: RenderProps): () => void {
  const t = traits<PartsTraits>(model);
  const root = h("div", "nnw-parts");
  const method = h("select", "nnw-method", { "aria-label": "attribution method" });
  const status = h("span", "nnw-status");
  const head = h("div", "nnw-parts-head");
  head.append(method, status);
  const error = h("div", "nnw-error", { role: "alert" });
  error.hidden = true;
  const panels = h("div", "nnw-part-panels");
  const barsTitle = h("div", "nnw-bars-title");
  const bars = h("div", "nnw-bars");
  const side = h("div", "nnw-side");
  side.append(barsTitle, bars);
  const body = h("div", "nnw-parts-body");
  body.append(panels, side);
  const readout = h("div", "nnw-readout", { "aria-live": "polite" });
  root.append(head, error, body, readout);
  const view = mount(t, el, root, [{ id: PARTS_STYLE_ID, css: PARTS_CSS }]);
  const seqs = new RequestCounter(model);
  let drawn: Drawn[] = [];
  const offscreen = document.createElement("canvas");

  function ask(change: Record<string, unknown>): void {
    root.classList.add("nnw-busy");
    t.send("_request", { seq: seqs.next(), index: t.int("index", 0), method: t.string("method"),
      target: t.int("target", 0), ...change });
  }
  method.addEventListener("change", () => ask({ method: method.value }), view.listen);
  bars.addEventListener("click", (e) => {
    const b = (e.target as HTMLElement).closest<HTMLElement>("button.nnw-bar");
    if (b && b.dataset.class !== undefined) ask({ target: Number(b.dataset.class) });
  }, view.listen);

  function show(part: number, what: Record<string, string>, text: string): void {
    for (const k of Object.keys(readout.dataset)) delete readout.dataset[k];
    Object.assign(readout.dataset, { part: String(part), ...what });
    setText(readout, text);
  }

  function drawImage(i: number, host: HTMLElement, d: Drawn, range: [number, number], lut: Uint8Array): void {
    const [c = 1, height = 1, width = 1] = d.input.shape;
    const canvas = h("canvas", "nnw-part-canvas", { "data-part": i });
    const frame = h("div", "nnw-part-host");
    frame.append(canvas);
    const row = h("div", "nnw-part-image");
    row.append(frame);
    host.append(row);
    const k = displayScale(height, width, 224);
    // The map on its own (on white, so its zero is plain and its colours are the scale's),
    // the picture beside it: a busy photo under the map would hide both.
    const white = new Uint8ClampedArray(width * height * 4).fill(255);
    const [lo, hi] = mapRange(d.scale || 1, true);
    paintScaled(canvas, offscreen, width, height, k, (rgba) => blend(white, d.map.data, lut, lo, hi, 1, rgba));
    canvas.style.width = `${width * k}px`;
    const picture = h("canvas", "nnw-part-picture", { "data-part": i,
      title: `the input, drawn from its min ${formatValue(range[0])} (black) to its max ${formatValue(range[1])}` });
    const small = displayScale(height, width, 112);
    const base = baseImage(d.input.data, [c, height, width], range[0], range[1]);
    paintScaled(picture, document.createElement("canvas"), width, height, small, (rgba) => rgba.set(base));
    picture.style.width = `${width * small}px`;
    row.append(picture);
    canvas.dataset.rendered = String(t.int("_seq", 0));
    canvas.addEventListener("mousemove", (e) => {
      const cell = cellFromClient(e.clientX, e.clientY, canvas.getBoundingClientRect(), width, height);
      markCell(canvas, cell, width, height);
      if (!cell) return;
      const value = d.map.data[cell.row * width + cell.col]!;
      const pixel = Array.from({ length: c }, (_, ch) => d.input.data[(ch * height + cell.row) * width + cell.col]!);
      show(i, { row: String(cell.row), col: String(cell.col), attribution: String(value), input: String(pixel[0]) },
        `${t.strings("part_names")[i] ?? `input ${i}`} · pixel (${cell.row}, ${cell.col}) · attribution ` +
        `${formatValue(value)} (channels summed) · input ${pixel.map(formatValue).join(", ")}`);
    }, view.listen);
    canvas.addEventListener("mouseleave", () => markCell(canvas, null, width, height), view.listen);
  }

  function drawVector(i: number, host: HTMLElement, d: Drawn, lut: Uint8Array): void {
    const names = (t.get("feature_names") ?? [])[i] ?? [];
    const list = h("div", "nnw-vbars", { "data-part": i });
    for (let j = 0; j < d.map.data.length; j++) {
      const value = d.map.data[j]!;
      const name = names[j] ?? `x${j}`;
      const row = h("div", "nnw-vbar", { "data-part": i, "data-feature": j, style: "display: contents" });
      const track = h("div", "nnw-vbar-track", { "data-feature": j });
      const fill = h("div", "nnw-vbar-fill");
      const { left, width } = barGeometry(value, d.scale);
      fill.style.left = `${left}%`;
      fill.style.width = `${width}%`;
      // The palette's two ends, solid: the bar's length carries the magnitude (a pale
      // colour for a small value would hide it), its colour only the sign.
      const end = lutIndex(value >= 0 ? 1 : -1, -1, 1) * 4;
      fill.style.background = `rgb(${lut[end]}, ${lut[end + 1]}, ${lut[end + 2]})`;
      fill.dataset.sign = value >= 0 ? "+" : "-";
      track.append(fill, h("div", "nnw-vbar-zero"));
      row.append(h("span", "nnw-vbar-name", { title: name }, name), track, h("span", "nnw-vbar-value", {}, formatValue(value)));
      track.addEventListener("mousemove", () => {
        show(i, { feature: String(j), attribution: String(value), input: String(d.input.data[j]) },
          `${t.strings("part_names")[i] ?? `input ${i}`} · ${name} = ${formatValue(d.input.data[j]!)} · attribution ${formatValue(value)}`);
      }, view.listen);
      list.append(row);
    }
    host.append(list);
  }

  function draw(): void {
    const seq = t.int("_seq", 0);
    if (seqs.isStale(seq)) return;
    root.dataset.seq = String(seq);
    const pyError = t.string("error");
    showErrors(error, [pyError]);
    if (seqs.pending && seq < seqs.lastSent && pyError === "") return; // our request's answer is on its way
    root.classList.remove("nnw-busy");
    seqs.drew(seq);
    const offered = t.strings("methods");
    const titles = t.titles("method_titles");
    if (method.options.length !== offered.length || offered.some((m, i) => method.options[i]!.value !== m)) {
      method.replaceChildren(...offered.map((m) => h("option", "", { value: m }, titles[m] ?? m)));
    }
    method.value = t.string("method");
    const parts = t.get("_parts") ?? [];
    const lut = decode(t.get("_luts")?.["red-blue"]?.signed).data as Uint8Array;
    const names = t.strings("part_names");
    drawn = parts.map((p) => ({ kind: p.kind, map: decode(p.map), input: decode(p.input), scale: p.scale }));
    panels.replaceChildren();
    drawn.forEach((d, i) => {
      const part = parts[i]!;
      const panel = h("div", "nnw-part", { "data-part": i, "data-kind": d.kind, "data-scale": String(d.scale) });
      panel.append(h("div", "nnw-part-title", {}, names[i] ?? `input ${i}`),
        h("div", "nnw-part-scale", {}, scaleNote(part)));
      if (d.kind === "image") drawImage(i, panel, d, part.range, lut);
      else drawVector(i, panel, d, lut);
      panels.append(panel);
    });
    panels.dataset.rendered = String(seq);
    const probs = decode(t.get("_probs")).data;
    const label = t.string("output_label");
    const target = t.int("target", 0);
    renderBars(bars, { probs, labels: t.strings("labels"), topK: t.int("top_k", 5), target, predicted: t.int("predicted", 0) },
      label.includes("raw") ? formatValue : undefined);
    setText(barsTitle, `${label || "predictions"} · click to explain`);
    const delta = t.get("delta");
    const what = target >= 0 ? labelOf(t.strings("labels"), target) : "the output";
    setText(status, `explaining ${what} with ${titles[t.string("method")] ?? t.string("method")}` +
      (typeof delta === "number" ? ` · IG delta over every input ${formatValue(delta)}` : ""));
  }

  const redraw = view.coalesced(draw, (err) => showErrors(error, [widgetError(err)]));
  view.onChange(ANSWER, () => redraw.schedule());
  try {
    draw();
  } catch (err) {
    showErrors(error, [widgetError(err)]);
  }
  return () => view.cleanup();
}
