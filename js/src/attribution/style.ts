// Styles ship inside the bundle so the widget is a single offline .js file.
// The theme (colours, font, hidden) comes from lib/theme; every rule here is
// scoped to .nnw-attribution so it cannot restyle other views (they share
// class names such as .nnw-bar) on the same page.

import { themeCss } from "../lib/theme";

export const STYLE_ID = "nnw-attribution-style";

export const CSS = `${themeCss(".nnw-attribution", { bg2: "var(--jp-layout-color2, #f2f2f2)" })}
.nnw-attribution {
  display: inline-flex;
  flex-direction: column;
  gap: 6px;
  padding: 6px 0;
  max-width: 100%;
}
.nnw-attribution .nnw-toolbar { display: flex; flex-wrap: wrap; gap: 12px; align-items: center; }
.nnw-attribution .nnw-toolbar label { display: inline-flex; gap: 6px; align-items: center; color: var(--nnw-muted); }
.nnw-attribution .nnw-method {
  font: inherit; color: var(--nnw-fg); background: var(--nnw-bg);
  border: 1px solid var(--nnw-border); border-radius: 3px; padding: 2px 4px;
}
.nnw-attribution .nnw-opacity { width: 64px; accent-color: var(--nnw-accent); }
.nnw-attribution .nnw-body { display: flex; flex-wrap: wrap; gap: 14px; align-items: flex-start; }
/* the maps take the room beside the class bars and wrap their panels inside it:
   a fourth panel no longer pushes the bars below the maps */
.nnw-attribution .nnw-figure { display: flex; flex-direction: column; gap: 4px; max-width: 100%; position: relative; flex: 1 1 0; min-width: min(100%, 300px); }
.nnw-attribution .nnw-side { flex: none; }
.nnw-attribution .nnw-range-value { display: inline-block; min-width: 5.5em; font-size: 11px; color: var(--nnw-muted); font-variant-numeric: tabular-nums; }
.nnw-attribution .nnw-tip {
  position: absolute; z-index: 2; pointer-events: none; max-width: 460px; padding: 2px 5px; font-size: 11px;
  background: var(--nnw-bg); color: var(--nnw-fg); border: 1px solid var(--nnw-border); border-radius: 3px;
  box-shadow: 0 1px 3px rgba(0,0,0,0.25); font-variant-numeric: tabular-nums;
}
.nnw-attribution .nnw-canvas {
  display: block; cursor: crosshair; image-rendering: pixelated;
  max-width: 100%; height: auto; outline: 1px solid var(--nnw-border);
}
.nnw-attribution .nnw-cbar { display: flex; align-items: center; gap: 6px; font-variant-numeric: tabular-nums; color: var(--nnw-muted); }
.nnw-attribution .nnw-colorbar {
  flex: 1; min-width: 60px; height: 10px; image-rendering: pixelated;
  outline: 1px solid var(--nnw-border);
  /* a checkerboard shows where the colormap is transparent */
  background: repeating-conic-gradient(var(--nnw-bg2) 0 25%, var(--nnw-bg) 0 50%) 0 0 / 8px 8px;
}
.nnw-attribution .nnw-readout { width: 0; min-width: 100%; min-height: 1.4em; font-variant-numeric: tabular-nums; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.nnw-attribution .nnw-readout.nnw-hint { color: var(--nnw-muted); font-style: italic; }
.nnw-attribution .nnw-side { display: flex; flex-direction: column; gap: 3px; min-width: 180px; max-width: 280px; }
/* the heading wraps inside the width the class bars need, never widening the side (it took the compared table's room) */
.nnw-attribution .nnw-side-title { color: var(--nnw-muted); width: 0; min-width: 100%; }
.nnw-attribution .nnw-side[hidden] { display: none; }
.nnw-attribution .nnw-bars { display: flex; flex-direction: column; gap: 3px; }
.nnw-attribution .nnw-bar {
  position: relative; display: flex; justify-content: space-between; gap: 8px;
  width: 100%; padding: 3px 6px; font: inherit; color: var(--nnw-fg); text-align: left;
  background: var(--nnw-bg); border: 1px solid var(--nnw-border); border-radius: 3px;
  cursor: pointer; overflow: hidden;
}
.nnw-attribution .nnw-bar:hover { border-color: var(--nnw-accent); }
.nnw-attribution .nnw-bar:focus-visible { outline: 2px solid var(--nnw-accent); outline-offset: 1px; }
.nnw-attribution .nnw-bar-fill {
  position: absolute; left: 0; top: 0; bottom: 0;
  background: var(--nnw-accent); opacity: 0.18; pointer-events: none;
}
.nnw-attribution .nnw-bar-label, .nnw-attribution .nnw-bar-value { position: relative; }
.nnw-attribution .nnw-bar-label { min-width: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.nnw-attribution .nnw-bar-value { flex-shrink: 0; white-space: nowrap; font-variant-numeric: tabular-nums; color: var(--nnw-muted); }
.nnw-attribution .nnw-bar.nnw-target { border-color: var(--nnw-accent); box-shadow: inset 3px 0 0 var(--nnw-accent); font-weight: 600; }
/* on the value, not the label, so truncating a long label cannot hide it */
.nnw-attribution .nnw-bar.nnw-predicted .nnw-bar-value::before { content: "\\2605  "; color: var(--nnw-accent); }
.nnw-attribution .nnw-bar.nnw-pending { border-style: dashed; }
.nnw-attribution.nnw-busy .nnw-canvas { opacity: 0.75; transition: opacity 0.2s 0.15s; }
.nnw-attribution .nnw-status { color: var(--nnw-muted); }
.nnw-attribution .nnw-display { color: var(--nnw-muted); }
.nnw-attribution .nnw-display input[type=range] { width: 64px; accent-color: var(--nnw-accent); }
.nnw-attribution .nnw-display { gap: 10px; }
.nnw-attribution select { font: inherit; color: var(--nnw-fg); background: var(--nnw-bg); border: 1px solid var(--nnw-border); border-radius: 3px; padding: 1px 3px; }
.nnw-attribution .nnw-compare { display: inline-flex; flex-wrap: wrap; gap: 8px; align-items: center; color: var(--nnw-muted); }
.nnw-attribution .nnw-compare-item { display: inline-flex; gap: 3px; align-items: center; color: var(--nnw-fg); }
.nnw-attribution .nnw-options summary { cursor: pointer; color: var(--nnw-muted); }
.nnw-attribution .nnw-options[hidden] { display: none; }
.nnw-attribution .nnw-options-form { display: flex; flex-wrap: wrap; gap: 8px; align-items: flex-end; padding: 4px 0; }
.nnw-attribution .nnw-opt-group { border: 1px solid var(--nnw-border); border-radius: 3px; padding: 2px 6px; display: flex; gap: 8px; }
.nnw-attribution .nnw-opt-group legend { color: var(--nnw-muted); padding: 0 3px; }
.nnw-attribution .nnw-opt-group label { display: inline-flex; gap: 4px; align-items: center; }
.nnw-attribution .nnw-opt { width: 70px; font: inherit; }
.nnw-attribution .nnw-strip { display: flex; gap: 4px; overflow-x: auto; max-width: 100%; padding-bottom: 2px; }
.nnw-attribution .nnw-strip[hidden] { display: none; }
.nnw-attribution .nnw-example {
  display: inline-flex; flex-direction: column; align-items: center; gap: 2px; flex-shrink: 0;
  font: inherit; font-size: 11px; color: var(--nnw-fg); background: var(--nnw-bg);
  border: 1px solid var(--nnw-border); border-radius: 3px; padding: 2px 4px; cursor: pointer; max-width: 260px;
}
.nnw-attribution .nnw-example-label { max-width: 250px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.nnw-attribution .nnw-example.nnw-selected { border-color: var(--nnw-accent); box-shadow: inset 0 -3px 0 var(--nnw-accent); }
.nnw-attribution .nnw-example.nnw-pending { border-style: dashed; }
.nnw-attribution .nnw-thumb { width: 40px; height: auto; image-rendering: pixelated; }
.nnw-attribution .nnw-more { color: var(--nnw-muted); align-self: center; font-size: 11px; }
.nnw-attribution .nnw-maps { display: flex; flex-wrap: wrap; gap: 10px; align-items: flex-start; max-width: 100%; overflow-x: auto; }
.nnw-attribution .nnw-maps.nnw-text { flex-direction: column; }
.nnw-attribution .nnw-panel { display: flex; flex-direction: column; gap: 3px; min-width: 0; max-width: 100%; }
.nnw-attribution .nnw-panel-title { color: var(--nnw-muted); font-weight: 600; }
.nnw-attribution .nnw-table { display: flex; flex-direction: column; gap: 1px; width: 100%; }
/* Tables share the figure's width: each has a preferred width (a definite basis, so the
   view's own width does not collapse to the rows' minimum), grows into spare room and
   shrinks down to what keeps its names, values and numbers whole. The first table and a
   nameless compared one fit side by side in a 1400 px notebook; at 800 px they wrap. */
.nnw-attribution .nnw-maps.nnw-tabular .nnw-panel { flex: 1 1 auto; width: 440px; min-width: min(100%, 300px); max-width: min(100%, 640px); }
.nnw-attribution .nnw-maps.nnw-tabular .nnw-panel.nnw-main { min-width: min(100%, 350px); }
/* a compared table beside the first reads its names from it; wrapped below, it shows its own */
.nnw-attribution .nnw-maps.nnw-tabular .nnw-panel:not(.nnw-main):not(.nnw-own-names) { width: 240px; min-width: 170px; }
.nnw-attribution .nnw-panel:not(.nnw-main):not(.nnw-own-names) .nnw-fname { display: none; }
.nnw-attribution .nnw-fhead { display: flex; align-items: center; gap: 6px; color: var(--nnw-muted); font-size: 11px; height: 16px; }
.nnw-attribution .nnw-faxis { display: flex; justify-content: space-between; font-size: 10px; height: auto; }
.nnw-attribution .nnw-fsum { color: var(--nnw-muted); font-size: 11px; text-align: right; padding-top: 2px; border-top: 1px solid var(--nnw-border); }
.nnw-attribution .nnw-frow { display: flex; align-items: center; gap: 6px; height: 18px; font-variant-numeric: tabular-nums; cursor: default; }
.nnw-attribution .nnw-frow:hover { background: var(--nnw-bg2); }
.nnw-attribution .nnw-fname { width: 130px; flex: none; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.nnw-attribution .nnw-fvalue { width: 64px; flex: none; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; text-align: right; color: var(--nnw-muted); }
.nnw-attribution .nnw-ftrack { position: relative; flex: 1; height: 12px; min-width: 60px; }
.nnw-attribution .nnw-fzero { position: absolute; left: 50%; top: -2px; bottom: -2px; width: 1px; background: var(--nnw-muted); }
.nnw-attribution .nnw-fbar { position: absolute; top: 0; bottom: 0; border-radius: 1px; }
.nnw-attribution .nnw-fnum { width: 72px; flex: none; white-space: nowrap; text-align: right; font-size: 11px; color: var(--nnw-muted); }
.nnw-attribution .nnw-frow.nnw-masked .nnw-fnum { opacity: 0.5; }
.nnw-attribution .nnw-frow.nnw-rest { color: var(--nnw-muted); font-style: italic; }
.nnw-attribution .nnw-more-features {
  width: 130px; font: inherit; font-style: italic; color: var(--nnw-accent); background: none; border: none;
  padding: 0; text-align: left; cursor: pointer;
}
/* the waterfall: one shared track geometry per row, so base, f(x) and zero lines align and each step starts where the one below ends */
.nnw-attribution .nnw-waterfall { display: flex; flex-direction: column; gap: 1px; width: min(100%, 600px); padding-top: 6px; border-top: 1px solid var(--nnw-border); }
.nnw-attribution .nnw-waterfall[hidden] { display: none; }
.nnw-attribution .nnw-wtitle { color: var(--nnw-muted); font-weight: 600; }
.nnw-attribution .nnw-wnote, .nnw-attribution .nnw-wfoot, .nnw-attribution .nnw-waxis-label { color: var(--nnw-muted); font-size: 11px; }
.nnw-attribution .nnw-waxis-label { text-align: center; padding-left: 196px; }
.nnw-attribution .nnw-wrow, .nnw-attribution .nnw-whead { display: flex; align-items: center; gap: 6px; height: 18px; font-variant-numeric: tabular-nums; }
.nnw-attribution .nnw-whead { color: var(--nnw-muted); font-size: 10px; height: 14px; }
.nnw-attribution .nnw-wrow:hover { background: var(--nnw-bg2); }
.nnw-attribution .nnw-wend { color: var(--nnw-muted); }
.nnw-attribution .nnw-wname { width: 190px; flex: none; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.nnw-attribution .nnw-wrow.nnw-wrest .nnw-wname, .nnw-attribution .nnw-wrow.nnw-wgap .nnw-wname { font-style: italic; color: var(--nnw-muted); }
.nnw-attribution .nnw-wtrack { position: relative; flex: 1; min-width: 80px; height: 12px; }
.nnw-attribution .nnw-waxis { display: flex; justify-content: space-between; height: auto; }
.nnw-attribution .nnw-wzero-label { position: absolute; top: 0; transform: translateX(-50%); }
.nnw-attribution .nnw-wbar { position: absolute; top: 0; bottom: 0; min-width: 1px; border-radius: 1px; }
.nnw-attribution .nnw-wgap .nnw-wbar { background: repeating-linear-gradient(45deg, var(--nnw-muted) 0 2px, transparent 2px 5px); outline: 1px solid var(--nnw-muted); }
.nnw-attribution .nnw-wbase, .nnw-attribution .nnw-wfx, .nnw-attribution .nnw-wzero { position: absolute; top: -2px; bottom: -2px; width: 1px; }
.nnw-attribution .nnw-wbase { background: var(--nnw-fg); }
.nnw-attribution .nnw-wfx { border-left: 1px dashed var(--nnw-fg); width: 0; }
.nnw-attribution .nnw-wzero { background: var(--nnw-border); }
.nnw-attribution .nnw-wdot { position: absolute; top: 2px; width: 8px; height: 8px; margin-left: -4px; border-radius: 50%; background: var(--nnw-fg); }
.nnw-attribution .nnw-wnum { width: 72px; flex: none; white-space: nowrap; text-align: right; font-size: 11px; color: var(--nnw-muted); }
.nnw-attribution .nnw-tokens { display: flex; flex-wrap: wrap; gap: 2px 3px; max-width: 640px; line-height: 1.7; }
.nnw-attribution .nnw-token { padding: 0 3px; border-radius: 3px; border: 1px solid transparent; cursor: default; white-space: pre; }
.nnw-attribution .nnw-token.nnw-cont { margin-left: -3px; }
.nnw-attribution .nnw-token.nnw-pad { color: var(--nnw-muted, #888); font-style: italic; font-size: 0.85em; border-color: var(--nnw-border, #bbb); border-style: dashed; background: repeating-linear-gradient(135deg, transparent 0 3px, rgba(128, 128, 128, 0.28) 3px 5px); }
.nnw-attribution .nnw-token:hover { border-color: var(--nnw-fg); }
.nnw-attribution .nnw-scale-note { font-size: 11px; color: var(--nnw-muted); display: flex; flex-wrap: wrap; gap: 4px; align-items: center; max-width: 260px; }
.nnw-attribution .nnw-scale-toggle { font-size: 11px; }
.nnw-attribution .nnw-trust { border-top: 1px solid var(--nnw-border); padding-top: 4px; display: flex; flex-direction: column; gap: 4px; max-width: 820px; }
.nnw-attribution .nnw-trust[hidden] { display: none; }
.nnw-attribution .nnw-trust.nnw-stale { opacity: 0.6; }
.nnw-attribution .nnw-trust-title { font-weight: 600; color: var(--nnw-muted); }
.nnw-attribution .nnw-trust-grid { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-start; }
.nnw-attribution .nnw-trust table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
.nnw-attribution .nnw-trust th, .nnw-attribution .nnw-trust td { padding: 1px 6px; text-align: left; border-bottom: 1px solid var(--nnw-border); font-weight: normal; }
.nnw-attribution .nnw-trust th { color: var(--nnw-muted); }
.nnw-attribution .nnw-rho.nnw-warn { color: var(--nnw-error); font-weight: 600; }
.nnw-attribution .nnw-swatch { display: inline-block; width: 10px; height: 3px; margin-right: 5px; vertical-align: middle; }
.nnw-attribution .nnw-deletion { width: 300px; height: 150px; display: block; color: var(--nnw-muted); }
.nnw-attribution .nnw-caption { color: var(--nnw-muted); font-size: 11px; max-width: 300px; }
.nnw-attribution .nnw-legend { display: flex; flex-direction: column; gap: 1px; font-size: 11px; max-width: 300px; color: var(--nnw-muted); }
.nnw-attribution .nnw-legend-item { display: flex; align-items: center; gap: 4px; }
.nnw-attribution .nnw-legend-line { display: inline-block; width: 22px; border-top: 2px solid; flex: none; }
.nnw-attribution .nnw-dash-1, .nnw-attribution .nnw-dash-4, .nnw-attribution .nnw-dash-ref { border-top-style: dashed; }
.nnw-attribution .nnw-dash-2, .nnw-attribution .nnw-dash-5 { border-top-style: dotted; }
.nnw-attribution .nnw-summary { margin: 0; padding-left: 18px; }
.nnw-attribution .nnw-notes { margin: 2px 0; padding: 4px 8px 4px 24px; border-left: 3px solid #f9a825; background: var(--nnw-bg2); max-width: 820px; }
.nnw-attribution .nnw-bars.nnw-static .nnw-bar { cursor: default; }
.nnw-attribution .nnw-progress { display: flex; gap: 8px; align-items: center; color: var(--nnw-muted); }
.nnw-attribution .nnw-progress[hidden] { display: none; }
.nnw-attribution .nnw-progress-bar { width: 200px; accent-color: var(--nnw-accent); }
.nnw-attribution .nnw-progress-note { color: var(--nnw-fg); font-weight: 600; }
.nnw-attribution .nnw-progress-note[hidden] { display: none; }
.nnw-attribution .nnw-cancel {
  font: inherit; color: var(--nnw-fg); background: var(--nnw-bg); border: 1px solid var(--nnw-border);
  border-radius: 3px; padding: 1px 8px; cursor: pointer;
}
.nnw-attribution .nnw-error {
  color: var(--nnw-fg); background: rgba(211, 47, 47, 0.1);
  border: 1px solid var(--nnw-error); border-left-width: 4px; border-radius: 3px;
  padding: 4px 8px; white-space: pre-wrap; max-width: 600px;
}
.nnw-attribution .nnw-error[hidden] { display: none; }
`;
