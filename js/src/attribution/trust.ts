// The trust panel: for the maps shown, how far each can be trusted —
// integrated gradients' completeness gap, agreement between methods, the
// model-randomization check and the deletion curve — each with one line
// (computed by Python) saying what it means for this input.

import { clear, h, setText } from "../lib/dom";
import { formatValue } from "../lib/hover";
import type { DrawState, TrustState } from "./state";
import { titleOf } from "./state";

const COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"];

function pct(v: number | null): string {
  if (v === null) return "–";
  const p = v * 100;
  return `${p >= 1 ? p.toFixed(1) : p.toPrecision(2)} %`;
}

/** Polyline of each method's deletion curve on one small canvas. */
export function drawDeletion(canvas: HTMLCanvasElement, t: TrustState): void {
  const ctx = canvas.getContext("2d");
  if (!ctx || !t.fractions || !t.deletion) return;
  const w = (canvas.width = 220);
  const hgt = (canvas.height = 90);
  ctx.clearRect(0, 0, w, hgt);
  const steps = t.fractions.length;
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of t.deletion) {
    if (Number.isFinite(v)) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  if (!(hi > lo)) hi = lo + 1;
  const pad = 4;
  ctx.strokeStyle = "rgba(128,128,128,0.5)";
  ctx.strokeRect(0.5, 0.5, w - 1, hgt - 1);
  t.methods.forEach((_, m) => {
    ctx.beginPath();
    ctx.strokeStyle = COLOURS[m % COLOURS.length]!;
    ctx.lineWidth = 1.5;
    for (let i = 0; i < steps; i++) {
      const x = pad + (t.fractions![i]! * (w - 2 * pad));
      const y = hgt - pad - ((t.deletion![m * steps + i]! - lo) / (hi - lo)) * (hgt - 2 * pad);
      if (i === 0) ctx.moveTo(x, y);
      else ctx.lineTo(x, y);
    }
    ctx.stroke();
  });
}

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
  for (const c of ["method", "deletion area ↓", "ρ after randomizing", ""]) head.append(h("th", "", {}, c));
  table.append(head);
  t.methods.forEach((m, i) => {
    const row = h("tr", "", { "data-method": m });
    const sw = h("span", "nnw-swatch");
    sw.style.background = COLOURS[i % COLOURS.length]!;
    const name = h("td");
    name.append(sw, document.createTextNode(titleOf(s, m)));
    const rho = t.randomization[m];
    row.append(
      name,
      h("td", "nnw-area", { "data-value": String(t.area[m] ?? "") }, t.area[m] === undefined ? "–" : formatValue(t.area[m]!)),
      h("td", `nnw-rho${rho !== undefined && rho > 0.8 ? " nnw-warn" : ""}`, { "data-value": String(rho ?? "") },
        rho === undefined ? "–" : rho.toFixed(2)),
      h("td"),
    );
    table.append(row);
  });
  const curve = h("canvas", "nnw-deletion", { "aria-label": "deletion curves" });
  const curves = h("div", "nnw-curves");
  curves.append(curve, h("div", "nnw-caption", {}, "target score as features are removed, most important first"));
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
  drawDeletion(curve, t);
}

export function setTrustPending(box: HTMLDivElement, pending: boolean): void {
  box.classList.toggle("nnw-stale", pending);
  const t = box.querySelector(".nnw-trust-title");
  if (t) setText(t, pending ? "trust (updating…)" : "trust");
}
