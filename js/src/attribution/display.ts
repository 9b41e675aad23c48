// Display settings: palette, opacity, threshold, top %, |abs| and zoom. Python
// may set them (the traits), the view's own controls change them locally; no
// setting ever asks the kernel, they only recolour the maps already here.

import { clamp, finiteOr } from "../lib/numbers";
import type { MaskSettings } from "./mask";
import type { DrawState } from "./state";
import type { AttributionModel } from "./traits";

export interface Display extends MaskSettings {
  palette: string;
  opacity: number;
  zoom: number;
}

/** The zoom choices of the menu; a zoom set from Python shows as the nearest. */
export const ZOOMS = [0.5, 1, 1.5, 2, 3, 4];

export const clampOpacity = (v: number): number => clamp(v, 0, 1);
export const clampThreshold = (v: number): number => clamp(v, 0, 1);
export const clampTop = (v: number): number => clamp(v, 0, 100);
export const clampZoom = (v: number): number => clamp(v, 0.25, 8);

export function readDisplay(t: AttributionModel): Display {
  return {
    palette: String(t.get("colormap") ?? "red-blue"),
    opacity: clampOpacity(finiteOr(t.get("opacity"), 0.85)),
    threshold: clampThreshold(finiteOr(t.get("threshold"), 0)),
    topPercent: clampTop(finiteOr(t.get("top_percent"), 100)),
    absolute: t.get("absolute") === true,
    zoom: clampZoom(finiteOr(t.get("zoom"), 1)),
  };
}

/** The menu entry closest to `zoom`. */
export function nearestZoom(zoom: number): number {
  return ZOOMS.reduce((a, b) => (Math.abs(b - zoom) < Math.abs(a - zoom) ? b : a));
}

/** The colour table for the chosen palette (the first one Python sent when it is unknown). */
export function lutFor(s: DrawState, d: Display): ArrayLike<number> {
  const p = s.palettes[d.palette] ?? Object.values(s.palettes)[0]!;
  return d.absolute ? p.unsigned : p.signed;
}
