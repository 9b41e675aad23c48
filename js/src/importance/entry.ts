// The Importance view's render(): permutation bars with whiskers, mean
// |attribution| bars and the beeswarm, features in the chosen order and number,
// hover reading the numbers already here (no kernel round trip). Sent to the
// kernel: `top` and `sort` (so to_figure draws the same), and `_request`
// {seq, method | repeats, metric | cancel} for work that runs in the worker.

import { setText } from "../lib/dom";
import { showProblems, widgetError } from "../lib/errors";
import { cellFromClient, formatValue } from "../lib/hover";
import { attempt } from "../lib/model";
import { mount, type RenderProps } from "../lib/mount";
import { finiteOr } from "../lib/numbers";
import { showProgress } from "../lib/progress";
import { RequestCounter } from "../lib/requests";
import { traits } from "../lib/traits";
import { drawColorbar } from "../lib/colormap";
import { drawRows, drawSwarm, nearestDot, scalesFor, type Dots } from "./draw";
import { drawGridMap, gridRanges } from "./grid";
import { featureOrder } from "./order";
import { cell, readState, type ImportanceState } from "./state";
import { CSS, STYLE_ID } from "./style";
import { DRAW_TRAITS, type ImportanceRequest, type ImportanceTraits } from "./traits";
import { buildDom, setOptions } from "./ui";

export function render({ model, el }: RenderProps): () => void {
  const t = traits<ImportanceTraits>(model);
  const ui = buildDom();
  const view = mount(t, el, ui.root, [{ id: STYLE_ID, css: CSS }]);
  const on = view.listen;
  const seqs = new RequestCounter(model);
  const ratio = Math.min(2, Math.max(1, window.devicePixelRatio || 1));
  let state: ImportanceState | null = null;
  let order: number[] = [];
  let dots: Dots | null = null;
  let problems: string[] = [];

  function send(fields: Omit<ImportanceRequest, "seq">): void {
    t.send("_request", { seq: seqs.next(), ...fields });
  }

  function refresh(): void {
    problems = [];
    const ready = t.get("ready") !== false; // before the first result there is nothing to read
    ui.stage.hidden = !ready;
    if (ready) attempt(problems, () => void (state = readState(t)));
    const seq = finiteOr(t.get("_seq"), 0);
    seqs.drew(seq);
    ui.root.dataset.seq = String(seq);
    const method = t.string("method");
    setOptions(ui.method, t.strings("methods"), method);
    setOptions(ui.metric, t.strings("metrics"), t.string("metric"));
    ui.repeats.value = String(t.int("repeats", 10));
    ui.sort.value = t.string("sort", "attribution");
    if (state) {
      const s: ImportanceState = state;
      ui.top.max = String(s.f);
      const top = Math.max(1, Math.min(t.int("top", 15), s.f));
      ui.top.value = String(top);
      order = featureOrder(s.meanAbs, s.perm.mean, ui.sort.value, top);
      const sc = scalesFor(s, order);
      drawRows(ui, s, order, sc);
      dots = drawSwarm(ui, s, order, sc.swarm, ratio);
      drawColorbar(ui.colorbar, s.lut, 8);
      const metric = t.string("metric").replace(/_/g, " ");
      setText(ui.permHead, `permutation: drop in ${metric} (95% CI)`);
      setText(ui.meanHead, `mean |${method.replace(/_/g, " ")}|`);
      setText(ui.swarmHead, `${method.replace(/_/g, " ")} per example`);
      ui.grids.hidden = !s.grid;
      if (s.grid) {
        const [rows, cols] = s.grid;
        const [mr, pr] = gridRanges(s.meanAbs, s.perm.mean);
        drawGridMap(ui.maps[0], s.meanAbs, rows, cols, s.gridLut, 0, mr[0], mr[1], `mean |${method.replace(/_/g, " ")}| per patch`);
        drawGridMap(ui.maps[1], s.perm.mean, rows, cols, s.gridLut, 256 * 4, pr[0], pr[1],
          `drop in ${t.string("metric").replace(/_/g, " ")} per patch`);
      }
      ui.root.dataset.rendered = String(Number(ui.root.dataset.rendered ?? 0) + 1);
    }
    const p = t.get("_progress");
    const what = String(p?.what ?? "").replace(/_/g, " ");
    const shown = showProgress(ui.progress, p, ready ? `computing ${what}` : `computing the first result: ${what}`);
    const running = shown && p && p.total ? ` · computing ${what}: ${p.done}/${p.total}` : "";
    ui.cancel.hidden = !shown;
    const scope = `permutation over ${t.int("n_examples", 0)} examples × ${t.int("repeats", 0)} repeats`;
    // No score to state before the first result (its baseline would read as a score of 0).
    setText(ui.status, !ready ? `${scope}: no result yet` : `${scope}, `
      + `${t.string("metric").replace(/_/g, " ")} ${formatValue(t.number("baseline", 0))} unshuffled · `
      + `beeswarm: ${t.int("n_shown", 0)} examples${running}`);
    showProblems(ui.error, t.string("error"), problems);
  }

  const redraw = view.coalesced(refresh, (err) => showProblems(ui.error, "", [widgetError(err)]));
  view.onChange([...DRAW_TRAITS], () => redraw.schedule());

  // -- hover: read the numbers already here ---------------------------------------------
  function place(x: number, y: number): void {
    ui.tip.hidden = false;
    // Beside the pointer; on its left (above) where the view's right side (bottom) would cut it.
    const right = ui.stage.scrollLeft + ui.stage.clientWidth, w = ui.tip.offsetWidth;
    ui.tip.style.left = `${x + 14 + w <= right ? x + 14 : Math.max(0, x - 14 - w)}px`;
    const bottom = ui.stage.clientHeight, th = ui.tip.offsetHeight;
    ui.tip.style.top = `${y + 10 + th <= bottom ? y + 10 : Math.max(0, y - 10 - th)}px`;
  }

  function hide(): void {
    ui.tip.hidden = true;
    ui.root.dataset.hoverFeature = "-1";
    ui.root.dataset.hoverExample = "-1";
    ui.dotMark.hidden = true;
    for (const e of Array.from(ui.table.querySelectorAll(".nnw-row-hover"))) e.classList.remove("nnw-row-hover");
  }

  function featureTip(j: number, x: number, y: number): void {
    if (!state) return;
    const s = state;
    const d = ui.tip.dataset;
    Object.assign(d, { feature: String(j), example: "-1", mean: String(s.perm.mean[j]), low: String(s.perm.low[j]),
      high: String(s.perm.high[j]), meanAbs: String(s.meanAbs[j]), attribution: "", value: "" });
    setText(ui.tip, `${s.names[j]}\npermutation: ${formatValue(s.perm.mean[j]!)} `
      + `[${formatValue(s.perm.low[j]!)}, ${formatValue(s.perm.high[j]!)}]\nmean |attribution|: ${formatValue(s.meanAbs[j]!)}`);
    ui.root.dataset.hoverFeature = String(j);
    ui.root.dataset.hoverExample = "-1";
    for (const e of Array.from(ui.table.querySelectorAll(`[data-feature="${j}"]`))) e.classList.add("nnw-row-hover");
    place(x, y);
  }

  function dotTip(r: number, i: number, x: number, y: number): void {
    if (!state) return;
    const s = state, j = order[r]!;
    const { attribution, value } = cell(s, i, j);
    Object.assign(ui.tip.dataset, { feature: String(j), example: String(s.ids[i]), attribution: String(attribution),
      value: String(value), mean: "", low: "", high: "", meanAbs: "" });
    setText(ui.tip, `${s.names[j]} = ${formatValue(value)}\nattribution: ${formatValue(attribution)}\nexample #${s.ids[i]}`);
    ui.root.dataset.hoverFeature = String(j);
    ui.root.dataset.hoverExample = String(s.ids[i]);
    if (dots) {
      ui.dotMark.style.left = `${dots.x[r * s.m + i]}px`;
      ui.dotMark.style.top = `${dots.y[r * s.m + i]}px`;
      ui.dotMark.hidden = false;
    }
    place(x, y);
  }

  const stageXY = (e: MouseEvent): [number, number] => {
    const r = ui.stage.getBoundingClientRect();
    return [e.clientX - r.left + ui.stage.scrollLeft, e.clientY - r.top];
  };
  ui.table.addEventListener("pointermove", (e) => {
    const target = (e.target as HTMLElement).closest<HTMLElement>(".nnw-row-cell[data-feature]");
    hide();
    if (target) featureTip(Number(target.dataset.feature), ...stageXY(e));
  }, on);
  ui.canvas.addEventListener("pointermove", (e) => {
    e.stopPropagation();
    const r = ui.canvas.getBoundingClientRect();
    const hit = dots && state ? nearestDot(dots, state.m, e.clientX - r.left, e.clientY - r.top) : null;
    hide();
    if (hit) dotTip(hit[0], hit[1], ...stageXY(e));
  }, on);
  for (const map of ui.maps) {
    map.canvas.addEventListener("pointermove", (e) => {
      hide();
      const grid = state?.grid;
      const at = grid ? cellFromClient(e.clientX, e.clientY, map.canvas.getBoundingClientRect(), grid[1], grid[0]) : null;
      if (grid && at) featureTip(at.row * grid[1] + at.col, ...stageXY(e));
    }, on);
  }
  ui.stage.addEventListener("pointerleave", hide, on);

  // -- controls ------------------------------------------------------------------------
  ui.top.addEventListener("change", () => {
    const k = Math.max(1, Math.floor(Number(ui.top.value) || 1));
    t.send("top", state ? Math.min(k, state.f) : k);
  }, on);
  ui.sort.addEventListener("change", () => t.send("sort", ui.sort.value), on);
  ui.method.addEventListener("change", () => send({ method: ui.method.value }), on);
  ui.metric.addEventListener("change", () => send({ metric: ui.metric.value, repeats: Number(ui.repeats.value) }), on);
  ui.repeats.addEventListener("change", () => {
    const n = Math.max(2, Math.min(1000, Math.floor(Number(ui.repeats.value) || 2)));
    send({ repeats: n, metric: ui.metric.value });
  }, on);
  ui.cancel.addEventListener("click", () => send({ cancel: true }), on);

  hide();
  refresh();
  return () => view.cleanup();
}
