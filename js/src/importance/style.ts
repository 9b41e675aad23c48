// Styles of the Importance view, scoped to .nnw-importance on top of lib/theme.

import { themeCss } from "../lib/theme";
import { PAD, ROW } from "./ui";

export const STYLE_ID = "nnw-importance-style";

const E = ".nnw-importance";

export const CSS = `${themeCss(E)}
${E} { display: flex; flex-direction: column; gap: 6px; padding: 6px 0; max-width: 100%; }
${E} .nnw-toolbar { display: flex; flex-wrap: wrap; gap: 12px; align-items: center; color: var(--nnw-muted); }
${E} .nnw-toolbar label { display: inline-flex; gap: 6px; align-items: center; }
${E} input[type=number] { width: 5em; }
${E} .nnw-stage { position: relative; align-self: flex-start; overflow-x: auto; max-width: 100%; }
${E} .nnw-table { display: grid; column-gap: 10px; align-items: stretch; }
${E} .nnw-head { font-size: 12px; color: var(--nnw-muted); align-self: end; padding-bottom: 2px; }
${E} .nnw-name { height: ${ROW}px; line-height: ${ROW}px; overflow: hidden; text-overflow: ellipsis;
  white-space: nowrap; text-align: right; font-size: 12px; }
${E} .nnw-track { position: relative; height: ${ROW}px; }
${E} .nnw-zero, ${E} .nnw-szero { position: absolute; top: 0; bottom: 0; width: 1px; background: var(--nnw-fg); }
${E} .nnw-bar { position: absolute; top: 4px; bottom: 4px; }
${E} .nnw-prow .nnw-bar { background: #8c8c8c; }
${E} .nnw-mrow .nnw-bar { background: #1f77b4; }
${E} .nnw-whisker { position: absolute; top: ${ROW / 2 - 3}px; height: 6px; box-sizing: border-box;
  border-left: 1px solid var(--nnw-fg); border-right: 1px solid var(--nnw-fg); }
${E} .nnw-whisker::after { content: ""; position: absolute; left: 0; right: 0; top: 2px; height: 1px;
  background: var(--nnw-fg); }
${E} .nnw-row-hover { background: var(--nnw-bg2); }
${E} .nnw-swarm { position: relative; }
${E} canvas.nnw-beeswarm { display: block; cursor: crosshair; }
${E} .nnw-dotmark { position: absolute; width: 11px; height: 11px; margin: -5.5px 0 0 -5.5px; border-radius: 50%;
  border: 1.5px solid var(--nnw-accent); pointer-events: none; }
${E} .nnw-axis { position: relative; height: 16px; font-size: 11px; color: var(--nnw-muted); }
${E} .nnw-axis span { position: absolute; top: 0; white-space: nowrap; }
${E} .nnw-colorlegend { display: flex; gap: 6px; align-items: center; justify-content: flex-end; font-size: 12px;
  color: var(--nnw-muted); margin-top: 2px; }
${E} canvas.nnw-colorbar { width: 120px; height: 8px; image-rendering: pixelated; }
${E} .nnw-grids { display: flex; gap: 24px; margin-top: 10px; padding-left: ${PAD}px; }
${E} canvas.nnw-heat { display: block; image-rendering: pixelated; outline: 1px solid var(--nnw-border);
  cursor: crosshair; }
${E} .nnw-gridscale { display: flex; gap: 4px; align-items: center; font-size: 11px; color: var(--nnw-muted);
  margin-top: 3px; }
${E} .nnw-gridbar { display: inline-block; width: 90px; height: 8px; }
${E} .nnw-tip { position: absolute; pointer-events: none; background: var(--nnw-bg); color: var(--nnw-fg);
  border: 1px solid var(--nnw-border); border-radius: 3px; padding: 4px 6px; font-size: 12px; max-width: 280px;
  box-shadow: 0 1px 4px rgba(0, 0, 0, 0.2); white-space: pre-wrap; z-index: 2; }
${E} .nnw-progress { display: flex; gap: 8px; align-items: center; font-size: 12px; color: var(--nnw-muted); margin: 4px 0; }
${E} .nnw-progress[hidden], ${E} .nnw-stage[hidden] { display: none; }
${E} .nnw-progress-bar { width: 200px; accent-color: var(--nnw-accent); }
${E} .nnw-status { font-size: 12px; color: var(--nnw-muted); }
${E} .nnw-error { color: var(--nnw-error); white-space: pre-wrap; }
`;
