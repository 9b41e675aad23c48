// The What-if view's render(). The Python widget says which editor it needs
// in its `kind` trait, read once at render time: "tabular" (or unset), one
// slider per feature, here; "image", paint, erase or occlude the image, see
// ./image/entry.ts. Both are in the one whatif.js bundle.
//
// Tabular: while the user drags, requests go to the kernel (at most one per
// animation frame, always with the newest values) and the answers redraw the
// prediction, attribution, Taylor check and ICE curve. Hover, marks and
// sorting stay in the browser. The only thing sent to the kernel is `_request`.

import { setText } from "../lib/dom";
import { showErrors, widgetError } from "../lib/errors";
import { formatValue } from "../lib/hover";
import { mount, type RenderProps } from "../lib/mount";
import { finiteOr } from "../lib/numbers";
import { requestHost } from "../lib/requests";
import { traits } from "../lib/traits";
import { takeAnswer } from "./answer";
import { clickedClass, markPending, renderBars } from "./bars";
import { renderAttribution, renderCounterfactual, renderTaylor } from "./draw";
import type { IceData } from "./icechart";
import { IcePanel } from "./icepanel";
import { renderImage } from "./image/entry";
import { rowOrder } from "./scale";
import { RequestScheduler } from "./scheduler";
import { attributionHeading, isCategorical, readState, type WhatIfState } from "./state";
import { CSS, STYLE_ID } from "./style";
import { TABULAR_TRAITS, type WhatIfTraits } from "./traits";
import { buildDom, buildRow, placeMarks, readControl, setControl, type Row, type RowSpec } from "./ui";

export function render(props: RenderProps): () => void {
  return traits<WhatIfTraits>(props.model).get("kind") === "image" ? renderImage(props) : renderTabular(props);
}

function renderTabular({ model, el }: RenderProps): () => void {
  const t = traits<WhatIfTraits>(model);
  const ui = buildDom();
  const view = mount(t, el, ui.root, [{ id: STYLE_ID, css: CSS }]);
  const listen = view.listen;

  let drawn: WhatIfState | null = null; // last state drawn successfully
  let rows: Row[] = [];
  let specs: RowSpec[] = [];
  let structure = "";
  let x = new Float32Array(0); // the input as the sliders hold it
  let target = finiteOr(t.get("target"), 0);

  const scheduler = new RequestScheduler({
    values: () => x,
    target: () => target,
    ...requestHost(model, () => showStatus()),
  });

  function showStatus(): void {
    const pending = scheduler.pending;
    ui.root.classList.toggle("nnw-busy", pending);
    // the method that answered is named once, above the bars (methodLine)
    const text = pending ? "computing…" : "";
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
      s.names.map((_, i) => isCategorical(s, i)), t.get("category_names")]);
    if (key === structure) return;
    structure = key;
    specs = s.names.map((name, i) => ({
      index: i, name, low: s.lows[i]!, high: s.highs[i]!, step: s.steps[i]!, categorical: isCategorical(s, i),
      choiceNames: (t.get("category_names") ?? {})[String(i)],
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

  const ice = new IcePanel(ui, iceData, view.signal);

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
    const heading = attributionHeading(s);
    setText(ui.methodLine, heading.text);
    ui.methodLine.dataset.method = s.method;
    ui.methodLine.classList.toggle("nnw-preview-line", heading.preview);
    setText(ui.attrHead, heading.preview ? "attribution (preview)" : "attribution");
    ui.root.classList.toggle("nnw-preview", heading.preview);
    applyOrder();
    renderBars(ui.bars, s);
    renderCounterfactual(ui.counterfactual, s);
    renderTaylor(ui.taylor, s);
    ice.draw(s);
  }

  const refresh = (): void => {
    if (takeAnswer(t, ui, scheduler, () => readState(model), draw)) showStatus();
  };
  const redraws = view.coalesced(refresh, (err) => showErrors(ui.error, [t.string("error"), widgetError(err)]));

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
    const cls = clickedClass(e);
    if (cls === null) return;
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
  view.onChange(TABULAR_TRAITS, () => redraws.schedule());
  view.onCleanup(() => scheduler.dispose());
  ice.redraw();
  redraws.schedule();
  return () => view.cleanup();
}
