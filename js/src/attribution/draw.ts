// Painting one answer: the maps (what the display settings change, redrawn
// locally without the kernel), then the prediction bars, the batch strip, the
// trust panel, the options form and the status line.

import type { Decoded } from "../lib/codec";
import { drawColorbar } from "../lib/colormap";
import { setText } from "../lib/dom";
import { formatValue } from "../lib/hover";
import { clamp01, finiteOr } from "../lib/numbers";
import { baseImage } from "../lib/image";
import { labelOf, renderBars } from "./bars";
import { lutFor, type Display } from "./display";
import { FEATURE_ROWS, keptCells, maskMap, orderByMagnitude, rangeOf, visibleRows } from "./mask";
import { renderOptions } from "./options";
import { panelScales, renderScaleNote } from "./scale";
import { paintImage, renderTabular, renderText, syncPanels, type Panel } from "./panels";
import { titleOf, type DrawState, type OptionSpec } from "./state";
import { renderStrip } from "./strip";
import type { Options, Progress } from "./traits";
import { renderTrust } from "./trust";
import type { Ui } from "./ui";
import type { Step } from "./waterfall";
import { renderWaterfall } from "./waterfallview";

/** The maps of the last answer: one panel per method, recoloured as the display settings change. */
export class MapsDrawing {
  panels: Panel[] = [];
  /** each panel on its own range instead of the shared scale (a view-local choice) */
  perPanel = false;
  /** the waterfall's steps, top to bottom as drawn (for its hover readout) */
  steps: Step[] = [];
  private last: [DrawState, Display, boolean] | null = null;
  // The base image depends only on the input and its display range.
  private base: { key: unknown[]; pixels: Uint8ClampedArray } | null = null;

  constructor(private readonly ui: Ui) {
    // A compared table beside the first shares its row names; one that wraps below it names its own rows.
    if (typeof ResizeObserver !== "undefined") new ResizeObserver(() => nameWrapped(this.panels)).observe(ui.maps);
  }

  draw(s: DrawState, shownDisplay: Display, allFeatures: boolean): void {
    const ui = this.ui;
    this.last = [s, shownDisplay, allFeatures];
    // maps that are never negative (|∂y/∂x|) have nothing left of zero: a one-sided 0 → max scale
    const display = oneSided(s) ? { ...shownDisplay, absolute: true } : shownDisplay;
    this.panels = syncPanels(ui.maps, s, this.panels);
    ui.maps.className = `nnw-maps nnw-${s.kind}`;
    const lut = lutFor(s, display);
    // Padding is no input: outside each panel's own range and the mask's top-percent share.
    const scales = panelScales(s.maps.map((m) => keptCells(m, s.padding)), s.scale, this.perPanel);
    const masked = s.maps.map((m, i) => maskMap(m, scales[i]!.scale, display, s.padding));
    const rows = visibleRows(s.kind === "tabular" ? orderByMagnitude(s.maps[0]!) : [], FEATURE_ROWS, allFeatures);
    const toggle = (): void => {
      this.perPanel = !this.perPanel;
      if (this.last) this.draw(...this.last);
    };
    this.panels.forEach((panel, i) => {
      const [lo, hi] = rangeOf(scales[i]!.scale, display.absolute);
      renderScaleNote(panel.root, scales[i]!, s.scale, this.perPanel, s.maps.length > 1, toggle);
      panel.root.dataset.scale = String(scales[i]!.scale);
      if (s.kind === "image" && panel.canvas) {
        paintImage(panel.canvas, this.basePixels(s), masked[i]!, s, lut, lo, hi, display.opacity, display.zoom);
        panel.canvas.dataset.rendered = String(s.seq);
        panel.canvas.dataset.target = String(s.target);
        panel.canvas.dataset.method = panel.method;
      } else if (s.kind === "tabular") {
        renderTabular(panel, s, i, masked[i]!, rows, lut, lo, hi, i === 0, s.unsigned.includes(panel.method));
      } else {
        renderText(panel, s, i, masked[i]!, lut, lo, hi, display.opacity);
      }
      panel.root.dataset.rendered = String(s.seq);
    });
    if (s.kind === "tabular") nameWrapped(this.panels);
    // signed even under |abs|: a step's direction is what the waterfall says
    const signedLut = (s.palettes[display.palette] ?? Object.values(s.palettes)[0]!).signed;
    this.steps = renderWaterfall(ui.waterfall, s, signedLut, s.complete.includes(s.shown[0] ?? s.method));
    ui.maps.dataset.rendered = String(s.seq);
    ui.maps.dataset.target = String(s.target);
    ui.maps.dataset.display = JSON.stringify([display.palette, display.threshold, display.topPercent, shownDisplay.absolute]);
    ui.maps.dataset.oneSided = String(display.absolute);
    drawColorbar(ui.colorbar, lut);
    const [lo, hi] = rangeOf(s.scale, display.absolute);
    setText(ui.cbarLo, this.perPanel ? "−max" : formatValue(lo));
    setText(ui.cbarHi, this.perPanel ? "+max (each panel its own)" : formatValue(hi));
    if (display.absolute) setText(ui.cbarLo, "0");
  }

  private basePixels(s: DrawState): Uint8ClampedArray {
    const key = [s.input, s.channels, s.height, s.width, s.display[0], s.display[1]];
    const base = this.base;
    if (base && key.every((k, i) => k === base.key[i])) return base.pixels;
    const pixels = baseImage(s.input, [s.channels, s.height, s.width], s.display[0], s.display[1]);
    this.base = { key, pixels };
    return pixels;
  }
}

/** Every map shown comes from a method whose attributions are never negative. */
export function oneSided(s: Pick<DrawState, "shown" | "unsigned">): boolean {
  return s.shown.length > 0 && s.shown.every((m) => s.unsigned.includes(m));
}

/** Give a compared table its own feature names when it wrapped onto another line than the first table. */
export function nameWrapped(panels: Panel[]): void {
  const first = panels[0]?.root;
  if (!first) return;
  for (const p of panels.slice(1)) p.root.classList.remove("nnw-own-names");
  for (const p of panels.slice(1)) p.root.classList.toggle("nnw-own-names", p.root.offsetTop !== first.offsetTop);
}

/** What the side panels need beyond the answer's state. */
export interface Extras {
  thumbs: Decoded | null;
  specs: Record<string, OptionSpec[]>;
  options: Options;
  /** The last request was cancelled: the maps shown are the earlier ones. */
  cancelled: boolean;
}

/** Everything but the maps: bars, strip, trust, options and the status line. */
export function drawSides(ui: Ui, s: DrawState, extras: Extras): void {
  const score = s.output === "score";
  renderBars(ui.bars, s, score ? formatValue : undefined);
  ui.side.hidden = s.output === "none";
  const heading = s.outputLabel || (score ? "output" : "predictions");
  const clickable = s.interactive && (!score || s.probs.length > 1);
  setText(ui.barsTitle, clickable ? `${heading} · click to explain` : heading);
  ui.barsTitle.dataset.output = s.output;
  ui.bars.classList.toggle("nnw-static", !s.interactive);
  renderStrip(ui.strip, s.batchTitles, s.index, extras.thumbs, s.interactive);
  renderTrust(ui.trust, s);
  const hasOptions = renderOptions(ui.optionsForm, extras.specs, extras.options, s.shown, s.titles);
  ui.options.hidden = !hasOptions || !s.interactive;
  const names = s.shown.map((m) => titleOf(s, m)).join(", ");
  const what = score ? labelOf(s.labels, s.target) : `class ${labelOf(s.labels, s.target)}`;
  setText(ui.status, (extras.cancelled ? "cancelled; still " : "") +
    (s.interactive ? `explaining ${what} with ${names}` : staticStatus(s, names)));
}

/** The progress bar of request `pending`, shown only while Python reports it running. */
export function drawProgress(ui: Ui, p: Progress, pending: number | null): void {
  const live = pending !== null && p.state === "running" && p.seq === pending;
  ui.progress.hidden = !live;
  if (!live) return;
  ui.progressBar.value = clamp01(finiteOr(p.fraction, 0));
  const of = (p.steps ?? 1) > 1 ? ` (${p.step}/${p.steps})` : "";
  const chunks = (p.total ?? 0) > 1 ? ` · ${p.done}/${p.total}` : "";
  setText(ui.progressLabel, `${p.title ?? ""}${of}${chunks}`);
  const note = p.estimate_note ?? "";
  setText(ui.progressNote, note);
  ui.progressNote.hidden = note === "";
  ui.progress.dataset.fraction = String(ui.progressBar.value);
  if (p.estimate !== undefined) ui.progress.dataset.estimate = String(p.estimate);
  else delete ui.progress.dataset.estimate;
}

/** A from_tensor view: which class the given attributions explain, and why it may not be the predicted one. */
export function staticStatus(s: Pick<DrawState, "labels" | "target" | "predicted" | "output">, names: string): string {
  if (s.output === "none") return `showing ${names}`;
  const given = `showing ${names} for class ${labelOf(s.labels, s.target)}`;
  if (s.target === s.predicted) return given;
  return `${given}, the class they were computed for (given with the attributions); the model predicts ` +
    `${labelOf(s.labels, s.predicted)}`;
}
