// Attribution widget view (anywidget ESM entry). Draws the input with the
// attribution map blended on top, a colour bar, clickable prediction bars and
// a hover readout. The only thing sent to the kernel is `_request`.

import { drawColorbar } from "../lib/colormap";
import { injectStyle, setText } from "../lib/dom";
import { cellAt, formatValue, type Cell } from "../lib/hover";
import { coalesced, showErrors, widgetError } from "../lib/view";
import { labelOf, markPending, renderBars } from "../attribution/bars";
import { baseImage, blend, displayScale } from "../attribution/image";
import type { AnyModel, Callback } from "../attribution/model";
import { showCell, showHint } from "../attribution/readout";
import { readState, titleOf, type DrawState } from "../attribution/state";
import { CSS, STYLE_ID } from "../attribution/style";
import { buildDom, syncMethods, type Ui } from "../attribution/ui";

// Traits whose change means "redraw". Python sends all of one request's
// changes in one message, so they are coalesced into one redraw per message.
const TRAITS = [
  "_seq", "_input", "_display_range", "_map", "_lut", "_scale", "_signed", "_probs",
  "labels", "predicted", "target", "method", "methods", "method_titles", "top_k", "error",
];

function finiteOr(v: unknown, fallback: number): number {
  return typeof v === "number" && Number.isFinite(v) ? v : fallback;
}

function clamp01(v: number): number {
  return Math.min(1, Math.max(0, v));
}

function render({ model, el }: { model: AnyModel; el: HTMLElement }): () => void {
  injectStyle(STYLE_ID, CSS, el);
  const ui: Ui = buildDom();
  el.appendChild(ui.root);

  const abort = new AbortController();
  const listen = { signal: abort.signal };
  const handlers: Array<[string, Callback]> = [];
  const offscreen = document.createElement("canvas");

  let drawn: DrawState | null = null; // last state that was drawn successfully
  let drawnSeq = -Infinity;
  let sentSeq = -Infinity;
  let pendingSeq: number | null = null;
  let opacity = clamp01(finiteOr(model.get("opacity"), 0.6));
  let hover: Cell | null = null;
  // The base image only depends on the input and its display range; caching
  // it keeps opacity drags and target switches cheap.
  let base: { key: unknown[]; pixels: Uint8ClampedArray } | null = null;
  let colorbarLut: unknown = null;

  ui.opacity.value = String(opacity);

  function basePixels(s: DrawState): Uint8ClampedArray {
    const key = [s.input, s.channels, s.height, s.width, s.display[0], s.display[1]];
    if (!base || key.some((k, i) => k !== base!.key[i])) {
      base = { key, pixels: baseImage(s.input, [s.channels, s.height, s.width], s.display[0], s.display[1]) };
    }
    return base.pixels;
  }

  function paint(s: DrawState): void {
    offscreen.width = s.width;
    offscreen.height = s.height;
    const octx = offscreen.getContext("2d");
    const ctx = ui.canvas.getContext("2d");
    if (!octx || !ctx) throw new Error("this browser gave no 2D canvas context");
    const img = octx.createImageData(s.width, s.height);
    blend(basePixels(s), s.map, s.lut, s.range[0], s.range[1], opacity, img.data);
    octx.putImageData(img, 0, 0);
    const k = displayScale(s.height, s.width);
    ui.canvas.width = s.width * k; // resizing resets the context, so smoothing is set after
    ui.canvas.height = s.height * k;
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(offscreen, 0, 0, s.width * k, s.height * k);
    ui.canvas.dataset.rendered = String(s.seq);
    ui.canvas.dataset.target = String(s.target);
    ui.canvas.dataset.method = s.method;
  }

  function refreshReadout(): void {
    if (drawn && hover && hover.row < drawn.height && hover.col < drawn.width) showCell(ui.readout, drawn, hover);
    else showHint(ui.readout);
  }

  function draw(s: DrawState): void {
    paint(s);
    if (colorbarLut !== s.lut) {
      drawColorbar(ui.colorbar, s.lut);
      colorbarLut = s.lut;
    }
    setText(ui.cbarLo, formatValue(s.range[0]));
    setText(ui.cbarHi, formatValue(s.range[1]));
    renderBars(ui.bars, s);
    setText(ui.status, `explaining class ${labelOf(s.labels, s.target)} with ${titleOf(s, s.method)}`);
  }

  function refresh(): void {
    const seq = finiteOr(model.get("_seq"), 0);
    if (seq < drawnSeq) return; // a stale answer overtaken by one already drawn
    ui.root.dataset.seq = String(seq);
    syncMethods(ui.method, model);
    const pyError = String(model.get("error") ?? "");
    const { state, problems } = readState(model);
    if (pendingSeq !== null && (seq >= pendingSeq || pyError !== "")) {
      pendingSeq = null;
      ui.root.classList.remove("nnw-busy");
    }
    // Problems of our own keep the last good drawing; Python's error alone
    // does not stop a valid state from being drawn.
    showErrors(ui.error, [pyError, ...problems.map((p) => `cannot draw: ${p}`)]);
    if (!state) return;
    draw(state);
    drawn = state;
    drawnSeq = seq;
    refreshReadout();
  }

  const redraws = coalesced(refresh, (err) => {
    showErrors(ui.error, [String(model.get("error") ?? ""), widgetError(err)]);
  });
  const schedule = (): void => redraws.schedule();

  function request(target: number, method: string): void {
    const prev = model.get("_request") as { seq?: unknown } | null | undefined;
    const seq = Math.max(finiteOr(model.get("_seq"), 0), sentSeq, drawnSeq, finiteOr(prev?.seq, -Infinity)) + 1;
    sentSeq = seq;
    pendingSeq = seq;
    ui.root.classList.add("nnw-busy");
    markPending(ui.bars, target);
    const label = labelOf(drawn?.labels ?? [], target);
    setText(ui.status, `explaining class ${label} with ${drawn ? titleOf(drawn, method) : method}…`);
    model.set("_request", { seq, target, method });
    model.save_changes();
  }

  function onOpacity(value: number): void {
    opacity = clamp01(value);
    if (!drawn) return;
    try {
      paint(drawn);
    } catch (err) {
      showErrors(ui.error, [widgetError(err)]);
    }
  }

  // --- browser events -----------------------------------------------------
  ui.bars.addEventListener("click", (e) => {
    const button = (e.target as Element).closest<HTMLElement>("button.nnw-bar");
    const cls = Number(button?.dataset.class);
    if (!button || !Number.isInteger(cls)) return;
    request(cls, String(model.get("method") ?? ui.method.value));
  }, listen);
  ui.method.addEventListener("change", () => {
    request(finiteOr(model.get("target"), 0), ui.method.value);
  }, listen);
  // Opacity stays in the browser: redraw locally, send nothing to the kernel.
  ui.opacity.addEventListener("input", () => onOpacity(Number(ui.opacity.value)), listen);
  ui.canvas.addEventListener("mousemove", (e) => {
    if (!drawn) return;
    const r = ui.canvas.getBoundingClientRect();
    hover = cellAt(e.clientX - r.left, e.clientY - r.top, r.width, r.height, drawn.width, drawn.height);
    refreshReadout();
  }, listen);
  ui.canvas.addEventListener("mouseleave", () => {
    hover = null;
    showHint(ui.readout);
  }, listen);

  // --- model events -------------------------------------------------------
  for (const name of TRAITS) handlers.push([`change:${name}`, schedule]);
  handlers.push(["change:opacity", () => {
    const v = clamp01(finiteOr(model.get("opacity"), opacity));
    ui.opacity.value = String(v);
    onOpacity(v);
  }]);
  for (const [event, cb] of handlers) model.on(event, cb);

  showHint(ui.readout);
  schedule();

  return () => {
    redraws.dispose();
    for (const [event, cb] of handlers) model.off(event, cb);
    abort.abort();
    ui.root.remove();
  };
}

export default { render };
