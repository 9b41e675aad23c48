// The trust panel: for the maps shown, how far each can be trusted —
// integrated gradients' completeness gap, agreement between methods, the
// model-randomization check and the deletion curve — each with one line
// (computed by Python) saying what it means for this input.

import { clear, h, setText } from "../lib/dom";
import { COLOURS, curveLegend, drawCurves } from "./deletion";
import { formatValue } from "../lib/hover";
import type { DrawState } from "./state";
import { titleOf } from "./state";

function pct(v: number | null): string {
  if (v === null) return "–";
  const p = v * 100;
  return `${p >= 1 ? p.toFixed(1) : p.toPrecision(2)} %`;
}

/** Warn on a signed ρ above this after randomizing (checks/sentences.py's RANDOMIZATION_WARN). */
const RANDOMIZATION_WARN = 0.8;

export function renderTrust(box: HTMLDivElement, s: DrawState): void {
  const t = s.trust;
  box.hidden = !t;
  if (!t) {
    clear(box);
    return;
  }
  const stale = t.seq !== null && t.seq !== s.seq;
  box.classList.toggle("nnw-stale", stale);
  box.dataset.seq = String(t.seq ?? "");
  const parts: HTMLElement[] = [h("div", "nnw-trust-title", {}, stale ? "trust (updating…)" : "trust")];
  if (t.error) {
    parts.push(h("div", "nnw-trust-error", {}, `the evidence could not be computed: ${t.error}`));
    box.replaceChildren(...parts);
    return;
  }

  const ig = h("div", "nnw-ig-delta", {
    "data-delta": t.igDelta === null ? "" : String(t.igDelta),
    "data-relative": t.igRelative === null ? "" : String(t.igRelative),
  });
  if (t.igDelta !== null) {
    ig.append(h("b", "", {}, "IG completeness: "),
      document.createTextNode(`|δ| = ${formatValue(t.igDelta)} against |F(x) − F(baseline)| = ` +
        `${formatValue(t.igGap ?? NaN)} (${pct(t.igRelative)})`));
  } else {
    ig.append(document.createTextNode("IG completeness: show integrated gradients to check it"));
  }
  parts.push(ig);

  // Per-method table: deletion area, randomization ρ.
  const table = h("table", "nnw-trust-table");
  const head = h("tr");
  const what = t.randomizedLayers.length === 1 ? "the last layer" : `the last ${t.randomizedLayers.length} layers`;
  for (const [c, tip] of [
    ["method", ""], ["deletion area ↓", "area under the deletion curve: smaller = the map finds what the model uses"],
    ["ρ signed", `Spearman ρ of the map against the map after re-initialising ${what}, over the features where either map is non-zero; high = unchanged`],
    ["ρ |·|", "the same for the magnitudes of the maps"], ["", ""],
  ] as const) head.append(h("th", "", tip ? { title: tip } : {}, c));
  table.append(head);
  t.methods.forEach((m, i) => {
    const row = h("tr", "", { "data-method": m });
    const sw = h("span", "nnw-swatch");
    sw.style.background = COLOURS[i % COLOURS.length]!;
    const name = h("td");
    name.append(sw, document.createTextNode(titleOf(s, m)));
    const rho = t.randomization[m];
    const signed = t.randomizationSigned[m];
    const n = t.randomizationCompared[m];
    const cell = (v: number | undefined, cls: string, warn: boolean): HTMLElement =>
      h("td", `${cls}${warn ? " nnw-warn" : ""}`, { "data-value": String(v ?? ""), title: n === undefined ? "" : `over ${n} features` },
        v === undefined ? "–" : v.toFixed(2));
    row.append(
      name,
      h("td", "nnw-area", { "data-value": String(t.area[m] ?? "") }, t.area[m] === undefined ? "–" : formatValue(t.area[m]!)),
      cell(signed, "nnw-rho-signed", signed !== undefined && signed > RANDOMIZATION_WARN),
      cell(rho, "nnw-rho", false),
      h("td"),
    );
    table.append(row);
  });
  const curve = h("canvas", "nnw-deletion", { "aria-label": "deletion curves" });
  const curves = h("div", "nnw-curves");
  const probability = s.output === "probability";
  const data = t.fractions && t.deletion
    ? { fractions: t.fractions, scores: t.deletion, random: t.random, names: t.methods, probability }
    : null;
  curves.append(
    h("div", "nnw-caption", {}, `${probability ? "probability" : "score"} of the explained class as features are removed`),
    curve,
  );
  if (data) curves.append(curveLegend(data, t.methods.map((m) => titleOf(s, m))));
  const grid = h("div", "nnw-trust-grid");
  grid.append(table, curves);
  parts.push(grid);

  if (t.rank && t.methods.length > 1) {
    const rank = h("table", "nnw-rank");
    const top = h("tr");
    top.append(h("th", "", {}, "rank agreement ρ"));
    for (const m of t.methods) top.append(h("th", "", {}, titleOf(s, m)));
    rank.append(top);
    const n = t.methods.length;
    t.methods.forEach((m, i) => {
      const row = h("tr");
      row.append(h("th", "", {}, titleOf(s, m)));
      for (let j = 0; j < n; j++) row.append(h("td", "", { "data-value": String(t.rank![i * n + j]) }, t.rank![i * n + j]!.toFixed(2)));
      rank.append(row);
    });
    parts.push(rank);
  }

  const lines = Object.entries(t.summary);
  if (lines.length) {
    const list = h("ul", "nnw-summary");
    for (const [key, line] of lines) list.append(h("li", "", { "data-key": key }, line));
    parts.push(list);
  }
  box.replaceChildren(...parts);
  if (data) drawCurves(curve, data);
}

export function setTrustPending(box: HTMLDivElement, pending: boolean): void {
  box.classList.toggle("nnw-stale", pending);
  const t = box.querySelector(".nnw-trust-title");
  if (t) setText(t, pending ? "trust (updating…)" : "trust");
}
