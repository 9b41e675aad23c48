// The Attribution view's render(): images, tabular rows and text; one panel
// per shown method on one shared colour scale; a batch strip; a trust panel.
// Display controls (colours, opacity, threshold, top %, |abs|, zoom) and hover
// work on the arrays already here: they send nothing. The only thing sent to
// the kernel is `_request`.

import { setText } from "../lib/dom";
import { showErrors, showProblems, widgetError } from "../lib/errors";
import { cellAt } from "../lib/hover";
import type { RenderProps } from "../lib/mount";
import { mount } from "../lib/mount";
import { finiteOr } from "../lib/numbers";
import { RequestCounter } from "../lib/requests";
import { traits } from "../lib/traits";
import { markPending } from "./bars";
import {
  clampOpacity, clampThreshold, clampTop, clampZoom, readDisplay, type Display,
} from "./display";
import { drawProgress, drawSides, MapsDrawing } from "./draw";
import { readOptions } from "./options";
import { markCell } from "../lib/image";
import { placeTip, showReadout, type Hover } from "./readout";
import { readProgress, readSpecs, readState, readThumbs, titleOf, type DrawState } from "./state";
import { markPendingExample } from "./strip";
import { CSS, STYLE_ID } from "./style";
import { ANSWER_TRAITS, DISPLAY_TRAITS, type AttributionTraits, type Options } from "./traits";
import { setTrustPending } from "./trust";
import { stepText } from "./waterfallview";
import { buildDom, drawNotes, showRanges, syncCompare, syncDisplay, syncMethods } from "./ui";

/** What one click asks for; the rest of the request stays as shown. */
interface Ask {
  index?: number;
  target?: number | "predicted";
  method?: string;
  compare?: string[];
  options?: Options;
}

export function render({ model, el }: RenderProps): () => void {
  const t = traits<AttributionTraits>(model);
  const ui = buildDom();
  const view = mount(t, el, ui.root, [{ id: STYLE_ID, css: CSS }]);
  const listen = view.listen;
  const maps = new MapsDrawing(ui);
  const seqs = new RequestCounter(model);

  let drawn: DrawState | null = null; // last state that was drawn successfully
  let pendingSeq: number | null = null;
  let display = readDisplay(t);
  let hover: Hover = null;
  let allFeatures = false; // a long table lists its tail only when asked
  // A class the user clicked stays explained across examples; otherwise
  // each example explains its own predicted class.
  let pinnedTarget = false;

  const pyError = (): string => t.string("error");
  const syncDisplayControls = (): void => syncDisplay(ui, display, t.strings("palettes"));
  const readoutNow = (): void => showReadout(ui.readout, drawn, hover);

  function refresh(): void {
    const seq = finiteOr(t.get("_seq"), 0);
    if (seqs.isStale(seq)) return; // a stale answer overtaken by one already drawn
    ui.root.dataset.seq = String(seq);
    syncMethods(ui.method, t);
    syncCompare(ui.compare, t);
    const error = pyError();
    const { state, problems } = readState(model);
    if (pendingSeq !== null && (seq >= pendingSeq || error !== "")) {
      pendingSeq = null;
      ui.root.classList.remove("nnw-busy");
      ui.progress.hidden = true;
    }
    // Problems of our own keep the last good drawing; Python's error alone
    // does not stop a valid state from being drawn.
    showProblems(ui.error, error, problems);
    drawNotes(ui.notes, t.strings("notes"));
    if (!state) return;
    maps.draw(state, display, allFeatures);
    drawSides(ui, state, {
      thumbs: readThumbs(t, state.kind), specs: readSpecs(t), options: t.get("method_options") ?? {},
      cancelled: readProgress(t).state === "cancelled",
    });
    drawn = state;
    seqs.drew(seq);
    readoutNow();
  }

  const redraws = view.coalesced(refresh, (err) => showErrors(ui.error, [pyError(), widgetError(err)]));
  const schedule = (): void => redraws.schedule();

  function redrawLocal(): void {
    if (!drawn) return;
    try {
      maps.draw(drawn, display, allFeatures);
      readoutNow();
    } catch (err) {
      showErrors(ui.error, [widgetError(err)]);
    }
  }

  function request(ask: Ask): void {
    if (t.get("interactive") === false && ask.index === undefined) return;
    const seq = seqs.next();
    pendingSeq = seq;
    const method = ask.method ?? String(t.get("method") ?? "");
    const compare = (ask.compare ?? (drawn?.shown.slice(1) ?? [])).filter((m) => m !== method);
    const switching = ask.index !== undefined && ask.target === undefined && !pinnedTarget;
    const body = {
      seq,
      index: ask.index ?? finiteOr(t.get("index"), 0),
      target: switching ? "predicted" as const : (ask.target ?? finiteOr(t.get("target"), 0)),
      method,
      compare,
      ...(ask.options ? { options: ask.options } : {}),
    };
    ui.root.classList.add("nnw-busy");
    setTrustPending(ui.trust, true);
    if (typeof ask.target === "number") markPending(ui.bars, ask.target);
    if (ask.index !== undefined) markPendingExample(ui.strip, ask.index);
    const slow = new Set(t.strings("slow_methods"));
    const names = [method, ...compare].map((m) => (drawn ? titleOf(drawn, m) : m));
    const slowOnes = [method, ...compare].filter((m) => slow.has(m)).length;
    setText(ui.status, `computing ${names.join(", ")}…${slowOnes ? " (the newest request replaces any waiting one)" : ""}`);
    t.send("_request", body);
  }

  // --- browser events: requests -------------------------------------------------
  ui.bars.addEventListener("click", (e) => {
    const button = (e.target as Element).closest<HTMLElement>("button.nnw-bar");
    const cls = Number(button?.dataset.class);
    if (!button || !Number.isInteger(cls) || t.get("interactive") === false) return;
    pinnedTarget = cls !== finiteOr(t.get("predicted"), -1);
    request({ target: cls });
  }, listen);
  ui.method.addEventListener("change", () => request({ method: ui.method.value }), listen);
  ui.compare.addEventListener("change", () => {
    const ticked = [...ui.compare.querySelectorAll<HTMLInputElement>("input.nnw-compare-box")]
      .filter((b) => b.checked).map((b) => b.dataset.method ?? "");
    request({ compare: ticked });
  }, listen);
  ui.strip.addEventListener("click", (e) => {
    const button = (e.target as Element).closest<HTMLElement>("button.nnw-example");
    const i = Number(button?.dataset.index);
    if (button && Number.isInteger(i)) request({ index: i });
  }, listen);
  ui.optionsForm.addEventListener("submit", (e) => {
    e.preventDefault();
    try {
      request({ options: readOptions(ui.optionsForm) });
    } catch (err) {
      showErrors(ui.error, [`options: ${(err as Error).message}`]);
    }
  }, listen);
  ui.cancel.addEventListener("click", () => {
    const seq = seqs.next();
    pendingSeq = seq;
    ui.progress.hidden = true;
    setText(ui.status, "cancelling…");
    t.send("_request", { seq, cancel: true });
  }, listen);

  // --- browser events: local display (no kernel round trip) ----------------------
  const local = (update: Partial<Display>): void => {
    display = { ...display, ...update };
    showRanges(ui, display);
    redrawLocal();
  };
  ui.palette.addEventListener("change", () => local({ palette: ui.palette.value }), listen);
  ui.opacity.addEventListener("input", () => local({ opacity: clampOpacity(Number(ui.opacity.value)) }), listen);
  ui.threshold.addEventListener("input", () => local({ threshold: clampThreshold(Number(ui.threshold.value)) }), listen);
  ui.top.addEventListener("input", () => local({ topPercent: clampTop(Number(ui.top.value)) }), listen);
  ui.absolute.addEventListener("change", () => local({ absolute: ui.absolute.checked }), listen);
  ui.zoom.addEventListener("change", () => local({ zoom: clampZoom(Number(ui.zoom.value)) }), listen);

  ui.maps.addEventListener("click", (e) => {
    if (!(e.target as Element).closest("button.nnw-more-features")) return;
    allFeatures = true;
    redrawLocal();
  }, listen);
  ui.maps.addEventListener("mousemove", (e) => {
    const s = drawn;
    if (!s) return;
    const target = e.target as Element;
    if (s.kind === "image") {
      const canvas = target.closest<HTMLCanvasElement>("canvas.nnw-canvas");
      const p = maps.panels.findIndex((x) => x.canvas === canvas);
      if (!canvas || p < 0) return;
      const r = canvas.getBoundingClientRect();
      const cell = cellAt(e.clientX - r.left, e.clientY - r.top, r.width, r.height, s.width, s.height);
      hover = cell ? { panel: p, cell } : null;
      // the same pixel outlined in every panel (the readout lists every map's value there)
      for (const panel of maps.panels) if (panel.canvas) markCell(panel.canvas, cell, s.width, s.height);
    } else {
      const item = target.closest<HTMLElement>(s.kind === "tabular" ? ".nnw-frow" : ".nnw-token");
      const p = maps.panels.findIndex((x) => x.root.contains(target));
      const idx = Number(item?.dataset[s.kind === "tabular" ? "feature" : "token"]);
      if (!item || p < 0 || !Number.isInteger(idx)) return;
      hover = { panel: p, index: idx };
      readoutNow();
      placeTip(ui.tip, ui.readout, item);
      return;
    }
    readoutNow();
  }, listen);
  // a waterfall step: what it adds, from where to where (read from the steps already drawn)
  ui.waterfall.addEventListener("mousemove", (e) => {
    const row = (e.target as Element).closest<HTMLElement>(".nnw-wrow[data-index]");
    const step = maps.steps[Number(row?.dataset.index)];
    if (!row || !step || !drawn) return;
    readoutNow(); // clears the feature readout's data
    setText(ui.readout, stepText(step, drawn, drawn.complete.includes(drawn.shown[0] ?? drawn.method)));
    ui.readout.classList.remove("nnw-hint");
    ui.readout.dataset.step = row.dataset.index;
    placeTip(ui.tip, ui.readout, row);
  }, listen);
  ui.waterfall.addEventListener("mouseleave", () => {
    delete ui.readout.dataset.step;
    readoutNow();
    placeTip(ui.tip, ui.readout, null);
  }, listen);
  ui.maps.addEventListener("mouseleave", () => {
    hover = null;
    for (const panel of maps.panels) if (panel.canvas) markCell(panel.canvas, null, 0, 0);
    readoutNow();
    placeTip(ui.tip, ui.readout, null);
  }, listen);

  // --- model events -------------------------------------------------------------
  view.onChange(ANSWER_TRAITS, schedule);
  view.onChange(["_progress"], () => {
    drawProgress(ui, readProgress(t), pendingSeq);
    schedule();
  });
  view.onChange(DISPLAY_TRAITS, () => {
    display = readDisplay(t);
    syncDisplayControls();
    redrawLocal();
  });

  syncDisplayControls();
  readoutNow();
  schedule();
  return () => view.cleanup();
}
