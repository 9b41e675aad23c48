// Styles of the Embedding view, scoped to .nnw-embedding on top of lib/theme.

import { themeCss } from "../lib/theme";

export const STYLE_ID = "nnw-embedding-style";

const E = ".nnw-embedding";

export const CSS = `${themeCss(E)}
${E} { display: flex; flex-direction: column; gap: 6px; padding: 6px 0; max-width: 100%; }
${E} .nnw-toolbar { display: flex; flex-wrap: wrap; gap: 12px; align-items: center; color: var(--nnw-muted); }
${E} .nnw-toolbar label { display: inline-flex; gap: 6px; align-items: center; }
${E} select, ${E} input[type=number], ${E} button {
  font: inherit; color: var(--nnw-fg); background: var(--nnw-bg);
  border: 1px solid var(--nnw-border); border-radius: 3px; padding: 2px 6px;
}
${E} input[type=number] { width: 5em; }
${E} .nnw-stage { position: relative; align-self: flex-start; }
${E} canvas.nnw-scatter { display: block; border: 1px solid var(--nnw-border); cursor: crosshair; touch-action: none; }
${E} .nnw-box { position: absolute; border: 1px dashed var(--nnw-accent); background: rgba(25, 118, 210, 0.08);
  pointer-events: none; }
${E} .nnw-tip { position: absolute; pointer-events: none; background: var(--nnw-bg); color: var(--nnw-fg);
  border: 1px solid var(--nnw-border); border-radius: 3px; padding: 4px 6px; font-size: 12px; max-width: 260px;
  box-shadow: 0 1px 4px rgba(0, 0, 0, 0.2); white-space: pre-wrap; }
${E} .nnw-tip canvas { display: block; image-rendering: pixelated; margin-top: 3px; }
${E} .nnw-tip table { border-collapse: collapse; margin-top: 3px; }
${E} .nnw-tip td { padding: 0 4px; }
${E} .nnw-legend { display: flex; flex-wrap: wrap; gap: 8px; font-size: 12px; color: var(--nnw-muted); }
${E} .nnw-legend span.nnw-swatch { display: inline-block; width: 10px; height: 10px; margin-right: 3px;
  border-radius: 50%; vertical-align: -1px; }
${E} .nnw-progress { display: flex; gap: 8px; align-items: center; font-size: 12px; color: var(--nnw-muted); margin: 4px 0; }
${E} .nnw-progress[hidden], ${E} .nnw-stage[hidden] { display: none; }
${E} .nnw-progress-bar { width: 200px; accent-color: var(--nnw-accent); }
${E} .nnw-status { font-size: 12px; color: var(--nnw-muted); }
${E} .nnw-error { color: var(--nnw-error); white-space: pre-wrap; }
`;
