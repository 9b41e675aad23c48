// Styles of the image What-if view. The root also carries .nnw-whatif, so the
// tabular view's sheet (../style.ts, injected alongside) gives it the theme
// variables, buttons, toolbar, error box and prediction bars; every rule here
// is scoped to .nnw-whatif-image and only adds what the image editor needs.

export const IMAGE_STYLE_ID = "nnw-whatif-image-style";

const W = ".nnw-whatif.nnw-whatif-image";

export const IMAGE_CSS = `
${W} .nnw-tools { display: flex; flex-wrap: wrap; gap: 14px; align-items: center; }
${W} .nnw-control { display: inline-flex; gap: 6px; align-items: center; color: var(--nnw-muted); }
${W} .nnw-modes { display: inline-flex; }
${W} .nnw-modes button { padding: 2px 10px; }
${W} .nnw-modes button:first-child { border-radius: 3px 0 0 3px; }
${W} .nnw-modes button:last-child { border-radius: 0 3px 3px 0; margin-left: -1px; }
${W} .nnw-modes button.nnw-active {
  background: var(--nnw-accent); border-color: var(--nnw-accent); color: var(--jp-ui-inverse-font-color1, #fff);
}
${W} .nnw-brush { width: 100px; accent-color: var(--nnw-accent); }
${W} .nnw-occlusion { width: 180px; accent-color: var(--nnw-accent); }
${W} .nnw-opacity { width: 90px; accent-color: var(--nnw-accent); }
${W} .nnw-brush-value, ${W} .nnw-occlusion-value {
  min-width: 4.5em; font-variant-numeric: tabular-nums; color: var(--nnw-fg); font-size: 12px;
}
${W} select {
  font: inherit; color: var(--nnw-fg); background: var(--nnw-bg);
  border: 1px solid var(--nnw-border); border-radius: 3px; padding: 1px 2px;
}
${W} .nnw-figure { display: flex; flex-direction: column; gap: 4px; max-width: 100%; }
${W} .nnw-canvas {
  display: block; cursor: crosshair; image-rendering: pixelated; max-width: 100%; height: auto;
  outline: 1px solid var(--nnw-border);
  /* the canvas takes touch and pen strokes: the page must not scroll or zoom */
  touch-action: none; -webkit-user-select: none; user-select: none;
}
${W}[data-mode="erase"] .nnw-canvas { cursor: cell; }
${W}.nnw-busy .nnw-canvas { opacity: 0.85; transition: opacity 0.2s 0.15s; }
${W} .nnw-cbar { display: flex; align-items: center; gap: 6px; font-variant-numeric: tabular-nums; color: var(--nnw-muted); }
${W} .nnw-colorbar {
  flex: 1; min-width: 60px; height: 10px; image-rendering: pixelated; outline: 1px solid var(--nnw-border);
  background: repeating-conic-gradient(var(--nnw-bg2) 0 25%, var(--nnw-bg) 0 50%) 0 0 / 8px 8px;
}
/* width 0 + min-width 100%: text never widens the figure past the canvas (no stretched pixels) */
${W} .nnw-readout, ${W} .nnw-attr-head, ${W} .nnw-cbar {
  width: 0; min-width: 100%; white-space: nowrap; overflow: hidden; text-overflow: ellipsis;
}
${W} .nnw-readout { min-height: 1.4em; font-variant-numeric: tabular-nums; white-space: normal; }
${W} .nnw-readout.nnw-hint { color: var(--nnw-muted); font-style: italic; }
`;
