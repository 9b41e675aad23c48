// Styles of the What-if view, shipped inside the bundle (one offline .js
// file). The theme (colours, font, hidden) comes from lib/theme; every rule
// is scoped to .nnw-whatif. The image editor's root carries .nnw-whatif too,
// so it gets these rules and adds its own (./image/style.ts).

import { themeCss } from "../lib/theme";
import { THUMB_PX } from "./scale";

export const STYLE_ID = "nnw-whatif-style";

const W = ".nnw-whatif";

export const CSS = `${themeCss(W)}
${W} {
  --nnw-pos: #d6604d;
  --nnw-neg: #4393c3;
  display: inline-flex; flex-direction: column; gap: 6px;
  padding: 6px 0; max-width: 100%;
}
${W} button {
  font: inherit; color: var(--nnw-fg); background: var(--nnw-bg);
  border: 1px solid var(--nnw-border); border-radius: 3px; cursor: pointer;
}
${W} button:hover { border-color: var(--nnw-accent); }
${W} button:focus-visible, ${W} [role="button"]:focus-visible, ${W} select:focus-visible {
  outline: 2px solid var(--nnw-accent); outline-offset: 1px;
}
${W} .nnw-toolbar { display: flex; flex-wrap: wrap; gap: 12px; align-items: center; }
${W} .nnw-reset { padding: 2px 10px; }
${W} .nnw-sort-label { display: inline-flex; gap: 4px; align-items: center; color: var(--nnw-muted); cursor: pointer; }
${W} .nnw-status { color: var(--nnw-muted); margin-left: auto; }
${W}.nnw-busy .nnw-status { color: var(--nnw-accent); }
${W} .nnw-error {
  color: var(--nnw-fg); background: rgba(211, 47, 47, 0.1);
  border: 1px solid var(--nnw-error); border-left-width: 4px; border-radius: 3px;
  padding: 4px 8px; white-space: pre-wrap; max-width: 760px;
}
${W} .nnw-body { display: flex; flex-wrap: wrap; gap: 18px; align-items: flex-start; }
${W} .nnw-left { flex: 1 1 480px; min-width: min(100%, 350px); max-width: 640px; }
${W} .nnw-method-line { color: var(--nnw-muted); font-size: 12px; margin-bottom: 3px; }
${W} .nnw-method-line.nnw-preview-line { color: var(--nnw-fg); font-style: italic; }
${W}.nnw-preview .nnw-attr-fill { opacity: 0.6; outline: 1px dashed var(--nnw-muted); outline-offset: -1px; }
${W} .nnw-right { flex: 0 0 300px; width: 300px; display: flex; flex-direction: column; gap: 4px; }
${W} .nnw-section-title { color: var(--nnw-muted); margin-top: 6px; }
${W} .nnw-section-title:first-child { margin-top: 0; }
${W} .nnw-features-head, ${W} .nnw-feature {
  display: grid; gap: 8px; align-items: center;
  /* names and bars grow to their widths first, the slider takes what is left: in a narrow
     output area (an 800 px notebook beside its file browser) the slider gives way, and the
     names keep their room */
  grid-template-columns: minmax(104px, 140px) minmax(56px, 1fr) 66px minmax(96px, 136px);
}
${W} .nnw-features-head { color: var(--nnw-muted); padding: 0 6px 3px 0; border-bottom: 1px solid var(--nnw-border); }
${W} .nnw-head-value { text-align: right; }
${W} .nnw-features {
  display: flex; flex-direction: column; max-height: 440px; overflow-y: auto; padding-right: 6px;
}
${W} .nnw-feature { padding: 2px 0; border-bottom: 1px solid transparent; }
${W} .nnw-feature:hover { background: var(--nnw-bg2); }
${W} .nnw-feature-name {
  overflow: hidden; text-overflow: ellipsis; white-space: nowrap; cursor: pointer; border-radius: 2px;
}
${W} .nnw-feature-name:hover { color: var(--nnw-accent); text-decoration: underline; }
${W} .nnw-feature.nnw-ice-selected { box-shadow: inset 3px 0 0 var(--nnw-accent); }
${W} .nnw-feature.nnw-ice-selected .nnw-feature-name { color: var(--nnw-accent); font-weight: 600; padding-left: 6px; }
${W} .nnw-slider-wrap { position: relative; height: 20px; min-width: 0; }
${W} .nnw-slider-wrap.nnw-cat { display: flex; gap: 6px; align-items: center; }
${W} .nnw-slider {
  -webkit-appearance: none; appearance: none; position: relative; display: block;
  width: 100%; height: 20px; margin: 0; padding: 0; background: transparent; cursor: pointer;
}
${W} .nnw-slider:focus { outline: none; }
${W} .nnw-slider:focus-visible { outline: 2px solid var(--nnw-accent); outline-offset: 1px; }
${W} .nnw-slider::-webkit-slider-runnable-track {
  height: 4px; background: var(--nnw-border); border-radius: 2px;
}
${W} .nnw-slider::-moz-range-track { height: 4px; background: var(--nnw-border); border-radius: 2px; }
${W} .nnw-slider::-webkit-slider-thumb {
  -webkit-appearance: none; appearance: none; width: ${THUMB_PX}px; height: ${THUMB_PX}px;
  margin-top: ${(4 - THUMB_PX) / 2}px; border: none; border-radius: 50%; background: var(--nnw-accent);
}
${W} .nnw-slider::-moz-range-thumb {
  width: ${THUMB_PX}px; height: ${THUMB_PX}px; border: none; border-radius: 50%; background: var(--nnw-accent);
}
${W} .nnw-slider-wrap:not(.nnw-cat) .nnw-original-mark, ${W} .nnw-mean-mark {
  position: absolute; width: 2px; margin-left: -1px; pointer-events: none; border-radius: 1px;
}
${W} .nnw-slider-wrap:not(.nnw-cat) .nnw-original-mark { top: 1px; height: 18px; background: var(--nnw-fg); opacity: 0.7; }
${W} .nnw-mean-mark { top: 6px; height: 8px; background: var(--nnw-faint); opacity: 0.9; }
${W} .nnw-select {
  flex: 1; min-width: 0; font: inherit; color: var(--nnw-fg); background: var(--nnw-bg);
  border: 1px solid var(--nnw-border); border-radius: 3px; padding: 1px 2px;
}
${W} .nnw-cat .nnw-original-mark { color: var(--nnw-muted); font-size: 11px; white-space: nowrap; }
${W} .nnw-value { text-align: right; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; font-variant-numeric: tabular-nums; }
${W} .nnw-feature.nnw-changed .nnw-value { font-weight: 600; }
${W} .nnw-attr, ${W} .nnw-taylor-row { display: grid; grid-template-columns: 1fr 62px; gap: 4px; align-items: center; }
${W} .nnw-track { position: relative; height: 14px; background: var(--nnw-bg2); border-radius: 2px; }
${W} .nnw-attr-axis { position: absolute; left: 50%; top: 0; bottom: 0; width: 1px; background: var(--nnw-faint); }
${W} .nnw-attr-fill { position: absolute; top: 2px; bottom: 2px; background: var(--nnw-pos); border-radius: 1px; }
${W} .nnw-attr-fill.nnw-neg { background: var(--nnw-neg); }
${W} .nnw-attr-fill.nnw-estimate { opacity: 0.5; }
${W} .nnw-attr-num, ${W} .nnw-taylor-num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; font-size: 12px; }
${W} .nnw-bars { display: flex; flex-direction: column; gap: 3px; }
${W} .nnw-bar {
  position: relative; display: flex; justify-content: space-between; gap: 8px;
  width: 100%; padding: 3px 6px; text-align: left; overflow: hidden;
}
${W} .nnw-bar-fill, ${W} .nnw-bar-ghost { position: absolute; left: 0; top: 0; bottom: 0; pointer-events: none; }
${W} .nnw-bar-fill { background: var(--nnw-accent); opacity: 0.2; }
${W} .nnw-bar-ghost { border: 1px dashed var(--nnw-muted); border-radius: 2px; opacity: 0.7; }
${W} .nnw-bar-label, ${W} .nnw-bar-value { position: relative; }
${W} .nnw-bar-label { min-width: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
${W} .nnw-bar-value { flex-shrink: 0; white-space: nowrap; font-variant-numeric: tabular-nums; color: var(--nnw-muted); }
${W} .nnw-bar.nnw-target { border-color: var(--nnw-accent); box-shadow: inset 3px 0 0 var(--nnw-accent); font-weight: 600; }
${W} .nnw-bar.nnw-predicted .nnw-bar-value::before { content: "\\2605  "; color: var(--nnw-accent); }
${W} .nnw-bar.nnw-pending { border-style: dashed; }
${W} .nnw-counterfactual {
  margin-top: 4px; padding: 4px 8px; text-align: left; white-space: normal;
  border-color: var(--nnw-accent); color: var(--nnw-accent);
}
${W} .nnw-taylor { display: flex; flex-direction: column; gap: 3px; }
${W} .nnw-taylor-row { grid-template-columns: 58px 1fr 62px; }
${W} .nnw-taylor-name { color: var(--nnw-muted); }
${W} .nnw-taylor-diff { font-variant-numeric: tabular-nums; }
${W} .nnw-note { color: var(--nnw-muted); font-size: 11px; line-height: 1.3; }
${W} .nnw-ice { display: block; cursor: crosshair; max-width: 100%; }
${W} .nnw-ice-readout { min-height: 1.4em; color: var(--nnw-muted); font-variant-numeric: tabular-nums; font-size: 12px; }
`;
