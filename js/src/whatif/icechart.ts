// Canvas drawing of the ICE curve (this input), the partial dependence
// (average over the reference data, dashed), the current value (solid
// vertical line), the original value (dotted) and a hover marker. The numbers
// come from ice.ts so drawing and hover agree.

import { formatValue } from "../lib/hover";
import { iceScales, plotBox, xToPx, yToPx, type IceScales } from "./ice";

export const ICE_WIDTH = 300;
export const ICE_HEIGHT = 170;

export interface IceData {
  name: string;
  values: ArrayLike<number>;
  outputs: ArrayLike<number>;
  pdp: ArrayLike<number> | null;
  current: number;
  original: number;
  /** Slider range of the feature, so both marks fit on the x axis. */
  range: [number, number];
}

export interface Colors {
  fg: string;
  muted: string;
  grid: string;
  line: string;
  pdp: string;
  current: string;
}

/** Theme colours from the view's CSS variables (light fallbacks outside Lab). */
export function themeColors(el: Element): Colors {
  const css = getComputedStyle(el);
  const v = (name: string, fallback: string): string => css.getPropertyValue(name).trim() || fallback;
  return {
    fg: v("--nnw-fg", "#222"),
    muted: v("--nnw-muted", "#666"),
    grid: v("--nnw-border", "#ddd"),
    line: v("--nnw-accent", "#1976d2"),
    pdp: v("--nnw-muted", "#666"),
    current: v("--nnw-pos", "#d6604d"),
  };
}

function path(ctx: CanvasRenderingContext2D, s: IceScales, xs: ArrayLike<number>, ys: ArrayLike<number>): void {
  ctx.beginPath();
  let pen = false;
  for (let i = 0; i < Math.min(xs.length, ys.length); i++) {
    const x = xs[i]!;
    const y = ys[i]!;
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      pen = false; // a gap instead of a line through a NaN
      continue;
    }
    if (pen) ctx.lineTo(xToPx(s, x), yToPx(s, y));
    else ctx.moveTo(xToPx(s, x), yToPx(s, y));
    pen = true;
  }
  ctx.stroke();
}

function vline(ctx: CanvasRenderingContext2D, s: IceScales, v: number, dash: number[]): void {
  if (!Number.isFinite(v) || v < s.x0 || v > s.x1) return;
  const x = Math.round(xToPx(s, v)) + 0.5;
  ctx.setLineDash(dash);
  ctx.beginPath();
  ctx.moveTo(x, s.box.top);
  ctx.lineTo(x, s.box.top + s.box.height);
  ctx.stroke();
  ctx.setLineDash([]);
}

function text(ctx: CanvasRenderingContext2D, t: string, x: number, y: number, align: CanvasTextAlign): void {
  ctx.textAlign = align;
  ctx.fillText(t, x, y);
}

/**
 * Draw the chart at CSS size ICE_WIDTH×ICE_HEIGHT, sharp on high-DPI
 * screens. Returns the scales used, for hover. `hover` is a grid index.
 */
export function drawIce(
  canvas: HTMLCanvasElement,
  d: IceData | null,
  colors: Colors,
  hover: number | null = null,
): IceScales | null {
  const dpr = Math.max(1, Math.min(3, window.devicePixelRatio || 1));
  const w = ICE_WIDTH;
  const hgt = ICE_HEIGHT;
  if (canvas.width !== Math.round(w * dpr)) canvas.width = Math.round(w * dpr);
  if (canvas.height !== Math.round(hgt * dpr)) canvas.height = Math.round(hgt * dpr);
  canvas.style.width = `${w}px`;
  canvas.style.height = `${hgt}px`;
  const ctx = canvas.getContext("2d");
  if (!ctx) return null;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, hgt);
  ctx.font = "11px system-ui, sans-serif";
  ctx.textBaseline = "alphabetic";
  if (!d || d.values.length === 0) {
    ctx.fillStyle = colors.muted;
    text(ctx, "click a feature name to see its ICE curve", w / 2, hgt / 2, "center");
    return null;
  }
  const s = iceScales(d.values, d.outputs, d.pdp ?? [], plotBox(w, hgt), d.range);
  const { left, top, width, height } = s.box;

  // frame and the y grid at the domain's ends and middle
  ctx.strokeStyle = colors.grid;
  ctx.lineWidth = 1;
  ctx.strokeRect(left + 0.5, top + 0.5, width - 1, height - 1);
  const yMid = (s.y0 + s.y1) / 2;
  ctx.beginPath();
  ctx.moveTo(left, Math.round(yToPx(s, yMid)) + 0.5);
  ctx.lineTo(left + width, Math.round(yToPx(s, yMid)) + 0.5);
  ctx.stroke();

  // axis labels: y range, x range and the feature's name
  ctx.fillStyle = colors.muted;
  const yFmt = (v: number): string => (s.y0 === 0 && s.y1 === 1 ? `${Math.round(v * 100)}%` : formatValue(v));
  text(ctx, yFmt(s.y1), left - 4, top + 9, "right");
  text(ctx, yFmt(yMid), left - 4, yToPx(s, yMid) + 4, "right");
  text(ctx, yFmt(s.y0), left - 4, top + height, "right");
  text(ctx, formatValue(s.x0), left, top + height + 13, "left");
  text(ctx, formatValue(s.x1), left + width, top + height + 13, "right");
  ctx.fillStyle = colors.fg;
  const name = d.name.length > 34 ? `${d.name.slice(0, 33)}…` : d.name;
  text(ctx, name, left + width / 2, top + height + 26, "center");

  ctx.save();
  ctx.beginPath();
  ctx.rect(left, top, width, height);
  ctx.clip();
  ctx.lineWidth = 1.5;
  if (d.pdp) {
    ctx.strokeStyle = colors.pdp;
    ctx.setLineDash([5, 4]);
    path(ctx, s, d.values, d.pdp);
    ctx.setLineDash([]);
  }
  ctx.strokeStyle = colors.line;
  ctx.lineWidth = 2;
  path(ctx, s, d.values, d.outputs);
  ctx.lineWidth = 1;
  ctx.strokeStyle = colors.muted;
  vline(ctx, s, d.original, [2, 3]);
  ctx.strokeStyle = colors.current;
  ctx.lineWidth = 1.5;
  vline(ctx, s, d.current, []);
  if (hover !== null && hover < d.values.length) {
    const x = xToPx(s, d.values[hover]!);
    ctx.strokeStyle = colors.grid;
    ctx.lineWidth = 1;
    vline(ctx, s, d.values[hover]!, [1, 2]);
    for (const [arr, color] of [[d.outputs, colors.line], [d.pdp, colors.pdp]] as const) {
      const y = arr ? arr[hover]! : NaN;
      if (!Number.isFinite(y)) continue;
      ctx.fillStyle = color;
      ctx.beginPath();
      ctx.arc(x, yToPx(s, y), 3.5, 0, 2 * Math.PI);
      ctx.fill();
    }
  }
  ctx.restore();
  return s;
}
