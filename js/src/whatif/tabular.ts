// Tabular What-if view: one slider per feature; while the
// user drags, requests go to the kernel (at most one per animation frame,
// always with the newest values) and the answers redraw the prediction,
// attribution, Taylor check and ICE curve. Hover, marks and sorting stay in
// the browser. The only thing sent to the kernel is `_request`.

import { injectStyle, setText } from "../lib/dom";
import { formatValue } from "../lib/hover";
import type { AnyModel, Callback } from "../lib/model";
import { coalesced, requestHost, showErrors, widgetError } from "../lib/view";
import type { IceData } from "./icechart";
import { IcePanel } from "./icepanel";
import { markPending, renderAttribution, renderBars, renderCounterfactual, renderTaylor } from "./panels";
import { rowOrder } from "./scale";
import { RequestScheduler } from "./scheduler";
import { isCategorical, labelOf, readState, titleOf, type WhatIfState } from "./state";
import { CSS, STYLE_ID } from "./style";
import { buildDom, buildRow, placeMarks, readControl, setControl, type Row, type RowSpec } from "./ui";

// Traits whose change means "redraw". Python sends all of one answer's
// changes in one message, so they are coalesced into one redraw per message.
const TRAITS = [
  "_seq", "feature_names", "labels", "_original", "_current", "_lows", "_highs", "_steps",
  "_categorical", "_means", "_probs", "_probs_original", "predicted", "target", "_attribution",
  "attribution_method", "method_titles", "_taylor_estimate", "_taylor_actual", "_ice_feature",
  "_ice_values", "_ice_outputs", "_pdp", "_counterfactual", "error",
];

function finiteOr(v: unknown, fallback: number): number {
  return typeof v === "number" && Number.isFinite(v) ? v : fallback;
}

export function renderTabular({ model, el }: { model: AnyModel; el: HTMLElement }): () => void {
  injectStyle(STYLE_ID, CSS, el);
  const ui = buildDom();
  el.appendChild(ui.root);

  const abort = new AbortController();
  const listen = { signal: abort.signal };
  const handlers: Array<[string, Callback]> = [];

  let drawn: WhatIfState | null = null; // last state drawn successfully
  let rows: Row[] = [];
  let specs: RowSpec[] = [];
  let structure = "";
  let x = new Float32Array(0); // the input as the sliders hold it
  let target = finiteOr(model.get("target"), 0);

  const scheduler = new RequestScheduler({
    values: () => x,
    target: () => target,
    ...requestHost(model, () => showStatus()),
  });

  function showStatus(): void {
    const pending = scheduler.pending;
    ui.root.classList.toggle("nnw-busy", pending);
    const text = pending ? "computing…" : drawn ? `attribution: ${titleOf(drawn, drawn.method)}` : "";
    setText(ui.status, text);
  }

  function showValue(i: number): void {
    const r = rows[i];
    if (!r || !drawn) return;
    setText(r.value, formatValue(x[i]!));
    r.value.dataset.value = String(x[i]);
    r.row.classList.toggle("nnw-changed", x[i] !== drawn.original[i]);
  }

  /** (Re)build the rows when the features or their ranges change. */
  function ensureRows(s: WhatIfState): void {
    const key = JSON.stringify([s.names, [s.lows, s.highs, s.steps].map((a) => Array.from(a)),
      s.names.map((_, i) => isCategorical(s, i))]);
    if (key === structure) return;
    structure = key;
    specs = s.names.map((name, i) => ({
      index: i, name, low: s.lows[i]!, high: s.highs[i]!, step: s.steps[i]!, categorical: isCategorical(s, i),
    }));
    rows = specs.map(buildRow);
    ui.features.replaceChildren(...rows.map((r) => r.row));
    x = Float32Array.from(s.current);
    rows.forEach((r, i) => setControl(r, x[i]!));
  }

  function applyOrder(): void {
    if (!drawn || scheduler.dragging) return; // rows must not move under the pointer
    rowOrder(drawn.attribution, ui.sort.checked).forEach((f, rank) => {
      if (rows[f]) rows[f].row.style.order = String(rank);
    });
  }

  function iceData(): IceData | null {
    const s = drawn;
    const f = s?.iceFeature ?? -1;
    if (!s || f < 0 || f >= rows.length) return null;
    return {
      name: s.names[f]!, values: s.iceValues, outputs: s.iceOutputs, pdp: s.pdp,
      current: x[f]!, original: s.original[f]!, range: [s.lows[f]!, s.highs[f]!],
    };
  }

  const ice = new IcePanel(ui, iceData, abort.signal);

  function draw(s: WhatIfState, hasError: boolean): void {
    ensureRows(s);
    if (s.seq >= scheduler.lastSent) target = s.target; // the kernel's word on the target
    drawn = s;
    rows.forEach((r, i) => {
      // A slider the user holds, or one whose newer value is still on its way,
      // keeps its position; an error answer does not undo the user's values.
      if (!hasError && scheduler.mayMove(i, s.seq)) {
        x[i] = s.current[i]!;
        setControl(r, x[i]!);
      }
      showValue(i);
      placeMarks(r, specs[i]!, s.original[i]!, s.means ? s.means[i]! : null);
      r.row.classList.toggle("nnw-ice-selected", i === s.iceFeature);
    });
    renderAttribution(rows, s.attribution);
    setText(ui.attrHead, `attribution · ${labelOf(s.labels, s.target)}`);
    applyOrder();
    renderBars(ui.bars, s);
    renderCounterfactual(ui.counterfactual, s);
    renderTaylor(ui.taylor, s);
    ice.draw(s);
  }

  function refresh(): void {
    const seq = finiteOr(model.get("_seq"), 0);
    if (!scheduler.accept(seq)) return; // a stale answer overtaken by one already drawn
    ui.root.dataset.seq = String(seq);
    const pyError = String(model.get("error") ?? "");
    const { state, problems } = readState(model);
    // Our own problems keep the last good drawing; Python's error alone does
    // not stop a valid state from being drawn.
    showErrors(ui.error, [pyError, ...problems.map((p) => `cannot draw: ${p}`)]);
    if (state) draw(state, pyError !== "");
    showStatus();
  }

  const redraws = coalesced(refresh, (err) => {
    showErrors(ui.error, [String(model.get("error") ?? ""), widgetError(err)]);
  });
  const schedule = (): void => redraws.schedule();

  /** Move the sliders to `values` at once and ask for that input. */
  function jumpTo(values: ArrayLike<number>, feature: number): void {
    if (values.length !== x.length) return;
    x = Float32Array.from(values);
    rows.forEach((r, i) => {
      setControl(r, x[i]!);
      showValue(i);
    });
    if (drawn && drawn.iceFeature >= 0) ice.redraw();
    scheduler.release(feature, { force: true });
  }

  // --- browser events -----------------------------------------------------
  function rowOf(node: EventTarget | null): number {
    const row = (node as Element | null)?.closest?.<HTMLElement>(".nnw-feature");
    const i = Number(row?.dataset.feature);
    return row && Number.isInteger(i) && rows[i] ? i : -1;
  }

  function takeValue(i: number): boolean {
    const v = readControl(rows[i]!);
    if (!Number.isFinite(v)) return false;
    x[i] = v;
    showValue(i);
    if (drawn?.iceFeature === i) ice.redraw(); // the current-value line follows at once
    return true;
  }

  ui.features.addEventListener("input", (e) => {
    const i = rowOf(e.target);
    if (i < 0 || (e.target as Element).tagName === "SELECT") return; // selects send on change
    if (takeValue(i)) scheduler.drag(i);
  }, listen);
  ui.features.addEventListener("change", (e) => {
    const i = rowOf(e.target);
    if (i >= 0 && takeValue(i)) scheduler.release(i);
  }, listen);
  ui.features.addEventListener("pointerdown", (e) => {
    const i = rowOf(e.target);
    if (i >= 0 && (e.target as Element).classList.contains("nnw-slider")) scheduler.grab(i);
  }, listen);
  // The pointer can be let go anywhere on the page, not only over the slider.
  for (const type of ["pointerup", "pointercancel"]) {
    window.addEventListener(type, () => {
      for (const i of scheduler.heldFeatures()) {
        if (rows[i]) takeValue(i);
        scheduler.letGo(i);
      }
      applyOrder();
    }, listen);
  }
  const pickFeature = (e: Event): void => {
    const name = (e.target as Element).closest(".nnw-feature-name");
    const i = rowOf(name);
    if (!name || i < 0) return;
    e.preventDefault();
    scheduler.release(i, { force: true });
  };
  ui.features.addEventListener("click", pickFeature, listen);
  ui.features.addEventListener("keydown", (e) => {
    if (e.key === "Enter" || e.key === " ") pickFeature(e);
  }, listen);
  ui.bars.addEventListener("click", (e) => {
    const button = (e.target as Element).closest<HTMLElement>("button.nnw-bar");
    const cls = Number(button?.dataset.class);
    if (!button || !Number.isInteger(cls)) return;
    target = cls;
    markPending(ui.bars, cls);
    scheduler.release(-1, { target: cls, force: true });
  }, listen);
  ui.reset.addEventListener("click", () => {
    if (drawn) jumpTo(drawn.original, -1);
  }, listen);
  ui.counterfactual.addEventListener("click", () => {
    const cf = drawn?.counterfactual;
    if (!drawn || !cf) return;
    const values = Float32Array.from(drawn.original);
    values[cf.feature] = cf.value;
    jumpTo(values, cf.feature);
  }, listen);
  ui.sort.addEventListener("change", applyOrder, listen);

  // --- model events -------------------------------------------------------
  for (const name of TRAITS) handlers.push([`change:${name}`, schedule]);
  for (const [event, cb] of handlers) model.on(event, cb);
  ice.redraw();
  schedule();

  return () => {
    redraws.dispose();
    scheduler.dispose();
    for (const [event, cb] of handlers) model.off(event, cb);
    abort.abort();
    ui.root.remove();
  };
}
