// DOM skeleton of the Layers view: toolbar, structure table, atlas, weights
// and the input side. Class names and data attributes are the contract the
// browser tests select on; keep them stable. User text is set as text only.

import { h, setText } from "../lib/dom";
import type { Row } from "./state";
import { type Tree, initialFolds, reveal, treeOf, visible } from "./tree";

export const ATLAS_HINT = "hover a neuron; click it for its attribution";

export interface LayersUi {
  root: HTMLDivElement;
  exampleInput: HTMLInputElement;
  targetSelect: HTMLSelectElement;
  predicted: HTMLSpanElement;
  tabAct: HTMLButtonElement;
  tabW: HTMLButtonElement;
  error: HTMLDivElement;
  note: HTMLDivElement;
  tbody: HTMLTableSectionElement;
  search: HTMLInputElement;
  sourceText: HTMLSpanElement;
  sweepButton: HTMLButtonElement;
  progress: HTMLProgressElement;
  head: HTMLDivElement;
  atlas: HTMLCanvasElement;
  cbLo: HTMLSpanElement;
  cbar: HTMLCanvasElement;
  cbHi: HTMLSpanElement;
  readout: HTMLDivElement;
  stats: HTMLDivElement;
  weightsBox: HTMLDivElement;
  wMode: HTMLSelectElement;
  wCanvas: HTMLCanvasElement;
  /** what the weights picture is (shape, how it is tiled) and its colour scale */
  wCaption: HTMLDivElement;
  wBar: HTMLCanvasElement;
  wLo: HTMLSpanElement;
  wHi: HTMLSpanElement;
  wReadout: HTMLDivElement;
  marker: HTMLDivElement;
  inputTitle: HTMLDivElement;
  inputCanvas: HTMLCanvasElement;
  featBox: HTMLDivElement;
  tokBox: HTMLDivElement;
  neuronText: HTMLDivElement;
  topTitle: HTMLDivElement;
  tops: HTMLDivElement;
}

const COLUMNS: ReadonlyArray<readonly [string, string]> = [
  ["layer", ""], ["type", ""], ["output", "per example"], ["params", ""],
  ["dead", "units never above 0 (ReLU-like layers only: output ≥ 0 over the data)"],
  ["sat.", "saturated values (sigmoid/tanh)"], ["‖∂y/∂a‖", "gradient norm for the target"],
];

export function buildDom(): LayersUi {
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
  const search = h("input", "nnw-search", { type: "search", placeholder: "find a layer…", "aria-label": "find a layer" });
  const tableBox = h("div", "nnw-tablebox");
  const table = h("table", "nnw-table");
  const thead = h("thead");
  const headRow = h("tr");
  for (const [t, tip] of COLUMNS) {
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
  left.append(search, tableBox, source);

  const main = h("div", "nnw-main");
  const head = h("div", "nnw-head");
  const atlas = h("canvas", "nnw-atlas");
  const [cbarRow, cbLo, cbar, cbHi] = colourScale("nnw-source", "nnw-colorbar", 160);
  const readout = h("div", "nnw-readout nnw-hint", {}, ATLAS_HINT);
  const stats = h("div", "nnw-stats");
  const weightsBox = h("div", "nnw-weightsbox");
  const wMode = h("select", "nnw-wmode");
  wMode.append(h("option", "", { value: "w" }, "weights"), h("option", "", { value: "g" }, "gradient × weight"));
  const wCanvas = h("canvas", "nnw-wcanvas");
  const wReadout = h("div", "nnw-readout nnw-hint", {}, "hover a weight");
  const wCaption = h("div", "nnw-wcaption");
  const [wScale, wLo, wBar, wHi] = colourScale("nnw-cbar-row", "nnw-cbar nnw-wbar", 120);
  weightsBox.append(wMode, wCaption, wCanvas, wScale, wReadout);
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
  return {
    root, exampleInput, targetSelect, predicted, tabAct, tabW, error, note, tbody, search, sourceText, sweepButton, progress,
    head, atlas, cbLo, cbar, cbHi, readout, stats, weightsBox, wMode, wCanvas, wCaption, wBar, wLo, wHi, wReadout, marker, inputTitle,
    inputCanvas, featBox, tokBox, neuronText, topTitle, tops,
  };
}

/** A colour bar with its low and high ends: [row, lo, bar, hi]. */
function colourScale(rowClass: string, barClass: string, width: number): [HTMLDivElement, HTMLSpanElement, HTMLCanvasElement, HTMLSpanElement] {
  const lo = h("span");
  const bar = h("canvas", barClass);
  bar.style.width = `${width}px`;
  bar.style.height = "10px";
  const hi = h("span");
  const row = h("div", rowClass);
  row.append(lo, bar, hi);
  return [row, lo, bar, hi];
}

export const shapeText = (s: readonly number[] | null): string => (s ? s.join("×") || "scalar" : "–");

/** The structure table's rows as a tree (blocks fold, a search box filters), rebuilt only
 * when the layers change; ``rows`` holds the selectable rows by name. */
export class LayerRows {
  private key = "";
  rows = new Map<string, HTMLTableRowElement>();
  private all: HTMLTableRowElement[] = [];
  private toggles = new Map<number, HTMLButtonElement>();
  private data: Row[] = [];
  private tree: Tree = treeOf([]);
  private folded = new Set<string>();
  private query = "";
  private shown = "";

  constructor(private readonly tbody: HTMLTableSectionElement, search?: HTMLInputElement) {
    search?.addEventListener("input", () => {
      this.query = search.value;
      this.apply();
    });
  }

  build(rows: Row[]): void {
    const key = JSON.stringify(rows.map((r) => [r.name, r.type, r.shape, r.params, r.selectable]));
    if (key === this.key) return;
    this.key = key;
    this.data = rows;
    this.tree = treeOf(rows);
    this.folded = initialFolds(rows, this.tree);
    this.rows = new Map();
    this.toggles = new Map();
    this.all = rows.map((r, i) => {
      const tr = h("tr", r.selectable ? "nnw-row" : "nnw-row nnw-fixed", { "data-layer": r.name });
      const name = h("td", "nnw-lname");
      name.style.paddingLeft = `${6 + 12 * Math.max(0, r.depth - 1)}px`;
      if (this.tree.kids[i] && r.depth >= 1) {
        const fold = h("button", "nnw-fold", { type: "button", "data-layer": r.name });
        fold.addEventListener("click", (e) => {
          e.stopPropagation(); // folding is not picking the layer
          if (!this.folded.delete(r.name)) this.folded.add(r.name);
          this.apply();
        });
        this.toggles.set(i, fold);
        name.append(fold);
      }
      name.append(document.createTextNode(r.name || "(model)"));
      name.title = r.name || "(model)"; // the whole name, when a narrow column cuts it
      const total = this.tree.total[i]!;
      const params = h("td", "nnw-num", total !== r.params ? { title: `own: ${r.params.toLocaleString("en-US")}` } : {},
        total.toLocaleString("en-US"));
      tr.append(name, h("td", "nnw-ltype", { title: r.type }, r.type), h("td", "", {}, shapeText(r.shape)), params,
        h("td", "nnw-num nnw-dead"), h("td", "nnw-num nnw-satc"), h("td", "nnw-gnorm"));
      if (r.selectable) this.rows.set(r.name, tr);
      return tr;
    });
    this.tbody.replaceChildren(...this.all);
    this.shown = "";
    this.apply();
  }

  /** Unfold the blocks around the shown layer, once each time it changes. */
  select(name: string): void {
    if (name === this.shown) return;
    this.shown = name;
    reveal(this.data, this.tree, this.folded, name);
    this.apply();
  }

  private apply(): void {
    const show = visible(this.data, this.tree, this.folded, this.query);
    this.all.forEach((tr, i) => void (tr.hidden = !show[i]));
    for (const [i, b] of this.toggles) {
      const open = this.query.trim() !== "" || !this.folded.has(this.data[i]!.name);
      setText(b, open ? "▾" : "▸");
      b.setAttribute("aria-expanded", String(open));
    }
  }
}
