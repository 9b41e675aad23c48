// The Importance view's DOM skeleton. Every user string (feature names, method
// names, errors) is set with textContent, never as HTML.

import { progressRow, type ProgressRow } from "../lib/progress";
import { h } from "../lib/dom";
import { buildGridMap, type GridMap } from "./grid";

export const ROW = 20; // CSS pixels per feature row, in every panel
// About 760 px in all: the four panels fit JupyterLab's output area beside its side bar.
export const NAME_W = 150;
export const PERM_W = 190;
export const MEAN_W = 120;
export const SWARM_W = 300;
export const PAD = 6; // inner margin of every track: a bar or dot at the end is not cut

export interface ImportanceUi {
  root: HTMLDivElement;
  top: HTMLInputElement;
  sort: HTMLSelectElement;
  method: HTMLSelectElement;
  metric: HTMLSelectElement;
  repeats: HTMLInputElement;
  cancel: HTMLButtonElement;
  stage: HTMLDivElement;
  table: HTMLDivElement;
  permHead: HTMLDivElement;
  meanHead: HTMLDivElement;
  swarmHead: HTMLDivElement;
  swarm: HTMLDivElement;
  canvas: HTMLCanvasElement;
  swarmZero: HTMLDivElement;
  dotMark: HTMLDivElement;
  axes: { perm: HTMLDivElement; mean: HTMLDivElement; swarm: HTMLDivElement };
  colorbar: HTMLCanvasElement;
  grids: HTMLDivElement;
  maps: [GridMap, GridMap];
  tip: HTMLDivElement;
  status: HTMLDivElement;
  error: HTMLDivElement;
  progress: ProgressRow;
}

const SORT_TITLES: Array<[string, string]> = [
  ["attribution", "mean |attribution|"], ["permutation", "permutation"], ["given", "feature order"],
];

function label(text: string, input: HTMLElement): HTMLLabelElement {
  const l = h("label", "", {}, text);
  l.appendChild(input);
  return l;
}

export function buildDom(): ImportanceUi {
  const root = h("div", "nnw-importance");
  const bar = h("div", "nnw-toolbar");
  const top = h("input", "nnw-top", { type: "number", min: 1, step: 1, value: 15 });
  const sort = h("select", "nnw-sort");
  for (const [value, title] of SORT_TITLES) sort.appendChild(h("option", "", { value }, title));
  const method = h("select", "nnw-method");
  const metric = h("select", "nnw-metric");
  const repeats = h("input", "nnw-repeats", { type: "number", min: 2, max: 1000, step: 1, value: 10 });
  const cancel = h("button", "nnw-cancel", { type: "button", hidden: true }, "cancel");
  bar.append(label("features", top), label("order", sort), label("method", method), label("metric", metric),
    label("repeats", repeats), cancel);
  const stage = h("div", "nnw-stage");
  const table = h("div", "nnw-table");
  table.style.gridTemplateColumns = `${NAME_W}px ${PERM_W}px ${MEAN_W}px ${SWARM_W}px`;
  const head = (cls: string): HTMLDivElement => h("div", `nnw-head ${cls}`);
  const permHead = head("nnw-phead"), meanHead = head("nnw-mhead"), swarmHead = head("nnw-shead");
  const swarm = h("div", "nnw-swarm");
  const canvas = h("canvas", "nnw-beeswarm");
  const swarmZero = h("div", "nnw-szero");
  const dotMark = h("div", "nnw-dotmark", { hidden: true });
  swarm.append(canvas, swarmZero, dotMark);
  const axis = (): HTMLDivElement => h("div", "nnw-axis");
  const axes = { perm: axis(), mean: axis(), swarm: axis() };
  [h("div", "nnw-head"), permHead, meanHead, swarmHead].forEach((el, c) => {
    el.style.gridRow = "1";
    el.style.gridColumn = String(c + 1);
    table.appendChild(el);
  });
  table.appendChild(swarm);
  const tip = h("div", "nnw-tip", { hidden: true });
  const legend = h("div", "nnw-colorlegend");
  const colorbar = h("canvas", "nnw-colorbar", { width: 256, height: 8 });
  legend.append(h("span", "", {}, "feature value"), h("span", "", {}, "low"), colorbar, h("span", "", {}, "high"));
  const grids = h("div", "nnw-grids", { hidden: true });
  const maps: [GridMap, GridMap] = [buildGridMap(), buildGridMap()];
  grids.append(maps[0].box, maps[1].box);
  const status = h("div", "nnw-status");
  const error = h("div", "nnw-error", { hidden: true });
  const hint = h("div", "nnw-status", {}, "hover a bar or a dot for its numbers");
  stage.append(table, legend, grids, tip); // the colour bar under the beeswarm it explains
  const progress = progressRow();
  root.append(bar, progress.box, stage, status, hint, error);
  return {
    root, top, sort, method, metric, repeats, cancel, stage, table, permHead, meanHead, swarmHead, swarm, canvas,
    swarmZero, dotMark, axes, colorbar, grids, maps, tip, status, error, progress,
  };
}

/** Replace the options of `select` with `values` (titles = values), keeping `current` chosen. */
export function setOptions(select: HTMLSelectElement, values: string[], current: string): void {
  const now = Array.from(select.options).map((o) => o.value);
  if (now.join("\n") !== values.join("\n")) {
    while (select.firstChild) select.removeChild(select.firstChild);
    for (const v of values) select.appendChild(h("option", "", { value: v }, v.replace(/_/g, " ")));
  }
  select.value = current;
}
