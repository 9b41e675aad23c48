// Styles of the Layers view, shipped inside the bundle. The theme (colours,
// font, hidden) comes from lib/theme; every rule is scoped to .nnw-layers.

import { themeCss } from "../lib/theme";

export const STYLE_ID = "nnw-layers-style";

/** Below this width (px) the view draws its compact table (entry.ts sets .nnw-narrow). */
export const NARROW = 560;

const L = ".nnw-layers";

export const CSS = `${themeCss(L)}
${L} { display: flex; flex-direction: column; gap: 6px; padding: 6px 0; max-width: 100%; }
${L}.nnw-busy .nnw-status::after { content: " computing…"; color: var(--nnw-muted); }
${L} .nnw-toolbar { display: flex; flex-wrap: wrap; gap: 12px; align-items: center; }
${L} .nnw-toolbar label { display: inline-flex; gap: 6px; align-items: center; color: var(--nnw-muted); }
${L} select, ${L} input[type=number], ${L} button {
  font: inherit; color: var(--nnw-fg); background: var(--nnw-bg);
  border: 1px solid var(--nnw-border); border-radius: 3px; padding: 2px 6px;
}
${L} input[type=number] { width: 5em; }
${L} button { cursor: pointer; }
${L} button.nnw-on { border-color: var(--nnw-accent); color: var(--nnw-accent); }
${L} .nnw-error { color: var(--nnw-error); white-space: pre-wrap; border-left: 3px solid var(--nnw-error); padding-left: 6px; }
${L} .nnw-note { color: var(--nnw-muted); font-style: italic; }
${L} .nnw-body { display: flex; flex-wrap: wrap; gap: 14px; align-items: flex-start; }
/* the three columns may shrink below their content (a flex item would not): the atlas and the table then fit */
${L} .nnw-body > * { min-width: 0; }
${L} .nnw-left { max-width: 100%; }
${L} .nnw-tablebox { max-height: 420px; overflow: auto; border: 1px solid var(--nnw-border); max-width: 100%; box-sizing: border-box; }
${L} table.nnw-table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
${L} .nnw-table th { position: sticky; top: 0; background: var(--nnw-bg2); font-weight: normal; color: var(--nnw-muted); text-align: left; padding: 2px 4px; }
${L} .nnw-table td { padding: 1px 4px; white-space: nowrap; border-top: 1px solid var(--nnw-bg2); }
/* compact enough that every column of the layer table fits a 800 px notebook's output area */
${L} table.nnw-table { font-size: 12px; }
${L} .nnw-table td:first-child { max-width: 11em; overflow: hidden; text-overflow: ellipsis; }
${L} .nnw-row { cursor: pointer; }
${L} .nnw-row[hidden] { display: none; }
${L} .nnw-fold { border: none; background: none; padding: 0 3px 0 0; cursor: pointer; color: var(--nnw-muted); font: inherit; width: 1.2em; }
${L} .nnw-search { width: 100%; box-sizing: border-box; margin-bottom: 4px; }
${L} .nnw-row:hover { background: var(--nnw-bg2); }
${L} .nnw-row.nnw-selected { background: color-mix(in srgb, var(--nnw-accent) 18%, transparent); }
${L} .nnw-row.nnw-fixed { cursor: default; color: var(--nnw-muted); }
${L} .nnw-num { text-align: right; }
${L} .nnw-gcell { display: flex; align-items: center; gap: 4px; }
/* the bar's share of the log range comes from draw.ts as --nnw-t; its full length is the column's */
${L} .nnw-gbar { display: inline-block; height: 8px; background: var(--nnw-accent); min-width: 1px; width: calc(4px + var(--nnw-t, 0) * var(--nnw-gspan, 56px)); }
${L} .nnw-gbar.nnw-low { background: var(--nnw-muted); }
${L} .nnw-gbar.nnw-high { background: var(--nnw-error); }
${L} .nnw-bad { color: var(--nnw-error); }
${L} .nnw-sat { color: var(--nnw-warn); }
${L} .nnw-source { display: flex; gap: 8px; align-items: center; color: var(--nnw-muted); padding: 4px 0; flex-wrap: wrap; }
${L} progress.nnw-progress { width: 120px; }
${L} .nnw-main, ${L} .nnw-side { display: flex; flex-direction: column; gap: 4px; max-width: 100%; }
${L} .nnw-side { min-width: 200px; max-width: 320px; }
${L} .nnw-head { font-weight: 600; }
${L} canvas.nnw-atlas, ${L} canvas.nnw-wcanvas, ${L} canvas.nnw-input, ${L} canvas.nnw-thumb {
  display: block; image-rendering: pixelated; max-width: 100%; height: auto; outline: 1px solid var(--nnw-border);
}
${L} canvas.nnw-atlas, ${L} canvas.nnw-wcanvas { cursor: crosshair; }
${L} .nnw-atlasbox { position: relative; align-self: flex-start; max-width: 100%; }
${L} .nnw-marker { position: absolute; outline: 2px solid var(--nnw-accent); min-width: 2px; min-height: 2px; pointer-events: none; }
${L} .nnw-marker[hidden] { display: none; }
${L} .nnw-readout { min-height: 1.4em; font-variant-numeric: tabular-nums; }
${L} .nnw-readout.nnw-hint, ${L} .nnw-stats { color: var(--nnw-muted); }
${L} .nnw-stats { font-variant-numeric: tabular-nums; }
${L} .nnw-tops { display: flex; flex-wrap: wrap; gap: 4px; }
${L} .nnw-tokens { display: flex; flex-wrap: wrap; gap: 2px 4px; max-width: 260px; }
${L} .nnw-tokens[hidden] { display: none; }
${L} .nnw-token { padding: 0 3px; border: 1px solid var(--nnw-border, #ddd); border-radius: 3px; white-space: pre; }
${L} .nnw-top { display: flex; flex-direction: column; align-items: center; font-size: 11px; color: var(--nnw-muted); font-variant-numeric: tabular-nums; }
/* fixed columns: every row's track at the same x and width, so the zero lines align */
${L} .nnw-fbar, ${L} .nnw-fhead { display: grid; grid-template-columns: 9em 110px 5.5em; gap: 6px; align-items: center; }
${L} .nnw-fhead { color: var(--nnw-muted); font-size: 11px; }
${L} .nnw-fscale { text-align: center; font-size: 10px; white-space: nowrap; overflow: hidden; }
${L} .nnw-fname { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
${L} .nnw-ftrack { position: relative; height: 10px; background: var(--nnw-bg2); }
${L} .nnw-fzero { position: absolute; left: 50%; top: -2px; bottom: -2px; width: 1px; background: var(--nnw-muted); }
${L} .nnw-ffill { position: absolute; top: 0; bottom: 0; background: #d6604d; }
${L} .nnw-ffill.nnw-neg { background: #4393c3; }
${L} .nnw-fval { font-variant-numeric: tabular-nums; color: var(--nnw-muted); text-align: right; white-space: nowrap; }
${L} .nnw-features .nnw-hint { color: var(--nnw-muted); font-style: italic; }
/* A narrow notebook (800 px wide leaves the view under 400 px; .nnw-narrow below NARROW px): smaller type and padding, a shorter
   gradient bar, long layer and type names cut with an ellipsis (the full name is the cell's title)
   so every column of the table stays in view. */
${L}.nnw-narrow table.nnw-table { font-size: 11px; --nnw-gspan: 26px; }
${L}.nnw-narrow .nnw-table th, ${L}.nnw-narrow .nnw-table td { padding: 1px 2px; }
${L}.nnw-narrow .nnw-table td:first-child { max-width: 7.5em; }
${L}.nnw-narrow .nnw-table td:nth-child(2) { max-width: 6.5em; overflow: hidden; text-overflow: ellipsis; }
${L}.nnw-narrow .nnw-gcell { gap: 2px; }
`;
