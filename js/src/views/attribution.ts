// Attribution widget view (anywidget ESM entry). Images, tabular rows and
// text; one panel per shown method on one shared colour scale; a batch strip;
// a trust panel. Display controls (colours, opacity, threshold, top %, |abs|,
// zoom) and hover work on the arrays already here: they send nothing. The
// only thing sent to the kernel is `_request`.

import type { Decoded } from "../lib/codec";
import { drawColorbar } from "../lib/colormap";
import { injectStyle, setText } from "../lib/dom";
import { cellAt, formatValue, type Cell } from "../lib/hover";
import { readArray } from "../lib/model";
import { coalesced, showErrors, widgetError } from "../lib/view";
import { labelOf, markPending, renderBars } from "../attribution/bars";
import { baseImage } from "../attribution/image";
import {
  FEATURE_ROWS, maskMap, orderByMagnitude, rangeOf, visibleRows, type MaskSettings,
} from "../attribution/mask";
import type { AnyModel, Callback } from "../attribution/model";
import { readOptions, renderOptions } from "../attribution/options";
import { paintImage, renderTabular, renderText, syncPanels, type Panel } from "../attribution/panels";
import { readSpecs, readState, titleOf, type DrawState } from "../attribution/state";
import { markPendingExample, renderStrip } from "../attribution/strip";
import { renderTrust, setTrustPending } from "../attribution/trust";
import { CSS, STYLE_ID } from "../attribution/style";
import { buildDom, syncCompare, syncMethods, syncPalettes, ZOOMS, type Ui } from "../attribution/ui";

// Traits whose change means "redraw from Python's answer". Python sends all of
// one request's changes in one message, so they coalesce into one redraw.
const TRAITS = [
  "_seq", "_input", "_display_range", "_maps", "_luts", "_scale", "_probs", "_trust", "_thumbs", "kind",
  "labels", "feature_names", "tokens", "predicted", "target", "method", "shown", "methods", "method_titles",
  "top_k", "error", "index", "batch_titles", "method_options", "option_specs", "output", "interactive",
];

interface Progress {
  seq?: number;
  state?: string;
  title?: string;
  step?: number;
  steps?: number;
  done?: number;
  total?: number;
  fraction?: number;
}
// Display settings Python may set; the view's own controls change them locally only.
const DISPLAY = ["colormap", "palettes", "opacity", "threshold", "top_percent", "absolute", "zoom"];

function finiteOr(v: unknown, fallback: number): number {
  return typeof v === "number" && Number.isFinite(v) ? v : fallback;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

interface Display extends MaskSettings {
  palette: string;
  opacity: number;
  zoom: number;
}

function readDisplay(model: AnyModel): Display {
  return {
    palette: String(model.get("colormap") ?? "red-blue"),
    opacity: clamp(finiteOr(model.get("opacity"), 0.85), 0, 1),
    threshold: clamp(finiteOr(model.get("threshold"), 0), 0, 1),
    topPercent: clamp(finiteOr(model.get("top_percent"), 100), 0, 100),
    absolute: model.get("absolute") === true,
    zoom: clamp(finiteOr(model.get("zoom"), 1), 0.25, 8),
  };
}

function render({ model, el }: { model: AnyModel; el: HTMLElement }): () => void {
  injectStyle(STYLE_ID, CSS, el);
  const ui: Ui = buildDom();
  el.appendChild(ui.root);

  const abort = new AbortController();
  const listen = { signal: abort.signal };
  const handlers: Array<[string, Callback]> = [];

  let drawn: DrawState | null = null; // last state that was drawn successfully
  let drawnSeq = -Infinity;
  let sentSeq = -Infinity;
  let pendingSeq: number | null = null;
  let panels: Panel[] = [];
  let display = readDisplay(model);
  let hover: { panel: number; cell: Cell } | null = null;
  let hoverFeature: { panel: number; index: number } | null = null;
  let allFeatures = false; // a long table lists its tail only when asked
  // The base image depends only on the input and its display range.
  let base: { key: unknown[]; pixels: Uint8ClampedArray } | null = null;

  function syncDisplayControls(): void {
    syncPalettes(ui.palette, (model.get("palettes") as string[] | undefined)?.map(String) ?? [], display.palette);
    ui.opacity.value = String(display.opacity);
    ui.threshold.value = String(display.threshold);
    ui.top.value = String(display.topPercent);
    ui.absolute.checked = display.absolute;
    const z = ZOOMS.reduce((a, b) => (Math.abs(b - display.zoom) < Math.abs(a - display.zoom) ? b : a));
    ui.zoom.value = String(z);
  }

  function lutFor(s: DrawState): ArrayLike<number> {
    const p = s.palettes[display.palette] ?? Object.values(s.palettes)[0]!;
    return display.absolute ? p.unsigned : p.signed;
  }

  function basePixels(s: DrawState): Uint8ClampedArray {
    const key = [s.input, s.channels, s.height, s.width, s.display[0], s.display[1]];
    if (!base || key.some((k, i) => k !== base!.key[i])) {
      base = { key, pixels: baseImage(s.input, [s.channels, s.height, s.width], s.display[0], s.display[1]) };
    }
    return base.pixels;
  }

  /** Everything that depends on the maps and the display settings; no kernel involved. */
  function drawMaps(s: DrawState): void {
    panels = syncPanels(ui.maps, s, panels);
    ui.maps.className = `nnw-maps nnw-${s.kind}`;
    const lut = lutFor(s);
    const [lo, hi] = rangeOf(s.scale, display.absolute);
    const masked = s.maps.map((m) => maskMap(m, s.scale, display));
    const rows = visibleRows(s.kind === "tabular" ? orderByMagnitude(s.maps[0]!) : [], FEATURE_ROWS, allFeatures);
    panels.forEach((panel, i) => {
      if (s.kind === "image" && panel.canvas) {
        paintImage(panel.canvas, basePixels(s), masked[i]!, s, lut, lo, hi, display.opacity, display.zoom);
        panel.canvas.dataset.rendered = String(s.seq);
        panel.canvas.dataset.target = String(s.target);
        panel.canvas.dataset.method = panel.method;
      } else if (s.kind === "tabular") {
        renderTabular(panel, s, i, masked[i]!, rows, lut, lo, hi, i === 0);
      } else {
        renderText(panel, s, i, masked[i]!, lut, lo, hi, display.opacity);
      }
      panel.root.dataset.rendered = String(s.seq);
    });
    ui.maps.dataset.rendered = String(s.seq);
    ui.maps.dataset.target = String(s.target);
    ui.maps.dataset.display = JSON.stringify([display.palette, display.threshold, display.topPercent, display.absolute]);
    drawColorbar(ui.colorbar, lut);
    setText(ui.cbarLo, formatValue(lo));
    setText(ui.cbarHi, formatValue(hi));
  }

  function showReadout(): void {
    const s = drawn;
    const r = ui.readout;
    for (const k of ["row", "col", "input", "attribution", "feature", "token", "method", "values"]) delete r.dataset[k];
    const values = (cellIndex: number): number[] => s!.maps.map((m) => m[cellIndex]!);
    const list = (vals: number[]): string =>
      vals.map((v, i) => `${titleOf(s!, s!.shown[i]!)} ${formatValue(v)}`).join(" · ");
    if (s && s.kind === "image" && hover && hover.cell.row < s.height && hover.cell.col < s.width) {
      const { row, col } = hover.cell;
      const i = row * s.width + col;
      const plane = s.height * s.width;
      const input: number[] = [];
      for (let c = 0; c < s.channels; c++) input.push(s.input[c * plane + i]!);
      const vals = values(i);
      setText(r, `row ${row}, col ${col} · input ${input.map(formatValue).join(", ")} · ${list(vals)}`);
      Object.assign(r.dataset, {
        row: String(row), col: String(col), input: input.map(String).join(","),
        attribution: String(vals[hover.panel]), method: s.shown[hover.panel], values: vals.map(String).join(","),
      });
      r.classList.remove("nnw-hint");
    } else if (s && s.kind !== "image" && hoverFeature && hoverFeature.index < s.width) {
      const f = hoverFeature.index;
      const vals = values(f);
      const name = s.kind === "tabular" ? (s.features[f] ?? `feature ${f}`) : (s.tokens[f] ?? `token ${f}`);
      const what = s.kind === "tabular" ? `${name} = ${formatValue(s.input[f]!)}` : `token “${name}” (#${f})`;
      setText(r, `${what} · ${list(vals)}`);
      Object.assign(r.dataset, {
        [s.kind === "tabular" ? "feature" : "token"]: String(f), input: String(s.input[f]),
        attribution: String(vals[hoverFeature.panel]), method: s.shown[hoverFeature.panel], values: vals.map(String).join(","),
      });
      r.classList.remove("nnw-hint");
    } else {
      setText(r, s?.kind === "tabular" ? "hover a feature to read values" : s?.kind === "text"
        ? "hover a token to read values" : "hover the image to read values");
      r.classList.add("nnw-hint");
    }
  }

  function draw(s: DrawState): void {
    drawMaps(s);
    const score = s.output === "score";
    renderBars(ui.bars, s, score ? formatValue : undefined);
    ui.side.hidden = s.output === "none";
    setText(ui.barsTitle, !s.interactive ? "predictions" : score ? "output" : "predictions · click to explain");
    ui.bars.classList.toggle("nnw-static", !s.interactive);
    let thumbs: Decoded | null = null;
    if (s.kind === "image" && model.get("_thumbs")) {
      try {
        thumbs = readArray(model, "_thumbs", 4);
      } catch {
        thumbs = null;
      }
    }
    renderStrip(ui.strip, s.batchTitles, s.index, thumbs, s.interactive);
    renderTrust(ui.trust, s);
    const hasOptions = renderOptions(
      ui.optionsForm, readSpecs(model), (model.get("method_options") ?? {}) as never, s.shown, s.titles,
    );
    ui.options.hidden = !hasOptions || !s.interactive;
    const names = s.shown.map((m) => titleOf(s, m)).join(", ");
    const what = score ? labelOf(s.labels, s.target) : `class ${labelOf(s.labels, s.target)}`;
    const cancelled = (model.get("_progress") as Progress | null)?.state === "cancelled";
    setText(ui.status, (cancelled ? "cancelled; still " : "") + (s.interactive ? `explaining ${what} with ${names}` : `showing ${names}`));
  }

  function refresh(): void {
    const seq = finiteOr(model.get("_seq"), 0);
    if (seq < drawnSeq) return; // a stale answer overtaken by one already drawn
    ui.root.dataset.seq = String(seq);
    syncMethods(ui.method, model);
    syncCompare(ui.compare, model);
    const pyError = String(model.get("error") ?? "");
    const { state, problems } = readState(model);
    if (pendingSeq !== null && (seq >= pendingSeq || pyError !== "")) {
      pendingSeq = null;
      ui.root.classList.remove("nnw-busy");
      ui.progress.hidden = true;
    }
    // Problems of our own keep the last good drawing; Python's error alone
    // does not stop a valid state from being drawn.
    showErrors(ui.error, [pyError, ...problems.map((p) => `cannot draw: ${p}`)]);
    if (!state) return;
    draw(state);
    drawn = state;
    drawnSeq = seq;
    showReadout();
  }

  const redraws = coalesced(refresh, (err) => {
    showErrors(ui.error, [String(model.get("error") ?? ""), widgetError(err)]);
  });
  const schedule = (): void => redraws.schedule();

  function redrawLocal(): void {
    if (!drawn) return;
    try {
      drawMaps(drawn);
      showReadout();
    } catch (err) {
      showErrors(ui.error, [widgetError(err)]);
    }
  }

  // A class the user clicked stays explained across examples; otherwise
  // each example explains its own predicted class.
  let pinnedTarget = false;

  interface Ask {
    index?: number;
    target?: number | "predicted";
    method?: string;
    compare?: string[];
    options?: Record<string, Record<string, string | number>>;
  }

  function request(ask: Ask): void {
    if (model.get("interactive") === false && ask.index === undefined) return;
    const prev = model.get("_request") as { seq?: unknown } | null | undefined;
    const seq = Math.max(finiteOr(model.get("_seq"), 0), sentSeq, drawnSeq, finiteOr(prev?.seq, -Infinity)) + 1;
    sentSeq = seq;
    pendingSeq = seq;
    const method = ask.method ?? String(model.get("method") ?? "");
    const compare = (ask.compare ?? (drawn?.shown.slice(1) ?? [])).filter((m) => m !== method);
    const switching = ask.index !== undefined && ask.target === undefined && !pinnedTarget;
    const body = {
      seq,
      index: ask.index ?? finiteOr(model.get("index"), 0),
      target: switching ? "predicted" : (ask.target ?? finiteOr(model.get("target"), 0)),
      method,
      compare,
      ...(ask.options ? { options: ask.options } : {}),
    };
    ui.root.classList.add("nnw-busy");
    setTrustPending(ui.trust, true);
    if (typeof ask.target === "number") markPending(ui.bars, ask.target);
    if (ask.index !== undefined) markPendingExample(ui.strip, ask.index);
    const slow = new Set((model.get("slow_methods") as string[] | undefined) ?? []);
    const names = [method, ...compare].map((m) => (drawn ? titleOf(drawn, m) : m));
    const slowOnes = [method, ...compare].filter((m) => slow.has(m)).length;
    setText(ui.status, `computing ${names.join(", ")}…${slowOnes ? " (the newest request replaces any waiting one)" : ""}`);
    model.set("_request", body);
    model.save_changes();
  }

  // --- browser events: requests -------------------------------------------------
  ui.bars.addEventListener("click", (e) => {
    const button = (e.target as Element).closest<HTMLElement>("button.nnw-bar");
    const cls = Number(button?.dataset.class);
    if (!button || !Number.isInteger(cls) || model.get("interactive") === false) return;
    pinnedTarget = cls !== finiteOr(model.get("predicted"), -1);
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

  function showProgress(): void {
    const p = (model.get("_progress") ?? {}) as Progress;
    const live = pendingSeq !== null && p.state === "running" && p.seq === pendingSeq;
    ui.progress.hidden = !live;
    if (!live) return;
    ui.progressBar.value = Math.min(1, Math.max(0, finiteOr(p.fraction, 0)));
    const of = (p.steps ?? 1) > 1 ? ` (${p.step}/${p.steps})` : "";
    const chunks = (p.total ?? 0) > 1 ? ` · ${p.done}/${p.total}` : "";
    setText(ui.progressLabel, `${p.title ?? ""}${of}${chunks}`);
    ui.progress.dataset.fraction = String(ui.progressBar.value);
  }

  ui.cancel.addEventListener("click", () => {
    const prev = model.get("_request") as { seq?: unknown } | null | undefined;
    const seq = Math.max(finiteOr(model.get("_seq"), 0), sentSeq, drawnSeq, finiteOr(prev?.seq, -Infinity)) + 1;
    sentSeq = seq;
    pendingSeq = seq;
    ui.progress.hidden = true;
    setText(ui.status, "cancelling…");
    model.set("_request", { seq, cancel: true });
    model.save_changes();
  }, listen);

  // --- browser events: local display (no kernel round trip) ----------------------
  const local = (update: Partial<Display>): void => {
    display = { ...display, ...update };
    redrawLocal();
  };
  ui.palette.addEventListener("change", () => local({ palette: ui.palette.value }), listen);
  ui.opacity.addEventListener("input", () => local({ opacity: clamp(Number(ui.opacity.value), 0, 1) }), listen);
  ui.threshold.addEventListener("input", () => local({ threshold: clamp(Number(ui.threshold.value), 0, 1) }), listen);
  ui.top.addEventListener("input", () => local({ topPercent: clamp(Number(ui.top.value), 0, 100) }), listen);
  ui.absolute.addEventListener("change", () => local({ absolute: ui.absolute.checked }), listen);
  ui.zoom.addEventListener("change", () => local({ zoom: clamp(Number(ui.zoom.value), 0.25, 8) }), listen);

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
      const p = panels.findIndex((x) => x.canvas === canvas);
      if (!canvas || p < 0) return;
      const r = canvas.getBoundingClientRect();
      const cell = cellAt(e.clientX - r.left, e.clientY - r.top, r.width, r.height, s.width, s.height);
      hover = cell ? { panel: p, cell } : null;
    } else {
      const item = target.closest<HTMLElement>(s.kind === "tabular" ? ".nnw-frow" : ".nnw-token");
      const p = panels.findIndex((x) => x.root.contains(target));
      const idx = Number(item?.dataset[s.kind === "tabular" ? "feature" : "token"]);
      if (!item || p < 0 || !Number.isInteger(idx)) return;
      hoverFeature = { panel: p, index: idx };
    }
    showReadout();
  }, listen);
  ui.maps.addEventListener("mouseleave", () => {
    hover = null;
    hoverFeature = null;
    showReadout();
  }, listen);

  // --- model events -------------------------------------------------------------
  for (const name of TRAITS) handlers.push([`change:${name}`, schedule]);
  handlers.push(["change:_progress", () => {
    showProgress();
    schedule();
  }]);
  for (const name of DISPLAY) {
    handlers.push([`change:${name}`, () => {
      display = readDisplay(model);
      syncDisplayControls();
      redrawLocal();
    }]);
  }
  for (const [event, cb] of handlers) model.on(event, cb);

  syncDisplayControls();
  showReadout();
  schedule();

  return () => {
    redraws.dispose();
    for (const [event, cb] of handlers) model.off(event, cb);
    abort.abort();
    ui.root.remove();
  };
}

export default { render };
