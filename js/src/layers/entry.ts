// The Layers view's render(): the structure table with each layer's health,
// the selected layer's activations as one atlas canvas (hover a neuron:
// value, gradient, layer statistics, all read here from typed arrays), the
// input with the clicked neuron's attribution, its top inputs, and the
// weights. The only thing sent to the kernel is `_request` {seq, layer?,
// example?, target?, neuron?, panel?, sweep?}; Python answers each with one
// message.

import { setText } from "../lib/dom";
import { showErrors, showProblems, widgetError } from "../lib/errors";
import { formatValue } from "../lib/hover";
import { attempt } from "../lib/model";
import { mount, type RenderProps } from "../lib/mount";
import { finiteOr } from "../lib/numbers";
import { RequestCounter } from "../lib/requests";
import { traits } from "../lib/traits";
import { hitAt, type Hit, type Layout } from "./atlas";
import { drawAtlas, drawHealth, drawToolbar, drawWeights, pct, type AtlasDrawn, type WeightsDrawn } from "./draw";
import { drawInput, drawTops } from "./input";
import { readAtlas, readHealth, readInput, readNeuron, readRows, readToolbar, readTops, readWeights } from "./state";
import { CSS, NARROW, STYLE_ID } from "./style";
import { ANSWER_TRAITS, type LayersRequest, type LayersTraits } from "./traits";
import { ATLAS_HINT, buildDom, LayerRows } from "./ui";

/** The atlas or weights value under a pointer, in the array's own coordinates. */
function hit(canvas: HTMLCanvasElement, lay: Layout | null | undefined, e: MouseEvent): Hit | null {
  if (!lay) return null;
  const box = canvas.getBoundingClientRect();
  if (!(box.width > 0 && box.height > 0)) return null;
  return hitAt(lay, ((e.clientX - box.left) / box.width) * lay.width, ((e.clientY - box.top) / box.height) * lay.height);
}

export function render({ model, el }: RenderProps): () => void {
  const t = traits<LayersTraits>(model);
  const ui = buildDom();
  const view = mount(t, el, ui.root, [{ id: STYLE_ID, css: CSS }]);
  const on = view.listen;
  // A narrow notebook gets the compact table. Measured, not a container query: inline-size
  // containment would collapse the view to nothing where a host sizes it by its content (a Box).
  if (typeof ResizeObserver !== "undefined") {
    const narrow = new ResizeObserver(() => ui.root.classList.toggle("nnw-narrow", ui.root.clientWidth < NARROW));
    narrow.observe(ui.root);
    view.onCleanup(() => narrow.disconnect());
  }
  const seqs = new RequestCounter(model);
  const rows = new LayerRows(ui.tbody, ui.search);
  let atlas: AtlasDrawn | null = null;
  let atlasLayout: Layout | null = null;
  let weights: WeightsDrawn = { layout: null, weights: null, wxg: null };

  const busy = (): void => void ui.root.classList.toggle("nnw-busy", seqs.pending);

  function send(fields: Omit<LayersRequest, "seq">): void {
    t.send("_request", { seq: seqs.next(), ...fields });
    busy();
  }

  // No target: Python keeps the one shown, or follows each example's prediction
  // until the user picks a class in the menu.
  const current = (): Omit<LayersRequest, "seq"> => ({
    layer: t.string("layer"), example: t.int("example", 0), panel: t.string("panel", "activations"),
  });

  function refresh(): void {
    const seq = finiteOr(t.get("_seq"), 0);
    if (seqs.isStale(seq)) return; // an answer overtaken by one already drawn
    seqs.drew(seq);
    ui.root.dataset.seq = String(seq);
    const problems: string[] = [];
    attempt(problems, () => {
      rows.build(readRows(t));
      rows.select(t.string("layer"));
    });
    attempt(problems, () => drawToolbar(ui, readToolbar(t)));
    attempt(problems, () => drawHealth(ui, rows.rows, readHealth(t)));
    attempt(problems, () => {
      const t0 = performance.now();
      atlas = drawAtlas(ui, readAtlas(t), t0, seq);
      // No activations: hover has nothing to read, but a click still picks from the last layout.
      if (atlas) atlasLayout = atlas.layout;
    });
    attempt(problems, () => void (weights = drawWeights(ui, readWeights(t))));
    attempt(problems, () => {
      const input = readInput(t);
      drawInput(ui, input, seq);
      drawTops(ui, readTops(t), input.kind);
    });
    showProblems(ui.error, t.string("error"), problems);
    busy();
  }

  const redraws = view.coalesced(refresh, (err) => showErrors(ui.error, [t.string("error"), widgetError(err)]));
  view.onChange(ANSWER_TRAITS, () => redraws.schedule());

  // -- hover and clicks --------------------------------------------------------------
  const atlasHint = (): void => {
    ui.readout.classList.add("nnw-hint");
    setText(ui.readout, ATLAS_HINT);
  };
  ui.atlas.addEventListener("pointermove", (e) => {
    const found = hit(ui.atlas, atlasLayout, e);
    if (!found || !atlas) return atlasHint();
    const { act, grad, stats: s } = atlas;
    const v = act.data[found.flat]!;
    const g = grad ? grad.data[found.flat]! : NaN;
    const labels = t.strings("labels");
    const target = labels[t.int("target", 0)] ?? "";
    const r = ui.readout;
    r.classList.remove("nnw-hint");
    r.dataset.neuron = found.index.join(",");
    r.dataset.value = String(v);
    r.dataset.grad = String(g);
    // A sequence layer (T, D): name the token of the hovered row when tokens are known.
    const toks = t.strings("tokens");
    const tok = found.index.length === 2 && toks.length === atlasLayout?.shape[0] ? toks[found.index[0]!] : undefined;
    if (tok !== undefined) r.dataset.token = tok;
    else delete r.dataset.token;
    setText(r, `[${found.index.join(", ")}]${tok !== undefined ? ` token “${tok}”` : ""}` +
      ` activation ${formatValue(v)} · gradient of the “${target}” score ∂y/∂a ${formatValue(g)}` +
      ` · layer mean ${formatValue(s.mean)}, max ${formatValue(s.max)}, zeros ${pct(s.zeros)}`);
  }, on);
  ui.atlas.addEventListener("pointerleave", atlasHint, on);
  ui.atlas.addEventListener("click", (e) => {
    const found = hit(ui.atlas, atlasLayout, e);
    if (found) send({ ...current(), neuron: found.index });
  }, on);
  ui.wCanvas.addEventListener("pointermove", (e) => {
    const found = hit(ui.wCanvas, weights.layout, e);
    const w = weights.weights;
    if (!found || !w) return;
    ui.wReadout.classList.remove("nnw-hint");
    const g = weights.wxg ? weights.wxg.data[found.flat]! : NaN;
    ui.wReadout.dataset.value = String(w.data[found.flat]);
    setText(ui.wReadout, `w[${found.index.join(", ")}] = ${formatValue(w.data[found.flat]!)} · gradient × weight ${formatValue(g)}`);
  }, on);
  ui.wMode.addEventListener("change", () => attempt([], () => void (weights = drawWeights(ui, readWeights(t)))), on);
  ui.tbody.addEventListener("click", (e) => {
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
    if (ui.exampleInput.value.trim() === "") return;
    const n = t.int("n_examples", 1);
    const v = Math.min(n - 1, Math.max(0, Math.round(Number(ui.exampleInput.value) || 0)));
    const shown = seqs.pending ? askedExample : t.int("example", 0);
    if (v === shown) return; // input and change events of one edit: one request
    askedExample = v;
    send({ ...current(), example: v, neuron: readNeuron(t) });
  };
  ui.exampleInput.addEventListener("input", () => {
    clearTimeout(pickTimer);
    pickTimer = setTimeout(pickExample, 120);
  }, on);
  ui.exampleInput.addEventListener("change", pickExample, on);
  ui.exampleInput.addEventListener("keydown", (e) => e.stopPropagation(), on);
  ui.targetSelect.addEventListener("change", () => send({ ...current(), target: Number(ui.targetSelect.value), neuron: readNeuron(t) }), on);
  ui.tabAct.addEventListener("click", () => send({ ...current(), panel: "activations", neuron: readNeuron(t) }), on);
  ui.tabW.addEventListener("click", () => send({ ...current(), panel: "weights", neuron: readNeuron(t) }), on);
  ui.sweepButton.addEventListener("click", () => send({ ...current(), neuron: readNeuron(t), sweep: true }), on);
  view.onCleanup(() => clearTimeout(pickTimer));

  refresh();
  return () => view.cleanup();
}
