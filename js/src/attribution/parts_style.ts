// Styles of the several-input Attribution view, scoped to .nnw-parts.

import { themeCss } from "../lib/theme";

export const PARTS_STYLE_ID = "nnw-parts-style";

export const PARTS_CSS = `${themeCss(".nnw-parts", { bg2: "var(--jp-layout-color2, #f2f2f2)" })}
.nnw-parts { display: inline-flex; flex-direction: column; gap: 6px; padding: 6px 0; max-width: 100%; }
.nnw-parts .nnw-parts-head { display: flex; gap: 12px; align-items: center; flex-wrap: wrap; }
.nnw-parts .nnw-method { font: inherit; color: var(--nnw-fg); background: var(--nnw-bg); border: 1px solid var(--nnw-border); border-radius: 3px; padding: 2px 4px; }
.nnw-parts .nnw-status, .nnw-parts .nnw-part-scale, .nnw-parts .nnw-bars-title { color: var(--nnw-muted); }
.nnw-parts .nnw-error { color: var(--nnw-error, #c62828); white-space: pre-wrap; }
.nnw-parts .nnw-error[hidden] { display: none; }
.nnw-parts .nnw-parts-body { display: flex; flex-wrap: wrap; gap: 14px; align-items: flex-start; }
.nnw-parts .nnw-part-panels { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
.nnw-parts .nnw-part { display: flex; flex-direction: column; gap: 4px; }
.nnw-parts .nnw-part-title { font-weight: 600; }
.nnw-parts .nnw-part-scale { font-size: 11px; max-width: 300px; }
.nnw-parts .nnw-part-host { position: relative; display: inline-block; }
.nnw-parts .nnw-part-canvas { display: block; cursor: crosshair; image-rendering: pixelated; outline: 1px solid var(--nnw-border); }
.nnw-parts .nnw-part-picture { display: block; image-rendering: pixelated; outline: 1px solid var(--nnw-border); }
.nnw-parts .nnw-part-image { display: flex; gap: 8px; align-items: flex-start; }
.nnw-parts .nnw-cell-mark { position: absolute; pointer-events: none; box-sizing: border-box; border: 1px solid #000; outline: 1px solid #fff; }
.nnw-parts .nnw-vbars { display: grid; grid-template-columns: minmax(3em, max-content) 180px 5.5em; gap: 2px 6px; align-items: center; font-variant-numeric: tabular-nums; }
.nnw-parts .nnw-vbar-name { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; max-width: 12em; }
.nnw-parts .nnw-vbar-track { position: relative; height: 14px; background: var(--nnw-bg2); }
.nnw-parts .nnw-vbar-zero { position: absolute; left: 50%; top: -2px; bottom: -2px; width: 1px; background: var(--nnw-fg); }
.nnw-parts .nnw-vbar-fill { position: absolute; top: 1px; bottom: 1px; }
.nnw-parts .nnw-vbar-value { text-align: right; color: var(--nnw-muted); }
.nnw-parts .nnw-vbar:hover { outline: 1px solid var(--nnw-accent); }
.nnw-parts .nnw-side { display: flex; flex-direction: column; gap: 3px; min-width: 180px; max-width: 280px; }
.nnw-parts .nnw-bars { display: flex; flex-direction: column; gap: 3px; }
.nnw-parts .nnw-bar { position: relative; display: flex; justify-content: space-between; gap: 8px; width: 100%; padding: 3px 6px; font: inherit; color: var(--nnw-fg); text-align: left; background: var(--nnw-bg); border: 1px solid var(--nnw-border); border-radius: 3px; cursor: pointer; overflow: hidden; }
.nnw-parts .nnw-bar-fill { position: absolute; left: 0; top: 0; bottom: 0; background: var(--nnw-accent); opacity: 0.18; pointer-events: none; }
.nnw-parts .nnw-bar-label, .nnw-parts .nnw-bar-value { position: relative; }
.nnw-parts .nnw-bar-value { color: var(--nnw-muted); }
.nnw-parts .nnw-bar.nnw-target { border-color: var(--nnw-accent); box-shadow: inset 3px 0 0 var(--nnw-accent); font-weight: 600; }
.nnw-parts .nnw-bar.nnw-predicted .nnw-bar-value::before { content: "\\2605  "; color: var(--nnw-accent); }
.nnw-parts .nnw-readout { min-height: 1.4em; font-variant-numeric: tabular-nums; white-space: nowrap; }
.nnw-parts.nnw-busy .nnw-part-panels { opacity: 0.75; transition: opacity 0.2s 0.15s; }
`;
